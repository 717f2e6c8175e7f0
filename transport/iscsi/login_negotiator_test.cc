#include "transport/iscsi/login_negotiator.h"

#include <gtest/gtest.h>

#include <deque>
#include <initializer_list>
#include <map>
#include <set>
#include <string>

namespace esan::iscsi {
namespace {

using namespace login_status;
using namespace std::string_literals;
using Pair = std::pair<std::string, std::string>;

constexpr char kInitiator[] = "iqn.2004-10.com.ubuntu:01:c0ffee";
constexpr char kTarget[] = "iqn.2024-01.org.esan:disk1";

class FakeDirectory final : public TargetDirectory {
 public:
  std::map<std::string, TargetInfo, std::less<>> targets;
  std::set<std::pair<std::string, std::string>> denied;  // (target, initiator)

  std::optional<TargetInfo> find(std::string_view target,
                                 std::string_view initiator) const override {
    auto it = targets.find(target);
    if (it == targets.end()) return std::nullopt;
    if (denied.contains({std::string(target), std::string(initiator)})) return std::nullopt;
    return it->second;
  }
  std::vector<TargetInfo> list(std::string_view initiator) const override {
    std::vector<TargetInfo> out;
    for (const auto& [name, info] : targets) {
      if (!denied.contains({name, std::string(initiator)})) out.push_back(info);
    }
    return out;
  }
  AuthSettings discovery_auth() const override { return discovery; }

  AuthSettings discovery;
};

// "k=v" items -> "k=v\0k=v\0".
std::string kv(std::initializer_list<std::string_view> items) {
  std::string s;
  for (auto item : items) {
    s += item;
    s += '\0';
  }
  return s;
}

TextPairs pairs_of(const LoginResponse& rsp) {
  auto p = parse_text(rsp.text);
  EXPECT_TRUE(p.has_value());
  return p ? *p : TextPairs{};
}

// The value answered for `key`; "<absent>" if none, "<twice>" if repeated.
std::string answer(const LoginResponse& rsp, std::string_view key) {
  std::string found = "<absent>";
  for (const auto& [k, v] : pairs_of(rsp)) {
    if (k != key) continue;
    if (found != "<absent>") return "<twice>";
    found = v;
  }
  return found;
}

class LoginTest : public ::testing::Test {
 protected:
  LoginTest() {
    dir.targets[kTarget] = TargetInfo{kTarget, "esan disk 1", 1, {}};
    dir.targets["iqn.2024-01.org.esan:noalias"] = TargetInfo{"iqn.2024-01.org.esan:noalias", "", 1, {}};
  }

  LoginNegotiator make(uint16_t portal_tag = 1) { return LoginNegotiator(dir, policy, portal_tag); }

  LoginResponse send(LoginNegotiator& n, uint8_t csg, uint8_t nsg, bool transit, std::string text,
                     uint8_t version_min = 0, bool cont = false) {
    texts.push_back(std::move(text));
    const std::string& t = texts.back();
    LoginRequest req{};
    req.transit = transit;
    req.cont = cont;
    req.csg = csg;
    req.nsg = nsg;
    req.version_max = 0;
    req.version_min = version_min;
    req.itt = 0x1000;
    req.text = {reinterpret_cast<const uint8_t*>(t.data()), t.size()};
    return n.step(req);
  }

  // A Normal-session first request straight into the operational stage
  // (as libiscsi sends without CHAP), asking for full feature phase.
  LoginResponse op_login(LoginNegotiator& n, std::initializer_list<std::string_view> keys) {
    std::string text = kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                           "TargetName=iqn.2024-01.org.esan:disk1", "SessionType=Normal"});
    text += kv(keys);
    return send(n, 1, 3, true, text);
  }

  LoginResponse discovery_op_login(LoginNegotiator& n, std::initializer_list<std::string_view> keys) {
    std::string text = kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee", "SessionType=Discovery"});
    text += kv(keys);
    return send(n, 1, 3, true, text);
  }

  static void expect_failed(const LoginResponse& rsp, uint8_t cls, uint8_t detail) {
    EXPECT_TRUE(rsp.failed);
    EXPECT_FALSE(rsp.done);
    EXPECT_FALSE(rsp.transit);
    EXPECT_EQ(rsp.status_class, cls);
    EXPECT_EQ(rsp.status_detail, detail) << rsp.reason;
    EXPECT_TRUE(rsp.text.empty());
    EXPECT_FALSE(rsp.reason.empty());
  }

  FakeDirectory dir;
  TargetPolicy policy;
  std::deque<std::string> texts;  // request text must outlive step()
};

// ---- whole logins as real initiators send them ----

