// mgmt/edits.h: each operation's own checks, status codes and effects.
#include "mgmt/edits.h"

#include <gtest/gtest.h>

namespace esan::mgmt::edits {
namespace {

Config base() {
  auto c = config::parse_config(R"(
HANDLER vdisk_nullio {
  DEVICE n0 { size_mb 8 }
  DEVICE n1 { size_mb 8 }
}
TARGET_DRIVER iscsi {
  enabled 1
  TARGET iqn.t1 {
    enabled 1
    LUN 0 n0
    GROUP g1 {
      LUN 0 n1
      INITIATOR iqn.i1
    }
    GROUP g2 {
    }
  }
}
DEVICE_GROUP dg {
  DEVICE n1
  TARGET_GROUP tg { group_id 1
    TARGET iqn.t1 }
}
)",
                                "test");
  EXPECT_TRUE(c) << c.error().message;
  return *c;
}

Errc code(const Status& s) { return s ? Errc::kInternal : s.error().code; }

TEST(Edits, Devices) {
  Config c = base();
  EXPECT_EQ(code(add_device(c, "n0", "vdisk_nullio", {})), Errc::kExists);
  EXPECT_EQ(code(add_device(c, "x", "vdisk_fileio", {{"filename", "rel"}})), Errc::kInvalidArgument);
  EXPECT_EQ(code(add_device(c, "x", "vdisk_tape", {})), Errc::kInvalidArgument);
  ASSERT_TRUE(add_device(c, "x", "vdisk_nullio", {{"size_mb", "4"}, {"read_only", "1"}}));
  EXPECT_EQ(c.devices.back().size_bytes, 4u << 20);
  EXPECT_TRUE(c.devices.back().read_only);

  Config before = c;
  auto busy = remove_device(c, "n0", false);
  EXPECT_EQ(code(busy), Errc::kBusy);
  EXPECT_NE(busy.error().message.find("target 'iqn.t1' LUN 0"), std::string::npos) << busy.error().message;
  EXPECT_EQ(code(remove_device(c, "n1", false)), Errc::kBusy);
  EXPECT_EQ(code(remove_device(c, "nope", true)), Errc::kNotFound);
  EXPECT_EQ(c, before);
  ASSERT_TRUE(remove_device(c, "n1", true));
  EXPECT_TRUE(c.targets[0].groups[0].luns.empty());
  EXPECT_TRUE(c.device_groups[0].devices.empty());
  EXPECT_FALSE(c.find_device("n1"));
}

TEST(Edits, DeviceAttributesAndResize) {
  Config c = base();
  ASSERT_TRUE(set_device_attributes(c, "n0", {{"read_only", "1"}, {"prod_id", "P1"}}));
  EXPECT_TRUE(c.devices[0].read_only);
  EXPECT_EQ(c.devices[0].prod_id, "P1");
  EXPECT_EQ(c.devices[0].size_bytes, 8u << 20) << "other attributes kept";
  Config before = c;
  EXPECT_EQ(code(set_device_attributes(c, "n0", {{"blocksize", "4096"}})), Errc::kUnsupported);
  EXPECT_EQ(code(set_device_attributes(c, "n0", {{"read_only", "2"}})), Errc::kInvalidArgument);
  EXPECT_EQ(code(set_device_attributes(c, "n0", {{"bogus", "1"}})), Errc::kInvalidArgument);
  EXPECT_EQ(code(set_device_attributes(c, "zz", {{"read_only", "1"}})), Errc::kNotFound);
  EXPECT_EQ(code(resize_device(c, "n0", 1000)), Errc::kInvalidArgument);
  EXPECT_EQ(c, before);
  ASSERT_TRUE(resize_device(c, "n0", 16u << 20));
  EXPECT_EQ(c.devices[0].size_bytes, 16u << 20);
}

TEST(Edits, TargetsAndUsers) {
  Config c = base();
  EXPECT_EQ(code(add_target(c, "iqn.t1", {})), Errc::kExists);
  EXPECT_EQ(code(add_target(c, "iqn.t2", {{"enabled", "maybe"}})), Errc::kInvalidArgument);
  ASSERT_TRUE(add_target(c, "iqn.t2", {{"enabled", "1"}, {"rel_tgt_id", "7"}}));
  EXPECT_EQ(c.targets.back().rel_tgt_id, 7);
  ASSERT_TRUE(add_user(c, "iqn.t2", "incoming", "joe", "joe-secret-123"));
  EXPECT_EQ(c.targets.back().incoming_users, std::vector<std::string>{"joe joe-secret-123"});
  EXPECT_EQ(code(add_user(c, "iqn.t2", "incoming", "joe", "joe-secret-456")), Errc::kInvalidArgument);
  EXPECT_EQ(code(add_user(c, "iqn.t2", "incoming", "ann", "short")), Errc::kInvalidArgument);
  EXPECT_EQ(code(add_user(c, "iqn.t2", "sideways", "ann", "ann-secret-1234")), Errc::kInvalidArgument);
  EXPECT_EQ(code(remove_user(c, "iqn.t2", "nobody")), Errc::kNotFound);
  ASSERT_TRUE(remove_user(c, "iqn.t2", "joe"));
  EXPECT_TRUE(c.targets.back().incoming_users.empty());
  ASSERT_TRUE(add_user(c, "", "outgoing", "tgt", "tgt-secret-1234"));
  EXPECT_EQ(c.iscsi_outgoing_users.size(), 1u);
  EXPECT_EQ(code(remove_target(c, "iqn.none")), Errc::kNotFound);
  ASSERT_TRUE(remove_target(c, "iqn.t1"));
  EXPECT_TRUE(c.device_groups[0].target_groups[0].targets.empty()) << "member dropped with the target";
}

TEST(Edits, LunsGroupsInitiators) {
  Config c = base();
  EXPECT_EQ(code(add_lun(c, "iqn.t1", "", 0, "n1", {})), Errc::kExists);
  EXPECT_EQ(code(add_lun(c, "iqn.t1", "", 1, "zz", {})), Errc::kNotFound);
  EXPECT_EQ(code(add_lun(c, "iqn.tx", "", 1, "n1", {})), Errc::kNotFound);
  EXPECT_EQ(code(add_lun(c, "iqn.t1", "gx", 1, "n1", {})), Errc::kNotFound);
  EXPECT_EQ(code(add_lun(c, "iqn.t1", "", 1, "n1", {{"read_only", "x"}})), Errc::kInvalidArgument);
  ASSERT_TRUE(add_lun(c, "iqn.t1", "g2", 3, "n0", {{"read_only", "1"}}));
  EXPECT_TRUE(c.targets[0].groups[1].luns[0].read_only);
  ASSERT_TRUE(replace_lun(c, "iqn.t1", "", 0, "n1", {}));
  EXPECT_EQ(c.targets[0].luns[0].device, "n1");
  EXPECT_EQ(code(replace_lun(c, "iqn.t1", "", 9, "n1", {})), Errc::kNotFound);
  EXPECT_EQ(code(remove_lun(c, "iqn.t1", "", 9)), Errc::kNotFound);
  ASSERT_TRUE(remove_lun(c, "iqn.t1", "g2", 3));

  EXPECT_EQ(code(add_group(c, "iqn.t1", "g1")), Errc::kExists);
  EXPECT_EQ(code(add_initiator(c, "iqn.t1", "g2", "iqn.i1")), Errc::kExists) << "in g1 already";
  ASSERT_TRUE(add_initiator(c, "iqn.t1", "g2", "iqn.i2*"));
  EXPECT_EQ(code(move_initiator(c, "iqn.t1", "g2", "iqn.i2*", "g9")), Errc::kNotFound);
  ASSERT_TRUE(move_initiator(c, "iqn.t1", "g2", "iqn.i2*", "g1"));
  EXPECT_EQ(c.targets[0].groups[0].initiators, (std::vector<std::string>{"iqn.i1", "iqn.i2*"}));
  EXPECT_EQ(code(remove_initiator(c, "iqn.t1", "g2", "iqn.i2*")), Errc::kNotFound);
  ASSERT_TRUE(remove_group(c, "iqn.t1", "g1"));
  EXPECT_EQ(c.targets[0].groups.size(), 1u);
}

TEST(Edits, Alua) {
  Config c = base();
  EXPECT_EQ(code(add_device_group(c, "dg")), Errc::kExists);
  ASSERT_TRUE(add_device_group(c, "dg2"));
  EXPECT_EQ(code(add_device_group_device(c, "dg2", "n1")), Errc::kExists) << "n1 is in dg";
  ASSERT_TRUE(add_device_group_device(c, "dg2", "n0"));
  EXPECT_EQ(code(add_target_group(c, "dg", "tg2", 1, "")), Errc::kExists) << "group_id 1 taken";
  EXPECT_EQ(code(add_target_group(c, "dg", "tg2", 2, "sleepy")), Errc::kInvalidArgument);
  ASSERT_TRUE(add_target_group(c, "dg", "tg2", 2, "standby"));
  EXPECT_EQ(code(add_target_group_target(c, "dg", "tg2", "iqn.t1", 0)), Errc::kExists) << "t1 is in tg";
  ASSERT_TRUE(add_target_group_target(c, "dg", "tg2", "iqn.remote", 9));
  EXPECT_EQ(code(set_target_group_state(c, "dg", "tgx", "active")), Errc::kNotFound);
  ASSERT_TRUE(set_target_group_state(c, "dg", "tg", "nonoptimized"));
  EXPECT_EQ(c.device_groups[0].target_groups[0].state, "nonoptimized");
  ASSERT_TRUE(remove_target_group_target(c, "dg", "tg2", "iqn.remote"));
  ASSERT_TRUE(remove_target_group(c, "dg", "tg2"));
  ASSERT_TRUE(remove_device_group_device(c, "dg2", "n0"));
  ASSERT_TRUE(remove_device_group(c, "dg2"));
  ASSERT_TRUE(set_target_group_state(c, "dg", "tg", "active"));
  EXPECT_EQ(c, base());
}

// A device group whose roles own a medium (here esan_cluster_group) keeps one
// active target group: setting another active steps the first down in the
// same edit. Without it, SCST's model: any number may be active.
TEST(Edits, AluaOneActiveWhenRolesOwnTheMedium) {
  Config c = base();
  ASSERT_TRUE(add_target_group(c, "dg", "tg2", 2, "nonoptimized"));
  ASSERT_TRUE(set_target_group_state(c, "dg", "tg2", "active"));
  EXPECT_EQ(c.device_groups[0].target_groups[0].state, "active") << "not replicated: no owner rule";
  ASSERT_TRUE(set_target_group_state(c, "dg", "tg2", "nonoptimized"));
  c.device_groups[0].cluster_group = "ha";
  ASSERT_TRUE(set_target_group_state(c, "dg", "tg2", "active"));
  EXPECT_EQ(c.device_groups[0].target_groups[0].state, "nonoptimized");
  EXPECT_EQ(c.device_groups[0].target_groups[1].state, "active");
  ASSERT_TRUE(set_target_group_state(c, "dg", "tg", "standby"));
  EXPECT_EQ(c.device_groups[0].target_groups[1].state, "active") << "only a new active group moves the others";
  EXPECT_EQ(code(set_target_group_state(c, "dg", "tg", "upright")), Errc::kInvalidArgument);
  EXPECT_EQ(c.device_groups[0].target_groups[1].state, "active") << "a refused edit changes nothing";
}

TEST(Edits, Aliases) {
  Config c = base();
  ASSERT_TRUE(set_alias(c, "iqn.i1", "db1"));
  EXPECT_EQ(c.initiator_aliases.at("iqn.i1"), "db1");
  ASSERT_TRUE(set_alias(c, "iqn.i1", "db2"));  // replaces
  EXPECT_EQ(c.initiator_aliases.at("iqn.i1"), "db2");
  Config before = c;
  EXPECT_EQ(code(set_alias(c, "iqn.i2", "db2")), Errc::kExists);
  EXPECT_EQ(code(set_alias(c, "iqn.i2", "")), Errc::kInvalidArgument);
  EXPECT_EQ(code(set_alias(c, "iqn.i2", "a b")), Errc::kInvalidArgument);
  EXPECT_EQ(code(set_alias(c, "iqn.i2", std::string(65, 'a'))), Errc::kInvalidArgument);
  EXPECT_EQ(code(remove_alias(c, "iqn.i2")), Errc::kNotFound);
  EXPECT_EQ(c, before);
  ASSERT_TRUE(remove_alias(c, "iqn.i1"));
  EXPECT_TRUE(c.initiator_aliases.empty());
}

}  // namespace
}  // namespace esan::mgmt::edits
