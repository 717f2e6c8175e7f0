// CpgCoordinator: the replicated Coordinator (coordinator.h) of an HA pair.
// Every esand that serves the same logical units joins one Corosync CPG
// group (closed process group: the group messaging Pacemaker runs on);
// changes are multicast with agreed ordering, so every member applies them
// in one order, and a proposer's completion runs once every member has
// applied the change (each acknowledges it to the proposer through the
// group; a member that leaves meanwhile is not waited for): after a
// command's status, every node serves the new state.
//
// Contract (beyond coordinator.h):
//  - start(replica) connects to the local corosync (libcpg, libquorum),
//    joins the group and runs one thread of its own: it dispatches corosync's
//    callbacks, multicasts proposals and calls the replica's functions (so
//    the applier may block: fsync). Corosync unreachable at start or lost
//    later is not fatal: the coordinator retries every `retry` and is not
//    ready meanwhile.
//  - Commit: a change is committed when corosync delivers it (agreed order)
//    while this node is in the quorate partition (votequorum). A proposal
//    made while this node is not quorate, not joined, or stopped completes
//    with kBusy and is not sent. A change delivered while this node is not
//    quorate is not applied (its proposer, in the same partition, gets
//    kBusy). If the connection to corosync is lost, every proposal not yet
//    delivered completes with kBusy; a peer may still have applied it (the
//    initiator's retry then meets the new state).
//  - State transfer (sync): whenever members join (a node starting, a node
//    restarting, two partitions merging), every member multicasts a Hello
//    for the new membership with its rank as a state source: synced and
//    quorate ever since (it holds every committed change), synced but it
//    lost quorum since (it may have missed changes), or new (it started or
//    reconnected: only its own state, e.g. loaded from APTPL files). When
//    every member's Hello is in, all pick the same source: the best ranked,
//    the lowest (nodeid, pid) among equals. The
//    source multicasts a snapshot of its state; everyone else restores it.
//    Changes delivered from the membership change until the snapshot are
//    held by every member and applied after it, in order. A membership
//    change during a sync restarts it. Leaves alone need no sync.
//  - ready(): this node's state may be served: it has completed a sync
//    since it (re)connected, and is not waiting to take another member's
//    state (during a sync only a member of the best rank stays ready). The SCSI layer answers commands on a LU whose coordinator is
//    not ready with a retryable NOT READY.
//  - stop(): leaves the group, completes every pending proposal with kBusy,
//    joins the thread. Idempotent; the destructor calls it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "cluster/coordinator.h"

namespace esan::cluster {

// What the coordinator replicates: the applier plus the whole state in
// transferable form. All three run on the coordinator's thread.
struct Replica {
  Applier apply;
  std::function<std::vector<uint8_t>()> snapshot;
  // Replaces this node's state with a snapshot from the source; an error
  // is logged and the node stays not ready until the next sync.
  std::function<Status(std::span<const uint8_t>)> restore;
};

// A CPG member: corosync node id and process id.
struct Member {
  uint32_t nodeid = 0;
  uint32_t pid = 0;
  auto operator<=>(const Member&) const = default;
};

class CpgCoordinator final : public Coordinator {
 public:
  struct Options {
    std::string group;  // the CPG group name (1..127 bytes)
    std::chrono::milliseconds retry{1000};
  };
  explicit CpgCoordinator(Options opts);
  ~CpgCoordinator() override;
  CpgCoordinator(const CpgCoordinator&) = delete;
  CpgCoordinator& operator=(const CpgCoordinator&) = delete;

  void start(Replica replica);
  void stop();

  void propose(Change change, reactor::Executor* where, Done done) override;
  void barrier(reactor::Executor* where, Done done) override;
  uint64_t applied() const override;
  bool ready() const override { return ready_.load(std::memory_order_acquire); }

  const std::string& group() const { return opts_.group; }

  // What the health check reports (mgmt/health.h); any thread. joined: in
  // the CPG group now; quorate: this node is in the quorate partition
  // (false when not joined); nodeid: this node's corosync id (0 before the
  // first connection); members: the group's members as last seen (empty
  // when not joined), sorted.
  struct GroupStatus {
    bool joined = false, quorate = false, ready = false;
    uint32_t nodeid = 0;
    std::vector<Member> members;
  };
  GroupStatus status() const;

  struct Impl;  // corosync callbacks reach the loop through it

 private:
  void run();

  Options opts_;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> ready_{false};
  std::thread thread_;
};

}  // namespace esan::cluster
