// The HA lab: a small Corosync cluster on this one machine, every node in
// network + mount + UTS namespaces of its own, for tests of esand's
// replicated LU state (issue 13) against a real corosync.
//
// Topology of one Lab (slot S, 0..63, held with a lock for the Lab's
// lifetime, so parallel Labs never share a name or a subnet):
//
//   namespace esha<S>-hub: bridges br0, br1 (the two knet links, corosync's
//   "rings") and br2 (the front network the initiators use); per node N and
//   network L a veth n<N>l<L> whose other end is eth<L> in the node.
//   namespace esha<S>-n<N> (node N): eth0 10.231.<4S>.N, eth1 10.231.<4S+1>.N,
//   eth2 10.231.<4S+2>.N (all /24).
//   The test's own namespace: veth esha<S> (10.231.<4S+2>.254) into br2, so
//   the test process (libiscsi) reaches every node's front address directly.
//
// The front network is a bridge of its own, apart from the knet links, so
// that cutting a node's corosync links (CutLink) leaves its iSCSI portal
// reachable: a node cut off from the cluster still answers initiators, which
// is what the quorum tests look at.
//
// Each node has an anchor process (sleep infinity) holding its namespaces:
// its network namespace is the named one above; it unshared a mount and a
// UTS namespace (hostname nodeN) with private /etc/corosync,
// /var/lib/corosync, /var/log/corosync and Options::private_dirs (bind
// mounts of directories under NodeDir(N): PrivateDir), and tmpfs on /run and
// /dev/shm. /run/esan-lab in a node is a symlink to the Lab's dir(), where
// the file `nodes` maps node names to network namespaces ("nodeN INODE" per
// line, INODE that of /proc/PID/ns/net of the node's processes): how a fence
// agent run inside a node finds its victim. With Options::overlays, a host
// directory (say /usr/sbin) is in every node a read-only overlay of the
// given files over the host's, so daemons that look only there
// (pacemaker-fenced: /usr/sbin/fence_*; pacemaker-execd:
// /usr/lib/ocf/resource.d/PROVIDER/AGENT) find them while the host's
// directory stays untouched. Everything else
// (/tmp, /usr) is the host's, so an esand inside a node uses the same paths
// as the test.
// Everything meant to run "on node N" is started through Wrapper(N),
// nsenter into the anchor's network, mount and UTS namespaces: corosync
// itself, corosync-quorumtool/-cfgtool (Exec), and esand
// (EsandProcess::Options::wrapper). A corosync client finds the node's
// corosync because libqb's IPC is an abstract unix socket (per network
// namespace) plus ring buffers in /dev/shm (per mount namespace, here).
//
// corosync.conf: knet, two links, token Options::token_ms (1000) with
// token_coefficient 0 (docs/HA.md, Corosync), crypto
// aes256/sha256 with a fresh authkey (corosync-keygen), votequorum.
//
// A node can be powered off (every process in its network namespace
// SIGKILLed, as a fence agent does) and booted again (a new anchor: fresh
// /run and /dev/shm, the private directories kept, like a disk; corosync).
//
// Teardown (destructor, also after failed assertions): every process in a
// node's network namespace is killed, the namespaces and the host veth are
// deleted, dir() removed (ESAN_HA_KEEP=1 keeps it). Processes started here
// die with the test process (PR_SET_PDEATHSIG); namespaces left by a test
// process that crashed are removed by the next Lab (CleanupLeftovers): a
// slot's leftovers are removed by whoever takes the slot's lock next.
//
// Needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN), ip (iproute2), nsenter, and
// corosync with its tools.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/ha/process.h"

namespace esan::ha {

// What corosync-quorumtool -s says on a node.
struct QuorumView {
  bool answered = false;     // the tool reached corosync
  bool quorate = false;
  int total_votes = 0;
  std::vector<int> members;  // node ids, ascending
  std::string raw;           // the tool's output
};

class Lab {
 public:
  struct Options {
    int nodes = 3;        // node1, node2 (storage) and node3 (witness) by default
    int token_ms = 1000;  // totem token
    // Absolute paths made private to each node besides corosync's three
    // (they must exist on the host): PrivateDir(N, path), empty at Start.
    std::vector<std::string> private_dirs;
    // Executables shown in every node inside a host directory (which must
    // exist): `dir` gets `files` (path relative to dir, e.g. "esan/target"
    // -> host path of the executable), copied to dir()/overlay<K>.
    struct Overlay {
      std::string dir;
      std::vector<std::pair<std::string, std::string>> files;
    };
    std::vector<Overlay> overlays;
  };
  static constexpr int kLinks = 2;  // knet links: networks 0 and 1
  static constexpr int kFront = 2;  // the front (initiator) network

  Lab() : Lab(Options{}) {}
  explicit Lab(Options opts);
  ~Lab();
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;

  // Builds the networks, writes corosync.conf and the authkey, starts every
  // node's anchor and corosync, and waits (bounded) until every node sees all
  // nodes as members of a quorate partition.
  ::testing::AssertionResult Start(std::chrono::milliseconds formation_timeout = std::chrono::seconds(30));
  // Start without the wait for quorum: returns once every node's corosync
  // answers on its IPC (the membership forms in the next seconds), so that
  // what runs on top of corosync can start meanwhile.
  ::testing::AssertionResult StartNodes();