TEST_F(LoginTest, OpenIscsiNormalSession) {
  auto n = make();
  auto r1 = send(n, 0, 1, true,
                 kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee", "InitiatorAlias=host1",
                     "TargetName=iqn.2024-01.org.esan:disk1", "SessionType=Normal",
                     "AuthMethod=None"}));
  ASSERT_FALSE(r1.failed) << r1.reason;
  EXPECT_TRUE(r1.transit);
  EXPECT_EQ(r1.csg, 0);
  EXPECT_EQ(r1.nsg, 1);
  EXPECT_FALSE(r1.done);
  EXPECT_EQ(pairs_of(r1), (TextPairs{{"AuthMethod", "None"},
                                     {"TargetAlias", "esan disk 1"},
                                     {"TargetPortalGroupTag", "1"}}));

  auto r2 = send(n, 1, 3, true,
                 kv({"HeaderDigest=None", "DataDigest=None", "DefaultTime2Wait=2",
                     "DefaultTime2Retain=0", "IFMarker=No", "OFMarker=No", "ErrorRecoveryLevel=0",
                     "InitialR2T=No", "ImmediateData=Yes", "MaxBurstLength=16776192",
                     "FirstBurstLength=262144", "MaxOutstandingR2T=1", "MaxConnections=1",
                     "DataPDUInOrder=Yes", "DataSequenceInOrder=Yes",
                     "MaxRecvDataSegmentLength=262144"}));
  ASSERT_FALSE(r2.failed) << r2.reason;
  EXPECT_TRUE(r2.transit);
  EXPECT_EQ(r2.csg, 1);
  EXPECT_EQ(r2.nsg, 3);
  EXPECT_TRUE(r2.done);
  EXPECT_EQ(pairs_of(r2),
            (TextPairs{{"HeaderDigest", "None"},        {"DataDigest", "None"},
                       {"DefaultTime2Wait", "2"},        {"DefaultTime2Retain", "0"},
                       {"IFMarker", "Reject"},           {"OFMarker", "Reject"},
                       {"ErrorRecoveryLevel", "0"},      {"InitialR2T", "No"},
                       {"ImmediateData", "Yes"},         {"MaxBurstLength", "1048576"},
                       {"FirstBurstLength", "262144"},   {"MaxOutstandingR2T", "1"},
                       {"MaxConnections", "1"},          {"DataPDUInOrder", "Yes"},
                       {"DataSequenceInOrder", "Yes"},   {"MaxRecvDataSegmentLength", "262144"}}));

  EXPECT_TRUE(n.done());
  const SessionParams& p = n.params();
  EXPECT_FALSE(p.discovery);
  EXPECT_EQ(p.initiator_name, kInitiator);
  EXPECT_EQ(p.initiator_alias, "host1");
  EXPECT_EQ(p.target_name, kTarget);
  EXPECT_FALSE(p.header_digest);
  EXPECT_FALSE(p.data_digest);
  EXPECT_FALSE(p.initial_r2t);
  EXPECT_TRUE(p.immediate_data);
  EXPECT_EQ(p.max_recv_dsl, 262144u);
  EXPECT_EQ(p.max_xmit_dsl, 262144u);
  EXPECT_EQ(p.max_burst, 1048576u);
  EXPECT_EQ(p.first_burst, 262144u);
  EXPECT_EQ(p.default_time2wait, 2u);
  EXPECT_EQ(p.default_time2retain, 0u);
  EXPECT_EQ(p.max_outstanding_r2t, 1u);
  EXPECT_EQ(p.error_recovery_level, 0u);
  ASSERT_TRUE(n.target().has_value());
  EXPECT_EQ(n.target()->name, kTarget);
}

TEST_F(LoginTest, LibiscsiWithoutChapStartsInOperationalStage) {
  auto n = make();
  auto r = send(n, 1, 3, true,
                kv({"InitiatorName=iqn.2007-10.com.github:sahlberg:libiscsi:iscsi-test",
                    "TargetName=iqn.2024-01.org.esan:disk1", "SessionType=Normal",
                    "HeaderDigest=None,CRC32C", "DataDigest=None", "InitialR2T=No",
                    "ImmediateData=Yes", "MaxBurstLength=262144", "FirstBurstLength=262144",
                    "DefaultTime2Wait=2", "DefaultTime2Retain=0", "MaxOutstandingR2T=1",
                    "ErrorRecoveryLevel=0", "IFMarker=No", "OFMarker=No", "MaxConnections=1",
                    "MaxRecvDataSegmentLength=262144", "DataPDUInOrder=Yes",
                    "DataSequenceInOrder=Yes"}));
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_TRUE(r.done);
  EXPECT_TRUE(r.transit);
  EXPECT_EQ(r.csg, 1);
  EXPECT_EQ(r.nsg, 3);
  EXPECT_EQ(pairs_of(r),
            (TextPairs{{"HeaderDigest", "None"},           {"DataDigest", "None"},
                       {"InitialR2T", "No"},                {"ImmediateData", "Yes"},
                       {"MaxBurstLength", "262144"},        {"FirstBurstLength", "262144"},
                       {"DefaultTime2Wait", "2"},           {"DefaultTime2Retain", "0"},
                       {"MaxOutstandingR2T", "1"},          {"ErrorRecoveryLevel", "0"},
                       {"IFMarker", "Reject"},              {"OFMarker", "Reject"},
                       {"MaxConnections", "1"},             {"MaxRecvDataSegmentLength", "262144"},
                       {"DataPDUInOrder", "Yes"},           {"DataSequenceInOrder", "Yes"},
                       {"TargetAlias", "esan disk 1"},      {"TargetPortalGroupTag", "1"}}));
  EXPECT_EQ(n.params().max_burst, 262144u);
}

