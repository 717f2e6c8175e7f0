#include "transport/iscsi/send_targets.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace esan::iscsi {
namespace {

using namespace std::string_literals;

constexpr char kInitiator[] = "iqn.1994-05.com.redhat:client";

class StDirectory final : public TargetDirectory {
 public:
  std::map<std::string, TargetInfo, std::less<>> targets;
  std::set<std::string, std::less<>> hidden;  // not allowed for kInitiator

  std::optional<TargetInfo> find(std::string_view target,
                                 std::string_view initiator) const override {
    auto it = targets.find(target);
    if (it == targets.end()) return std::nullopt;
    if (initiator == kInitiator && hidden.contains(target)) return std::nullopt;
    return it->second;
  }
  std::vector<TargetInfo> list(std::string_view initiator) const override {
    std::vector<TargetInfo> out;
    for (const auto& [name, info] : targets) {
      if (!(initiator == kInitiator && hidden.contains(name))) out.push_back(info);
    }
    return out;
  }
  AuthSettings discovery_auth() const override { return {}; }
};

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string str(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

class SendTargetsTest : public ::testing::Test {
 protected:
  SendTargetsTest() {
    dir.targets["iqn.2024-01.org.esan:a"] = {"iqn.2024-01.org.esan:a", "A", 1, {}};
    dir.targets["iqn.2024-01.org.esan:b"] = {"iqn.2024-01.org.esan:b", "", 1, {}};
    dir.targets["iqn.2024-01.org.esan:c"] = {"iqn.2024-01.org.esan:c", "", 2, {}};
  }

  Result<std::vector<uint8_t>> run(const std::string& request, bool discovery = true,
                                   std::string_view session_target = "",
                                   bool chap_authenticated = false) {
    return build_send_targets(bytes(request), dir, kInitiator, portals, discovery, session_target,
                              chap_authenticated);
  }

  StDirectory dir;
  std::vector<std::string> portals = {"192.0.2.10:3260,1", "[2001:db8::10]:3260,1",
                                      "198.51.100.7:3261,2"};
};

TEST_F(SendTargetsTest, AllListsEveryAllowedTargetWithItsGroupsPortals) {
  dir.hidden.insert("iqn.2024-01.org.esan:b");
  auto r = run("SendTargets=All\0"s);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(str(*r),
            "TargetName=iqn.2024-01.org.esan:a\0"
            "TargetAddress=192.0.2.10:3260,1\0"
            "TargetAddress=[2001:db8::10]:3260,1\0"
            "TargetName=iqn.2024-01.org.esan:c\0"
            "TargetAddress=198.51.100.7:3261,2\0"s);
}

TEST_F(SendTargetsTest, AllWithNoTargetsIsEmpty) {
  dir.targets.clear();
  auto r = run("SendTargets=All\0"s);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
}

TEST_F(SendTargetsTest, AllInNormalSessionListsOnlyTheSessionsTarget) {
  // RFC 7143 12.3: an operational session only learns about its own target.
  auto r = run("SendTargets=All\0"s, /*discovery=*/false, "iqn.2024-01.org.esan:a");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(str(*r),
            "TargetName=iqn.2024-01.org.esan:a\0"
            "TargetAddress=192.0.2.10:3260,1\0"
            "TargetAddress=[2001:db8::10]:3260,1\0"s);
}

TEST_F(SendTargetsTest, NamedTargetOnly) {
  auto r = run("SendTargets=iqn.2024-01.org.esan:b\0"s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(str(*r),
            "TargetName=iqn.2024-01.org.esan:b\0"
            "TargetAddress=192.0.2.10:3260,1\0"
            "TargetAddress=[2001:db8::10]:3260,1\0"s);
}

TEST_F(SendTargetsTest, UnknownNamedTargetIsEmpty) {
  auto r = run("SendTargets=iqn.2024-01.org.esan:zzz\0"s);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
}

TEST_F(SendTargetsTest, NamedTargetNotAllowedIsEmpty) {
  dir.hidden.insert("iqn.2024-01.org.esan:a");
  auto r = run("SendTargets=iqn.2024-01.org.esan:a\0"s);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
}

TEST_F(SendTargetsTest, EmptyValueInNormalSessionIsTheSessionsTarget) {
  auto r = run("SendTargets=\0"s, /*discovery=*/false, "iqn.2024-01.org.esan:c");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(str(*r),
            "TargetName=iqn.2024-01.org.esan:c\0"
            "TargetAddress=198.51.100.7:3261,2\0"s);
}

TEST_F(SendTargetsTest, EmptyValueInDiscoverySessionIsEmpty) {
  auto r = run("SendTargets=\0"s);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
}

TEST_F(SendTargetsTest, TargetWithoutPortalsInItsGroupIsListedByName) {
  dir.targets["iqn.2024-01.org.esan:d"] = {"iqn.2024-01.org.esan:d", "", 9, {}};
  auto r = run("SendTargets=iqn.2024-01.org.esan:d\0"s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(str(*r), "TargetName=iqn.2024-01.org.esan:d\0"s);
}

TEST_F(SendTargetsTest, PortalWithoutTagServesEveryGroup) {
  portals = {"host.example:3260"};
  auto r = run("SendTargets=iqn.2024-01.org.esan:c\0"s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(str(*r),
            "TargetName=iqn.2024-01.org.esan:c\0"
            "TargetAddress=host.example:3260\0"s);
}

TEST_F(SendTargetsTest, OtherKeysAreLeftToTheCaller) {
  auto r = run("X-vendor=1\0SendTargets=iqn.2024-01.org.esan:b\0"s);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(str(*r).rfind("TargetName=iqn.2024-01.org.esan:b\0"s, 0), 0u);
  EXPECT_EQ(str(*r).find("X-vendor"), std::string::npos);
}

TEST_F(SendTargetsTest, MissingSendTargetsIsInvalidArgument) {
  auto r = run("X-vendor=1\0"s);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
}

TEST_F(SendTargetsTest, TwoSendTargetsIsProtocolError) {
  auto r = run("SendTargets=All\0SendTargets=All\0"s);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kProtocol);
}

TEST_F(SendTargetsTest, MalformedTextIsProtocolError) {
  auto r = run("SendTargets\0"s);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kProtocol);
}

TEST_F(SendTargetsTest, ChapProtectedTargetsNeedAChapAuthenticatedSession) {
  dir.targets["iqn.2024-01.org.esan:b"].auth.incoming = {{"joe", "joes-secret-1"}};
  const std::string only_a_and_c =
      "TargetName=iqn.2024-01.org.esan:a\0"
      "TargetAddress=192.0.2.10:3260,1\0"
      "TargetAddress=[2001:db8::10]:3260,1\0"
      "TargetName=iqn.2024-01.org.esan:c\0"
      "TargetAddress=198.51.100.7:3261,2\0"s;
  auto anonymous = run("SendTargets=All\0"s);
  ASSERT_TRUE(anonymous.has_value());
  EXPECT_EQ(str(*anonymous), only_a_and_c);
  auto by_name = run("SendTargets=iqn.2024-01.org.esan:b\0"s);
  ASSERT_TRUE(by_name.has_value());
  EXPECT_EQ(str(*by_name), "") << "a CHAP target named explicitly is hidden too";

  auto authenticated = run("SendTargets=All\0"s, true, "", true);
  ASSERT_TRUE(authenticated.has_value());
  EXPECT_NE(str(*authenticated).find("TargetName=iqn.2024-01.org.esan:b\0"s), std::string::npos)
      << str(*authenticated);
  auto named_auth = run("SendTargets=iqn.2024-01.org.esan:b\0"s, true, "", true);
  ASSERT_TRUE(named_auth.has_value());
  EXPECT_EQ(str(*named_auth),
            "TargetName=iqn.2024-01.org.esan:b\0"
            "TargetAddress=192.0.2.10:3260,1\0"
            "TargetAddress=[2001:db8::10]:3260,1\0"s);
  // A normal session to the CHAP target authenticated, so it sees itself.
  auto own = run("SendTargets=\0"s, false, "iqn.2024-01.org.esan:b", true);
  ASSERT_TRUE(own.has_value());
  EXPECT_EQ(str(*own).rfind("TargetName=iqn.2024-01.org.esan:b\0"s, 0), 0u);
}

// A portal bound to a wildcard address is advertised with the address the
// initiator reached (an esand on 0.0.0.0 must not tell initiators to
// connect to 0.0.0.0); the others as they are.
TEST(PortalsAsSeen, WildcardPortalsTakeTheConnectionsAddress) {
  std::vector<std::string> portals = {"0.0.0.0:3260,1", "192.0.2.10:3261,1", "[::]:3262,2", "[2001:db8::1]:3260,1"};
  EXPECT_EQ(portals_as_seen(portals, "10.231.30.1:3260"),
            (std::vector<std::string>{"10.231.30.1:3260,1", "192.0.2.10:3261,1", "10.231.30.1:3262,2",
                                      "[2001:db8::1]:3260,1"}));
  EXPECT_EQ(portals_as_seen(portals, "[2001:db8::7]:3262"),
            (std::vector<std::string>{"[2001:db8::7]:3260,1", "192.0.2.10:3261,1", "[2001:db8::7]:3262,2",
                                      "[2001:db8::1]:3260,1"}));
  EXPECT_EQ(portals_as_seen(portals, "[::ffff:10.0.0.5]:3262")[2], "10.0.0.5:3262,2");
  EXPECT_EQ(portals_as_seen(portals, ""), portals);
  EXPECT_EQ(portals_as_seen(portals, "[2001:db8::7:3260"), portals);
}

}  // namespace
}  // namespace esan::iscsi
