// Cluster against stand-in tools (shell scripts named crm_mon,
// crm_attribute, crm_resource in a temporary directory): the argv each
// action runs, names checked before anything runs, a tool's refusal passed
// on in its own words, no Pacemaker / no cluster as a status, a hung tool.
#include "pacemaker/cluster.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace esan::pacemaker {
namespace {

namespace fs = std::filesystem;

class Tools : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("esan-pcmk-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A tool that appends its arguments to calls.log, prints `out` (stdout),
  // `err` (stderr) and exits with `code`.
  void Tool(const std::string& name, const std::string& body) {
    std::string path = (dir_ / name).string();
    std::ofstream(path) << "#!/bin/sh\necho \"" << name << " $*\" >> '" << (dir_ / "calls.log").string() << "'\n"
                        << body << "\n";
    ::chmod(path.c_str(), 0755);
  }
  void CrmMon(const std::string& fixture, int code = 0) {
    Tool("crm_mon", "cat '" + std::string(PACEMAKER_TESTDATA) + "/" + fixture + "'\nexit " + std::to_string(code));
  }
  std::string Calls() const {
    std::ifstream f(dir_ / "calls.log");
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  }
  Cluster Make(std::chrono::milliseconds timeout = std::chrono::seconds(10)) const {
    return Cluster(Cluster::Options{{dir_.string()}, timeout});
  }

  fs::path dir_;
};

const char* kMon = "crm_mon --output-as=xml --inactive --fence-history=2 --one-shot\n";

TEST_F(Tools, StandbyAndOnlineRunCrmAttribute) {
  CrmMon("promoted.xml");
  Tool("crm_attribute", "exit 0");
  Cluster c = Make();
  ASSERT_TRUE(c.set_standby("node3", true));
  ASSERT_TRUE(c.set_standby("node3", false));
  EXPECT_EQ(Calls(), std::string(kMon) + "crm_attribute --node node3 --name standby --update on --lifetime forever\n" +
                         kMon + "crm_attribute --node node3 --name standby --update off --lifetime forever\n");
}

TEST_F(Tools, MoveBanAndClearRunCrmResource) {
  CrmMon("promoted.xml");
  Tool("crm_resource", "exit 0");
  Cluster c = Make();
  ASSERT_TRUE(c.move_promoted("ms_esan", "node2"));
  ASSERT_TRUE(c.move_promoted("ms_esan", ""));
  ASSERT_TRUE(c.clear("ms_esan"));
  EXPECT_EQ(Calls(), std::string(kMon) + "crm_resource --resource ms_esan --move --promoted --node node2\n" + kMon +
                         "crm_resource --resource ms_esan --ban --promoted\n" + kMon +
                         "crm_resource --resource ms_esan --clear\n");
}

TEST_F(Tools, BadNamesUnknownNodesAndNonPromotableRunNothingThatChanges) {
  CrmMon("promoted.xml");
  Tool("crm_attribute", "exit 0");
  Tool("crm_resource", "exit 0");
  Cluster c = Make();
  auto s = c.set_standby("-x", true);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(s.error().message, "node name '-x': only letters, digits, '.', '_', ':' and '-' (not first) are allowed");
  s = c.set_standby("", true);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "node name is empty");
  s = c.set_standby("node9", true);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kNotFound);
  EXPECT_EQ(s.error().message, "the cluster has no node 'node9'");
  s = c.move_promoted("p_esan", "node2");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(s.error().message, "'p_esan' is not a promotable clone of the cluster");
  s = c.move_promoted("ms_esan", "node9");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kNotFound);
  EXPECT_EQ(Calls().find("crm_attribute"), std::string::npos) << Calls();
  EXPECT_EQ(Calls().find("crm_resource"), std::string::npos) << Calls();
}

TEST_F(Tools, RefusalIsTheToolsOwnMessage) {
  CrmMon("promoted.xml");
  Tool("crm_resource",
       "echo 'crm_resource: Error performing operation: Resource ms_esan is already promoted on node1' >&2\nexit 1");
  auto s = Make().move_promoted("ms_esan", "node1");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kUnsupported);
  EXPECT_EQ(s.error().message,
            "crm_resource: Error performing operation: Resource ms_esan is already promoted on node1");
}

TEST_F(Tools, NoPacemakerIsAStatusNotAnError) {
  auto st = Make().status();
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_FALSE(st->connected);
  EXPECT_EQ(st->reason, "Pacemaker is not installed: no crm_mon in " + dir_.string());
  auto s = Make().set_standby("node1", true);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kUnsupported);
  EXPECT_EQ(s.error().message,
            "the cluster is not running: Pacemaker is not installed: no crm_mon in " + dir_.string());
}

TEST_F(Tools, ClusterNotRunningIsAStatusWithCrmMonsWords) {
  CrmMon("not_connected.xml", 102);
  auto st = Make().status();
  ASSERT_TRUE(st) << st.error().message;
  EXPECT_FALSE(st->connected);
  EXPECT_NE(st->reason.find("Connection to cluster failed"), std::string::npos) << st->reason;
  auto s = Make().clear("ms_esan");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kUnsupported);
  EXPECT_TRUE(s.error().message.starts_with("the cluster is not running: Not connected")) << s.error().message;
}

TEST_F(Tools, HungCrmMonIsKilledAndReported) {
  Tool("crm_mon", "exec sleep 30");
  auto st = Make(std::chrono::milliseconds(300)).status();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kBusy);
  EXPECT_EQ(st.error().message, "crm_mon did not answer within 300 ms (killed)");
}

TEST_F(Tools, GarbageFromCrmMonIsAnError) {
  Tool("crm_mon", "echo 'Segmentation fault' >&2\nexit 139");
  auto st = Make().status();
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, Errc::kInternal);
  EXPECT_EQ(st.error().message, "crm_mon (exit 139): crm_mon printed nothing: Segmentation fault");
}

}  // namespace
}  // namespace esan::pacemaker
