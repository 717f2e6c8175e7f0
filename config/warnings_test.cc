// SCST features esand ignores: each leaves one exact warning and no model change.
#include <gtest/gtest.h>

#include "config/model.h"
#include "config/test_helpers.h"

namespace esan::config {
namespace {

using testing::parse_ok;

std::string unimplemented(int line, std::string_view attr) {
  return "t.conf:" + std::to_string(line) + ": attribute '" + std::string(attr) +
         "' is not implemented by esand yet (ignored)";
}

TEST(ConfigWarnings, TopLevelKeys) {
  Config c = parse_ok("setup_id 0x1234\nmax_tasklet_cmd 20\n\nsuspend 0\ntrace_level \"0 1\"\n");
  EXPECT_EQ(c.warnings, (std::vector<std::string>{
                            unimplemented(1, "setup_id"), unimplemented(2, "max_tasklet_cmd"),
                            unimplemented(4, "suspend"), unimplemented(5, "trace_level")}));
}

TEST(ConfigWarnings, EveryUnimplementedDeviceAttribute) {
  const std::vector<std::string> attrs = {
      "threads_num",  "threads_pool_type",  "cluster_mode", "dif_mode",
      "dif_type",     "dif_static_app_tag", "dif_filename",
      "numa_node_id", "pr_file_name",       "expl_alua",    "tst",
      "async",        "bind_alua_state",    "zero_copy",    "dummy",
      "active"};
  std::string text = "HANDLER vdisk_fileio {\n DEVICE d {\n  filename /d\n";
  std::vector<std::string> expected;
  for (size_t i = 0; i < attrs.size(); ++i) {
    text += "  " + attrs[i] + " 1\n";
    expected.push_back(unimplemented(int(i) + 4, attrs[i]));
  }
  text += " }\n}\n";
  Config c = parse_ok(text);
  EXPECT_EQ(c.warnings, expected);
  ASSERT_EQ(c.devices.size(), 1u);
  DeviceConfig plain;
  plain.name = "d";
  plain.line = 2;
  plain.filename = "/d";
  EXPECT_EQ(c.devices[0], plain);
}

TEST(ConfigWarnings, DriverLevelAttributesWarnOrAreStored) {
  Config c = parse_ok(
      "TARGET_DRIVER iscsi {\n"
      "  link_local 0\n"
      "  isns_entity_name esan\n"
      "  internal_portal 10.0.0.1\n"
      "  iSNSServer 10.0.0.2 AccessControl\n"
      "  trace_level 0\n"
      "  HeaderDigest CRC32C\n"
      "  enabled 1\n"
      "}\n");
  EXPECT_EQ(c.warnings, (std::vector<std::string>{
                            unimplemented(2, "link_local"), unimplemented(3, "isns_entity_name"),
                            unimplemented(4, "internal_portal"), unimplemented(5, "iSNSServer"),
                            unimplemented(6, "trace_level")}));
  EXPECT_EQ(c.iscsi_attributes, (std::map<std::string, std::string>{{"HeaderDigest", "CRC32C"}}));
  EXPECT_TRUE(c.iscsi_enabled);
}

TEST(ConfigWarnings, AllIscsiTargetParamsAreStoredWithoutWarning) {
  const std::vector<std::string> params = {"HeaderDigest",
                                           "DataDigest",
                                           "InitialR2T",
                                           "ImmediateData",
                                           "MaxRecvDataSegmentLength",
                                           "MaxXmitDataSegmentLength",
                                           "MaxBurstLength",
                                           "FirstBurstLength",
                                           "MaxOutstandingR2T",
                                           "RspTimeout",
                                           "NopInInterval",
                                           "NopInTimeout",
                                           "DefaultTime2Wait",
                                           "DefaultTime2Retain",
                                           "addr_method",
                                           "cpu_mask",
                                           "forwarding",
                                           "io_grouping_type",
                                           "per_portal_acl",
                                           "allowed_portal",
                                           "aen_disabled"};
  std::string text = "TARGET_DRIVER iscsi {\n TARGET t {\n";
  std::map<std::string, std::string> expected;
  for (size_t i = 0; i < params.size(); ++i) {
    text += "  " + params[i] + " v" + std::to_string(i) + "\n";
    expected[params[i]] = "v" + std::to_string(i);
  }
  text += " }\n}\n";
  Config c = parse_ok(text);
  EXPECT_TRUE(c.warnings.empty());
  ASSERT_EQ(c.targets.size(), 1u);
  EXPECT_EQ(c.targets[0].attributes, expected);
}

TEST(ConfigWarnings, OtherTargetDriversAreIgnored) {
  Config c = parse_ok(
      "HANDLER vdisk_nullio { DEVICE d }\n"
      "TARGET_DRIVER qla2x00t {\n TARGET 21:00:00:24:ff:00:00:01 {\n  LUN 0 no_such_device\n"
      "  weird_attribute 1\n }\n}\n"
      "TARGET_DRIVER ib_srpt { }\n"
      "TARGET_DRIVER copy_manager { TARGET copy_manager_tgt { LUN 0 d } }\n");
  EXPECT_TRUE(c.targets.empty());
  EXPECT_EQ(c.warnings, (std::vector<std::string>{
                            "t.conf:2: target driver 'qla2x00t' not supported, section ignored",
                            "t.conf:8: target driver 'ib_srpt' not supported, section ignored",
                            "t.conf:9: target driver 'copy_manager' not supported, section ignored",
                        }));
}

TEST(ConfigWarnings, GroupHandlerAndTargetGroupAttributes) {
  Config c = parse_ok(
      "HANDLER vdisk_nullio {\n trace_level 0\n DEVICE d\n}\n"
      "TARGET_DRIVER iscsi {\n TARGET t {\n  black_hole 0\n  GROUP g {\n   io_grouping_type auto\n"
      "   INITIATOR iqn.x\n  }\n }\n}\n"
      "DEVICE_GROUP dg { TARGET_GROUP tg {\n preferred 1\n group_id 1 } }\n");
  EXPECT_EQ(c.warnings, (std::vector<std::string>{
                            unimplemented(2, "trace_level"), unimplemented(7, "black_hole"),
                            unimplemented(9, "io_grouping_type"), unimplemented(15, "preferred")}));
  EXPECT_EQ(c.targets.at(0).groups.at(0).initiators, std::vector<std::string>{"iqn.x"});
}

TEST(ConfigWarnings, WarningsAreInLineOrderAcrossPasses) {
  // HANDLER sections are built first; warnings still come out sorted by line.
  Config c = parse_ok("setup_id 1\nHANDLER vdisk_nullio { DEVICE d { tst 1 } }\nsuspend 0\n");
  EXPECT_EQ(c.warnings,
            (std::vector<std::string>{unimplemented(1, "setup_id"), unimplemented(2, "tst"),
                                      unimplemented(3, "suspend")}));
}

}  // namespace
}  // namespace esan::config
