// CHAP authentication seen from libiscsi: one-way and mutual CHAP to a
// protected target, refusals, discovery sessions governed by the
// TARGET_DRIVER-level accounts, and secrets that never reach esand's log.
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

constexpr char kChapIqn[] = "iqn.2026-11.org.esan:chap";
constexpr char kOpenIqn[] = "iqn.2026-11.org.esan:open";
constexpr char kJoeSecret[] = "joes-secret-12";
constexpr char kAnnSecret[] = "anns-secret-34";
constexpr char kTargetSecret[] = "esan-target-secret";
constexpr char kDiscoverySecret[] = "discovery-secret-9";
constexpr size_t kMiB = 1024 * 1024;

// Two targets on two files: kChapIqn requires CHAP (joe or ann) and can
// prove itself as esan-tgt; kOpenIqn is open. With discovery_chap, discovery
// sessions need the account "scanner".
std::string Config(EsandProcess& esand, bool discovery_chap) {
  std::string driver_users =
      discovery_chap ? std::string("    IncomingUser scanner ") + kDiscoverySecret + "\n" : "";
  std::string chap_body = std::string("        IncomingUser joe ") + kJoeSecret +
                          "\n        IncomingUser \"ann " + kAnnSecret +
                          "\"\n        OutgoingUser esan-tgt " + kTargetSecret +
                          "\n        LUN 0 disk0\n";
  return Handler("vdisk_fileio", FileioDevice("disk0", esand.Path("disk0.img")) +
                                     FileioDevice("disk1", esand.Path("disk1.img"))) +
         "TARGET_DRIVER iscsi {\n    enabled 1\n" + driver_users + Target(kChapIqn, chap_body) +
         Target(kOpenIqn, "        LUN 0 disk1\n") + "}\n";
}

::testing::AssertionResult StartEsand(EsandProcess& esand, bool discovery_chap) {
  if (!MakeSparseFile(esand.Path("disk0.img"), 16 * kMiB) ||
      !MakeSparseFile(esand.Path("disk1.img"), 16 * kMiB))
    return ::testing::AssertionFailure() << "cannot create backing files";
  esand.WriteConfig(Config(esand, discovery_chap));
  return esand.Start();
}

SessionOptions Chap(const std::string& user, const std::string& secret) {
  SessionOptions o;
  o.initiator = "iqn.2026-11.org.esan.test:chap-client";
  o.chap_user = user;
  o.chap_secret = secret;
  return o;
}

::testing::AssertionResult WriteReadBack(iscsi_context* ctx, uint64_t seed) {
  std::vector<uint8_t> data = TestData(64 * 1024, seed), back;
  if (auto r = Write16(ctx, 0, 256, data.data(), data.size()); !r) return r;
  if (auto r = Read16(ctx, 0, 256, data.size(), &back); !r) return r;
  if (back != data) return ::testing::AssertionFailure() << "read-back differs";
  return ::testing::AssertionSuccess();
}

// esand logs at debug level in these tests; no secret may appear in it.
void ExpectNoSecretLogged(const EsandProcess& esand) {
  std::string out = esand.Output();
  EXPECT_FALSE(out.empty());
  for (const char* secret : {kJoeSecret, kAnnSecret, kTargetSecret, kDiscoverySecret})
    EXPECT_EQ(out.find(secret), std::string::npos) << "secret '" << secret << "' in esand's log";
}

TEST(ChapSession, RightSecretLogsInAndDoesIo) {
  EsandProcess esand("chap-ok");
  ASSERT_TRUE(StartEsand(esand, false));
  std::string err;
  for (auto [user, secret, seed] : {std::tuple{"joe", kJoeSecret, 1}, {"ann", kAnnSecret, 2}}) {
    Context ctx = Login(esand.portal(), kChapIqn, 0, Chap(user, secret), &err);
    ASSERT_TRUE(ctx) << user << ": " << err;
    EXPECT_TRUE(WriteReadBack(ctx.get(), seed)) << user;
  }
  EXPECT_NE(esand.Output().find("authenticated as CHAP user 'ann'"), std::string::npos);
  // The exchange is logged (debug), its values redacted.
  EXPECT_NE(esand.Output().find("CHAP_R=<redacted>"), std::string::npos);
  EXPECT_TRUE(esand.Stop());
  ExpectNoSecretLogged(esand);
}

