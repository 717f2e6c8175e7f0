// The HA pair's I/O redirect attributes (build_redirect.cc): esan_io_policy,
// esan_peer_portal/target/chap, esan_internal/esan_peer_address -- parsed,
// defaulted, refused with line-numbered messages, written back.
#include <gtest/gtest.h>

#include "config/model.h"
#include "config/test_helpers.h"

namespace esan::config {
namespace {

using testing::parse_error;
using testing::parse_ok;

constexpr char kChap[] = "\"peer peer-secret-0123\"";

// Line 1: devices; line 2: DEVICE_GROUP; lines from 3: `dg_lines`; then (with
// no dg_lines) target group 'local' at 4, 'peer' at 7 with `peer_lines` from
// 9, and after the TARGET_DRIVER the internal target t1-internal.
std::string pair_config(const std::string& dg_lines, const std::string& peer_lines, const std::string& internal = "") {
  return "HANDLER vdisk_nullio { DEVICE a }\n"
         "DEVICE_GROUP dg {\n" +
         dg_lines +
         " DEVICE a\n"
         " TARGET_GROUP local { group_id 1\n state nonoptimized\n TARGET t1 }\n"
         " TARGET_GROUP peer { group_id 2\n state active\n" +
         peer_lines +
         " TARGET t9 { rel_tgt_id 9 } }\n"
         "}\n"
         "TARGET_DRIVER iscsi {\n TARGET t1 { rel_tgt_id 1\n LUN 0 a }\n" +
         (internal.empty() ? std::string() : " TARGET t1-internal {\n" + internal + " LUN 0 a }\n") + "}\n";
}

std::string peer_lines() {
  return std::string(" esan_peer_portal 10.0.0.2:3260\n esan_peer_target iqn.x:b-internal\n esan_peer_chap ") + kChap +
         "\n";
}
std::string internal_lines() {
  return std::string(" esan_internal 1\n esan_peer_address 10.0.0.2\n esan_peer_address fe80::2\n IncomingUser ") +
         kChap + "\n";
}

TEST(RedirectConfig, PeerPortalMakesRedirectTheDefaultAndRoundTrips) {
  Config c = parse_ok(pair_config("", peer_lines(), internal_lines()));
  const DeviceGroupConfig& dg = c.device_groups.at(0);
  EXPECT_EQ(dg.io_policy, IoPolicy::kRedirect);
  const TargetGroupConfig& peer = dg.target_groups.at(1);
  EXPECT_EQ(peer.peer_portal, "10.0.0.2:3260");
  EXPECT_EQ(peer.peer_target, "iqn.x:b-internal");
  EXPECT_EQ(peer.peer_chap, "peer peer-secret-0123");
  const TargetConfig* t = c.find_target("t1-internal");
  ASSERT_NE(t, nullptr);
  EXPECT_TRUE(t->internal);
  EXPECT_EQ(t->peer_addresses, (std::vector<std::string>{"10.0.0.2", "fe80::2"}));
  // Without a cluster group the redirect is accepted with a warning.
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0], "t.conf:2: device group 'dg' redirects I/O without esan_cluster_group: reservations, "
                           "unit attentions and ALUA states are not shared with the other node");

  std::string text = write_config(c);
  EXPECT_EQ(text.find("esan_io_policy"), std::string::npos) << "the default is not written";
  EXPECT_NE(text.find("esan_peer_portal 10.0.0.2:3260"), std::string::npos);
  EXPECT_NE(text.find("esan_internal 1"), std::string::npos);
  EXPECT_TRUE(equivalent(parse_ok(text), c));
}

TEST(RedirectConfig, LocalPolicyAndDefaults) {
  Config c = parse_ok(pair_config(" esan_io_policy local\n", peer_lines()));
  EXPECT_EQ(c.device_groups.at(0).io_policy, IoPolicy::kLocal);
  std::string text = write_config(c);
  EXPECT_NE(text.find("esan_io_policy local"), std::string::npos);
  EXPECT_TRUE(equivalent(parse_ok(text), c));
  // No peer portal: local, and nothing written.
  Config plain = parse_ok("HANDLER vdisk_nullio { DEVICE a }\nDEVICE_GROUP dg { DEVICE a }\n");
  EXPECT_EQ(plain.device_groups.at(0).io_policy, IoPolicy::kLocal);
  EXPECT_EQ(write_config(plain).find("esan_io_policy"), std::string::npos);
}

