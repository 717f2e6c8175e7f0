// The configuration history end to end (issue 17, label chores): esand
// records its starting file, every change made through esanctl (author: the
// caller's user name, message: the operation) and a SIGHUP reload (author
// esand); esanctl shows, diffs and rolls back revisions; a rollback restores
// the earlier configuration while a session to an LU it does not touch keeps
// doing verified I/O; bad revisions and a revision that no longer applies
// change nothing; the history survives a restart and is pushed to a second
// repository; with --no-write-back there is none.
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/mgmt_util.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using nlohmann::json;
constexpr size_t kMiB = 1024 * 1024;
const std::string kKeep = "iqn.2026-12.org.esan:keep";
const std::string kNew = "iqn.2026-12.org.esan:new";

std::string Me() {
  passwd* pw = ::getpwuid(::geteuid());
  return pw ? pw->pw_name : "uid " + std::to_string(::geteuid());
}

class History {
 public:
  explicit History(EsandProcess& esand) : esand_(esand) {}
  CommandOutput Ctl(const std::string& args) const {
    return RunCommand(std::string(ESANCTL_PATH) + " --socket " + esand_.mgmt_socket() + " " + args);
  }
  // The revisions, newest first.
  json Revisions() const {
    auto r = Ctl("--json config history");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    json j = json::parse(r.output, nullptr, false);
    return j.is_object() ? j.value("revisions", json::array()) : json::array();
  }

 private:
  EsandProcess& esand_;
};

#define EXPECT_CTL(run, exit, words)                                                       \
  do {                                                                                     \
    auto r_ = (run);                                                                       \
    EXPECT_EQ(r_.exit_code, exit) << #run << " said: " << r_.output;                       \
    EXPECT_NE(r_.output.find(words), std::string::npos) << #run << " said: " << r_.output; \
  } while (0)

