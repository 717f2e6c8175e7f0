// Coordinator: the one path through which every change to shared LU state
// passes (cluster/change.h says which state that is).
//
// Shape: a change is *proposed* on any thread and *committed* in one total
// order that every node applies changes in; each committed change is given
// to the applier -- the one function that changes shared state, whichever
// node proposed the change -- and the proposer's completion then runs on the
// executor it named, with the reply its own node's applier returned.
//
// Contract:
//  - Order: changes are committed in one sequence (seq 1, 2, ...); the
//    applier sees them in that order, one at a time, on the coordinator's
//    apply thread -- never on a reactor thread, so it may block (fsync of
//    persistent reservation state).
//  - Completion: `done` runs exactly once, on `where` (Executor::post; the
//    submitting reactor), after the applier returned for that change; or
//    with an error (kBusy) when the change cannot be committed (the
//    coordinator stopped, or in a cluster: no quorum), in which case no
//    node applied it. With `where` null nobody waits and `done` must be
//    empty.
//  - propose_and_wait(): the same from a thread that may block (management
//    plane, setup); never call it on a reactor or apply thread.
//  - Implementations: LocalCoordinator (one node: commits at once, in the
//    order proposals arrive); a replicated one (HA pair) commits through the
//    cluster's group messaging and applies the peer's changes too.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "cluster/change.h"
#include "common/result.h"
#include "reactor/executor.h"

namespace esan::cluster {

using Reply = std::vector<uint8_t>;
// The applier: applies one committed change to this node's state and returns
// the reply for its proposer. `seq` is its place in the commit order.
using Applier = std::function<Reply(uint64_t seq, const Change& change)>;
using Done = std::function<void(Result<Reply>)>;

class Coordinator {
 public:
  virtual ~Coordinator() = default;
  virtual void propose(Change change, reactor::Executor* where, Done done) = 0;
  Result<Reply> propose_and_wait(Change change);
  // Completes (an empty reply, on `where`) once every change proposed
  // before it has been applied and its completion posted: a flush, for
  // shutdown and for tests that wait for this node's changes to settle.
  virtual void barrier(reactor::Executor* where, Done done) = 0;
  // Sequence number of the last change applied on this node (0 = none).
  virtual uint64_t applied() const = 0;
  // Whether this node's copy of the state may be served (a replicated
  // coordinator: false until it has taken the cluster's state). A LU whose
  // coordinator is not ready answers commands with a retryable NOT READY.
  virtual bool ready() const { return true; }
};

}  // namespace esan::cluster
