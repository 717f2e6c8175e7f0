// The resource agent (ra/target) on two lab nodes whose esands replicate
// the device group's state through corosync (esan_cluster_group): the agent
// is run by hand, action by action, as Pacemaker would run it on each node,
// with the parameters of the seed's crm configuration (alua, device_group,
// local/remote target groups, m/s ALUA states). esand runs inside the node
// (the agent's `esand` is a wrapper that nsenters the node and execs
// esand); the agent itself and esanctl run here, on the API socket.
//
// What is checked: a start joins the cluster group and syncs before it sets
// the local group (a lone node marks the absent peer's group
// remote_inact_state); with the peer present the agent leaves the remote
// group to the peer's own instance (each node's local group change shows
// on the other node through replication); promote through transitioning;
// the survivor's monitor marks a killed peer's group offline and the
// survivor can be promoted; the restarted node takes the survivor's state
// and comes back as slave; stop leaves its group offline on the peer; the
// health endpoint shows both members while both run.
#include <signal.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/ha/ha_util.h"
#include "tests/ha/lab.h"

#ifndef ESANCTL_PATH
#error "ESANCTL_PATH must be defined"
#endif
#ifndef RA_PATH
#error "RA_PATH must be defined (ra/target)"
#endif

namespace esan::ha {
namespace {

using namespace std::chrono_literals;

class HaAgent : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lab.Start());
    image = lab.dir() + "/disk0.img";
    ASSERT_TRUE(it::MakeSparseFile(image, 64 << 20));
    for (int n = 1; n <= 2; ++n) {
      std::string d = Dir(n);
      std::filesystem::create_directories(d + "/rsctmp");
      std::ofstream(d + "/esan.conf") << NodeConfig(n, image, /*cluster=*/true);
      std::string wrapper = "#!/bin/sh\nexec";
      for (const auto& w : lab.Wrapper(n)) wrapper += " " + w;
      std::ofstream(d + "/esand") << wrapper << " " << ESAND_PATH << " \"$@\"\n";
      ::chmod((d + "/esand").c_str(), 0755);
    }
  }

  std::string Dir(int node) const { return lab.dir() + "/agent" + std::to_string(node); }
  std::string Socket(int node) const { return Dir(node) + "/esand.sock"; }

  // Runs the agent's action on node with the seed's parameters; returns its exit code.
  int Agent(int node, const std::string& action, const std::vector<std::string>& extra = {}) {
    std::string d = Dir(node);
    std::string local = "g" + std::to_string(node), remote = "g" + std::to_string(3 - node);
    std::vector<std::string> argv = {"env",
                                     "OCF_ROOT=/usr/lib/ocf",
                                     "OCF_RESOURCE_INSTANCE=p_scst",
                                     "HA_RSCTMP=" + d + "/rsctmp",
                                     "OCF_RESKEY_CRM_meta_on_node=" + lab.NodeName(node),
                                     "OCF_RESKEY_alua=true",
                                     "OCF_RESKEY_device_group=dg",
                                     "OCF_RESKEY_local_tgt_grp=" + local,
                                     "OCF_RESKEY_remote_tgt_grp=" + remote,
                                     "OCF_RESKEY_m_alua_state=active",
                                     "OCF_RESKEY_s_alua_state=nonoptimized",
                                     "OCF_RESKEY_config=" + d + "/esan.conf",
                                     "OCF_RESKEY_socket=" + Socket(node),
                                     "OCF_RESKEY_pidfile=" + d + "/esand.pid",
                                     "OCF_RESKEY_logfile=" + d + "/esand.log",
                                     "OCF_RESKEY_state_dir=" + d + "/state",
                                     "OCF_RESKEY_listen=" + lab.FrontAddress(node) + ":3260",
                                     "OCF_RESKEY_esand=" + d + "/esand",
                                     "OCF_RESKEY_esanctl=" ESANCTL_PATH,
                                     "OCF_RESKEY_esand_options=--reactors 1 --log-level debug"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(RA_PATH);
    argv.push_back(action);
    ExecResult r = RunProgram(argv, 150s);
    last = lab.NodeName(node) + " " + action + ": " + r.output;
    return r.exit_code;
  }

  // Target group gN's state as node's esand has it.
  std::string State(int node, int group) {
    ExecResult r = RunProgram({ESANCTL_PATH, "--socket", Socket(node), "alua", "state", "dg", "g" + std::to_string(group)});
    std::string s = r.output;
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return r.exit_code == 0 ? s : "error: " + s;
  }

  ::testing::AssertionResult States(int node, const std::string& g1, const std::string& g2) {
    return Eventually(3s, [&]() -> ::testing::AssertionResult {
      std::string a = State(node, 1), b = State(node, 2);
      if (a == g1 && b == g2) return ::testing::AssertionSuccess();
      return ::testing::AssertionFailure() << lab.NodeName(node) << ": g1=" << a << " g2=" << b << ", expected "
                                           << g1 << "/" << g2;
    });
  }

  nlohmann::json Health(int node) {
    ExecResult r = RunProgram({ESANCTL_PATH, "--socket", Socket(node), "--json", "health"});
    return nlohmann::json::parse(r.output, nullptr, false);
  }

  void KillEsand(int node) {
    std::ifstream f(Dir(node) + "/esand.pid");
    pid_t pid = 0;
    f >> pid;
    ASSERT_GT(pid, 0);
    ::kill(pid, SIGKILL);
    ASSERT_TRUE(Eventually(10s, [&]() -> ::testing::AssertionResult {
      std::ifstream st("/proc/" + std::to_string(pid) + "/stat");
      std::string line;
      if (!std::getline(st, line)) return ::testing::AssertionSuccess();
      auto p = line.rfind(')');
      if (p != std::string::npos && p + 2 < line.size() && line[p + 2] == 'Z') return ::testing::AssertionSuccess();
      return ::testing::AssertionFailure() << "esand " << pid << " still runs";
    }));
  }

  Lab lab;
  std::string image;
  std::string last;  // the last agent run's output
};

