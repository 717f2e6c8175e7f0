// Pacemaker on the HA lab (issue 14): a Lab (lab.h) whose nodes also run
// pacemakerd, plus the helpers scenario tests need: crm text loading,
// cluster status, waits for promotion and roles, standby, a clean stop,
// power off / boot, fence history.
//
// What PacemakerLab adds to every node of its Lab:
// - private /var/lib/pacemaker (cib, pengine, blackbox, cores: hacluster:
//   haclient 0750, as the package makes them), /var/log/pacemaker (0770,
//   with bundles/) and /var/log/crmsh; /run is the node's own tmpfs already
//   (pacemakerd makes /run/crm; /run/resource-agents is made at each boot,
//   as tmpfiles.d would);
// - a pre-seeded CIB (Options::dc_deadtime: the first DC election waits
//   that long instead of 20 s), written with cibadmin/crm_attribute on a
//   file before the first start, so pacemaker forms in a few seconds;
// - the fence agent tests/ha/fence_esanlab in the node's /usr/sbin (Lab's
//   read-only overlay; the host's /usr/sbin is untouched): stonith:
//   fence_esanlab kills every process of its victim (Lab::PowerOff's
//   semantics) and logs to dir()/fence.log;
// - pacemakerd started once corosync answers (Lab::Spawn; PCMK_logfile=
//   /var/log/pacemaker/pacemaker.log, no syslog; its output in
//   NodeDir/pacemakerd.stdout).
//
// Start() builds the Lab and starts corosync (Lab::StartNodes), then
// pacemaker on every node while corosync forms, and waits until node1's
// crm_mon shows a DC with quorum and every node online; formation_time() is
// the time from the beginning of Start.
//
// Node names are the Lab's (node1..nodeN); `observer` is the node whose
// tools are asked. Needs pacemaker, pacemaker-cli-utils, crmsh,
// resource-agents (scripts/install-deps.sh).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/ha/lab.h"

namespace esan::ha {

// One node as crm_mon --output-as=xml shows it.
struct PcmkNode {
  std::string name;
  bool online = false, standby = false, unclean = false, is_dc = false;
};

// One instance of a resource (a clone has one per clone-max): its role
// ("Started", "Promoted", "Unpromoted", "Stopped", ...) and node (empty
// when not running).
struct PcmkInstance {
  std::string id;     // the primitive's id
  std::string clone;  // the clone's id, empty for a primitive
  std::string role;
  std::string node;
  bool failed = false;
};

struct ClusterStatus {
  bool answered = false;  // crm_mon reached the cluster
  std::string dc;         // empty: no DC
  bool quorum = false;
  std::vector<PcmkNode> nodes;
  std::vector<PcmkInstance> resources;
  std::string raw;  // crm_mon's XML

  const PcmkNode* node(const std::string& name) const;
  std::vector<std::string> online() const;  // sorted
  // Nodes where instances of rsc (a clone's or a primitive's id) run in
  // role (empty: any role but Stopped), sorted.
  std::vector<std::string> where(const std::string& rsc, const std::string& role = "") const;
  // A few lines for failure messages.
  std::string summary() const;
};

// A line of stonith_admin --history.
struct FenceEvent {
  std::string target, action, status, delegate, origin, completed;
};

class PacemakerLab {
 public:
  struct Options {
    Lab::Options lab;  // pacemaker's private dirs and the agent are added
    std::string dc_deadtime = "2s";
  };

  PacemakerLab() : PacemakerLab(Options{}) {}
  explicit PacemakerLab(Options opts);
  ~PacemakerLab();
  PacemakerLab(const PacemakerLab&) = delete;
  PacemakerLab& operator=(const PacemakerLab&) = delete;

  Lab& lab() { return lab_; }
  const Lab& lab() const { return lab_; }
  std::string Name(int node) const { return lab_.NodeName(node); }
  std::vector<std::string> AllNames() const;

  ::testing::AssertionResult Start(std::chrono::milliseconds formation_timeout = std::chrono::seconds(60));
  // From the beginning of Start until pacemaker had formed.
  std::chrono::milliseconds formation_time() const { return formation_time_; }

