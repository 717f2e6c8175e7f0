// esanctl support-bundle end to end (label chores): esand with CHAP secrets
// (discovery, IncomingUser, OutgoingUser) and an API token, a history in
// which a secret was changed; the bundle holds every expected piece, the
// configured objects, and not one byte of any secret the test set, old or
// new, in any member or in the tar stream itself. A FILE that cannot be
// written is a clear error with nothing left behind.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/integration/esand_process.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kTarget = "iqn.2026-12.org.esan:bundle";
const std::string kTarget2 = "iqn.2026-12.org.esan:second";
const std::string kDiscoverySecret = "disco-secret-Q1w2e3r4";
const std::string kJoeOld = "joe-old-secret-A7s8d9";
const std::string kJoeNew = "joe-new-secret-F4g5h6";
const std::string kOutSecret = "target-out-secret-Z0x9c8";
const std::string kAnnSecret = "ann-secret-P0o9i8u7";
const std::string kToken = "api-token-7f3a9c1e5b2d4f60";

std::string Slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), {});
}

#define EXPECT_RUN(run, exit)                                        \
  do {                                                               \
    auto r_ = (run);                                                 \
    EXPECT_EQ(r_.exit_code, exit) << #run << " said: " << r_.output; \
  } while (0)

class SupportBundle : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(MakeSparseFile(esand_.Path("d0.img"), 8 << 20));
    esand_.WriteConfig(Handler("vdisk_fileio", FileioDevice("disk0", esand_.Path("d0.img"))) +
                       "TARGET_DRIVER iscsi {\n    enabled 1\n    IncomingUser scanner " + kDiscoverySecret + "\n" +
                       Target(kTarget, "        IncomingUser joe " + kJoeOld + "\n        OutgoingUser tgt \"" +
                                           kOutSecret + "\"\n        LUN 0 disk0\n") +
                       "}\n");
    port_ = FreeLoopbackPort();
    ASSERT_TRUE(WriteFile(esand_.Path("api.token"), kToken + "\n"));
    EsandProcess::Options o;
    o.extra_args = {"--mgmt-listen", "127.0.0.1:" + std::to_string(port_), "--mgmt-token-file",
                    esand_.Path("api.token")};
    ASSERT_TRUE(esand_.Start(o));
  }
  CommandOutput Ctl(const std::string& args) {
    return RunCommand(std::string(ESANCTL_PATH) + " --socket " + esand_.mgmt_socket() + " " + args);
  }
  CommandOutput TcpCtl(const std::string& args) {
    return RunCommand(std::string(ESANCTL_PATH) + " --url http://127.0.0.1:" + std::to_string(port_) +
                      " --token-file " + esand_.Path("api.token") + " " + args);
  }
  size_t DirEntries(const fs::path& d) { return std::distance(fs::directory_iterator(d), fs::directory_iterator()); }

  EsandProcess esand_{"support-bundle"};
  int port_ = 0;
};