TEST(ChapSession, WrongSecretOrNoCredentialsAreRefused) {
  EsandProcess esand("chap-refused");
  ASSERT_TRUE(StartEsand(esand, false));
  std::string err;
  {
    SCOPED_TRACE("wrong secret");
    Context ctx = Login(esand.portal(), kChapIqn, 0, Chap("joe", kAnnSecret), &err);
    EXPECT_FALSE(ctx);
    EXPECT_NE(err.find("Authentication failure"), std::string::npos) << err;
  }
  {
    SCOPED_TRACE("unknown user");
    Context ctx = Login(esand.portal(), kChapIqn, 0, Chap("mallory", kJoeSecret), &err);
    EXPECT_FALSE(ctx);
    EXPECT_NE(err.find("Authentication failure"), std::string::npos) << err;
  }
  {
    SCOPED_TRACE("no credentials (AuthMethod None)");
    SessionOptions none;
    Context ctx = Login(esand.portal(), kChapIqn, 0, none, &err);
    EXPECT_FALSE(ctx);
    EXPECT_NE(err.find("Authentication failure"), std::string::npos) << err;
  }
  // The open target needs no CHAP, and accepts an initiator offering it.
  Context open = Login(esand.portal(), kOpenIqn, 0, SessionOptions{}, &err);
  EXPECT_TRUE(open) << err;
  Context open_chap = Login(esand.portal(), kOpenIqn, 0, Chap("joe", kJoeSecret), &err);
  EXPECT_TRUE(open_chap) << err;
  EXPECT_TRUE(esand.Stop());
  ExpectNoSecretLogged(esand);
}

TEST(ChapSession, MutualChapAuthenticatesTheTargetToo) {
  EsandProcess esand("chap-mutual");
  ASSERT_TRUE(StartEsand(esand, false));
  std::string err;
  SessionOptions o = Chap("joe", kJoeSecret);
  o.target_chap_user = "esan-tgt";
  o.target_chap_secret = kTargetSecret;
  Context ctx = Login(esand.portal(), kChapIqn, 0, o, &err);
  ASSERT_TRUE(ctx) << err;
  EXPECT_TRUE(WriteReadBack(ctx.get(), 3));
  ctx.reset();

  // The initiator expects another target secret: esand's CHAP_R does not
  // match and the initiator gives up.
  o.target_chap_secret = "not-the-target-secret";
  Context bad = Login(esand.portal(), kChapIqn, 0, o, &err);
  EXPECT_FALSE(bad);
  EXPECT_NE(err.find("Invalid CHAP_R"), std::string::npos) << err;
  EXPECT_TRUE(esand.Stop());
  ExpectNoSecretLogged(esand);
}

TEST(ChapSession, DiscoveryHidesChapTargetsFromUnauthenticatedSessions) {
  EsandProcess esand("chap-discovery-open");
  ASSERT_TRUE(StartEsand(esand, false));
  std::string err;
  SessionOptions anon;
  anon.initiator = "iqn.2026-11.org.esan.test:scanner";
  Context disc = LoginDiscovery(esand.portal(), anon, &err);
  ASSERT_TRUE(disc) << err;
  std::vector<std::string> names;
  ASSERT_TRUE(DiscoverTargets(disc.get(), &names));
  EXPECT_EQ(names, std::vector<std::string>{kOpenIqn});
  disc.reset();
  EXPECT_TRUE(esand.Stop());
}

TEST(ChapSession, DiscoveryFollowsTheDriverLevelAccounts) {
  EsandProcess esand("chap-discovery");
  ASSERT_TRUE(StartEsand(esand, true));
  std::string err;
  SessionOptions anon;
  anon.initiator = "iqn.2026-11.org.esan.test:scanner";
  {
    SCOPED_TRACE("no credentials");
    Context disc = LoginDiscovery(esand.portal(), anon, &err);
    EXPECT_FALSE(disc);
    EXPECT_NE(err.find("Authentication failure"), std::string::npos) << err;
  }
  {
    SCOPED_TRACE("a target's account is not a discovery account");
    Context disc = LoginDiscovery(esand.portal(), Chap("joe", kJoeSecret), &err);
    EXPECT_FALSE(disc);
    EXPECT_NE(err.find("Authentication failure"), std::string::npos) << err;
  }
  Context disc = LoginDiscovery(esand.portal(), Chap("scanner", kDiscoverySecret), &err);
  ASSERT_TRUE(disc) << err;
  std::vector<std::string> names;
  ASSERT_TRUE(DiscoverTargets(disc.get(), &names));
  EXPECT_EQ(names, (std::vector<std::string>{kChapIqn, kOpenIqn}));
  disc.reset();
  EXPECT_TRUE(esand.Stop());
  ExpectNoSecretLogged(esand);
}

}  // namespace
}  // namespace esan::it