TEST(RedirectConfig, RedirectHoldDefaultsRoundTripsAndIsChecked) {
  Config dflt = parse_ok(pair_config("", peer_lines()));
  EXPECT_EQ(dflt.device_groups.at(0).redirect_hold_ms, DeviceGroupConfig::kDefaultRedirectHoldMs);
  EXPECT_EQ(write_config(dflt).find("esan_redirect_hold_ms"), std::string::npos) << "the default is not written";

  Config c = parse_ok(pair_config(" esan_redirect_hold_ms 0\n", peer_lines()));
  EXPECT_EQ(c.device_groups.at(0).redirect_hold_ms, 0u);
  std::string text = write_config(c);
  EXPECT_NE(text.find("esan_redirect_hold_ms 0"), std::string::npos);
  EXPECT_TRUE(equivalent(parse_ok(text), c));
  EXPECT_EQ(parse_ok(pair_config(" esan_redirect_hold_ms 25000\n", peer_lines())).device_groups.at(0).redirect_hold_ms,
            25000u);

  EXPECT_EQ(parse_error(pair_config(" esan_redirect_hold_ms 25001\n", peer_lines())),
            "t.conf:3: attribute 'esan_redirect_hold_ms': '25001' is out of range (max 25000)");
  EXPECT_EQ(parse_error(pair_config(" esan_redirect_hold_ms soon\n", peer_lines())),
            "t.conf:3: attribute 'esan_redirect_hold_ms': 'soon' is not a number");
  EXPECT_EQ(parse_error(pair_config(" esan_redirect_hold_ms 1\n esan_redirect_hold_ms 2\n", peer_lines())),
            "t.conf:4: attribute 'esan_redirect_hold_ms' given twice (first at line 3)");
  EXPECT_EQ(parse_error(pair_config(" esan_io_policy local\n esan_redirect_hold_ms 500\n", peer_lines())),
            "t.conf:4: device group 'dg': esan_redirect_hold_ms applies only to esan_io_policy redirect");
}

TEST(RedirectConfig, ExplicitRedirectWithoutClusterGroupWarnsAtItsLine) {
  Config c = parse_ok(pair_config(" esan_io_policy redirect\n", peer_lines()));
  EXPECT_EQ(c.device_groups.at(0).io_policy, IoPolicy::kRedirect);
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0], "t.conf:3: device group 'dg' redirects I/O without esan_cluster_group: reservations, "
                           "unit attentions and ALUA states are not shared with the other node");
  Config ha = parse_ok(pair_config(" esan_cluster_group ha\n esan_io_policy redirect\n", peer_lines()));
  EXPECT_TRUE(ha.warnings.empty());
}

TEST(RedirectConfig, ABufferedFileDeviceWarns) {
  auto with = [](const std::string& attrs) {
    std::string text = pair_config(" esan_cluster_group ha\n", peer_lines());
    text.replace(0, text.find('\n') + 1,
                 "HANDLER vdisk_fileio { DEVICE a { filename /tmp/a.img\n" + attrs + " } }\n");
    return parse_ok(text);
  };
  Config buffered = with("");
  ASSERT_EQ(buffered.warnings.size(), 1u);
  EXPECT_EQ(buffered.warnings[0],
            "t.conf:3: device group 'dg' redirects I/O and device 'a' is a buffered vdisk_fileio: on disks shared by "
            "two machines, writes it acknowledged from its page cache are lost if this node dies (use "
            "vdisk_blockio, write_through 1 or o_direct 1)");
  EXPECT_TRUE(with(" write_through 1\n").warnings.empty());
  EXPECT_TRUE(with(" o_direct 1\n").warnings.empty());
}

TEST(RedirectConfig, AnRbdDeviceWithItsCacheWarns) {
  auto with = [](const std::string& attrs) {
    std::string text = pair_config(" esan_cluster_group ha\n", peer_lines());
    text.replace(0, text.find('\n') + 1, "HANDLER vdisk_rbd { DEVICE a { pool rbd\n image a\n" + attrs + " } }\n");
    return parse_ok(text);
  };
  Config cached = with("");
  ASSERT_EQ(cached.warnings.size(), 1u);
  EXPECT_EQ(cached.warnings[0],
            "t.conf:4: device group 'dg' redirects I/O and device 'a' is a vdisk_rbd with librbd's write-back cache: "
            "writes it acknowledged before a SYNCHRONIZE CACHE are lost if this node dies (use write_through 1)");
  EXPECT_TRUE(with(" write_through 1\n").warnings.empty());
}

