// Server::apply(RuntimeEdit): a valid edit reaches the device table, the
// target registry and ALUA; a refused or failing edit changes nothing.
#include <gtest/gtest.h>

#include "server/runtime.h"
#include "server/server.h"

namespace esan::server {
namespace {

constexpr std::string_view kConf = R"(
HANDLER vdisk_nullio { DEVICE n0 { size_mb 8 }
  DEVICE n1 { size_mb 8 } }
TARGET_DRIVER iscsi {
  enabled 1
  TARGET iqn.keep { enabled 1
    LUN 0 n0
    LUN 1 n1 }
}
)";

class RuntimeEditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cfg = config::parse_config(kConf, "t.conf");
    ASSERT_TRUE(cfg) << cfg.error().message;
    cfg_ = *cfg;
    auto rt = build_runtime(cfg_, "t.conf");
    ASSERT_TRUE(rt) << rt.error().message;
    ServerOptions opts;
    opts.listen = {"127.0.0.1:0"};
    auto s = Server::start(std::move(*rt), opts);
    ASSERT_TRUE(s) << s.error().message;
    server_ = std::move(*s);
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  std::shared_ptr<scsi::LogicalUnit> lu(const std::string& name) const {
    const auto& d = server_->runtime().devices;
    auto it = d.find(name);
    return it == d.end() ? nullptr : it->second;
  }
  std::shared_ptr<scsi::LogicalUnit> open(const std::string& name, uint64_t size_mb) {
    config::DeviceConfig d;
    d.name = name;
    d.handler = config::Handler::kNullIo;
    d.size_bytes = size_mb << 20;
    auto r = open_device(d, "");
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : nullptr;
  }
  // The target table of `text` (a whole config) over `devices`.
  std::vector<iscsi::TargetEntry> targets_of(std::string_view text, const DeviceTable& devices) {
    auto cfg = config::parse_config(text, "next.conf");
    EXPECT_TRUE(cfg) << cfg.error().message;
    Runtime scratch;
    scratch.devices = devices;
    return build_targets(*cfg, scratch, server_->runtime().targets);
  }
  size_t luns_seen(std::string_view target) const {
    return server_->context().targets.luns_for(target, "iqn.initiator")->size();
  }

  config::Config cfg_;
  std::unique_ptr<Server> server_;
};

TEST_F(RuntimeEditTest, AddsADeviceAndATargetTable) {
  auto n2 = open("n2", 4);
  RuntimeEdit e;
  e.add_devices["n2"] = n2;
  DeviceTable after = server_->runtime().devices;
  after["n2"] = n2;
  e.targets = targets_of(R"(HANDLER vdisk_nullio { DEVICE n0 { size_mb 8 }
    DEVICE n1 { size_mb 8 }
    DEVICE n2 { size_mb 4 } }
  TARGET_DRIVER iscsi { enabled 1
    TARGET iqn.keep { enabled 1
      LUN 0 n0
      LUN 1 n1 }
    TARGET iqn.new { enabled 1
      LUN 7 n2 } })",
                         after);
  auto removed = server_->apply(std::move(e));
  ASSERT_TRUE(removed) << removed.error().message;
  EXPECT_TRUE(removed->empty());
  EXPECT_EQ(lu("n2"), n2);
  EXPECT_EQ(server_->device_count(), 3u);
  auto map = server_->context().targets.luns_for("iqn.new", "iqn.initiator");
  ASSERT_EQ(map->size(), 1u);
  EXPECT_EQ(map->at(7).lu, n2);
  EXPECT_EQ(luns_seen("iqn.keep"), 2u);
}

TEST_F(RuntimeEditTest, RemovesADeviceAndReturnsIt) {
  auto n1 = lu("n1");
  RuntimeEdit e;
  e.remove_devices.insert("n1");
  DeviceTable after = server_->runtime().devices;
  after.erase("n1");
  e.targets = targets_of(R"(HANDLER vdisk_nullio { DEVICE n0 { size_mb 8 } }
  TARGET_DRIVER iscsi { enabled 1
    TARGET iqn.keep { enabled 1
      LUN 0 n0 } })",
                         after);
  auto removed = server_->apply(std::move(e));
  ASSERT_TRUE(removed) << removed.error().message;
  ASSERT_EQ(removed->size(), 1u);
  EXPECT_EQ(removed->at("n1"), n1);
  EXPECT_FALSE(lu("n1"));
  EXPECT_EQ(luns_seen("iqn.keep"), 1u);
}