// libiscsi with a CHAP user offers CHAP,None; when we pick None it stays in
// its "offer" state and repeats InitiatorName/TargetName/SessionType in the
// operational request. That repetition (same values) must be accepted.
TEST_F(LoginTest, LibiscsiOffersChapAndNoneThenRepeatsDeclarations) {
  auto n = make();
  auto r1 = send(n, 0, 1, true,
                 kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                     "TargetName=iqn.2024-01.org.esan:disk1", "SessionType=Normal",
                     "AuthMethod=CHAP,None"}));
  ASSERT_FALSE(r1.failed) << r1.reason;
  EXPECT_TRUE(r1.transit);
  EXPECT_EQ(r1.nsg, 1);
  EXPECT_EQ(answer(r1, "AuthMethod"), "None");
  EXPECT_EQ(answer(r1, "MaxRecvDataSegmentLength"), "<absent>");  // not in the security stage

  auto r2 = send(n, 1, 3, true,
                 kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                     "TargetName=iqn.2024-01.org.esan:disk1", "SessionType=Normal",
                     "HeaderDigest=None,CRC32C", "DataDigest=None", "InitialR2T=No",
                     "ImmediateData=Yes", "MaxBurstLength=262144", "FirstBurstLength=262144",
                     "MaxRecvDataSegmentLength=262144"}));
  ASSERT_FALSE(r2.failed) << r2.reason;
  EXPECT_TRUE(r2.done);
  EXPECT_EQ(pairs_of(r2), (TextPairs{{"HeaderDigest", "None"},
                                     {"DataDigest", "None"},
                                     {"InitialR2T", "No"},
                                     {"ImmediateData", "Yes"},
                                     {"MaxBurstLength", "262144"},
                                     {"FirstBurstLength", "262144"},
                                     {"MaxRecvDataSegmentLength", "262144"}}));
}

TEST_F(LoginTest, OpenIscsiDiscoverySession) {
  auto n = make();
  auto r1 = send(n, 0, 1, true,
                 kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee", "InitiatorAlias=host1",
                     "SessionType=Discovery", "AuthMethod=None"}));
  ASSERT_FALSE(r1.failed) << r1.reason;
  EXPECT_EQ(pairs_of(r1), (TextPairs{{"AuthMethod", "None"}}));  // no TPGT/alias in discovery

  auto r2 = send(n, 1, 3, true,
                 kv({"HeaderDigest=None", "DataDigest=None", "DefaultTime2Wait=2",
                     "DefaultTime2Retain=0", "IFMarker=No", "OFMarker=No", "ErrorRecoveryLevel=0",
                     "MaxRecvDataSegmentLength=32768"}));
  ASSERT_FALSE(r2.failed) << r2.reason;
  EXPECT_TRUE(r2.done);
  EXPECT_EQ(pairs_of(r2), (TextPairs{{"HeaderDigest", "None"},
                                     {"DataDigest", "None"},
                                     {"DefaultTime2Wait", "2"},
                                     {"DefaultTime2Retain", "0"},
                                     {"IFMarker", "Reject"},
                                     {"OFMarker", "Reject"},
                                     {"ErrorRecoveryLevel", "0"},
                                     {"MaxRecvDataSegmentLength", "262144"}}));
  EXPECT_TRUE(n.params().discovery);
  EXPECT_EQ(n.params().max_xmit_dsl, 32768u);
  EXPECT_EQ(n.params().max_recv_dsl, 262144u);
  EXPECT_FALSE(n.target().has_value());
  EXPECT_EQ(n.params().target_name, "");
}

TEST_F(LoginTest, DiscoveryStraightToFullFeatureKeepsDefaultSegmentLengths) {
  auto n = make();
  auto r = send(n, 0, 3, true,
                kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee", "SessionType=Discovery",
                    "AuthMethod=None"}));
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_TRUE(r.done);
  EXPECT_EQ(r.nsg, 3);
  EXPECT_EQ(pairs_of(r), (TextPairs{{"AuthMethod", "None"}}));
  EXPECT_EQ(n.params().max_recv_dsl, 8192u);  // never declared: RFC default
  EXPECT_EQ(n.params().max_xmit_dsl, 8192u);
}

TEST_F(LoginTest, NonTransitRequestsStayInTheirStage) {
  auto n = make();
  auto r1 = send(n, 0, 0, false,
                 kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                     "TargetName=iqn.2024-01.org.esan:disk1", "AuthMethod=CHAP,None"}));
  ASSERT_FALSE(r1.failed) << r1.reason;
  EXPECT_FALSE(r1.transit);
  EXPECT_EQ(r1.csg, 0);
  EXPECT_EQ(r1.nsg, 0);
  EXPECT_EQ(answer(r1, "AuthMethod"), "None");

  auto r2 = send(n, 0, 1, true, "");
  ASSERT_FALSE(r2.failed) << r2.reason;
  EXPECT_TRUE(r2.transit);
  EXPECT_EQ(r2.nsg, 1);
  EXPECT_TRUE(r2.text.empty());  // TPGT went in the first response only

  auto r3 = send(n, 1, 0, false, kv({"HeaderDigest=CRC32C,None"}));
  ASSERT_FALSE(r3.failed) << r3.reason;
  EXPECT_FALSE(r3.transit);
  EXPECT_FALSE(r3.done);
  EXPECT_EQ(pairs_of(r3), (TextPairs{{"HeaderDigest", "CRC32C"},
                                     {"MaxRecvDataSegmentLength", "262144"}}));

  auto r4 = send(n, 1, 3, true, kv({"DataDigest=CRC32C"}));
  ASSERT_FALSE(r4.failed) << r4.reason;
  EXPECT_TRUE(r4.done);
  EXPECT_EQ(pairs_of(r4), (TextPairs{{"DataDigest", "CRC32C"}}));  // MRDSL declared once
  EXPECT_TRUE(n.params().header_digest);
  EXPECT_TRUE(n.params().data_digest);
}

