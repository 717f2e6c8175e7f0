// Redaction (support/redact.h): rule 1 (keys) on scst.conf text, diffs,
// JSON, log lines; rule 2 (known secrets) across texts; idempotence.
#include "support/redact.h"

#include <gtest/gtest.h>

namespace esan::support {
namespace {

std::string R(std::string_view text) { return Redactor().redact(text); }

TEST(Redact, ChapUsersInScstConfKeepTheUserName) {
  EXPECT_EQ(R("\tIncomingUser joe joe-secret-123\n"), "\tIncomingUser joe <redacted>\n");
  EXPECT_EQ(R("\t\tIncomingUser \"ann ann-secret-456\"\n"), "\t\tIncomingUser \"ann <redacted>\"\n");
  EXPECT_EQ(R("OutgoingUser tgt target-secret-7  \n"), "OutgoingUser tgt <redacted>  \n");
  EXPECT_EQ(R("  esan_peer_chap \"peer peer-secret-890\""), "  esan_peer_chap \"peer <redacted>\"");
  // Case does not matter (SCST's own files are not consistent either).
  EXPECT_EQ(R("incominguser joe joe-secret-123"), "incominguser joe <redacted>");
}

TEST(Redact, AUserNameAloneIsKept) {
  EXPECT_EQ(R("IncomingUser joe\n"), "IncomingUser joe\n");
  EXPECT_EQ(R("-rem_tgt_attr t -attributes IncomingUser=joe"), "-rem_tgt_attr t -attributes IncomingUser=joe");
}

TEST(Redact, UnifiedDiffLines) {
  std::string diff =
      "--- a/esan.conf\n+++ b/esan.conf\n@@ -3,3 +3,3 @@\n"
      "-\t\tIncomingUser \"joe old-secret-123\"\n"
      "+\t\tIncomingUser \"joe new-secret-456\"\n"
      " \t\tOutgoingUser \"tgt out-secret-789\"\n";
  std::string out = R(diff);
  EXPECT_EQ(out,
            "--- a/esan.conf\n+++ b/esan.conf\n@@ -3,3 +3,3 @@\n"
            "-\t\tIncomingUser \"joe <redacted>\"\n"
            "+\t\tIncomingUser \"joe <redacted>\"\n"
            " \t\tOutgoingUser \"tgt <redacted>\"\n");
}

TEST(Redact, KeysNamedSecretPasswordToken) {
  EXPECT_EQ(R("{\"secret\": \"s3cr3t\", \"user\": \"joe\"}"), "{\"secret\": \"<redacted>\", \"user\": \"joe\"}");
  EXPECT_EQ(R("{\"api_token\":\"abc\\\"def\",\"n\":1}"), "{\"api_token\":\"<redacted>\",\"n\":1}");
  EXPECT_EQ(R("{\"Password\": 1234, \"x\": 2}"), "{\"Password\": <redacted>, \"x\": 2}");
  EXPECT_EQ(R("  esan_admin_password hunter2 # note\n"), "  esan_admin_password <redacted>\n");
  EXPECT_EQ(R("login as joe secret=abc123 from 10.0.0.1"), "login as joe secret=<redacted> from 10.0.0.1");
  EXPECT_EQ(R("esand --mgmt-token-file=/etc/esan/api.token --x"), "esand --mgmt-token-file=<redacted> --x");
  EXPECT_EQ(R("passwd: x; next"), "passwd: <redacted>; next");
  EXPECT_EQ(R("Authorization: Bearer 0123abcd"), "Authorization: Bearer <redacted>");
  EXPECT_EQ(R("CHAP_N=joe CHAP_R=0xdeadbeef CHAP_A=5"), "CHAP_N=joe CHAP_R=<redacted> CHAP_A=5");
  EXPECT_EQ(R("esan_x{token=\"abc\"} 1"), "esan_x{token=\"<redacted>\"} 1");
}

TEST(Redact, WordsThatOnlyLookLikeKeysAreKept) {
  // A name containing "secret" that is a value, prose without a separator.
  std::string json = "{\"name\": \"iqn.2026-01.org.esan:secret-target\", \"luns\": []}";
  EXPECT_EQ(R(json), json);
  EXPECT_EQ(R("the token file was read"), "the token file was read");
  EXPECT_EQ(R("TARGET iqn.x:token-disk {\n"), "TARGET iqn.x:token-disk {\n");
  EXPECT_EQ(R("esan_device_commands_total{device=\"d0\",op=\"read\"} 5\n"),
            "esan_device_commands_total{device=\"d0\",op=\"read\"} 5\n");
}

TEST(Redact, LinesCrAndMissingFinalNewlineArePreserved) {
  EXPECT_EQ(R("a\r\nIncomingUser joe joe-secret-123\r\nb"), "a\r\nIncomingUser joe <redacted>\r\nb");
  EXPECT_EQ(R(""), "");
  EXPECT_EQ(R("\n\n"), "\n\n");
}

TEST(Redact, KnownSecretsAreRemovedWithoutTheirKey) {
  Redactor r;
  r.learn("TARGET t {\n\tIncomingUser joe old-secret-123\n\tOutgoingUser tgt out-secret-456\n}\n");
  r.add_secret("  api-token-0123456789\n");
  EXPECT_EQ(r.redact("failed: \"old-secret-123\" rejected; curl -H x api-token-0123456789"),
            "failed: \"<redacted>\" rejected; curl -H x <redacted>");
  EXPECT_EQ(r.redact("out-secret-456out-secret-456"), "<redacted><redacted>");
  auto k = r.known();
  EXPECT_NE(std::find(k.begin(), k.end(), "old-secret-123"), k.end());
  EXPECT_NE(std::find(k.begin(), k.end(), "api-token-0123456789"), k.end());
}

TEST(Redact, QuotedSecretsAreKnownAsWrittenUnescapedAndJsonEscaped) {
  Redactor r;
  r.learn("IncomingUser \"joe a\\\"b-secret-1\"\n");
  EXPECT_EQ(r.redact("raw a\"b-secret-1 json a\\\"b-secret-1"), "raw <redacted> json <redacted>");
}

TEST(Redact, ShortSecretsAreRemovedOnlyByKey) {
  Redactor r;
  r.learn("password: ab1\n");
  r.add_secret("xyz");
  EXPECT_TRUE(r.known().empty());
  EXPECT_EQ(r.redact("ab1 xyz password: ab1"), "ab1 xyz password: <redacted>");
}

TEST(Redact, LongerKnownSecretsGoFirst) {
  Redactor r;
  r.add_secret("abcdefgh");
  r.add_secret("abcdefgh-longer");
  EXPECT_EQ(r.redact("[abcdefgh-longer] [abcdefgh]"), "[<redacted>] [<redacted>]");
}

TEST(Redact, SecretValuesListsWhatRuleOneFinds) {
  auto v = secret_values("IncomingUser joe s-one-12345\n{\"token\":\"t-two\"}\nIncomingUser ann\n");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0], "s-one-12345");
  EXPECT_EQ(v[1], "t-two");
}

TEST(Redact, IsIdempotent) {
  Redactor r;
  std::string corpus =
      "IncomingUser joe joe-secret-123\n-\tOutgoingUser \"t t-secret-4567\"\n{\"secret\":\"x\",\"token\": 12}\n"
      "Authorization: Basic Zm9vOmJhcg==\nsecret=abc def\npassword hunter2 more words\n";
  r.learn(corpus);
  std::string once = r.redact(corpus);
  EXPECT_EQ(r.redact(once), once);
  EXPECT_EQ(once.find("joe-secret-123"), std::string::npos);
  EXPECT_EQ(once.find("t-secret-4567"), std::string::npos);
  EXPECT_EQ(once.find("hunter2"), std::string::npos);
  EXPECT_EQ(once.find("Zm9vOmJhcg"), std::string::npos);
}

}  // namespace
}  // namespace esan::support
