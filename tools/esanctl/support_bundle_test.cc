// esanctl support-bundle: translation of its options, and collect() against
// a fake esand (answers by path) and fake local files.
#include "tools/esanctl/support_bundle.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tools/esanctl/test_support.h"

namespace esan::ctl {
namespace {

using test::calls;
using test::usage_error;

TEST(SupportBundleTranslate, OptionsBecomeTheRequest) {
  auto c = calls("support-bundle out/b.tar.gz --force --log-file esand.log --log-lines 10 --revisions 3");
  ASSERT_EQ(c.size(), 1u);
  ASSERT_TRUE(c[0].bundle.has_value());
  EXPECT_EQ(c[0].bundle->file, "/home/admin/out/b.tar.gz");
  EXPECT_TRUE(c[0].bundle->force);
  EXPECT_EQ(c[0].bundle->log_file, "/home/admin/esand.log");
  EXPECT_EQ(c[0].bundle->log_lines, 10u);
  EXPECT_EQ(c[0].bundle->revisions, 3u);
  auto d = calls("support-bundle /tmp/b.tgz");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].bundle, (BundleRequest{"/tmp/b.tgz", false, "", 5000, 100}));
  EXPECT_TRUE(d[0].path.empty());
}

TEST(SupportBundleTranslate, UsageErrors) {
  EXPECT_NE(usage_error("support-bundle").find("needs more arguments"), std::string::npos);
  EXPECT_NE(usage_error("support-bundle a b").find("unexpected argument 'b'"), std::string::npos);
  EXPECT_NE(usage_error("support-bundle dir/").find("FILE must name a file"), std::string::npos);
  EXPECT_NE(usage_error("support-bundle b --log-lines 0").find("--log-lines must be at least 1"), std::string::npos);
  EXPECT_NE(usage_error("support-bundle b --revisions -2").find("--revisions"), std::string::npos);
  EXPECT_NE(usage_error("device list --log-file x").find("does not apply"), std::string::npos);
}

TEST(SupportBundleCollect, EveryPieceIsCollectedOrNamedAsFailed) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("esanctl_bundle." + std::to_string(::getpid()));
  fs::create_directories(dir);
  {
    std::ofstream(dir / "os-release") << "ID=debian\n";
    std::ofstream(dir / "esand.log") << "one\ntwo\nthree\n";
  }
  const std::string conf_old = "TARGET_DRIVER iscsi {\n\tIncomingUser joe old-secret-1234\n}\n";
  const std::string conf_new = "TARGET_DRIVER iscsi {\n\tIncomingUser joe new-secret-5678\n}\n";
  std::map<std::string, std::pair<int, std::string>> answers = {
      {"/v1/version", {200, R"({"version":"0.1.0","uptime_s":5})"}},
      {"/v1/config", {200, conf_new}},
      {"/v1/config/history",
       {200, R"({"repository":"/nonexistent/esan.conf.history","revisions":[)"
             R"({"rev":"bbbbbbbbbbbbbbbbbbbb","time":1700000100,"author":"root","message":"change"},)"
             R"({"rev":"aaaaaaaaaaaaaaaaaaaa","time":1700000000,"author":"esand","message":"start"}]})"}},
      {"/v1/config/history/bbbbbbbbbbbbbbbbbbbb", {200, conf_new}},
      {"/v1/config/history/aaaaaaaaaaaaaaaaaaaa", {200, conf_old}},
      {"/v1/config/diff?from=aaaaaaaaaaaaaaaaaaaa&to=bbbbbbbbbbbbbbbbbbbb",
       {200, "-\tIncomingUser joe old-secret-1234\n+\tIncomingUser joe new-secret-5678\n"}},
      {"/v1/targets", {200, R"([{"name":"iqn.x:t"}])"}},
      {"/v1/targets/iqn.x:t/luns", {200, "[]"}},
      {"/v1/targets/iqn.x:t/groups", {200, "[]"}},
      {"/v1/health", {500, R"({"error":{"code":"internal","message":"probe broke"}})"}},
  };
  std::vector<std::string> asked;
  Fetch fake = [&](const ApiCall& c) -> Result<Reply> {
    EXPECT_EQ(c.method, "GET") << c.path;
    asked.push_back(c.path);
    auto it = answers.find(c.path);
    if (it == answers.end()) return Reply{404, R"({"error":{"code":"not_found","message":"no route"}})"};
    return Reply{it->second.first, it->second.second};
  };
  BundleRequest req{(dir / "b.tar.gz").string(), false, (dir / "esand.log").string(), 2, 0};
  Local local;
  local.os_release = (dir / "os-release").string();
  support::Bundle b("top");
  collect(b, fake, req, local);
  auto piece = [&](const std::string& name) -> const support::Piece* {
    for (const auto& p : b.pieces())
      if (p.name == name) return &p;
    return nullptr;
  };
  ASSERT_TRUE(piece("health.json"));
  EXPECT_FALSE(piece("health.json")->ok);
  EXPECT_EQ(piece("health.json")->text, "probe broke");
  ASSERT_TRUE(piece("config/revisions/0001-aaaaaaaaaaaa.conf"));
  EXPECT_EQ(piece("config/revisions/0001-aaaaaaaaaaaa.conf")->text, conf_old);
  ASSERT_TRUE(piece("config/revisions/0002-bbbbbbbbbbbb.conf"));
  ASSERT_TRUE(piece("config/history.patch"));
  EXPECT_NE(piece("config/history.patch")->text.find("+\tIncomingUser joe new-secret-5678"), std::string::npos);
  ASSERT_TRUE(piece("config/file/esan.conf"));
  EXPECT_FALSE(piece("config/file/esan.conf")->ok);
  ASSERT_TRUE(piece("logs/esand.log"));
  EXPECT_EQ(piece("logs/esand.log")->text, "two\nthree\n");
  EXPECT_EQ(piece("system/os-release")->text, "ID=debian\n");
  ASSERT_TRUE(piece("luns.json"));
  EXPECT_TRUE(piece("luns.json")->ok);
  ASSERT_TRUE(piece("sessions.json"));
  EXPECT_FALSE(piece("sessions.json")->ok);  // the fake has no such route
  // What goes into the archive has neither secret, though the old one only
  // appeared in an older revision.
  for (const auto& f : b.entries("header\n", 0)) {
    EXPECT_EQ(f.data.find("old-secret-1234"), std::string::npos) << f.name;
    EXPECT_EQ(f.data.find("new-secret-5678"), std::string::npos) << f.name;
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace esan::ctl