TEST_F(LoginTest, SecurityStageMayGoStraightToFullFeature) {
  auto n = make();
  auto r = send(n, 0, 3, true,
                kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                    "TargetName=iqn.2024-01.org.esan:disk1", "AuthMethod=None"}));
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_TRUE(r.done);
  EXPECT_EQ(r.nsg, 3);
  EXPECT_EQ(n.params().max_recv_dsl, 8192u);
}

TEST_F(LoginTest, OperationalKeysAreAcceptedInSecurityStage) {
  auto n = make();
  auto r = send(n, 0, 1, true,
                kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                    "TargetName=iqn.2024-01.org.esan:disk1", "AuthMethod=None",
                    "MaxRecvDataSegmentLength=65536", "HeaderDigest=None"}));
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_EQ(pairs_of(r), (TextPairs{{"AuthMethod", "None"},
                                    {"MaxRecvDataSegmentLength", "262144"},
                                    {"HeaderDigest", "None"},
                                    {"TargetAlias", "esan disk 1"},
                                    {"TargetPortalGroupTag", "1"}}));
  auto r2 = send(n, 1, 3, true, "");
  ASSERT_FALSE(r2.failed) << r2.reason;
  EXPECT_TRUE(r2.text.empty());  // MaxRecvDataSegmentLength already declared
  EXPECT_EQ(n.params().max_xmit_dsl, 65536u);
}

TEST_F(LoginTest, SessionTypeDefaultsToNormal) {
  auto n = make();
  auto r = send(n, 1, 3, true,
                kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                    "TargetName=iqn.2024-01.org.esan:disk1"}));
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_FALSE(n.params().discovery);
  EXPECT_EQ(answer(r, "TargetPortalGroupTag"), "1");
}

// ---- target declarations ----

TEST_F(LoginTest, TargetPortalGroupTagIsThePortalsTag) {
  auto n = make(7);
  auto r = op_login(n, {});
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_EQ(answer(r, "TargetPortalGroupTag"), "7");
}

TEST_F(LoginTest, TargetAliasOnlyWhenSet) {
  auto n = make();
  auto r = send(n, 1, 3, true,
                kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                    "TargetName=iqn.2024-01.org.esan:noalias"}));
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_EQ(answer(r, "TargetAlias"), "<absent>");
  EXPECT_EQ(answer(r, "TargetPortalGroupTag"), "1");
}

TEST_F(LoginTest, MaxRecvDataSegmentLengthDeclaredEvenIfNotAsked) {
  policy.max_recv_dsl = 131072;
  auto n = make();
  auto r = op_login(n, {"HeaderDigest=None"});
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_EQ(pairs_of(r), (TextPairs{{"HeaderDigest", "None"},
                                    {"MaxRecvDataSegmentLength", "131072"},
                                    {"TargetAlias", "esan disk 1"},
                                    {"TargetPortalGroupTag", "1"}}));
  EXPECT_EQ(n.params().max_recv_dsl, 131072u);
  EXPECT_EQ(n.params().max_xmit_dsl, 8192u);  // the initiator did not declare: default
}

TEST_F(LoginTest, InitiatorMaxRecvDataSegmentLengthBecomesMaxXmit) {
  auto n = make();
  auto r = op_login(n, {"MaxRecvDataSegmentLength=0x1000"});
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_EQ(answer(r, "MaxRecvDataSegmentLength"), "262144");
  EXPECT_EQ(n.params().max_xmit_dsl, 4096u);
}

TEST_F(LoginTest, MaxRecvDataSegmentLengthOutOfRangeFails) {
  auto n = make();
  expect_failed(op_login(n, {"MaxRecvDataSegmentLength=511"}), kInitiatorError, kMiscInitiatorError);
  auto n2 = make();
  expect_failed(op_login(n2, {"MaxRecvDataSegmentLength=16777216"}), kInitiatorError,
                kMiscInitiatorError);
  auto n3 = make();
  expect_failed(op_login(n3, {"MaxRecvDataSegmentLength=big"}), kInitiatorError,
                kMiscInitiatorError);
}

// ---- each operational key ----

TEST_F(LoginTest, DigestPicksFirstSupportedInInitiatorOrder) {
  auto n = make();
  auto r = op_login(n, {"HeaderDigest=CRC32C,None", "DataDigest=None,CRC32C"});
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_EQ(answer(r, "HeaderDigest"), "CRC32C");
  EXPECT_EQ(answer(r, "DataDigest"), "None");
  EXPECT_TRUE(n.params().header_digest);
  EXPECT_FALSE(n.params().data_digest);
}

TEST_F(LoginTest, DigestSkipsUnknownAndDisallowed) {
  policy.allow_header_digest = false;
  auto n = make();
  auto r = op_login(n, {"HeaderDigest=CRC32C,None", "DataDigest=X-fancy,CRC32C"});
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_EQ(answer(r, "HeaderDigest"), "None");
  EXPECT_EQ(answer(r, "DataDigest"), "CRC32C");
  EXPECT_FALSE(n.params().header_digest);
  EXPECT_TRUE(n.params().data_digest);
}

TEST_F(LoginTest, DigestWithNothingAcceptableIsRejected) {
  policy.allow_data_digest = false;
  auto n = make();
  auto r = op_login(n, {"HeaderDigest=MD5", "DataDigest=CRC32C"});
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_EQ(answer(r, "HeaderDigest"), "Reject");
  EXPECT_EQ(answer(r, "DataDigest"), "Reject");
  EXPECT_FALSE(n.params().header_digest);
  EXPECT_FALSE(n.params().data_digest);
}

