// vdisk_rbd devices in scst.conf: attributes, errors, write_config and the
// management plane's attribute list round trip.
#include <gtest/gtest.h>

#include "config/edit.h"
#include "config/model.h"
#include "config/test_helpers.h"

namespace esan::config {
namespace {

using testing::parse_error;
using testing::parse_ok;

constexpr std::string_view kRbd = R"(HANDLER vdisk_rbd {
  DEVICE r0 {
    pool rbd
    image vm01
    ceph_conf /etc/ceph/ceph.conf
    ceph_user esan
    ceph_timeout 12
    thin_provisioned 1
  }
  DEVICE r1 {
    pool p.2
    image img_2-b
  }
}
)";

TEST(RbdConfig, Attributes) {
  Config c = parse_ok(kRbd);
  ASSERT_EQ(c.devices.size(), 2u);
  const DeviceConfig& d = c.devices[0];
  EXPECT_EQ(d.handler, Handler::kRbd);
  EXPECT_EQ(handler_name(d.handler), "vdisk_rbd");
  EXPECT_EQ(d.pool, "rbd");
  EXPECT_EQ(d.image, "vm01");
  EXPECT_EQ(d.ceph_conf, "/etc/ceph/ceph.conf");
  EXPECT_EQ(d.ceph_user, "esan");
  EXPECT_EQ(d.ceph_timeout, 12u);
  EXPECT_TRUE(d.filename.empty());
  const DeviceConfig& e = c.devices[1];
  EXPECT_EQ(e.pool, "p.2");
  EXPECT_EQ(e.image, "img_2-b");
  EXPECT_TRUE(e.ceph_conf.empty());
  EXPECT_TRUE(e.ceph_user.empty());
  EXPECT_EQ(e.ceph_timeout, 30u);
  EXPECT_TRUE(c.warnings.empty());
}

TEST(RbdConfig, WriteConfigRoundTrip) {
  Config c = parse_ok(kRbd);
  Config back = parse_ok(write_config(c));
  EXPECT_TRUE(equivalent(c, back)) << write_config(c);
}

TEST(RbdConfig, ManagementAttributesRoundTrip) {
  Config c = parse_ok(kRbd);
  auto d = make_device("r0", Handler::kRbd, device_attributes(c.devices[0]), nullptr);
  ASSERT_TRUE(d) << d.error().message;
  d->line = c.devices[0].line;
  EXPECT_EQ(*d, c.devices[0]);
  auto h = handler_from_name("vdisk_rbd");
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, Handler::kRbd);
}

TEST(RbdConfig, Errors) {
  EXPECT_EQ(parse_error("HANDLER vdisk_rbd {\n DEVICE r0 {\n  pool rbd\n }\n}\n"),
            "t.conf:2: device 'r0': pool and image are required for vdisk_rbd");
  EXPECT_EQ(parse_error("HANDLER vdisk_rbd {\n DEVICE r0 {\n  image x\n }\n}\n"),
            "t.conf:2: device 'r0': pool and image are required for vdisk_rbd");
  EXPECT_EQ(parse_error("HANDLER vdisk_rbd {\n DEVICE r0 {\n  pool rbd\n  image x\n  filename /a\n }\n}\n"),
            "t.conf:5: attribute 'filename' is not valid for vdisk_rbd");
  EXPECT_EQ(parse_error("HANDLER vdisk_fileio {\n DEVICE f0 {\n  filename /a\n  image x\n }\n}\n"),
            "t.conf:4: attribute 'image' is only valid for vdisk_rbd");
  EXPECT_EQ(parse_error("HANDLER vdisk_rbd {\n DEVICE r0 {\n  pool rbd\n  image a/b\n }\n}\n"),
            "t.conf:4: device 'r0': image 'a/b' is invalid (use 1..255 letters, digits, '.', '_' or '-')");
  EXPECT_EQ(parse_error("HANDLER vdisk_rbd {\n DEVICE r0 {\n  pool rbd\n  image x\n  ceph_conf ceph.conf\n }\n}\n"),
            "t.conf:5: device 'r0': ceph_conf 'ceph.conf' is not an absolute path");
  EXPECT_EQ(parse_error("HANDLER vdisk_rbd {\n DEVICE r0 {\n  pool rbd\n  image x\n  ceph_timeout 0\n }\n}\n"),
            "t.conf:5: device 'r0': ceph_timeout must be 1..3600");
}

}  // namespace
}  // namespace esan::config
