// LoginNegotiator with CHAP (RFC 7143 §12.1.3): whole exchanges as libiscsi
// and open-iscsi send them, and every way one can go wrong. Expected
// responses are computed here with OpenSSL's one-shot digests, independently
// of chap.cc.
#include <gtest/gtest.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <deque>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>

#include "transport/iscsi/login_negotiator.h"

namespace esan::iscsi {
namespace {

using namespace login_status;
using Bytes = std::vector<uint8_t>;

constexpr char kTarget[] = "iqn.2024-01.org.esan:chap";
constexpr char kOpenTarget[] = "iqn.2024-01.org.esan:open";
constexpr char kJoeSecret[] = "joes-secret-12";
constexpr char kAnnSecret[] = "anns-secret-34";
constexpr char kTargetSecret[] = "targets-secret-56";
constexpr char kDiscoverySecret[] = "discovery-secret";

class Directory final : public TargetDirectory {
 public:
  std::map<std::string, TargetInfo, std::less<>> targets;
  AuthSettings discovery;
  std::optional<TargetInfo> find(std::string_view t, std::string_view) const override {
    auto it = targets.find(t);
    if (it == targets.end()) return std::nullopt;
    return it->second;
  }
  std::vector<TargetInfo> list(std::string_view) const override { return {}; }
  AuthSettings discovery_auth() const override { return discovery; }
};

std::string kv(std::initializer_list<std::string_view> items) {
  std::string s;
  for (auto item : items) (s += item) += '\0';
  return s;
}

std::map<std::string, std::string> keys_of(const LoginResponse& rsp) {
  auto p = parse_text(rsp.text);
  EXPECT_TRUE(p.has_value());
  std::map<std::string, std::string> m;
  if (p)
    for (auto& [k, v] : *p) m[k] = v;
  return m;
}

Bytes from_hex(std::string_view v) {  // "0x..." with an even digit count
  EXPECT_TRUE(v.starts_with("0x")) << v;
  Bytes out;
  for (size_t i = 2; i + 1 < v.size(); i += 2)
    out.push_back(uint8_t(std::stoi(std::string(v.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string to_hex(const Bytes& b) {
  std::string s = "0x";
  char buf[3];
  for (uint8_t c : b) {
    snprintf(buf, sizeof buf, "%02X", c);
    s += buf;
  }
  return s;
}

std::string to_base64(const Bytes& b) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s = "0b";
  for (size_t i = 0; i < b.size(); i += 3) {
    uint32_t g = uint32_t(b[i]) << 16 | (i + 1 < b.size() ? b[i + 1] << 8 : 0) |
                 (i + 2 < b.size() ? b[i + 2] : 0);
    for (size_t j = 0; j < 4; ++j)
      s += i + j <= b.size() ? kAlphabet[(g >> (18 - 6 * j)) & 63] : '=';
  }
  return s;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
Bytes digest(int algorithm, uint8_t id, std::string_view secret, const Bytes& challenge) {
  Bytes msg{id};
  msg.insert(msg.end(), secret.begin(), secret.end());
  msg.insert(msg.end(), challenge.begin(), challenge.end());
  Bytes out(algorithm == 7 ? SHA256_DIGEST_LENGTH : MD5_DIGEST_LENGTH);
  if (algorithm == 7) SHA256(msg.data(), msg.size(), out.data());
  else MD5(msg.data(), msg.size(), out.data());
  return out;
}
#pragma GCC diagnostic pop

class ChapLoginTest : public ::testing::Test {
 protected:
  ChapLoginTest() {
    TargetInfo chap{kTarget, "", 1, {}};
    chap.auth.incoming = {{"joe", kJoeSecret}, {"ann", kAnnSecret}};
    chap.auth.outgoing = ChapAccount{"esan-target", kTargetSecret};
    dir.targets[kTarget] = chap;
    dir.targets[kOpenTarget] = TargetInfo{kOpenTarget, "", 1, {}};
  }

  LoginResponse send(uint8_t csg, uint8_t nsg, bool transit, std::string text) {
    texts.push_back(std::move(text));
    LoginRequest req{};
    req.transit = transit;
    req.csg = csg;
    req.nsg = nsg;
    req.itt = 0x77;
    req.text = {reinterpret_cast<const uint8_t*>(texts.back().data()), texts.back().size()};
    return neg->step(req);
  }

  std::string first_keys(std::string_view target = kTarget) {
    return kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee", "SessionType=Normal"}) +
           "TargetName=" + std::string(target) + '\0';
  }

  // Requests 1 and 2 of a CHAP login; returns the challenge response.
  std::map<std::string, std::string> start_chap(std::string_view chap_a = "5") {
    auto r1 = send(0, 1, true, first_keys() + kv({"AuthMethod=CHAP,None"}));
    EXPECT_FALSE(r1.failed) << r1.reason;
    EXPECT_FALSE(r1.transit) << "must stay in the security stage until CHAP is done";
    EXPECT_EQ(keys_of(r1)["AuthMethod"], "CHAP");
    auto r2 = send(0, 1, false, "CHAP_A=" + std::string(chap_a) + '\0');
    EXPECT_FALSE(r2.failed) << r2.reason;
    EXPECT_FALSE(r2.transit);
    return keys_of(r2);
  }

  // The initiator's CHAP_N/CHAP_R answer to challenge keys c.
  std::string answer(const std::map<std::string, std::string>& c, std::string_view user,
                     std::string_view secret) {
    int alg = std::stoi(c.at("CHAP_A"));
    auto id = uint8_t(std::stoi(c.at("CHAP_I")));
    auto r = digest(alg, id, secret, from_hex(c.at("CHAP_C")));
    return "CHAP_N=" + std::string(user) + '\0' + "CHAP_R=" + to_hex(r) + '\0';
  }

  LoginResponse finish_operational() {
    return send(1, 3, true, kv({"HeaderDigest=None", "MaxRecvDataSegmentLength=65536"}));
  }

  void expect_auth_failure(const LoginResponse& r) {
    EXPECT_TRUE(r.failed);
    EXPECT_EQ(r.status_class, kInitiatorError);
    EXPECT_EQ(r.status_detail, kAuthenticationFailure) << r.reason;
    EXPECT_TRUE(r.text.empty());
    for (std::string_view secret : {kJoeSecret, kAnnSecret, kTargetSecret, kDiscoverySecret})
      EXPECT_EQ(r.reason.find(secret), std::string::npos) << r.reason;
  }

  void reset() { neg.emplace(dir, TargetPolicy{}, 1); }

  Directory dir;
  std::optional<LoginNegotiator> neg{std::in_place, dir, TargetPolicy{}, 1};
  std::deque<std::string> texts;
};

TEST_F(ChapLoginTest, OneWayMd5AsLibiscsiSendsIt) {
  auto c = start_chap("5");
  EXPECT_EQ(c["CHAP_A"], "5");
  auto id = std::stoi(c["CHAP_I"]);
  EXPECT_GE(id, 0);
  EXPECT_LE(id, 255);
  EXPECT_EQ(from_hex(c["CHAP_C"]).size(), 16u);
  auto r3 = send(0, 1, true, answer(c, "joe", kJoeSecret));
  ASSERT_FALSE(r3.failed) << r3.reason;
  EXPECT_TRUE(r3.transit);
  EXPECT_EQ(r3.nsg, 1);
  EXPECT_TRUE(keys_of(r3).empty()) << "one-way CHAP: nothing to answer";
  auto r4 = finish_operational();
  ASSERT_FALSE(r4.failed) << r4.reason;
  EXPECT_TRUE(r4.done);
  EXPECT_EQ(neg->params().auth_user, "joe");
}

TEST_F(ChapLoginTest, Sha256IsPreferredWheneverOffered) {
  for (std::string_view offer : {"7", "5,7", "7,5", "6,7,5"}) {
    SCOPED_TRACE(offer);
    reset();
    auto c = start_chap(offer);
    EXPECT_EQ(c["CHAP_A"], "7");
    EXPECT_EQ(from_hex(c["CHAP_C"]).size(), 32u);
    auto r3 = send(0, 1, true, answer(c, "ann", kAnnSecret));
    EXPECT_FALSE(r3.failed) << r3.reason;
    EXPECT_TRUE(r3.transit);
  }
}

TEST_F(ChapLoginTest, ChallengesDifferBetweenLogins) {
  auto c1 = start_chap();
  reset();
  auto c2 = start_chap();
  EXPECT_NE(c1["CHAP_C"], c2["CHAP_C"]);
}

TEST_F(ChapLoginTest, Base64ResponseIsAccepted) {
  auto c = start_chap("7");
  auto r = digest(7, uint8_t(std::stoi(c["CHAP_I"])), kJoeSecret, from_hex(c["CHAP_C"]));
  auto r3 = send(0, 1, true, kv({"CHAP_N=joe"}) + "CHAP_R=" + to_base64(r) + '\0');
  EXPECT_FALSE(r3.failed) << r3.reason;
  EXPECT_TRUE(r3.transit);
}

TEST_F(ChapLoginTest, InitiatorMayTransitInALaterEmptyRequest) {
  auto c = start_chap();
  auto r3 = send(0, 1, false, answer(c, "joe", kJoeSecret));
  ASSERT_FALSE(r3.failed) << r3.reason;
  EXPECT_FALSE(r3.transit);
  auto r4 = send(0, 1, true, "");
  ASSERT_FALSE(r4.failed) << r4.reason;
  EXPECT_TRUE(r4.transit);
  EXPECT_FALSE(finish_operational().failed);
}

TEST_F(ChapLoginTest, WrongSecretFails0201) {
  auto c = start_chap();
  expect_auth_failure(send(0, 1, true, answer(c, "joe", kAnnSecret)));
}

TEST_F(ChapLoginTest, UnknownUserFails0201) {
  auto c = start_chap();
  expect_auth_failure(send(0, 1, true, answer(c, "bob", kJoeSecret)));
}

TEST_F(ChapLoginTest, ResponseToAnotherChallengeFails) {
  auto c = start_chap();
  auto stale = c;
  stale["CHAP_C"] = "0x00112233445566778899aabbccddeeff";
  expect_auth_failure(send(0, 1, true, answer(stale, "joe", kJoeSecret)));
}

TEST_F(ChapLoginTest, AuthMethodNoneIsRefused) {
  expect_auth_failure(send(0, 1, true, first_keys() + kv({"AuthMethod=None"})));
}

TEST_F(ChapLoginTest, SkippingTheSecurityStageIsRefused) {
  expect_auth_failure(send(1, 3, true, first_keys() + kv({"HeaderDigest=None"})));
}

TEST_F(ChapLoginTest, LeavingTheSecurityStageWithoutAuthMethodIsRefused) {
  expect_auth_failure(send(0, 1, true, first_keys()));
}

TEST_F(ChapLoginTest, OfferingOnlyUnsupportedMethodsIsRefused) {
  expect_auth_failure(send(0, 1, true, first_keys() + kv({"AuthMethod=SRP,KRB5"})));
}

TEST_F(ChapLoginTest, MissingChapKeysFail) {
  {
    SCOPED_TRACE("no CHAP_A after AuthMethod=CHAP");
    auto r1 = send(0, 1, true, first_keys() + kv({"AuthMethod=CHAP"}));
    ASSERT_FALSE(r1.failed);
    expect_auth_failure(send(0, 1, true, ""));
  }
  {
    SCOPED_TRACE("CHAP_N without CHAP_R");
    reset();
    start_chap();
    expect_auth_failure(send(0, 1, true, kv({"CHAP_N=joe"})));
  }
  {
    SCOPED_TRACE("transit request with no answer to the challenge");
    reset();
    start_chap();
    expect_auth_failure(send(0, 1, true, ""));
  }
  {
    SCOPED_TRACE("CHAP_N/CHAP_R before the challenge");
    reset();
    send(0, 1, true, first_keys() + kv({"AuthMethod=CHAP"}));
    expect_auth_failure(send(0, 1, false, kv({"CHAP_A=5", "CHAP_N=joe", "CHAP_R=0x00"})));
  }
}

TEST_F(ChapLoginTest, UnsupportedAlgorithmFails) {
  auto r1 = send(0, 1, true, first_keys() + kv({"AuthMethod=CHAP"}));
  ASSERT_FALSE(r1.failed);
  expect_auth_failure(send(0, 1, false, kv({"CHAP_A=6,8"})));
}

TEST_F(ChapLoginTest, MalformedResponsesFail) {
  for (std::string_view bad : {"", "0x", "0xZZ", "abcdef", "0bZm9v!", "0q1234"}) {
    SCOPED_TRACE(bad);
    reset();
    start_chap();
    expect_auth_failure(send(0, 1, true, kv({"CHAP_N=joe"}) + "CHAP_R=" + std::string(bad) + '\0'));
  }
}

TEST_F(ChapLoginTest, ChapKeysOutsideAnAgreedExchangeFail) {
  auto r = send(0, 1, false, kv({"InitiatorName=iqn.x:y", "SessionType=Normal",
                                 "TargetName=iqn.2024-01.org.esan:open", "AuthMethod=None"}));
  ASSERT_FALSE(r.failed) << r.reason;
  auto r2 = send(0, 1, false, kv({"CHAP_A=5"}));
  EXPECT_TRUE(r2.failed);
  EXPECT_EQ(r2.status_detail, kMiscInitiatorError);
}

TEST_F(ChapLoginTest, MutualChapAnswersWithTheOutgoingAccount) {
  for (std::string_view alg : {"5", "7"}) {
    SCOPED_TRACE(alg);
    reset();
    auto c = start_chap(alg);
    Bytes ours = {0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    auto r3 = send(0, 1, true,
                   answer(c, "joe", kJoeSecret) + "CHAP_I=200" + '\0' + "CHAP_C=" + to_hex(ours) + '\0');
    ASSERT_FALSE(r3.failed) << r3.reason;
    EXPECT_TRUE(r3.transit);
    auto k = keys_of(r3);
    EXPECT_EQ(k["CHAP_N"], "esan-target");
    EXPECT_EQ(from_hex(k["CHAP_R"]), digest(std::stoi(std::string(alg)), 200, kTargetSecret, ours));
    EXPECT_EQ(k.size(), 2u);
  }
}

TEST_F(ChapLoginTest, MutualChapFailures) {
  auto attempt = [&](const std::string& extra) {
    reset();
    auto c = start_chap();
    std::string text = answer(c, "joe", kJoeSecret);
    std::string ext = extra;
    if (auto pos = ext.find("<ours>"); pos != std::string::npos) ext.replace(pos, 6, c["CHAP_C"]);
    return send(0, 1, true, text + ext);
  };
  {
    SCOPED_TRACE("reflected challenge");
    expect_auth_failure(attempt(kv({"CHAP_I=1"}) + "CHAP_C=<ours>" + '\0'));
  }
  {
    SCOPED_TRACE("CHAP_I without CHAP_C");
    expect_auth_failure(attempt(kv({"CHAP_I=1"})));
  }
  {
    SCOPED_TRACE("CHAP_C without CHAP_I");
    expect_auth_failure(attempt(kv({"CHAP_C=0x0102030405060708"})));
  }
  {
    SCOPED_TRACE("CHAP_I out of range");
    expect_auth_failure(attempt(kv({"CHAP_I=256", "CHAP_C=0x0102030405060708"})));
  }
  {
    SCOPED_TRACE("malformed CHAP_C");
    expect_auth_failure(attempt(kv({"CHAP_I=1", "CHAP_C=0x01g2"})));
  }
  {
    SCOPED_TRACE("no OutgoingUser configured");
    dir.targets[kTarget].auth.outgoing.reset();
    expect_auth_failure(attempt(kv({"CHAP_I=1", "CHAP_C=0x0102030405060708"})));
  }
}

TEST_F(ChapLoginTest, TargetWithoutAccountsChoosesNone) {
  auto r = send(0, 1, true, first_keys(kOpenTarget) + kv({"AuthMethod=CHAP,None"}));
  ASSERT_FALSE(r.failed) << r.reason;
  EXPECT_EQ(keys_of(r)["AuthMethod"], "None");
  EXPECT_TRUE(r.transit);
  reset();
  expect_auth_failure(send(0, 1, true, first_keys(kOpenTarget) + kv({"AuthMethod=CHAP"})));
}

TEST_F(ChapLoginTest, DiscoverySessionsFollowTheDriverLevelAccounts) {
  std::string disc = kv({"InitiatorName=iqn.2004-10.com.ubuntu:01:c0ffee", "SessionType=Discovery"});
  // No driver-level accounts: discovery needs no CHAP even though a target has some.
  auto open = send(1, 3, true, disc);
  EXPECT_FALSE(open.failed) << open.reason;
  EXPECT_TRUE(neg->params().auth_user.empty());

  dir.discovery.incoming = {{"scanner", kDiscoverySecret}};
  reset();
  expect_auth_failure(send(1, 3, true, disc));
  reset();
  auto r1 = send(0, 1, true, disc + kv({"AuthMethod=CHAP,None"}));
  ASSERT_FALSE(r1.failed) << r1.reason;
  auto c = keys_of(send(0, 1, false, kv({"CHAP_A=5"})));
  expect_auth_failure(send(0, 1, true, answer(c, "joe", kJoeSecret)));  // a target's account

  reset();
  send(0, 1, true, disc + kv({"AuthMethod=CHAP,None"}));
  c = keys_of(send(0, 1, false, kv({"CHAP_A=5"})));
  auto ok = send(0, 1, true, answer(c, "scanner", kDiscoverySecret));
  ASSERT_FALSE(ok.failed) << ok.reason;
  EXPECT_TRUE(ok.transit);
  EXPECT_FALSE(finish_operational().failed);
  EXPECT_EQ(neg->params().auth_user, "scanner");
}

}  // namespace
}  // namespace esan::iscsi