TEST_F(LoginTest, MaxConnectionsIsCappedAtOne) {
  auto n = make();
  auto r = op_login(n, {"MaxConnections=4"});
  EXPECT_EQ(answer(r, "MaxConnections"), "1");
  EXPECT_EQ(n.params().max_connections, 1u);
  auto n2 = make();
  EXPECT_EQ(answer(op_login(n2, {"MaxConnections=0"}), "MaxConnections"), "Reject");
  auto n3 = make();
  EXPECT_EQ(answer(op_login(n3, {"MaxConnections=65536"}), "MaxConnections"), "Reject");
}

TEST_F(LoginTest, InitialR2TIsOr) {
  auto n = make();  // policy prefers No
  EXPECT_EQ(answer(op_login(n, {"InitialR2T=Yes"}), "InitialR2T"), "Yes");
  EXPECT_TRUE(n.params().initial_r2t);
  auto n2 = make();
  EXPECT_EQ(answer(op_login(n2, {"InitialR2T=No"}), "InitialR2T"), "No");
  EXPECT_FALSE(n2.params().initial_r2t);
  policy.initial_r2t = true;
  auto n3 = make();
  EXPECT_EQ(answer(op_login(n3, {"InitialR2T=No"}), "InitialR2T"), "Yes");
  EXPECT_TRUE(n3.params().initial_r2t);
  auto n4 = make();
  EXPECT_EQ(answer(op_login(n4, {"InitialR2T=yes"}), "InitialR2T"), "Reject");
  EXPECT_TRUE(n4.params().initial_r2t);  // default kept
}

TEST_F(LoginTest, ImmediateDataIsAnd) {
  auto n = make();
  EXPECT_EQ(answer(op_login(n, {"ImmediateData=Yes"}), "ImmediateData"), "Yes");
  EXPECT_TRUE(n.params().immediate_data);
  auto n2 = make();
  EXPECT_EQ(answer(op_login(n2, {"ImmediateData=No"}), "ImmediateData"), "No");
  EXPECT_FALSE(n2.params().immediate_data);
  policy.immediate_data = false;
  auto n3 = make();
  EXPECT_EQ(answer(op_login(n3, {"ImmediateData=Yes"}), "ImmediateData"), "No");
  EXPECT_FALSE(n3.params().immediate_data);
  auto n4 = make();
  EXPECT_EQ(answer(op_login(n4, {"ImmediateData=Maybe"}), "ImmediateData"), "Reject");
}

TEST_F(LoginTest, MaxBurstLengthIsMin) {
  auto n = make();
  EXPECT_EQ(answer(op_login(n, {"MaxBurstLength=16776192"}), "MaxBurstLength"), "1048576");
  EXPECT_EQ(n.params().max_burst, 1048576u);
  auto n2 = make();
  EXPECT_EQ(answer(op_login(n2, {"MaxBurstLength=65536"}), "MaxBurstLength"), "65536");
  EXPECT_EQ(n2.params().max_burst, 65536u);
  auto n3 = make();
  EXPECT_EQ(answer(op_login(n3, {"MaxBurstLength=511"}), "MaxBurstLength"), "Reject");
  EXPECT_EQ(n3.params().max_burst, 262144u);
  auto n4 = make();
  EXPECT_EQ(answer(op_login(n4, {"MaxBurstLength=16777216"}), "MaxBurstLength"), "Reject");
}

TEST_F(LoginTest, FirstBurstLengthIsMinAndNotAboveMaxBurst) {
  auto n = make();
  EXPECT_EQ(answer(op_login(n, {"FirstBurstLength=1048576"}), "FirstBurstLength"), "262144");
  EXPECT_EQ(n.params().first_burst, 262144u);

  // FirstBurstLength before MaxBurstLength in the same request: still capped,
  // and the answers keep the request order.
  auto n2 = make();
  auto r = op_login(n2, {"FirstBurstLength=262144", "MaxBurstLength=65536"});
  ASSERT_FALSE(r.failed) << r.reason;
  auto p = pairs_of(r);
  ASSERT_GE(p.size(), 2u);
  EXPECT_EQ(p[0], (Pair{"FirstBurstLength", "65536"}));
  EXPECT_EQ(p[1], (Pair{"MaxBurstLength", "65536"}));
  EXPECT_EQ(n2.params().first_burst, 65536u);
  EXPECT_EQ(n2.params().max_burst, 65536u);

  auto n3 = make();
  EXPECT_EQ(answer(op_login(n3, {"FirstBurstLength=100"}), "FirstBurstLength"), "Reject");
  EXPECT_EQ(n3.params().first_burst, 65536u);
}

TEST_F(LoginTest, FirstBurstClampedWhenMaxBurstShrinksLater) {
  auto n = make();
  ASSERT_FALSE(send(n, 1, 0, false,
                    kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                        "TargetName=iqn.2024-01.org.esan:disk1", "FirstBurstLength=262144"}))
                   .failed);
  auto r = send(n, 1, 3, true, kv({"MaxBurstLength=131072"}));
  ASSERT_TRUE(r.done) << r.reason;
  EXPECT_EQ(n.params().max_burst, 131072u);
  EXPECT_EQ(n.params().first_burst, 131072u);
}