  // pacemakerd of a node: start (corosync must run), running?, clean stop
  // as `crm cluster stop` does (SIGTERM to pacemakerd: it stops the node's
  // resources and leaves; then corosync is stopped), bounded by timeout.
  ::testing::AssertionResult StartPacemaker(int node);
  bool PacemakerRunning(int node);
  ::testing::AssertionResult StopCluster(int node, std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // corosync (waits for its IPC) then pacemakerd, on a node that is up.
  ::testing::AssertionResult StartCluster(int node);

  // The whole node (Lab::PowerOff), and its boot: anchor, corosync,
  // pacemakerd (it rejoins on its own; wait for it with WaitOnline).
  ::testing::AssertionResult PowerOff(int node);
  ::testing::AssertionResult Boot(int node);

  // Runs a tool (crm, crm_mon, crm_attribute, crm_resource, ...) in node.
  ExecResult Run(int node, const std::vector<std::string>& argv,
                 std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;
  // `crm configure load update FILE` on node, FILE holding text.
  ::testing::AssertionResult Configure(int node, const std::string& crm_text);
  // Standby on/off of target (a node name), asked on node (crm_standby,
  // permanent: the same attribute `crm node standby/online` sets).
  ::testing::AssertionResult SetStandby(int node, const std::string& target, bool standby);

  // crm_mon --output-as=xml --one-shot on observer.
  ClusterStatus Status(int observer) const;
  // Bounded waits; the failure shows the last status seen. Every wait
  // returns the status that satisfied it in *seen when given.
  // A DC with quorum and exactly these nodes online (empty: all).
  ::testing::AssertionResult WaitFormed(int observer, std::chrono::milliseconds timeout,
                                        std::vector<std::string> online = {}, ClusterStatus* seen = nullptr) const;
  // Exactly one instance of the promotable clone is Promoted, on `on`
  // unless empty; *where (if given) is set to that node.
  ::testing::AssertionResult WaitPromoted(int observer, const std::string& clone, const std::string& on,
                                          std::chrono::milliseconds timeout, std::string* where = nullptr,
                                          ClusterStatus* seen = nullptr) const;
  // An instance of rsc runs on node_name in role.
  ::testing::AssertionResult WaitRole(int observer, const std::string& rsc, const std::string& node_name,
                                      const std::string& role, std::chrono::milliseconds timeout,
                                      ClusterStatus* seen = nullptr) const;
  // Any predicate over the status.
  template <typename Pred>
  ::testing::AssertionResult WaitStatus(int observer, std::chrono::milliseconds timeout, const std::string& what,
                                        Pred pred, ClusterStatus* seen = nullptr) const;

  // stonith_admin --history TARGET --verbose on observer (oldest first).
  std::vector<FenceEvent> FenceHistory(int observer, const std::string& target) const;
  // dir()/fence.log: what fence_esanlab did, with times.
  std::string FenceLog() const;
  std::string PacemakerLog(int node) const;

  // Every node's crm_mon and the tail of its pacemaker log, the fence log.
  void PrintDiagnostics() const;

 private:
  ::testing::AssertionResult PrepareNode(int node, const std::string& seed_cib);
  ::testing::AssertionResult WriteSeedCib(std::string* path);

  Options opts_;
  Lab lab_;
  std::vector<pid_t> pacemakerd_;  // index 1..nodes
  std::chrono::milliseconds formation_time_{0};
};

template <typename Pred>
::testing::AssertionResult PacemakerLab::WaitStatus(int observer, std::chrono::milliseconds timeout,
                                                    const std::string& what, Pred pred, ClusterStatus* seen) const {
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + timeout;
  ClusterStatus s;
  for (;;) {
    s = Status(observer);
    if (s.answered && pred(s)) {
      if (seen) *seen = s;
      return ::testing::AssertionSuccess();
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return ::testing::AssertionFailure() << "not within " << timeout.count() << " ms (asked " << Name(observer)
                                       << "): " << what << "\nlast status:\n"
                                       << s.summary();
}

}  // namespace esan::ha