TEST_F(SupportBundle, HoldsEveryPieceAndNoSecretOldOrNew) {
  // Revisions with secrets: ann added, joe's secret changed (removed and
  // added again), a device and a target added over TCP with the token.
  EXPECT_RUN(Ctl("target user-add " + kTarget + " ann " + kAnnSecret), 0);
  const std::string with_old = json::parse(Ctl("--json config history").output)["revisions"][0]["rev"];
  EXPECT_RUN(Ctl("target user-remove " + kTarget + " joe"), 0);
  EXPECT_RUN(Ctl("target user-add " + kTarget + " joe " + kJoeNew), 0);
  EXPECT_RUN(TcpCtl("device add null0 --handler vdisk_nullio size_mb=4"), 0);
  EXPECT_RUN(TcpCtl("target add " + kTarget2 + " enabled=1"), 0);
  EXPECT_RUN(TcpCtl("lun add " + kTarget2 + " 0 null0"), 0);
  // The inputs do hold the secrets: the check below is not vacuous.
  ASSERT_NE(Ctl("config show " + with_old).output.find(kJoeOld), std::string::npos);
  ASSERT_NE(Ctl("config show").output.find(kJoeNew), std::string::npos);
  // A log line that quotes a secret and the token without their keys (as an
  // admin's pasted command might): removed as known secrets.
  const std::string log = esand_.Path("esand.log");
  {
    std::ofstream f(log, std::ios::app);
    f << "note: someone ran iscsiadm with " << kJoeOld << " and curl with " << kToken << "\n";
  }

  const std::string file = esand_.Path("bundle.tar.gz");
  auto run = TcpCtl("support-bundle " + file + " --log-file " + log + " --log-lines 400");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("support bundle written to " + file), std::string::npos) << run.output;
  EXPECT_EQ(fs::status(file).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);

  const fs::path out = esand_.Path("unpacked");
  fs::create_directories(out);
  auto untar = RunCommand("tar -xzf " + file + " -C " + out.string());
  ASSERT_EQ(untar.exit_code, 0) << untar.output;
  ASSERT_EQ(DirEntries(out), 1u);
  const fs::path top = fs::directory_iterator(out)->path();
  EXPECT_TRUE(top.filename().string().starts_with("esan-support-")) << top;

  // Every expected member, non-empty.
  const std::vector<std::string> expected = {"MANIFEST",
                                             "version.json",
                                             "system/esanctl-version.txt",
                                             "system/uname.txt",
                                             "system/os-release",
                                             "health.json",
                                             "health.txt",
                                             "config/running.conf",
                                             "config/file/esan.conf",
                                             "config/history.json",
                                             "config/history.txt",
                                             "config/history.patch",
                                             "targets.json",
                                             "targets.txt",
                                             "luns.json",
                                             "devices.json",
                                             "devices.txt",
                                             "driver.json",
                                             "alua.json",
                                             "alua.txt",
                                             "sessions.json",
                                             "sessions.txt",
                                             "stats.json",
                                             "stats.txt",
                                             "metrics.txt",
                                             "events.json",
                                             "events.txt",
                                             "alerts.json",
                                             "alerts.txt",
                                             "logs/esand.log"};
  for (const auto& name : expected) {
    EXPECT_TRUE(fs::is_regular_file(top / name)) << name;
    EXPECT_GT(fs::is_regular_file(top / name) ? fs::file_size(top / name) : 0, 0u) << name;
  }
  // One text per revision, oldest numbered 0001 (start + 6 changes).
  json revs = json::parse(Ctl("--json config history").output)["revisions"];
  ASSERT_EQ(revs.size(), 7u);
  size_t rev_files = 0;
  for (const auto& e : fs::directory_iterator(top / "config/revisions")) {
    ++rev_files;
    EXPECT_GT(fs::file_size(e.path()), 0u) << e.path();
  }
  EXPECT_EQ(rev_files, revs.size());
  const std::string oldest = revs.back()["rev"];
  EXPECT_TRUE(fs::exists(top / ("config/revisions/0001-" + oldest.substr(0, 12) + ".conf")));

  const std::string manifest = Slurp(top / "MANIFEST");
  EXPECT_EQ(manifest.find("FAILED"), std::string::npos) << manifest;
  for (const auto& name : expected) {
    if (name != "MANIFEST") {
      EXPECT_NE(manifest.find("  " + name + "  <-  "), std::string::npos) << name;
    }
  }
  EXPECT_NE(manifest.find("GET /v1/config/history/" + oldest), std::string::npos) << manifest;

  // The configured objects, the history's operations, the events.
  for (const auto& name : {"targets.json", "config/running.conf", "luns.json"}) {
    std::string t = Slurp(top / name);
    EXPECT_NE(t.find(kTarget), std::string::npos) << name;
    EXPECT_NE(t.find(kTarget2), std::string::npos) << name;
  }
  std::string devices = Slurp(top / "devices.json");
  EXPECT_NE(devices.find("\"disk0\""), std::string::npos);
  EXPECT_NE(devices.find("\"null0\""), std::string::npos);
  std::string history = Slurp(top / "config/history.txt");
  EXPECT_NE(history.find("remove CHAP user 'joe'"), std::string::npos) << history;
  EXPECT_NE(history.find("api.token"), std::string::npos) << history;  // the token's name, as author
  std::string patch = Slurp(top / "config/history.patch");
  EXPECT_NE(patch.find("+\t\tIncomingUser \"joe <redacted>\""), std::string::npos) << patch;
  EXPECT_NE(patch.find("-\t\tIncomingUser \"joe <redacted>\""), std::string::npos) << patch;
  EXPECT_NE(Slurp(top / "config/running.conf").find("IncomingUser \"joe <redacted>\""), std::string::npos);
  EXPECT_NE(Slurp(top / "events.json").find("config_changed"), std::string::npos);
  EXPECT_NE(Slurp(top / "metrics.txt").find("esan_sessions"), std::string::npos);
  EXPECT_NE(Slurp(top / "logs/esand.log").find("note: someone ran iscsiadm with <redacted> and curl with <redacted>"),
            std::string::npos);

  // No secret anywhere: every byte of every member, and the whole tar stream.
  const std::vector<std::string> secrets = {kDiscoverySecret, kJoeOld, kJoeNew, kOutSecret, kAnnSecret, kToken};
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(top)) {
    if (!e.is_regular_file()) continue;
    ++files;
    std::string bytes = Slurp(e.path());
    for (const auto& s : secrets) EXPECT_EQ(bytes.find(s), std::string::npos) << s << " in " << e.path();
  }
  EXPECT_GE(files, expected.size() + revs.size());
  auto stream = RunCommand("gzip -dc " + file);
  ASSERT_EQ(stream.exit_code, 0);
  EXPECT_GT(stream.output.size(), 10000u);
  for (const auto& s : secrets) EXPECT_EQ(stream.output.find(s), std::string::npos) << s;
}