TEST_F(LoginTest, DefaultTime2WaitIsMax) {
  auto n = make();
  EXPECT_EQ(answer(op_login(n, {"DefaultTime2Wait=0"}), "DefaultTime2Wait"), "2");
  EXPECT_EQ(n.params().default_time2wait, 2u);
  auto n2 = make();
  EXPECT_EQ(answer(op_login(n2, {"DefaultTime2Wait=10"}), "DefaultTime2Wait"), "10");
  EXPECT_EQ(n2.params().default_time2wait, 10u);
  auto n3 = make();
  EXPECT_EQ(answer(op_login(n3, {"DefaultTime2Wait=3601"}), "DefaultTime2Wait"), "Reject");
}

TEST_F(LoginTest, DefaultTime2RetainIsMin) {
  auto n = make();
  EXPECT_EQ(answer(op_login(n, {"DefaultTime2Retain=0"}), "DefaultTime2Retain"), "0");
  EXPECT_EQ(n.params().default_time2retain, 0u);
  auto n2 = make();
  EXPECT_EQ(answer(op_login(n2, {"DefaultTime2Retain=60"}), "DefaultTime2Retain"), "20");
  EXPECT_EQ(n2.params().default_time2retain, 20u);
  auto n3 = make();
  EXPECT_EQ(answer(op_login(n3, {"DefaultTime2Retain=-1"}), "DefaultTime2Retain"), "Reject");
}

TEST_F(LoginTest, MaxOutstandingR2TIsMin) {
  auto n = make();
  EXPECT_EQ(answer(op_login(n, {"MaxOutstandingR2T=64"}), "MaxOutstandingR2T"), "16");
  EXPECT_EQ(n.params().max_outstanding_r2t, 16u);
  auto n2 = make();
  EXPECT_EQ(answer(op_login(n2, {"MaxOutstandingR2T=4"}), "MaxOutstandingR2T"), "4");
  EXPECT_EQ(n2.params().max_outstanding_r2t, 4u);
  auto n3 = make();
  EXPECT_EQ(answer(op_login(n3, {"MaxOutstandingR2T=0"}), "MaxOutstandingR2T"), "Reject");
  EXPECT_EQ(n3.params().max_outstanding_r2t, 1u);
}

TEST_F(LoginTest, DataOrderingKeysAnswerYes) {
  auto n = make();
  auto r = op_login(n, {"DataPDUInOrder=No", "DataSequenceInOrder=No"});
  EXPECT_EQ(answer(r, "DataPDUInOrder"), "Yes");
  EXPECT_EQ(answer(r, "DataSequenceInOrder"), "Yes");
  EXPECT_TRUE(n.params().data_pdu_in_order);
  EXPECT_TRUE(n.params().data_seq_in_order);
  auto n2 = make();
  EXPECT_EQ(answer(op_login(n2, {"DataPDUInOrder=1"}), "DataPDUInOrder"), "Reject");
}

TEST_F(LoginTest, ErrorRecoveryLevelIsMinWithZero) {
  auto n = make();
  EXPECT_EQ(answer(op_login(n, {"ErrorRecoveryLevel=2"}), "ErrorRecoveryLevel"), "0");
  EXPECT_EQ(n.params().error_recovery_level, 0u);
  auto n2 = make();
  EXPECT_EQ(answer(op_login(n2, {"ErrorRecoveryLevel=3"}), "ErrorRecoveryLevel"), "Reject");
}

TEST_F(LoginTest, ObsoleteMarkerKeysAreRejected) {
  auto n = make();
  auto r = op_login(n, {"IFMarker=Yes", "OFMarker=No", "IFMarkInt=2048~8192", "OFMarkInt=2048"});
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_EQ(answer(r, "IFMarker"), "Reject");
  EXPECT_EQ(answer(r, "OFMarker"), "Reject");
  EXPECT_EQ(answer(r, "IFMarkInt"), "Reject");
  EXPECT_EQ(answer(r, "OFMarkInt"), "Reject");
}

TEST_F(LoginTest, TaskReportingAndRdmaExtensions) {
  auto n = make();
  auto r = op_login(n, {"TaskReporting=ResponseFence,RFC3720", "RDMAExtensions=Yes",
                        "TargetRecvDataSegmentLength=8192"});
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_EQ(answer(r, "TaskReporting"), "RFC3720");
  EXPECT_EQ(answer(r, "RDMAExtensions"), "No");
  EXPECT_EQ(answer(r, "TargetRecvDataSegmentLength"), "Irrelevant");
  auto n2 = make();
  EXPECT_EQ(answer(op_login(n2, {"TaskReporting=FastAbort"}), "TaskReporting"), "Reject");
}

TEST_F(LoginTest, UnknownKeysAreNotUnderstood) {
  auto n = make();
  auto r = op_login(n, {"X-com.cisco.PingTimeout=5", "FancyKey=1"});
  ASSERT_FALSE(r.failed) << r.reason;
  auto p = pairs_of(r);
  ASSERT_GE(p.size(), 2u);
  EXPECT_EQ(p[0], (Pair{"X-com.cisco.PingTimeout", "NotUnderstood"}));
  EXPECT_EQ(p[1], (Pair{"FancyKey", "NotUnderstood"}));
}

