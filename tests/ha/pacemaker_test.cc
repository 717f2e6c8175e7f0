// Pacemaker in the HA lab (pacemaker.h), issue 14: the cluster forms fast,
// the lab's fence agent does what pacemaker-fenced expects of it, and the
// HA pair's crm configuration (tests/ha/pacemaker-lab.crm: the production
// text packaging/esan-ha.crm with Stateful standing in for ocf:esan:target
// and fence_esanlab for fence_ipmilan) places, moves and recovers the
// promoted instance: node1 preferred, never node3, standby and back, and a
// node whose corosync dies is fenced and its peer promoted.
//
// Each test prints its measured timings ("[timing] ...").
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/ha/pacemaker.h"

#ifndef PACEMAKER_LAB_CRM
#error "PACEMAKER_LAB_CRM must be defined (tests/ha/pacemaker-lab.crm)"
#endif

namespace esan::ha {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr char kClone[] = "ms_esan";

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

void Timing(const std::string& what, double s) {
  std::printf("[timing] %s: %.2f s\n", what.c_str(), s);
  std::fflush(stdout);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The formation itself, and the lab's pieces pacemaker depends on: its
// private directories and the fence agent in /usr/sbin of the nodes only,
// with its RHCS interface (metadata, list, monitor, status, off) and its
// refusals. One lab; about 8 s of formation and 1 s of agent calls.
TEST(HaPacemaker, FormsWithFenceAgent) {
  PacemakerLab pl;
  ASSERT_TRUE(pl.Start(30s));
  Timing("pacemaker formed (DC, quorum, 3 online)", pl.formation_time().count() / 1000.0);
  EXPECT_LT(pl.formation_time(), 20s);

  // Every node sees the same DC, with quorum and all three online.
  ClusterStatus first = pl.Status(1);
  ASSERT_FALSE(first.dc.empty()) << first.summary();
  for (int n = 1; n <= 3; ++n) {
    ClusterStatus s;
    EXPECT_TRUE(pl.WaitFormed(n, 10s, {}, &s));
    EXPECT_EQ(s.dc, first.dc) << pl.Name(n) << ":\n" << s.summary();
  }
  // The seeded cluster option is in the running CIB.
  ExecResult dt = pl.Run(2, {"crm_attribute", "--type", "crm_config", "--name", "dc-deadtime", "--query", "--quiet"});
  EXPECT_EQ(dt.output, "2s\n");

  // Private state: each node's CIB is its own file, owned as pacemaker wants.
  for (int n = 1; n <= 3; ++n) {
    ExecResult st = pl.Run(n, {"stat", "-c", "%U:%G %a", "/var/lib/pacemaker/cib", "/var/log/pacemaker"});
    EXPECT_EQ(st.output, "hacluster:haclient 750\nhacluster:haclient 770\n") << pl.Name(n);
    EXPECT_TRUE(std::filesystem::exists(pl.lab().PrivateDir(n, "/var/lib/pacemaker") + "/cib/cib.xml")) << pl.Name(n);
    EXPECT_NE(pl.PacemakerLog(n).find("pacemaker"), std::string::npos) << pl.Name(n) << ": no pacemaker.log";
  }

  // Standby of a node the cluster does not know is refused. (A crm text
  // crmsh refuses fails Configure with crmsh's message; not run here: one
  // crmsh call costs about 3 s.)
  ::testing::AssertionResult bad = pl.SetStandby(1, "node9", true);
  EXPECT_FALSE(bad);
  EXPECT_NE(std::string(bad.message()).find("node9"), std::string::npos) << bad.message();

  // The agent is in the nodes' /usr/sbin, not in the host's.
  EXPECT_FALSE(std::filesystem::exists("/usr/sbin/fence_esanlab"));
  ExecResult meta = pl.Run(1, {"fence_esanlab", "-o", "metadata"});
  EXPECT_EQ(meta.exit_code, 0) << meta.output;
  EXPECT_NE(meta.output.find("<resource-agent name=\"fence_esanlab\""), std::string::npos) << meta.output;
  for (const char* action : {"on", "off", "reboot", "status", "list", "monitor", "metadata"})
    EXPECT_NE(meta.output.find(std::string("<action name=\"") + action + "\""), std::string::npos) << action;
  ExecResult list = pl.Run(2, {"fence_esanlab", "-o", "list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_EQ(list.output, "node1\nnode2\nnode3\n");
  EXPECT_EQ(pl.Run(2, {"fence_esanlab", "-o", "monitor"}).exit_code, 0);
  EXPECT_EQ(pl.Run(2, {"fence_esanlab", "-o", "status", "-n", "node3"}).exit_code, 0);  // on
  // pacemaker-fenced's own view of the agent.
  ExecResult installed = pl.Run(1, {"stonith_admin", "--list-installed"});
  EXPECT_NE(installed.output.find("fence_esanlab"), std::string::npos) << installed.output;

  // Refusals: a clear message and exit 1, nothing killed.
  struct Bad {
    std::vector<std::string> argv;
    std::string says;
  };
  for (const Bad& b : std::vector<Bad>{{{"-o", "bogus", "-n", "node3"}, "unknown action 'bogus'"},
                                        {{"-o", "off"}, "needs a node"},
                                        {{"-o", "off", "-n", "node9"}, "unknown node 'node9'"},
                                        {{"-o", "status", "-n", "node3", "--frobnicate"}, "unknown argument"},
                                        {{"-o", "list", "--lab-dir", "/nonexistent"}, "no lab node map"}}) {
    std::vector<std::string> argv = {"fence_esanlab"};
    argv.insert(argv.end(), b.argv.begin(), b.argv.end());
    ExecResult r = pl.Run(1, argv);
    EXPECT_EQ(r.exit_code, 1) << argv.back() << ": " << r.output;
    EXPECT_NE(r.output.find(b.says), std::string::npos) << r.output;
  }
  EXPECT_FALSE(pl.lab().Processes(3).empty());

  // off, with the options on stdin as pacemaker-fenced passes them: every
  // process of node3 is gone, status says off, the log has it.
  ExecResult off = pl.Run(1, {"sh", "-c", "printf 'action=off\\nport=node3\\n' | fence_esanlab"});
  EXPECT_EQ(off.exit_code, 0) << off.output;
  EXPECT_TRUE(pl.lab().Processes(3).empty());
  EXPECT_EQ(pl.Run(1, {"fence_esanlab", "-o", "status", "-n", "node3"}).exit_code, 2);
  std::string log = pl.FenceLog();
  EXPECT_NE(log.find("node1 off node3 start"), std::string::npos) << log;
  EXPECT_NE(log.find("node1 off node3 done"), std::string::npos) << log;
}

// The HA pair's configuration, one lab through every scenario (about 8 s of
// formation, then each step's time as printed):
// - loaded: promoted on node1 (its preference), the other instance
//   Unpromoted on node2, nothing on node3, a fence device per storage node
//   started elsewhere than on the node it fences;
// - node1 in standby: node2 promoted, node1 runs nothing; node1 online:
//   the preference brings the promotion back;
// - corosync SIGKILLed on node1: node1 fenced (every process gone, fence
//   history and the agent's log say so), node2 promoted; node1 booted again:
//   it rejoins, its instance starts Unpromoted, and the preference promotes
//   it back;
// - pacemaker and corosync stopped cleanly on node1 (planned): node2
//   promoted, no fencing; started again: node1 promoted back (before the
//   fencing cases below);
// - both corosync links of node1 cut: node1 fenced, node2 promoted.
// No instance of the clone is ever seen on node3.
TEST(HaPacemaker, PromotableCloneStandbyAndFencing) {
  PacemakerLab pl;
  ASSERT_TRUE(pl.Start(30s));
  Timing("pacemaker formed", pl.formation_time().count() / 1000.0);
  std::vector<ClusterStatus> seen;  // every status a wait ended with
  auto never_on_node3 = [&] {
    for (const auto& s : seen)
      for (const auto& r : s.resources)
        if (r.clone == kClone && r.node == "node3") return ::testing::AssertionFailure() << "on node3:\n" << s.summary();
    return ::testing::AssertionSuccess();
  };
  ClusterStatus s;

  auto t = Clock::now();
  ASSERT_TRUE(pl.Configure(1, ReadFile(PACEMAKER_LAB_CRM)));
  ASSERT_TRUE(pl.WaitPromoted(3, kClone, "node1", 30s, nullptr, &s));
  seen.push_back(s);
  ASSERT_TRUE(pl.WaitRole(3, kClone, "node2", "Unpromoted", 30s, &s));
  seen.push_back(s);
  Timing("config loaded -> node1 promoted, node2 unpromoted", Seconds(t));
  ASSERT_TRUE(pl.WaitStatus(
      3, 30s, "both fence devices started, neither on its own victim",
      [](const ClusterStatus& st) {
        auto a = st.where("st_storage1"), b = st.where("st_storage2");
        return a.size() == 1 && b.size() == 1 && a[0] != "node1" && b[0] != "node2";
      },
      &s));
  seen.push_back(s);

  // Standby moves the promotion; online brings it back (the preference).
  t = Clock::now();
  ASSERT_TRUE(pl.SetStandby(3, "node1", true));
  ASSERT_TRUE(pl.WaitPromoted(3, kClone, "node2", 30s, nullptr, &s));
  seen.push_back(s);
  Timing("node1 standby -> node2 promoted", Seconds(t));
  ASSERT_TRUE(pl.WaitStatus(
      3, 30s, "node1 in standby runs nothing",
      [](const ClusterStatus& st) {
        const PcmkNode* n = st.node("node1");
        if (n == nullptr || !n->standby) return false;
        for (const auto& r : st.resources)
          if (r.node == "node1") return false;
        return true;
      },
      &s));
  seen.push_back(s);
  t = Clock::now();
  ASSERT_TRUE(pl.SetStandby(3, "node1", false));
  ASSERT_TRUE(pl.WaitPromoted(3, kClone, "node1", 30s, nullptr, &s));
  seen.push_back(s);
  ASSERT_TRUE(pl.WaitRole(3, kClone, "node2", "Unpromoted", 30s, &s));
  seen.push_back(s);
  Timing("node1 online -> node1 promoted again", Seconds(t));

  // Planned, the original's way to switch: pacemaker and corosync stopped
  // cleanly on the promoted node (as `crm cluster stop`): node2 promoted,
  // nobody fenced. Started again, node1 rejoins and is promoted back.
  t = Clock::now();
  ASSERT_TRUE(pl.StopCluster(1));
  Timing("clean stop of node1's pacemaker and corosync", Seconds(t));
  ASSERT_TRUE(pl.WaitPromoted(3, kClone, "node2", 30s, nullptr, &s));
  seen.push_back(s);
  Timing("clean stop of node1 -> node2 promoted", Seconds(t));
  EXPECT_TRUE(pl.WaitStatus(
      3, 10s, "node1 offline, not unclean",
      [](const ClusterStatus& st) {
        const PcmkNode* n = st.node("node1");
        return n != nullptr && !n->online && !n->unclean;
      },
      &s));
  EXPECT_TRUE(pl.FenceHistory(3, "node1").empty()) << "a clean stop must not be fenced";
  EXPECT_FALSE(pl.lab().Processes(1).empty()) << "node1 itself stays up (only the cluster stack stopped)";
  t = Clock::now();
  ASSERT_TRUE(pl.StartCluster(1));
  ASSERT_TRUE(pl.WaitPromoted(3, kClone, "node1", 30s, nullptr, &s));
  seen.push_back(s);
  ASSERT_TRUE(pl.WaitRole(3, kClone, "node2", "Unpromoted", 30s, &s));
  seen.push_back(s);
  Timing("node1's corosync and pacemaker started -> node1 promoted again", Seconds(t));

  // corosync dies on the promoted node: it is fenced, node2 takes over.
  ASSERT_TRUE(pl.FenceHistory(3, "node1").empty());
  t = Clock::now();
  pl.lab().KillCorosync(1);
  ASSERT_TRUE(pl.WaitPromoted(3, kClone, "node2", 30s, nullptr, &s));
  seen.push_back(s);
  Timing("corosync killed on node1 -> node2 promoted", Seconds(t));
  EXPECT_TRUE(pl.lab().Processes(1).empty()) << "node1 still has processes after being fenced";
  std::vector<FenceEvent> history = pl.FenceHistory(3, "node1");
  ASSERT_EQ(history.size(), 1u) << pl.Run(3, {"stonith_admin", "--history", "node1", "--verbose"}).output;
  EXPECT_EQ(history[0].target, "node1");
  EXPECT_EQ(history[0].status, "success");
  EXPECT_EQ(history[0].action, "reboot");
  EXPECT_NE(history[0].delegate, "node1");
  std::string log = pl.FenceLog();
  EXPECT_NE(log.find("reboot node1 done"), std::string::npos) << log;
  const PcmkNode* n1 = s.node("node1");
  ASSERT_NE(n1, nullptr);
  EXPECT_FALSE(n1->online);
  EXPECT_FALSE(n1->unclean) << "node1 fenced, so known down";

  // node1 boots again and rejoins: its instance starts (Unpromoted), then
  // the preference promotes it. The Unpromoted phase lasts a few tens of
  // milliseconds with Stateful, too short for crm_mon polling: the order is
  // read from node1's own log (its controller logs each operation's result).
  const size_t mark = pl.PacemakerLog(1).size();
  t = Clock::now();
  ASSERT_TRUE(pl.Boot(1));
  ASSERT_TRUE(pl.WaitFormed(3, 30s, {}, &s));
  seen.push_back(s);
  Timing("node1 booted -> online", Seconds(t));
  ASSERT_TRUE(pl.WaitPromoted(3, kClone, "node1", 30s, nullptr, &s));
  seen.push_back(s);
  ASSERT_TRUE(pl.WaitRole(3, kClone, "node2", "Unpromoted", 30s, &s));
  seen.push_back(s);
  Timing("node1 booted -> node1 promoted again", Seconds(t));
  const std::string node1_log = pl.PacemakerLog(1).substr(mark);
  const size_t started = node1_log.find("Result of start operation for p_esan on node1: ok");
  const size_t promoted = node1_log.find("Result of promote operation for p_esan on node1: ok");
  EXPECT_NE(started, std::string::npos) << "node1's log has no start of its instance since the boot";
  EXPECT_NE(promoted, std::string::npos) << "node1's log has no promotion of its instance since the boot";
  EXPECT_LT(started, promoted) << "node1's instance was promoted before it had started";

  // Both corosync links of the promoted node cut (the original's STONITH
  // check): node1 loses quorum, the quorate side fences it (the agent does
  // not need the network) and promotes node2.
  t = Clock::now();
  ASSERT_TRUE(pl.lab().CutLink(1, 0));
  ASSERT_TRUE(pl.lab().CutLink(1, 1));
  ASSERT_TRUE(pl.WaitPromoted(3, kClone, "node2", 30s, nullptr, &s));
  seen.push_back(s);
  Timing("node1's links cut -> node2 promoted", Seconds(t));
  EXPECT_TRUE(pl.lab().Processes(1).empty()) << "node1 still has processes after being fenced";
  history = pl.FenceHistory(3, "node1");
  ASSERT_EQ(history.size(), 2u) << pl.Run(3, {"stonith_admin", "--history", "node1", "--verbose"}).output;
  EXPECT_EQ(history[1].status, "success");
  EXPECT_NE(history[1].delegate, "node1");
  log = pl.FenceLog();
  size_t fences = 0;
  for (size_t at = 0; (at = log.find("reboot node1 done", at)) != std::string::npos; ++at) ++fences;
  EXPECT_EQ(fences, 2u) << log;
  EXPECT_TRUE(never_on_node3());
}

}  // namespace
}  // namespace esan::ha