TEST(HistoryThroughEsand, ChangesAreRevisionsAndRollbackRestoresWhileIoContinues) {
  EsandProcess esand("history");
  const std::string keep_img = esand.Path("keep.img"), new_img = esand.Path("new.img");
  ASSERT_TRUE(MakeSparseFile(keep_img, 8 * kMiB));
  ASSERT_TRUE(MakeSparseFile(new_img, 8 * kMiB));
  const std::string original =
      Handler("vdisk_fileio", FileioDevice("keep0", keep_img)) + IscsiDriver(Target(kKeep, "        LUN 0 keep0\n"));
  esand.WriteConfig(original);
  const std::string mirror = esand.Path("mirror.git");
  EsandProcess::Options opts;
  opts.extra_args = {"--history-push", mirror};
  ASSERT_TRUE(esand.Start(opts));
  History h(esand);
  MgmtClient api(esand.mgmt_socket());

  // esand's start is the first revision: the file as written.
  json revs = h.Revisions();
  ASSERT_EQ(revs.size(), 1u) << revs.dump();
  EXPECT_EQ(revs[0]["author"], "esand");
  EXPECT_EQ(revs[0]["message"], "start with " + esand.config_path());
  const std::string start = revs[0]["rev"];
  EXPECT_EQ(h.Ctl("config show " + start).output, original);

  std::string err;
  Context keep = Login(esand.portal(), kKeep, 0, SessionOptions{}, &err);
  ASSERT_TRUE(keep) << err;
  BackgroundIo io(std::move(keep));

  // Changes through esanctl: one revision each, by this user.
  EXPECT_CTL(h.Ctl("device add new0 --handler vdisk_fileio filename=" + new_img), 0, "device new0 added");
  EXPECT_CTL(h.Ctl("target add " + kNew + " enabled=1"), 0, "added");
  EXPECT_CTL(h.Ctl("lun add " + kNew + " 0 new0"), 0, "LUN 0 added");
  revs = h.Revisions();
  ASSERT_EQ(revs.size(), 4u) << revs.dump();
  EXPECT_EQ(revs[0]["message"], "add LUN 0 of target '" + kNew + "' -> device 'new0'");
  EXPECT_EQ(revs[1]["message"], "add target '" + kNew + "'");
  EXPECT_EQ(revs[2]["message"], "open device 'new0'");
  for (int i = 0; i < 3; ++i) EXPECT_EQ(revs[i]["author"], Me()) << revs.dump();
  const std::string with_new = revs[0]["rev"];
  auto table = h.Ctl("config history");
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_NE(table.output.find(with_new.substr(0, 12)), std::string::npos) << table.output;
  EXPECT_NE(table.output.find(Me() + "  "), std::string::npos) << table.output;
  EXPECT_NE(table.output.find("open device 'new0'"), std::string::npos) << table.output;
  EXPECT_EQ(h.Ctl("--json config history --limit 2").output.find(start), std::string::npos);
  // The head is the file esand wrote back.
  EXPECT_EQ(h.Ctl("config show HEAD").output, ReadFile(esand.config_path()));

  // diff: from the start to now adds the device, the target and its LUN.
  auto diff = h.Ctl("config diff " + start.substr(0, 10));
  EXPECT_EQ(diff.exit_code, 0) << diff.output;
  EXPECT_NE(diff.output.find("+\tDEVICE new0 {"), std::string::npos) << diff.output;
  EXPECT_NE(diff.output.find("+\tTARGET " + kNew + " {"), std::string::npos) << diff.output;
  EXPECT_NE(diff.output.find("+\t\tLUN 0 new0"), std::string::npos) << diff.output;
  auto two = h.Ctl("config diff HEAD~1 HEAD");
  EXPECT_NE(two.output.find("+\t\tLUN 0 new0"), std::string::npos) << two.output;
  EXPECT_EQ(two.output.find("DEVICE new0"), std::string::npos) << two.output;

  // Bad revisions: 404 with a clear message, nothing changes.
  EXPECT_CTL(h.Ctl("config rollback nosuchrev"), 1, "no revision 'nosuchrev' in the configuration history");
  EXPECT_CTL(h.Ctl("config show 0123456789abcdef"), 1, "no revision '0123456789abcdef'");
  EXPECT_CTL(h.Ctl("config diff HEAD~9"), 1, "no revision 'HEAD~9'");
  EXPECT_TRUE(Refused(api.Get("/v1/config/history/nosuchrev"), 404, "not_found"));
  EXPECT_TRUE(Refused(api.Post("/v1/config/rollback", {{"rev", "nosuchrev"}}), 404, "not_found"));
  EXPECT_TRUE(Refused(api.Post("/v1/config/rollback", json::object()), 400, "invalid_argument"));
  EXPECT_TRUE(Refused(api.Get("/v1/config/diff"), 400, "invalid_argument"));
  EXPECT_TRUE(Refused(api.Get("/v1/config/history?limit=x"), 400, "invalid_argument"));
  EXPECT_EQ(h.Revisions().size(), 4u);

  // Rollback to the start while the other session writes and reads.
  uint64_t before = io.rounds();
  EXPECT_CTL(h.Ctl("config rollback " + start), 0, "configuration rolled back to " + start);
  EXPECT_TRUE(io.Progressed(before));
  EXPECT_TRUE(Refused(api.Get("/v1/devices/new0"), 404, "not_found"));
  EXPECT_TRUE(Refused(api.Get("/v1/targets/" + kNew), 404, "not_found"));
  EXPECT_TRUE(Ok(api.Get("/v1/devices/keep0")));
  EXPECT_EQ(ReadFile(esand.config_path()).find("new0"), std::string::npos);
  revs = h.Revisions();
  ASSERT_EQ(revs.size(), 5u);
  EXPECT_EQ(revs[0]["author"], Me());
  EXPECT_EQ(revs[0]["message"], "rollback to " + start.substr(0, 12));
  auto since = h.Ctl("config diff " + start);  // esand writes its own layout; the objects are the start's
  EXPECT_EQ(since.exit_code, 0) << since.output;
  EXPECT_EQ(since.output.find("new0"), std::string::npos) << since.output;
  EXPECT_EQ(since.output.find(kNew), std::string::npos) << since.output;

  // A revision that no longer applies (its backing file is gone): the
  // error, nothing changed, no revision.
  ASSERT_TRUE(std::filesystem::remove(new_img));
  const std::string file_before = ReadFile(esand.config_path());
  EXPECT_CTL(h.Ctl("config rollback " + with_new), 1, new_img);
  EXPECT_TRUE(Refused(api.Get("/v1/devices/new0"), 404, "not_found"));
  EXPECT_EQ(ReadFile(esand.config_path()), file_before);
  EXPECT_EQ(h.Revisions().size(), 5u);

  // A hand edit and SIGHUP: a revision by esand, the file as edited.
  const std::string edited = original + Handler("vdisk_nullio", NullioDevice("null0", 1)) + "# edited by hand\n";
  ASSERT_TRUE(WriteFile(esand.config_path(), edited));
  esand.Signal(SIGHUP);
  for (int i = 0; i < 200 && h.Revisions().size() < 6; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  revs = h.Revisions();
  ASSERT_EQ(revs.size(), 6u) << revs.dump();
  EXPECT_EQ(revs[0]["author"], "esand");
  EXPECT_EQ(revs[0]["message"], "reload " + esand.config_path());
  EXPECT_EQ(h.Ctl("config show HEAD").output, edited);
  EXPECT_TRUE(Ok(api.Get("/v1/devices/null0")));

  uint64_t last = io.rounds();
  EXPECT_TRUE(io.Progressed(last));
  io.Stop();
  EXPECT_EQ(io.failure(), "");

  // Pushed after each commit, and at shutdown: the mirror's branch is the head.
  const std::string head = revs[0]["rev"];
  ASSERT_TRUE(esand.Stop());
  EXPECT_EQ(ReadFile(mirror + "/refs/heads/main"), head + "\n");

  // A restart keeps the history (the file is unchanged: no new revision).
  ASSERT_TRUE(esand.Start(opts));
  revs = h.Revisions();
  ASSERT_EQ(revs.size(), 6u) << revs.dump();
  EXPECT_EQ(revs[0]["rev"], head);
  EXPECT_EQ(revs.back()["rev"], start);
}

// On TCP the author is the token's name (its file's name).
TEST(HistoryThroughEsand, TcpChangesAreAuthoredByTheToken) {
  EsandProcess esand("history-tcp");
  esand.WriteConfig("TARGET_DRIVER iscsi {\n    enabled 1\n}\n");
  const int port = FreeLoopbackPort();
  const std::string token = esand.Path("ops.token");
  ASSERT_TRUE(WriteFile(token, "a-token-for-the-history-test\n"));
  EsandProcess::Options o;
  o.extra_args = {"--mgmt-listen", "127.0.0.1:" + std::to_string(port), "--mgmt-token-file", token};
  ASSERT_TRUE(esand.Start(o));
  const std::string ctl =
      std::string(ESANCTL_PATH) + " --url http://127.0.0.1:" + std::to_string(port) + " --token-file " + token;
  EXPECT_CTL(RunCommand(ctl + " device add n0 --handler vdisk_nullio size_mb=1"), 0, "device n0 added");
  MgmtClient tcp("127.0.0.1", port, "a-token-for-the-history-test");
  EXPECT_TRUE(Ok(tcp.Post("/v1/targets", {{"name", kNew}})));
  json revs = History(esand).Revisions();
  ASSERT_EQ(revs.size(), 3u) << revs.dump();
  EXPECT_EQ(revs[0]["author"], "ops.token");
  EXPECT_EQ(revs[0]["message"], "add target '" + kNew + "'");
  EXPECT_EQ(revs[1]["author"], "ops.token");
  EXPECT_EQ(revs[1]["message"], "open device 'n0'");
}

TEST(HistoryThroughEsand, NoWriteBackNoHistory) {
  EsandProcess esand("history-off");
  esand.WriteConfig("TARGET_DRIVER iscsi {\n    enabled 1\n}\n");
  EsandProcess::Options opts;
  opts.extra_args = {"--no-write-back"};
  ASSERT_TRUE(esand.Start(opts));
  History h(esand);
  MgmtClient api(esand.mgmt_socket());
  EXPECT_TRUE(Refused(api.Get("/v1/config/history"), 409, "conflict"));
  EXPECT_CTL(h.Ctl("config history"), 1, "there is no configuration history: write-back is off (--no-write-back)");
  EXPECT_CTL(h.Ctl("config rollback HEAD"), 1, "write-back is off");
  EXPECT_FALSE(std::filesystem::exists(esand.config_path() + ".history"));
}

}  // namespace
}  // namespace esan::it