TEST_F(LoginTest, TargetOnlyAndFullFeatureKeysAreRejected) {
  auto n = make();
  auto r = op_login(n, {"TargetAlias=x", "TargetAddress=1.2.3.4", "SendTargets=All"});
  ASSERT_FALSE(r.failed) << r.reason;
  auto p = pairs_of(r);
  ASSERT_GE(p.size(), 3u);
  EXPECT_EQ(p[0], (Pair{"TargetAlias", "Reject"}));
  EXPECT_EQ(p[1], (Pair{"TargetAddress", "Reject"}));
  EXPECT_EQ(p[2], (Pair{"SendTargets", "Reject"}));
}

TEST_F(LoginTest, SessionKeysAreIrrelevantInDiscovery) {
  auto n = make();
  auto r = discovery_op_login(n, {"MaxConnections=1", "InitialR2T=No", "ImmediateData=Yes",
                                  "MaxBurstLength=65536", "FirstBurstLength=512",
                                  "MaxOutstandingR2T=1", "DataPDUInOrder=Yes",
                                  "DataSequenceInOrder=Yes", "HeaderDigest=CRC32C"});
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_EQ(pairs_of(r), (TextPairs{{"MaxConnections", "Irrelevant"},
                                    {"InitialR2T", "Irrelevant"},
                                    {"ImmediateData", "Irrelevant"},
                                    {"MaxBurstLength", "Irrelevant"},
                                    {"FirstBurstLength", "Irrelevant"},
                                    {"MaxOutstandingR2T", "Irrelevant"},
                                    {"DataPDUInOrder", "Irrelevant"},
                                    {"DataSequenceInOrder", "Irrelevant"},
                                    {"HeaderDigest", "CRC32C"},
                                    {"MaxRecvDataSegmentLength", "262144"}}));
  EXPECT_EQ(n.params().max_burst, 262144u);  // untouched
  EXPECT_TRUE(n.params().header_digest);
}

// ---- errors ----

TEST_F(LoginTest, MissingInitiatorNameIsMissingParameter) {
  auto n = make();
  expect_failed(send(n, 0, 1, true, kv({"TargetName=iqn.2024-01.org.esan:disk1", "AuthMethod=None"})),
                kInitiatorError, kMissingParameter);
  EXPECT_TRUE(n.failed());
  auto n2 = make();
  expect_failed(send(n2, 0, 1, true, kv({"InitiatorName=", "TargetName=iqn.2024-01.org.esan:disk1"})),
                kInitiatorError, kMissingParameter);
}

TEST_F(LoginTest, NormalSessionWithoutTargetNameIsMissingParameter) {
  auto n = make();
  expect_failed(send(n, 0, 1, true,
                     kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee", "SessionType=Normal",
                         "AuthMethod=None"})),
                kInitiatorError, kMissingParameter);
}

TEST_F(LoginTest, UnknownTargetIsNotFound) {
  auto n = make();
  expect_failed(send(n, 0, 1, true,
                     kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                         "TargetName=iqn.2024-01.org.esan:nope", "AuthMethod=None"})),
                kInitiatorError, kNotFound);
  EXPECT_FALSE(n.target().has_value());
}

TEST_F(LoginTest, TargetNotAllowedForInitiatorIsNotFound) {
  dir.denied.insert({kTarget, kInitiator});
  auto n = make();
  expect_failed(send(n, 0, 1, true,
                     kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                         "TargetName=iqn.2024-01.org.esan:disk1", "AuthMethod=None"})),
                kInitiatorError, kNotFound);
}

TEST_F(LoginTest, UnknownSessionTypeIsNotSupported) {
  auto n = make();
  expect_failed(send(n, 0, 1, true,
                     kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee", "SessionType=Admin",
                         "TargetName=iqn.2024-01.org.esan:disk1"})),
                kInitiatorError, kSessionTypeNotSupported);
}

TEST_F(LoginTest, UnsupportedVersion) {
  auto n = make();
  expect_failed(send(n, 0, 1, true,
                     kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                         "TargetName=iqn.2024-01.org.esan:disk1"}),
                     /*version_min=*/1),
                kInitiatorError, kUnsupportedVersion);
}

TEST_F(LoginTest, InvalidStagesAreInitiatorErrors) {
  const std::string text = kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                               "TargetName=iqn.2024-01.org.esan:disk1"});
  struct Case {
    uint8_t csg, nsg;
    bool transit;
  };
  for (Case c : {Case{3, 3, true}, Case{2, 3, true}, Case{3, 0, false}, Case{1, 1, true},
                 Case{1, 0, true}, Case{0, 0, true}, Case{0, 2, true}, Case{1, 2, true}}) {
    SCOPED_TRACE(testing::Message() << "csg=" << int(c.csg) << " nsg=" << int(c.nsg)
                                    << " t=" << c.transit);
    auto n = make();
    expect_failed(send(n, c.csg, c.nsg, c.transit, text), kInitiatorError, kMiscInitiatorError);
  }
}

TEST_F(LoginTest, TransitWithContinueIsInitiatorError) {
  auto n = make();
  expect_failed(send(n, 1, 3, true,
                     kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                         "TargetName=iqn.2024-01.org.esan:disk1"}),
                     0, /*cont=*/true),
                kInitiatorError, kMiscInitiatorError);
}

TEST_F(LoginTest, WrongCurrentStageAfterTransitIsInitiatorError) {
  auto n = make();
  ASSERT_FALSE(send(n, 0, 1, true,
                    kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                        "TargetName=iqn.2024-01.org.esan:disk1", "AuthMethod=None"}))
                   .failed);
  // We moved to stage 1; a request still claiming stage 0 goes backwards.
  expect_failed(send(n, 0, 1, true, ""), kInitiatorError, kMiscInitiatorError);
}