TEST_F(RuntimeEditTest, RefusedEditsChangeNothing) {
  auto n0 = lu("n0"), n1 = lu("n1");
  const uint64_t n0_blocks = n0->num_blocks();
  auto unchanged = [&] {
    EXPECT_EQ(lu("n0"), n0);
    EXPECT_EQ(lu("n1"), n1);
    EXPECT_EQ(server_->device_count(), 2u);
    EXPECT_EQ(n0->num_blocks(), n0_blocks);
    EXPECT_EQ(luns_seen("iqn.keep"), 2u);
    EXPECT_FALSE(server_->context().targets.find("iqn.new", "iqn.initiator"));
  };
  auto refused = [&](RuntimeEdit e, std::string_view what) {
    auto r = server_->apply(std::move(e));
    ASSERT_FALSE(r) << what;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument) << what << ": " << r.error().message;
    unchanged();
  };
  {
    RuntimeEdit e;  // a device that does not run, with a resize that would succeed
    e.remove_devices.insert("ghost");
    e.resizes.push_back({n0, n0_blocks * 512, 2 * n0_blocks * 512});
    refused(std::move(e), "remove unknown");
  }
  {
    RuntimeEdit e;  // a running name added without removing it
    e.add_devices["n1"] = open("n1", 2);
    refused(std::move(e), "add running name");
  }
  {
    RuntimeEdit e;  // n1 removed, but the (unchanged) target table still maps it
    e.remove_devices.insert("n1");
    refused(std::move(e), "target maps a removed LU");
  }
  {
    RuntimeEdit e;  // a new target mapping an LU the edit does not add
    auto stray = open("stray", 1);
    DeviceTable with_stray = server_->runtime().devices;
    with_stray["stray"] = stray;
    e.targets = targets_of(R"(HANDLER vdisk_nullio { DEVICE n0 { size_mb 8 }
      DEVICE n1 { size_mb 8 }
      DEVICE stray { size_mb 1 } }
    TARGET_DRIVER iscsi { enabled 1
      TARGET iqn.keep { enabled 1
        LUN 0 n0
        LUN 1 n1 }
      TARGET iqn.new { enabled 1
        LUN 0 stray } })",
                           with_stray);
    refused(std::move(e), "target maps an LU not added");
  }
  {
    RuntimeEdit e;  // an ALUA state for a device group that does not run
    e.alua_states.push_back({"dg", "tg", "standby"});
    refused(std::move(e), "unknown device group");
  }
}

TEST_F(RuntimeEditTest, AFailedResizeUndoesTheOthersAndAppliesNothing) {
  auto n0 = lu("n0"), n1 = lu("n1");
  const uint64_t bytes = n0->num_blocks() * n0->block_size();
  RuntimeEdit e;
  e.resizes.push_back({n0, bytes, 2 * bytes});
  e.resizes.push_back({n1, bytes, 100});  // below one block: LogicalUnit::resize refuses
  scsi::LuConfig attrs = lu_config(*cfg_.find_device("n0"));
  attrs.read_only = true;
  e.updates.push_back({n0, attrs});
  e.targets = targets_of(R"(HANDLER vdisk_nullio { DEVICE n0 { size_mb 8 }
    DEVICE n1 { size_mb 8 } }
  TARGET_DRIVER iscsi { enabled 1
    TARGET iqn.keep { enabled 1
      LUN 0 n0 }
    TARGET iqn.new { enabled 1
      LUN 0 n1 } })",
                         server_->runtime().devices);
  auto r = server_->apply(std::move(e));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("device 'n1': resize"), std::string::npos) << r.error().message;
  EXPECT_EQ(n0->num_blocks() * n0->block_size(), bytes) << "the first resize was undone";
  EXPECT_EQ(n1->num_blocks() * n1->block_size(), bytes);
  EXPECT_FALSE(n0->read_only()) << "no update after a failed resize";
  EXPECT_EQ(luns_seen("iqn.keep"), 2u);
  EXPECT_FALSE(server_->context().targets.find("iqn.new", "iqn.initiator"));
}

TEST_F(RuntimeEditTest, InstallsDeviceGroupsThenStates) {
  config::DeviceGroupConfig dg;
  dg.name = "dg";
  dg.devices = {"n0"};
  auto keep_id = server_->context().targets.rel_tgt_id("iqn.keep");
  auto group = scsi::make_device_group(
      "dg", {scsi::TargetPortGroupSpec{"tg", 1, scsi::AluaState::kActiveOptimized, {keep_id}}});
  ASSERT_TRUE(group) << group.error().message;
  RuntimeEdit e;
  e.device_groups = RuntimeEdit::DeviceGroups{{dg}, {*group}};
  e.alua_states.push_back({"dg", "tg", "standby"});
  auto r = server_->apply(std::move(e));
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(lu("n0")->alua_group(), group->get());
  EXPECT_EQ(lu("n1")->alua_group(), nullptr);
  auto running = server_->alua()->find("dg");
  ASSERT_EQ(running, *group);
  EXPECT_EQ(running->group_by_name("tg")->state(), scsi::AluaState::kStandby);
  EXPECT_EQ(luns_seen("iqn.keep"), 2u) << "no target table in the edit: registry untouched";

  RuntimeEdit drop;  // no groups at all: n0 leaves its group
  drop.device_groups = RuntimeEdit::DeviceGroups{};
  ASSERT_TRUE(server_->apply(std::move(drop)));
  EXPECT_EQ(lu("n0")->alua_group(), nullptr);
  EXPECT_FALSE(server_->alua()->find("dg"));
}

}  // namespace
}  // namespace esan::server
