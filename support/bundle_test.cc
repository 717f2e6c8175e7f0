// The bundle (support/bundle.h): every piece and the MANIFEST redacted with
// what all pieces taught the redactor; failures listed; write_new_file
// never leaves a partial file.
#include "support/bundle.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace esan::support {
namespace {

namespace fs = std::filesystem;

std::string Find(const std::vector<TarEntry>& files, const std::string& name) {
  for (const auto& f : files)
    if (f.name == name) return f.data;
  ADD_FAILURE() << "no " << name;
  return "";
}

TEST(Bundle, EveryPieceAndTheManifestAreRedactedWithWhatAllPiecesTaught) {
  Bundle b("top");
  b.add("logs/esand.log", "file /var/log/esand.log", "login joe with old-chap-secret-1 refused\n");
  b.add("config/rev-1.conf", "GET /v1/config/history/1", "TARGET t {\n\tIncomingUser joe old-chap-secret-1\n}\n");
  b.fail("health.json", "GET /v1/health", "answer said api-token-secret-9 is wrong");
  b.add_secret("api-token-secret-9");
  auto files = b.entries("esan support bundle\n", 1700000000);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[0].name, "top/MANIFEST");
  EXPECT_EQ(Find(files, "top/logs/esand.log"), "login joe with <redacted> refused\n");
  EXPECT_EQ(Find(files, "top/config/rev-1.conf"), "TARGET t {\n\tIncomingUser joe <redacted>\n}\n");
  std::string manifest = files[0].data;
  EXPECT_EQ(manifest.rfind("esan support bundle\n", 0), 0u) << manifest;
  EXPECT_NE(manifest.find("ok      34        logs/esand.log  <-  file /var/log/esand.log"), std::string::npos)
      << manifest;
  EXPECT_NE(manifest.find("FAILED  -         health.json  <-  GET /v1/health\n        error: answer said <redacted>"),
            std::string::npos)
      << manifest;
  EXPECT_EQ(b.failures(), 1u);
  for (const auto& f : files) {
    EXPECT_EQ(f.data.find("old-chap-secret-1"), std::string::npos) << f.name;
    EXPECT_EQ(f.data.find("api-token-secret-9"), std::string::npos) << f.name;
    EXPECT_EQ(f.mtime, 1700000000);
  }
}

class WriteNewFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("bundle_test." + std::to_string(::getpid()) + "." +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Read(const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(f)), {});
  }
  size_t Entries() { return std::distance(fs::directory_iterator(dir_), fs::directory_iterator()); }
  fs::path dir_;
};

TEST_F(WriteNewFile, WritesRefusesToOverwriteAndReplacesWhenAsked) {
  auto p = (dir_ / "b.tar.gz").string();
  ASSERT_TRUE(write_new_file(p, "one", false));
  EXPECT_EQ(Read(p), "one");
  EXPECT_EQ(fs::status(p).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
  auto again = write_new_file(p, "two", false);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::kExists);
  EXPECT_NE(again.error().message.find("--force"), std::string::npos);
  EXPECT_EQ(Read(p), "one");
  ASSERT_TRUE(write_new_file(p, "three", true));
  EXPECT_EQ(Read(p), "three");
  EXPECT_EQ(Entries(), 1u);  // no temporary file left
}

TEST_F(WriteNewFile, MissingOrUnwritableDirectoryIsAClearError) {
  for (std::string p : {(dir_ / "no/such/dir/b.tar.gz").string(), std::string("/proc/esan-bundle-test.tar.gz")}) {
    auto r = write_new_file(p, "x", false);
    ASSERT_FALSE(r) << p;
    EXPECT_EQ(r.error().code, Errc::kIo);
    EXPECT_NE(r.error().message.find("cannot write " + p), std::string::npos) << r.error().message;
    EXPECT_FALSE(fs::exists(p));
  }
  EXPECT_EQ(Entries(), 0u);
}

TEST_F(WriteNewFile, AWriteThatFailsHalfwayLeavesNothing) {
  // A file size limit of 4 KiB (SIGXFSZ ignored: write fails with EFBIG).
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 4096;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto r = write_new_file((dir_ / "big.tar.gz").string(), std::string(64 * 1024, 'x'), false);
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kIo);
  EXPECT_NE(r.error().message.find("write"), std::string::npos) << r.error().message;
  EXPECT_EQ(Entries(), 0u);
}

}  // namespace
}  // namespace esan::support