constexpr int kSuccess = 0, kNotRunning = 7, kRunningMaster = 8, kFailedMaster = 9;
const std::vector<std::string> kMonitorSlave = {"OCF_RESKEY_CRM_meta_interval=20000"};
const std::vector<std::string> kMonitorMaster = {"OCF_RESKEY_CRM_meta_interval=10000",
                                                 "OCF_RESKEY_CRM_meta_role=Master"};

TEST_F(HaAgent, PromotesFailsOverAndRejoinsWithReplicatedStates) {
  // node1 alone: it syncs with itself, is a slave, and marks the absent peer's group offline.
  ASSERT_EQ(Agent(1, "monitor"), kNotRunning) << last;
  ASSERT_EQ(Agent(1, "start"), kSuccess) << last;
  EXPECT_TRUE(States(1, "nonoptimized", "offline"));
  nlohmann::json h = Health(1);
  ASSERT_TRUE(h.is_object()) << h;
  EXPECT_EQ(h["device_groups"][0]["cluster_group"], "esan-dg") << h;
  EXPECT_EQ(h["device_groups"][0]["ready"], true) << h;
  EXPECT_EQ(h["device_groups"][0]["members"].size(), 1u) << h;

  // node2 joins: takes node1's state, sets its own group; the agent leaves g1 to node1.
  ASSERT_EQ(Agent(2, "start"), kSuccess) << last;
  EXPECT_TRUE(States(2, "nonoptimized", "nonoptimized"));
  EXPECT_TRUE(States(1, "nonoptimized", "nonoptimized"));
  EXPECT_EQ(Agent(1, "monitor", kMonitorSlave), kSuccess) << last;
  EXPECT_EQ(Agent(2, "monitor", kMonitorSlave), kSuccess) << last;
  for (int n = 1; n <= 2; ++n) {
    h = Health(n);
    ASSERT_TRUE(h.is_object()) << h;
    EXPECT_EQ(h["ok"], true) << h;
    EXPECT_EQ(h["device_groups"][0]["members"].size(), 2u) << h;
    EXPECT_EQ(h["device_groups"][0]["nodeid"], n) << h;
  }

  // Promote node1 through transitioning: both nodes see g1 active.
  ASSERT_EQ(Agent(1, "promote", {"OCF_RESKEY_use_trans_state=true"}), kSuccess) << last;
  EXPECT_NE(last.find("transitioning -> active"), std::string::npos) << last;
  EXPECT_TRUE(States(1, "active", "nonoptimized"));
  EXPECT_TRUE(States(2, "active", "nonoptimized"));
  EXPECT_EQ(Agent(1, "monitor", kMonitorMaster), kRunningMaster) << last;
  EXPECT_EQ(Agent(2, "monitor", kMonitorSlave), kSuccess) << last;

  // node1's esand dies: the survivor's monitor marks g1 offline; node2 is promoted.
  KillEsand(1);
  EXPECT_EQ(Agent(1, "monitor", kMonitorMaster), kFailedMaster) << last;
  EXPECT_EQ(Agent(2, "monitor", kMonitorSlave), kSuccess) << last;
  EXPECT_TRUE(States(2, "offline", "nonoptimized"));
  ASSERT_EQ(Agent(2, "promote"), kSuccess) << last;
  EXPECT_TRUE(States(2, "offline", "active"));
  EXPECT_EQ(Agent(2, "monitor", kMonitorMaster), kRunningMaster) << last;

  // Pacemaker recovers node1: stop (cleans up), start: it takes node2's state and is a slave.
  EXPECT_EQ(Agent(1, "stop"), kSuccess) << last;
  ASSERT_EQ(Agent(1, "start"), kSuccess) << last;
  EXPECT_TRUE(States(1, "nonoptimized", "active"));
  EXPECT_TRUE(States(2, "nonoptimized", "active"));
  EXPECT_EQ(Agent(1, "monitor", kMonitorSlave), kSuccess) << last;
  EXPECT_EQ(Agent(2, "monitor", kMonitorMaster), kRunningMaster) << last;

  // node1 stops cleanly: its group is offline on node2, which stays master.
  EXPECT_EQ(Agent(1, "stop"), kSuccess) << last;
  EXPECT_EQ(Agent(1, "monitor", kMonitorSlave), kNotRunning) << last;
  EXPECT_TRUE(States(2, "offline", "active"));
  EXPECT_EQ(Agent(2, "monitor", kMonitorMaster), kRunningMaster) << last;
  EXPECT_EQ(Agent(2, "stop"), kSuccess) << last;
  EXPECT_EQ(Agent(2, "monitor"), kNotRunning) << last;
}

}  // namespace
}  // namespace esan::ha