  int nodes() const { return opts_.nodes; }
  int slot() const { return slot_; }
  // The Lab's directory (corosync.conf, authkey, per node: corosync dirs, logs).
  const std::string& dir() const { return dir_; }
  std::string NodeDir(int node) const;
  std::string NodeName(int node) const { return "node" + std::to_string(node); }
  std::string NetnsName(int node) const;  // "esha<S>-n<N>"
  std::string HubName() const;            // "esha<S>-hub"

  // Node's IPv4 address on network net (0, 1: knet links; kFront).
  std::string Address(int node, int net) const;
  std::string FrontAddress(int node) const { return Address(node, kFront); }
  // The test process's own address on the front network.
  std::string HostAddress() const;

  // The node's anchor process, and the argv prefix that runs a command in
  // its namespaces (nsenter -t PID -n -m -u --).
  pid_t Anchor(int node) const;
  std::vector<std::string> Wrapper(int node) const;

  // The host directory bind-mounted at path (absolute, one of corosync's or
  // Options::private_dirs) in node: NodeDir(node) + "/" + path without its
  // first '/' and with the others as '-' ("/var/lib/pacemaker" ->
  // "var-lib-pacemaker").
  std::string PrivateDir(int node, const std::string& path) const;

  // Runs argv inside node.
  ExecResult Exec(int node, const std::vector<std::string>& argv,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;

  // Starts argv inside node in the background (stdin /dev/null, stdout and
  // stderr appended to output, a host path; env entries "NAME=VALUE" added
  // to this process's environment: SpawnProgram) and returns its pid in
  // *pid. The process is this one's child: ChildRunning tells whether it
  // runs; PowerOff and the teardown reap it.
  ::testing::AssertionResult Spawn(int node, const std::vector<std::string>& argv, const std::string& output,
                                   pid_t* pid, const std::vector<std::string>& env = {});

  // Every process in node's network namespace now (none: powered off).
  std::vector<pid_t> Processes(int node) const;
  // Power: SIGKILL every process in the node (anchor included) until none
  // is left, as fencing does; Boot starts a new anchor and corosync (waits
  // until its IPC answers, not for quorum) on a node that is off.
  ::testing::AssertionResult PowerOff(int node);
  ::testing::AssertionResult Boot(int node);

  // corosync of a node: (re)start in the foreground (output appended to
  // NodeDir/corosync.stdout; with wait, until its IPC answers), SIGKILL,
  // running?
  ::testing::AssertionResult StartCorosync(int node, bool wait = true);
  ::testing::AssertionResult WaitCorosyncUp(int node);
  void KillCorosync(int node);
  // SIGTERM (corosync leaves the membership cleanly), SIGKILL after timeout.
  ::testing::AssertionResult StopCorosync(int node, std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ::testing::AssertionResult RestartCorosync(int node);  // KillCorosync if running, then StartCorosync
  bool CorosyncRunning(int node);
  pid_t CorosyncPid(int node) const;

  // corosync-quorumtool -s on node.
  QuorumView Quorum(int node) const;
  // corosync-cfgtool -s on node: link -> (node id -> "localhost",
  // "connected", "disconnected", ...). Empty if the tool failed.
  std::map<int, std::map<int, std::string>> Links(int node) const;

  // Bounded waits (the failure says what was last seen): node's partition
  // is quorate (and, unless members is empty, has exactly these members);
  // node is not quorate; every link of node to every other node that is
  // listed (empty: all) is "connected".
  ::testing::AssertionResult WaitQuorate(int node, std::chrono::milliseconds timeout,
                                         std::vector<int> members = {}) const;
  ::testing::AssertionResult WaitNotQuorate(int node, std::chrono::milliseconds timeout) const;
  ::testing::AssertionResult WaitLinksConnected(int node, std::chrono::milliseconds timeout,
                                                std::vector<int> peers = {}) const;

  // Sets the hub side of node's veth on network net down / up (a pulled
  // cable: the node sees carrier loss).
  ::testing::AssertionResult CutLink(int node, int net);
  ::testing::AssertionResult RestoreLink(int node, int net);

  // Node's corosync log (/var/log/corosync/corosync.log inside it) and the
  // corosync process's own output.
  std::string CorosyncLog(int node) const;
  // Prints every node's quorum view and the tails of its corosync logs
  // (called by the destructor when the test has failed).
  void PrintDiagnostics() const;

  // Removes what crashed Labs left behind: for every slot whose lock is free,
  // its namespaces, host veth and directory. Holding slot `except`'s lock,
  // that slot is cleaned unconditionally. Safe while other Labs run.
  static void CleanupLeftovers(int except = -1);

 private:
  struct Node {
    pid_t anchor = -1;
    pid_t corosync = -1;
    std::vector<pid_t> spawned;  // by Spawn, reaped at power off / teardown
  };
  std::string OverlayDir(size_t k) const { return dir_ + "/overlay" + std::to_string(k); }
  std::vector<std::string> PrivatePaths() const;  // corosync's + Options::private_dirs
  ::testing::AssertionResult TakeSlot();
  ::testing::AssertionResult BuildNetwork();
  ::testing::AssertionResult WriteCorosyncConfig();
  ::testing::AssertionResult WriteNodeFiles();  // dir()/nodes, dir()/overlay<K>
  ::testing::AssertionResult StartAnchor(int node);
  void Teardown();

  Options opts_;
  int slot_ = -1;
  int slot_fd_ = -1;
  std::string dir_;
  std::vector<Node> node_;  // index 1..nodes
  bool torn_down_ = false;
};

}  // namespace esan::ha
