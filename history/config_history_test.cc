// ConfigHistory on temporary directories: commits with author and message,
// no empty commits, show/diff/resolve of revisions, bad revisions, reopening,
// a directory that is not a repository, and the push to a second repository.
#include "history/config_history.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace esan::history {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string t = (fs::temp_directory_path() / "esan-history-XXXXXX").string();
    path_ = mkdtemp(t.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& n) const { return path_ + "/" + n; }

 private:
  std::string path_;
};

const char* kV1 = "TARGET_DRIVER iscsi {\n    enabled 1\n}\n";
const char* kV2 = "TARGET_DRIVER iscsi {\n    enabled 0\n}\n";

TEST(ConfigHistory, CommitsCarryAuthorMessageAndTextNewestFirst) {
  TempDir d;
  auto h = ConfigHistory::open(d / "esan.conf.history", "esan.conf");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_TRUE(fs::is_regular_file(d / "esan.conf.history/HEAD"));  // bare: no work tree
  auto empty = (*h)->log();
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ((*h)->head().value_or("x"), "");

  auto r1 = (*h)->commit(kV1, "esand", "start");
  ASSERT_TRUE(r1) << r1.error().message;
  EXPECT_EQ(r1->size(), 40u);
  auto r2 = (*h)->commit(kV2, "alice", "disable the driver");
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_NE(*r1, *r2);
  EXPECT_EQ((*h)->head().value_or(""), *r2);

  auto log = (*h)->log();
  ASSERT_TRUE(log);
  ASSERT_EQ(log->size(), 2u);
  EXPECT_EQ((*log)[0].rev, *r2);
  EXPECT_EQ((*log)[0].author, "alice");
  EXPECT_EQ((*log)[0].message, "disable the driver");
  EXPECT_EQ((*log)[1].rev, *r1);
  EXPECT_EQ((*log)[1].author, "esand");
  EXPECT_EQ((*log)[1].message, "start");
  EXPECT_GT((*log)[0].time, 1600000000);
  auto one = (*h)->log(1);
  ASSERT_TRUE(one);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].rev, *r2);

  EXPECT_EQ((*h)->show(*r1).value_or(""), kV1);
  EXPECT_EQ((*h)->show(*r2).value_or(""), kV2);
  EXPECT_EQ((*h)->show("HEAD~1").value_or(""), kV1);
  EXPECT_EQ((*h)->show(r1->substr(0, 10)).value_or(""), kV1);
  EXPECT_EQ((*h)->resolve("HEAD").value_or(""), *r2);
  EXPECT_EQ((*h)->resolve("main~1").value_or(""), *r1);
}

TEST(ConfigHistory, TheSameTextMakesNoCommit) {
  TempDir d;
  auto h = ConfigHistory::open(d / "h", "esan.conf");
  ASSERT_TRUE(h);
  auto r1 = (*h)->commit(kV1, "esand", "start");
  ASSERT_TRUE(r1);
  auto again = (*h)->commit(kV1, "bob", "nothing new");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *r1);
  EXPECT_EQ((*h)->log().value().size(), 1u);
}

TEST(ConfigHistory, DiffIsAUnifiedPatchOfTheFile) {
  TempDir d;
  auto h = ConfigHistory::open(d / "h", "esan.conf");
  ASSERT_TRUE(h);
  auto r1 = (*h)->commit(kV1, "esand", "start");
  auto r2 = (*h)->commit(kV2, "alice", "disable");
  ASSERT_TRUE(r1 && r2);
  auto p = (*h)->diff(*r1, *r2);
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_NE(p->find("--- a/esan.conf\n+++ b/esan.conf\n"), std::string::npos) << *p;
  EXPECT_NE(p->find("\n-    enabled 1\n+    enabled 0\n"), std::string::npos) << *p;
  auto back = (*h)->diff("HEAD", "HEAD~1");
  ASSERT_TRUE(back);
  EXPECT_NE(back->find("\n-    enabled 0\n+    enabled 1\n"), std::string::npos) << *back;
  EXPECT_EQ((*h)->diff(*r2, "HEAD").value_or("x"), "");
}

TEST(ConfigHistory, UnknownOrMalformedRevisionsAreNotFound) {
  TempDir d;
  auto h = ConfigHistory::open(d / "h", "esan.conf");
  ASSERT_TRUE(h);
  auto none = (*h)->show("HEAD");  // nothing recorded yet
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, Errc::kNotFound);
  ASSERT_TRUE((*h)->commit(kV1, "esand", "start"));
  for (const char* bad :
       {"0123456789abcdef0123456789abcdef01234567", "HEAD~5", "no-such-branch", "..", "HEAD:esan.conf"}) {
    auto s = (*h)->show(bad);
    ASSERT_FALSE(s) << bad;
    EXPECT_EQ(s.error().code, Errc::kNotFound) << bad;
    EXPECT_NE(s.error().message.find(bad), std::string::npos) << s.error().message;
    auto df = (*h)->diff(bad, "HEAD");
    ASSERT_FALSE(df) << bad;
    EXPECT_EQ(df.error().code, Errc::kNotFound) << bad;
  }
  auto empty = (*h)->resolve("");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code, Errc::kInvalidArgument);
}

