// write_config(): parse -> write -> parse gives an equivalent Config.
#include <gtest/gtest.h>

#include "config/model.h"
#include "config/test_helpers.h"

namespace esan::config {
namespace {

using testing::kExample;
using testing::parse_ok;

Config reparse(const Config& c) {
  std::string text = write_config(c);
  auto r = parse_config(text, "written.conf");
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message) << "\n" << text;
  return r ? *r : Config{};
}

TEST(ConfigWriter, ExampleRoundTrips) {
  Config c = parse_ok(kExample);
  Config back = reparse(c);
  EXPECT_TRUE(equivalent(c, back)) << write_config(c);
  EXPECT_EQ(back.devices.size(), 2u);  // guards against both sides being empty
  EXPECT_EQ(back.targets.at(0).groups.at(0).initiators.size(), 2u);
  EXPECT_TRUE(back.warnings.empty());
}

TEST(ConfigWriter, OutputIsStable) {
  std::string once = write_config(parse_ok(kExample));
  std::string twice = write_config(reparse(parse_ok(kExample)));
  EXPECT_EQ(once, twice);
  EXPECT_NE(once.find("HANDLER vdisk_fileio {\n\tDEVICE disk01 {\n\t\tfilename "
                      "/var/lib/esan/disk01.img\n"),
            std::string::npos)
      << once;
  EXPECT_NE(once.find("\t\tLUN 1 null0 {\n\t\t\tread_only 1\n\t\t}\n"), std::string::npos) << once;
  EXPECT_NE(once.find("\t\tt10_dev_id \"disk 01\"\n"), std::string::npos) << once;
}

TEST(ConfigWriter, EveryFieldRoundTrips) {
  Config c;
  DeviceConfig f;
  f.name = "f 1";
  f.handler = Handler::kFileIo;
  f.filename = "/a b/#x\"y\\z.img";
  f.blocksize = 4096;
  f.read_only = f.removable = f.rotational = f.thin_provisioned = true;
  f.write_through = f.nv_cache = f.o_direct = true;
  f.lb_per_pb_exp = false;  // not the default: must be written as 0
  f.size_bytes = 8192;
  f.t10_dev_id = "id {1}";
  f.t10_vend_id = "VEND";
  f.prod_rev_lvl = " 1";
  f.usn = "u";
  c.devices.push_back(f);
  DeviceConfig n;
  n.name = "n";
  n.handler = Handler::kNullIo;
  n.size_bytes = 512;
  c.devices.push_back(n);
  DeviceConfig b;
  b.name = "b";
  b.handler = Handler::kBlockIo;
  b.filename = "/dev/sdb";
  c.devices.push_back(b);
  n.name = "n2";  // interleaved handlers: nullio again after blockio
  n.size_bytes = 0;
  c.devices.push_back(n);
  c.iscsi_enabled = true;
  c.iscsi_incoming_users = {"u1 secret-of-u1", "u2 secret#of\"u2"};
  c.iscsi_outgoing_users = {"o secret-of-o-1"};
  c.iscsi_attributes = {{"MaxBurstLength", "1048576"}, {"allowed_portal", "10.0.0.* 10.1.0.*"}};
  TargetConfig t;
  t.name = "iqn.2026-11.org.esan:all";
  t.enabled = true;
  t.rel_tgt_id = 7;
  t.luns = {{0, "f 1", false}, {16383, "n", true}};
  t.groups = {{"g1", {{0, "b", true}, {5, "n2", false}}, {"iqn.a:*", "iqn.b:?"}},
              {"empty", {}, {}}};
  t.incoming_users = {"x secret-of-x-1"};
  t.outgoing_users = {"z secret-of-z-1"};
  t.attributes = {{"HeaderDigest", "CRC32C,None"}, {"QueuedCommands", "64"}};
  c.targets.push_back(t);
  TargetConfig disabled;
  disabled.name = "disabled";
  c.targets.push_back(disabled);
  DeviceGroupConfig dg;
  dg.name = "dg";
  dg.devices = {"f 1", "n"};
  TargetGroupConfig tg1, tg2;
  tg1.name = "tg1";
  tg1.group_id = 1;
  tg1.state = "active";
  tg1.targets = {{"iqn.2026-11.org.esan:all", 0}, {"remote", 9}};
  tg2.name = "tg2";
  tg2.group_id = 2;
  tg2.state = "transitioning";
  dg.target_groups = {tg1, tg2};
  c.device_groups.push_back(dg);
  Config back = reparse(c);
  EXPECT_TRUE(equivalent(c, back)) << write_config(c);
  EXPECT_EQ(back.devices.at(0).filename, "/a b/#x\"y\\z.img");
  EXPECT_EQ(back.devices.at(3).name, "n2");
  EXPECT_FALSE(back.devices.at(0).lb_per_pb_exp);
  EXPECT_TRUE(back.devices.at(1).lb_per_pb_exp);
  EXPECT_NE(write_config(c).find("lb_per_pb_exp 0"), std::string::npos);
  EXPECT_EQ(write_config(c).find("lb_per_pb_exp 1"), std::string::npos);  // the default is not written
}

TEST(ConfigWriter, ScstadminFileRoundTripsWithoutIgnoredParts) {
  Config c = parse_ok(
      "setup_id 1\n"
      "HANDLER vdisk_blockio { DEVICE lv { filename /dev/vg/lv\n tst 1\n size_mb 2 } }\n"
      "TARGET_DRIVER copy_manager { TARGET copy_manager_tgt { LUN 0 lv } }\n"
      "TARGET_DRIVER iscsi { enabled 1\n TARGET t { LUN 0 lv } }\n");
  ASSERT_EQ(c.warnings.size(), 3u);
  std::string text = write_config(c);
  EXPECT_EQ(text.find("copy_manager"), std::string::npos) << text;
  EXPECT_EQ(text.find("tst"), std::string::npos) << text;
  Config back = reparse(c);
  EXPECT_TRUE(equivalent(c, back));
  EXPECT_TRUE(back.warnings.empty());
  EXPECT_EQ(back.devices.at(0).size_bytes, 2u * 1024 * 1024);
}

TEST(ConfigWriter, EmptyConfigWritesNoSections) {
  std::string text = write_config(Config{});
  EXPECT_EQ(text.find("HANDLER"), std::string::npos);
  EXPECT_EQ(text.find("TARGET_DRIVER"), std::string::npos);
  EXPECT_TRUE(equivalent(reparse(Config{}), Config{}));
}

TEST(ConfigEquivalent, IgnoresLinesAndWarningsOnly) {
  Config a = parse_ok(kExample);
  Config b = a;
  b.devices[0].line = 99;
  b.targets[0].groups[0].luns[0].line = 42;
  b.warnings.push_back("x");
  EXPECT_TRUE(equivalent(a, b));
  EXPECT_FALSE(a == b);
  b.targets[0].groups[0].initiators.pop_back();
  EXPECT_FALSE(equivalent(a, b));
}

}  // namespace
}  // namespace esan::config