TEST_F(SupportBundle, ABadFileIsAClearErrorAndLeavesNothing) {
  const fs::path dir = esand_.Path("out");
  fs::create_directories(dir);
  // A directory nobody can create files in (root included), and one that does not exist.
  for (const std::string& bad :
       std::vector<std::string>{"/proc/esan-bundle.tar.gz", (dir / "missing/b.tar.gz").string()}) {
    auto r = Ctl("support-bundle " + bad);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find("cannot write " + bad), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(bad));
  }
  // An existing file is kept unless --force.
  const std::string existing = (dir / "b.tar.gz").string();
  ASSERT_TRUE(WriteFile(existing, "keep me"));
  auto r = Ctl("support-bundle " + existing);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(existing + " exists (--force replaces it)"), std::string::npos) << r.output;
  EXPECT_EQ(ReadFile(existing), "keep me");
  EXPECT_RUN(Ctl("support-bundle --force " + existing), 0);
  EXPECT_NE(ReadFile(existing), "keep me");
  EXPECT_EQ(RunCommand("tar -tzf " + existing).exit_code, 0);
  // A write that fails half-way (file size limit of 512 bytes, SIGXFSZ
  // ignored so write() fails with EFBIG): no archive, no temporary file.
  fs::remove(existing);
  auto half = RunCommand("sh -c \"trap '' XFSZ; ulimit -f 1; exec " + std::string(ESANCTL_PATH) + " --socket " +
                         esand_.mgmt_socket() + " support-bundle " + existing + "\"");
  EXPECT_EQ(half.exit_code, 1) << half.output;
  EXPECT_NE(half.output.find("cannot write " + existing + ": write"), std::string::npos) << half.output;
  EXPECT_EQ(DirEntries(dir), 0u);
  // Usage errors.
  EXPECT_RUN(Ctl("support-bundle"), 2);
  EXPECT_RUN(Ctl("support-bundle " + existing + " --revisions x"), 2);
}

TEST_F(SupportBundle, WithEsandDownTheLocalPiecesAreWrittenAndTheRestNamed) {
  ASSERT_TRUE(esand_.Stop());
  const std::string file = esand_.Path("down.tar.gz");
  auto r = Ctl("support-bundle " + file + " --log-file " + esand_.Path("esand.log"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("could not be collected (see MANIFEST)"), std::string::npos) << r.output;
  auto manifest = RunCommand("tar -xzOf " + file + " --wildcards '*/MANIFEST'");
  ASSERT_EQ(manifest.exit_code, 0) << manifest.output;
  EXPECT_NE(
      manifest.output.find("FAILED  -         health.json  <-  GET /v1/health\n        error: cannot talk to esand"),
      std::string::npos)
      << manifest.output;
  EXPECT_NE(manifest.output.find("ok      "), std::string::npos);
  EXPECT_NE(manifest.output.find("system/uname.txt"), std::string::npos);
  auto log = RunCommand("tar -xzOf " + file + " --wildcards '*/logs/esand.log'");
  EXPECT_EQ(log.exit_code, 0);
  EXPECT_NE(log.output.find("esand stopped"), std::string::npos) << log.output;
  EXPECT_EQ(log.output.find(kJoeOld), std::string::npos);
}

}  // namespace
}  // namespace esan::it
