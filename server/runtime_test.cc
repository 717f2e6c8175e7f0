// build_runtime(): ALUA device groups from the config, rel_tgt_id
// assignment around the other node's ports, and the runtime state API.
#include "server/runtime.h"

#include <gtest/gtest.h>

namespace esan::server {
namespace {

constexpr std::string_view kConf = R"(
HANDLER vdisk_nullio { DEVICE d1 { size_mb 1 }
  DEVICE d2 { size_mb 1 }
  DEVICE solo { size_mb 1 } }
TARGET_DRIVER iscsi {
  enabled 1
  TARGET iqn.t1 { enabled 1
    LUN 0 d1 }
  TARGET iqn.t2 { enabled 1
    rel_tgt_id 5
    LUN 0 d1 }
}
DEVICE_GROUP dg {
  DEVICE d1
  DEVICE d2
  TARGET_GROUP local { group_id 10
    state active
    TARGET iqn.t1 }
  TARGET_GROUP peer { group_id 20
    state standby
    TARGET iqn.t2
    TARGET iqn.other-node { rel_tgt_id 1 } }
}
)";

Runtime build() {
  auto cfg = config::parse_config(kConf, "t.conf");
  EXPECT_TRUE(cfg.has_value()) << (cfg ? "" : cfg.error().message);
  auto rt = build_runtime(*cfg, "t.conf");
  EXPECT_TRUE(rt.has_value()) << (rt ? "" : rt.error().message);
  return std::move(*rt);
}

TEST(RuntimeAlua, DeviceGroupsAreBuiltWithResolvedPorts) {
  Runtime rt = build();
  ASSERT_EQ(rt.targets.size(), 2u);
  EXPECT_EQ(rt.targets[0].rel_tgt_id, 2) << "1 belongs to the other node's port";
  EXPECT_EQ(rt.targets[1].rel_tgt_id, 5);
  auto dg = rt.alua->find("dg");
  ASSERT_TRUE(dg);
  ASSERT_EQ(dg->size(), 2u);
  EXPECT_EQ(dg->group(0).name(), "local");
  EXPECT_EQ(dg->group(0).group_id(), 10);
  EXPECT_EQ(dg->group(0).state(), scsi::AluaState::kActiveOptimized);
  EXPECT_EQ(dg->group(0).rel_tgt_ids(), std::vector<uint16_t>{2});
  EXPECT_EQ(dg->group(1).state(), scsi::AluaState::kStandby);
  EXPECT_EQ(dg->group(1).rel_tgt_ids(), (std::vector<uint16_t>{5, 1}));
  EXPECT_EQ(rt.devices.at("d1")->alua_group(), dg.get());
  EXPECT_EQ(rt.devices.at("d2")->alua_group(), dg.get());
  EXPECT_EQ(rt.devices.at("solo")->alua_group(), nullptr);
}

TEST(RuntimeAlua, SetTargetGroupStateValidatesAndApplies) {
  Runtime rt = build();
  auto dg = rt.alua->find("dg");
  ASSERT_TRUE(set_target_group_state(rt, "dg", "peer", "active").has_value());
  EXPECT_EQ(dg->group_by_name("peer")->state(), scsi::AluaState::kActiveOptimized);
  auto e = set_target_group_state(rt, "dg", "peer", "sleepy");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::kInvalidArgument);
  e = set_target_group_state(rt, "dg", "nobody", "standby");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::kNotFound);
  e = set_target_group_state(rt, "nodg", "peer", "standby");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code, Errc::kNotFound);
  EXPECT_EQ(dg->group_by_name("peer")->state(), scsi::AluaState::kActiveOptimized);
}

}  // namespace
}  // namespace esan::server