struct Bad {
  std::string name, text, message;
};

TEST(RedirectConfig, BadInputsHaveLineNumberedMessages) {
  const Bad cases[] = {
      {"BadPolicy", pair_config(" esan_io_policy refuse\n", peer_lines()),
       "t.conf:3: esan_io_policy 'refuse' is invalid (use redirect or local)"},
      {"PolicyTwice", pair_config(" esan_io_policy local\n esan_io_policy local\n", peer_lines()),
       "t.conf:4: attribute 'esan_io_policy' given twice (first at line 3)"},
      {"RedirectWithoutPeer", pair_config(" esan_io_policy redirect\n", ""),
       "t.conf:3: device group 'dg': esan_io_policy redirect needs a TARGET_GROUP of the other node's ports with "
       "esan_peer_portal (where to forward)"},
      {"PortalWithoutPort", pair_config("", " esan_peer_portal 10.0.0.2\n"),
       "t.conf:9: esan_peer_portal '10.0.0.2' is invalid (use HOST:PORT or [IPV6]:PORT, port 1..65535)"},
      {"PortalPortZero", pair_config("", " esan_peer_portal host:0\n"),
       "t.conf:9: esan_peer_portal 'host:0' is invalid (use HOST:PORT or [IPV6]:PORT, port 1..65535)"},
      {"PortalBareIpv6", pair_config("", " esan_peer_portal fe80::1:3260\n"),
       "t.conf:9: esan_peer_portal 'fe80::1:3260' is invalid (use HOST:PORT or [IPV6]:PORT, port 1..65535)"},
      {"PeerIncomplete", pair_config("", " esan_peer_portal [fe80::1]:3260\n"),
       "t.conf:7: target group 'peer' needs esan_peer_portal, esan_peer_target and esan_peer_chap together (the "
       "other node's internal target and its CHAP account)"},
      {"PeerChapShortSecret", pair_config("", " esan_peer_chap \"peer short\"\n"),
       "t.conf:9: esan_peer_chap 'peer': the secret is shorter than 12 bytes"},
      {"PeerTargetTwice", pair_config("", peer_lines() + " esan_peer_target x\n"),
       "t.conf:12: attribute 'esan_peer_target' given twice (first at line 10)"},
      {"PeerGroupWithLocalTarget",
       "HANDLER vdisk_nullio { DEVICE a }\nDEVICE_GROUP dg {\n DEVICE a\n TARGET_GROUP peer { group_id 2\n" +
           peer_lines() + " TARGET t1 }\n}\nTARGET_DRIVER iscsi {\n TARGET t1 { rel_tgt_id 1 }\n}\n",
       "t.conf:8: target group 'peer' has esan_peer_portal, so it describes the other node's ports, but target "
       "'t1' is local"},
      {"InternalWithoutChap", pair_config("", peer_lines(), " esan_internal 1\n esan_peer_address 10.0.0.2\n"),
       "t.conf:17: internal target 't1-internal' needs an IncomingUser (the other node logs in with CHAP)"},
      {"InternalWithoutAddress",
       pair_config("", peer_lines(), std::string(" esan_internal 1\n IncomingUser ") + kChap + "\n"),
       "t.conf:17: internal target 't1-internal' needs at least one esan_peer_address (the address the other "
       "node logs in from)"},
      {"AddressWithoutInternal", pair_config("", peer_lines(), " esan_peer_address 10.0.0.2\n"),
       "t.conf:17: target 't1-internal' has esan_peer_address but is not esan_internal 1"},
      {"BadAddress", pair_config("", peer_lines(), " esan_peer_address node-b\n"),
       "t.conf:18: esan_peer_address 'node-b' is not an IPv4 or IPv6 address"},
      {"AddressTwice", pair_config("", peer_lines(), " esan_peer_address 10.0.0.2\n esan_peer_address 10.0.0.2\n"),
       "t.conf:19: esan_peer_address '10.0.0.2' given twice"},
  };
  for (const Bad& b : cases) EXPECT_EQ(parse_error(b.text), b.message) << b.name << ":\n" << b.text;
}

}  // namespace
}  // namespace esan::config