TEST(ConfigHistory, ReopeningKeepsTheHistory) {
  TempDir d;
  std::string r1;
  {
    auto h = ConfigHistory::open(d / "h", "esan.conf");
    ASSERT_TRUE(h);
    r1 = (*h)->commit(kV1, "esand", "start").value_or("");
  }
  auto h = ConfigHistory::open(d / "h", "esan.conf");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_EQ((*h)->head().value_or(""), r1);
  auto r2 = (*h)->commit(kV2, "carol", "second");
  ASSERT_TRUE(r2);
  EXPECT_EQ((*h)->log().value().size(), 2u);
  EXPECT_EQ((*h)->resolve("HEAD~1").value_or(""), r1);
}

// A process killed in the middle of a commit leaves a ref lock; the next
// open clears it, so commits go on.
TEST(ConfigHistory, AStaleLockFromAKilledCommitIsCleared) {
  TempDir d;
  std::string r1;
  {
    auto h = ConfigHistory::open(d / "h", "esan.conf");
    ASSERT_TRUE(h);
    r1 = (*h)->commit(kV1, "esand", "start").value_or("");
    std::ofstream(d / "h/refs/heads/main.lock") << "partial";
    auto blocked = (*h)->commit(kV2, "alice", "locked out");
    ASSERT_FALSE(blocked);
    EXPECT_EQ(blocked.error().code, Errc::kIo);
  }
  auto h = ConfigHistory::open(d / "h", "esan.conf");
  ASSERT_TRUE(h) << h.error().message;
  EXPECT_FALSE(fs::exists(d / "h/refs/heads/main.lock"));
  auto r2 = (*h)->commit(kV2, "alice", "after the restart");
  ASSERT_TRUE(r2) << r2.error().message;
  EXPECT_EQ((*h)->resolve("HEAD~1").value_or(""), r1);
}

TEST(ConfigHistory, AuthorsAreCleanedNeverEmpty) {
  TempDir d;
  auto h = ConfigHistory::open(d / "h", "esan.conf");
  ASSERT_TRUE(h);
  ASSERT_TRUE((*h)->commit(kV1, "", "a"));
  ASSERT_TRUE((*h)->commit(kV2, "eve <x>\nmallory", "b"));
  auto log = (*h)->log().value();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[1].author, "unknown");
  EXPECT_EQ(log[0].author, "eve xmallory");
}

TEST(ConfigHistory, ADirectoryThatIsNotARepositoryIsRefusedAndKept) {
  TempDir d;
  fs::create_directories(d / "h");
  std::ofstream(d / "h/keep") << "mine";
  auto h = ConfigHistory::open(d / "h", "esan.conf");
  ASSERT_FALSE(h);
  EXPECT_EQ(h.error().code, Errc::kIo);
  EXPECT_NE(h.error().message.find(d / "h"), std::string::npos) << h.error().message;
  EXPECT_TRUE(fs::exists(d / "h/keep"));
  EXPECT_FALSE(ConfigHistory::open(d / "h2", "a/b"));
}

TEST(ConfigHistory, PushesEachCommitToASecondRepository) {
  TempDir d;
  auto h = ConfigHistory::open(d / "h", "esan.conf");
  ASSERT_TRUE(h);
  (*h)->push_to(d / "mirror.git");
  auto r1 = (*h)->commit(kV1, "esand", "start");
  ASSERT_TRUE(r1);
  {
    auto m = ConfigHistory::open(d / "mirror.git", "esan.conf");
    ASSERT_TRUE(m) << m.error().message;
    EXPECT_EQ((*m)->head().value_or(""), *r1);
  }
  auto r2 = (*h)->commit(kV2, "alice", "disable");
  ASSERT_TRUE(r2);
  ASSERT_TRUE((*h)->push());
  auto m = ConfigHistory::open(d / "mirror.git", "esan.conf");
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)->head().value_or(""), *r2);
  EXPECT_EQ((*m)->show("HEAD~1").value_or(""), kV1);
  auto log = (*m)->log().value();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].author, "alice");

  // An unreachable second location: push() says so, commits still land.
  (*h)->push_to("/proc/esan-no-such-place/x.git");
  auto r3 = (*h)->commit(kV1, "bob", "back");
  ASSERT_TRUE(r3);
  EXPECT_EQ((*h)->head().value_or(""), *r3);
  auto p = (*h)->push();
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("/proc/esan-no-such-place"), std::string::npos) << p.error().message;
}

}  // namespace
}  // namespace esan::history
