// config/edit.h: request attributes meet the parser's checks and messages.
#include "config/edit.h"

#include <gtest/gtest.h>

#include "config/test_helpers.h"

namespace esan::config {
namespace {

TEST(Edit, MakeDeviceGivesTheParsersMessageWithoutALocation) {
  auto parsed = parse_config("HANDLER vdisk_fileio {\n DEVICE d { filename /x\n blocksize 513 }\n}\n", "f");
  ASSERT_FALSE(parsed);
  auto made = make_device("d", Handler::kFileIo, {{"filename", "/x"}, {"blocksize", "513"}});
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, Errc::kInvalidArgument);
  EXPECT_EQ("f:3: " + made.error().message, parsed.error().message);
}

TEST(Edit, MakeDeviceRejectsUnknownAndBadAttributes) {
  auto a = make_device("d", Handler::kNullIo, {{"colour", "blue"}});
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().message, "unknown attribute 'colour' in DEVICE");
  auto b = make_device("d", Handler::kNullIo, {{"read_only", "yes"}});
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().message, "attribute 'read_only': 'yes' is not a boolean (use 0 or 1)");
  auto c = make_device("d", Handler::kFileIo, {});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message, "device 'd': filename is required for vdisk_fileio");
}

TEST(Edit, DeviceAttributesRebuildTheSameDevice) {
  auto d = make_device("d", Handler::kFileIo,
                       {{"filename", "/srv/a b.img"}, {"blocksize", "4096"}, {"size_mb", "8"},
                        {"read_only", "1"}, {"prod_id", "P"}, {"lb_per_pb_exp", "0"}});
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->size_bytes, 8u << 20);
  auto again = make_device("d", Handler::kFileIo, device_attributes(*d));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(*again, *d);
}

TEST(Edit, HandlerNames) {
  EXPECT_EQ(handler_from_name("vdisk_blockio").value(), Handler::kBlockIo);
  EXPECT_EQ(handler_from_name("vcdrom").error().message, "handler 'vcdrom' is not supported");
  EXPECT_EQ(handler_from_name("nope").error().message, "unknown handler type 'nope'");
}

TEST(Edit, TargetAttributesAndChapSecretsAgainstTheWholeConfig) {
  Config cfg;
  cfg.iscsi_outgoing_users = {"tgt target-secret-1"};
  TargetConfig t;
  t.name = "iqn.t";
  ASSERT_TRUE(set_target_attributes(cfg, t, {{"enabled", "1"}, {"QueuedCommands", "64"}}));
  EXPECT_TRUE(t.enabled);
  EXPECT_EQ(t.attributes.at("QueuedCommands"), "64");
  TargetConfig before = t;
  auto s = set_target_attributes(cfg, t, {{"IncomingUser", "joe target-secret-1"}});
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("same secret"), std::string::npos) << s.error().message;
  EXPECT_EQ(s.error().message.find("target-secret-1"), std::string::npos) << "secret in message";
  EXPECT_EQ(t, before);
  auto bad = set_target_attributes(cfg, t, {{"enabled", "1"}, {"rel_tgt_id", "0"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "rel_tgt_id must be in 1..65535");
  EXPECT_EQ(t, before) << "a failed request changed the target";
  auto unknown = set_target_attributes(cfg, t, {{"LUN", "0"}});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message, "unknown attribute 'LUN' in TARGET");
}

TEST(Edit, DriverAttributes) {
  Config cfg;
  ASSERT_TRUE(set_driver_attributes(cfg, {{"enabled", "1"}, {"MaxSessions", "10"}}));
  EXPECT_TRUE(cfg.iscsi_enabled);
  EXPECT_EQ(cfg.iscsi_attributes.at("MaxSessions"), "10");
  Config before = cfg;
  auto s = set_driver_attributes(cfg, {{"enabled", "0"}, {"esan_max_buffered_mb", "0"}});
  ASSERT_FALSE(s);
  EXPECT_EQ(cfg, before);
}

TEST(Edit, LunAttributes) {
  LunConfig l{3, "d", false, 0};
  ASSERT_TRUE(set_lun_attributes(l, {{"read_only", "1"}}));
  EXPECT_TRUE(l.read_only);
  auto s = set_lun_attributes(l, {{"foo", "1"}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "unknown attribute 'foo' in LUN");
}

TEST(Edit, CheckConfigFindsDanglingLuns) {
  auto cfg = parse_config(std::string(testing::kExample), "f");
  ASSERT_TRUE(cfg) << cfg.error().message;
  EXPECT_TRUE(check_config(*cfg));
  Config broken = *cfg;
  std::erase_if(broken.devices, [](const DeviceConfig& d) { return d.name == "disk01"; });
  auto s = check_config(broken);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("unknown device 'disk01'"), std::string::npos) << s.error().message;
}

}  // namespace
}  // namespace esan::config