TEST_F(LoginTest, StayingInStageThenSkippingIsChecked) {
  auto n = make();
  ASSERT_FALSE(send(n, 0, 0, false,
                    kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                        "TargetName=iqn.2024-01.org.esan:disk1", "AuthMethod=None"}))
                   .failed);
  // T=0 kept us in stage 0, so CSG=1 now is wrong.
  expect_failed(send(n, 1, 3, true, ""), kInitiatorError, kMiscInitiatorError);
}

TEST_F(LoginTest, OnlyUnsupportedAuthMethodsIsAuthenticationFailure) {
  auto n = make();
  expect_failed(send(n, 0, 1, true,
                     kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                         "TargetName=iqn.2024-01.org.esan:disk1", "AuthMethod=CHAP,SRP"})),
                kInitiatorError, kAuthenticationFailure);
}

TEST_F(LoginTest, AuthMethodOutsideSecurityStageIsInitiatorError) {
  auto n = make();
  expect_failed(op_login(n, {"AuthMethod=None"}), kInitiatorError, kMiscInitiatorError);
}

TEST_F(LoginTest, ChapKeysWithoutChapAreInitiatorError) {
  auto n = make();
  auto r = send(n, 0, 0, false,
                kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                    "TargetName=iqn.2024-01.org.esan:disk1", "AuthMethod=None", "CHAP_A=5"}));
  expect_failed(r, kInitiatorError, kMiscInitiatorError);
  EXPECT_NE(r.reason.find("CHAP_A"), std::string::npos);
}

TEST_F(LoginTest, SameKeyTwiceInOneRequestIsInitiatorError) {
  auto n = make();
  expect_failed(op_login(n, {"HeaderDigest=None", "HeaderDigest=None"}), kInitiatorError,
                kMiscInitiatorError);
}

TEST_F(LoginTest, SameKeyAgainInALaterRequestIsInitiatorError) {
  auto n = make();
  ASSERT_FALSE(send(n, 1, 0, false,
                    kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                        "TargetName=iqn.2024-01.org.esan:disk1", "MaxBurstLength=65536"}))
                   .failed);
  expect_failed(send(n, 1, 3, true, kv({"MaxBurstLength=65536"})), kInitiatorError,
                kMiscInitiatorError);
}

TEST_F(LoginTest, RedeclaringWithAnotherValueIsInitiatorError) {
  auto n = make();
  ASSERT_FALSE(send(n, 0, 1, true,
                    kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                        "TargetName=iqn.2024-01.org.esan:disk1", "AuthMethod=None"}))
                   .failed);
  expect_failed(send(n, 1, 3, true, kv({"TargetName=iqn.2024-01.org.esan:noalias"})),
                kInitiatorError, kMiscInitiatorError);
}

TEST_F(LoginTest, SessionTypeChangeInLaterRequestIsInitiatorError) {
  auto n = make();
  ASSERT_FALSE(send(n, 0, 1, true,
                    kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                        "TargetName=iqn.2024-01.org.esan:disk1", "AuthMethod=None"}))
                   .failed);
  expect_failed(send(n, 1, 3, true, kv({"SessionType=Discovery"})), kInitiatorError,
                kMiscInitiatorError);
}

TEST_F(LoginTest, ReservedValueAsProposalIsInitiatorError) {
  auto n = make();
  expect_failed(op_login(n, {"HeaderDigest=Reject"}), kInitiatorError, kMiscInitiatorError);
  auto n2 = make();
  expect_failed(op_login(n2, {"X-vendor=NotUnderstood"}), kInitiatorError, kMiscInitiatorError);
}

TEST_F(LoginTest, MalformedTextIsInitiatorError) {
  auto n = make();
  expect_failed(send(n, 0, 1, true, "InitiatorName=iqn.x\0garbage\0"s),
                kInitiatorError, kMiscInitiatorError);
}

TEST_F(LoginTest, NoStepsAfterTheLoginEnded) {
  auto n = make();
  ASSERT_TRUE(op_login(n, {}).done);
  expect_failed(send(n, 1, 3, true, ""), kInitiatorError, kMiscInitiatorError);

  auto n2 = make();
  expect_failed(send(n2, 0, 1, true, ""), kInitiatorError, kMissingParameter);
  expect_failed(send(n2, 0, 1, true,
                     kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee",
                         "TargetName=iqn.2024-01.org.esan:disk1"})),
                kInitiatorError, kMiscInitiatorError);
}

// ---- policy ----

TEST(TargetPolicyTest, DefaultsAreValid) { EXPECT_TRUE(validate_policy(TargetPolicy{}).has_value()); }

TEST(TargetPolicyTest, OutOfRangeBoundsAreInvalid) {
  TargetPolicy p;
  p.max_recv_dsl = 100;
  EXPECT_EQ(validate_policy(p).error().code, Errc::kInvalidArgument);
  p = {};
  p.first_burst = p.max_burst + 1;
  EXPECT_FALSE(validate_policy(p).has_value());
  p = {};
  p.max_burst = 65536;  // below the RFC default a silent initiator gets
  EXPECT_FALSE(validate_policy(p).has_value());
  p = {};
  p.max_outstanding_r2t = 0;
  EXPECT_FALSE(validate_policy(p).has_value());
  p = {};
  p.default_time2retain = 3601;
  EXPECT_FALSE(validate_policy(p).has_value());
}

}  // namespace
}  // namespace esan::iscsi
