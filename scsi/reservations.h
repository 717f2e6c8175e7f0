// Reservations: the reservation state of one logical unit, shared by every
// session (on any reactor thread) that maps it -- and, in an HA pair, by the
// other node's sessions too.
//
// Holds the SPC-2 RESERVE/RELEASE reservation and the persistent reservation
// state (PrState). Both are keyed by I_T nexus identity -- the initiator
// port TransportID + relative target port id -- never by a process-local
// nexus id, so another node can evaluate them.
//
// Contract:
//  - conflicts(nexus, cdb): true when the command must end with RESERVATION
//    CONFLICT (rules in reservation_table.h). It takes no lock while no
//    reservation of either kind exists (an atomic flag, like
//    LogicalUnit::ua_maybe_pending); otherwise it takes the state mutex.
//    Registrations without a reservation restrict nothing but RESERVE and
//    RELEASE, which check them when applied.
//  - attach()/detach() track this node's nexuses (for unit attentions and
//    nexus_of()); they are local and synchronous. detach() reports whether
//    the leaving nexus' identity holds the SPC-2 reservation: ending it is
//    a shared change (scsi/shared_state.h), which the caller proposes.
//  - apply_*(): the shared changes. Only the applier (SharedState::apply)
//    calls them, one at a time, in the commit order every node applies
//    changes in, on the coordinator's apply thread (cluster/coordinator.h):
//      * apply_pr_out(): runs the PR OUT state machine (pr_state.h) on a
//        copy, saves the copy through the store when it changed (an fsync:
//        this is why it never runs on a reactor), then commits it and
//        queues the resulting unit attentions for the attached nexuses that
//        match, never for the sender's identity. A failed save fails the
//        command (HARDWARE ERROR, INTERNAL TARGET FAILURE) and changes
//        nothing. While an SPC-2 reservation exists every PR OUT conflicts.
//        PREEMPT AND ABORT also aborts the tasks of the attached nexuses
//        whose registrations it removed (through the AbortSink, after the
//        state is committed; the sender's own nexus is never aborted).
//      * SPC-2: apply_reserve() conflicts while persistent registrations or
//        a persistent reservation exist (CRH=0, SPC-3 5.6.3), or another
//        identity holds the LU; the holder may reserve again.
//        apply_release() conflicts while registrations exist, releases when
//        the sender holds the reservation and is a no-op otherwise. The
//        reservation also ends with apply_reset() (LU reset, target reset)
//        and apply_nexus_loss() of the holder.
//    The UA sink (LogicalUnit::ua_queue) is called without our mutex held.
//  - load(): reads the store once at setup. Per SPC-4 (APTPL), state saved
//    with APTPL=0 does not survive a power cycle (= an esand start): it is
//    discarded and the emptied state saved. A corrupt store is an error.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/result.h"
#include "scsi/nexus.h"
#include "scsi/pr_state.h"
#include "scsi/pr_store.h"

namespace esan::scsi {

class Reservations {
 public:
  using UaSink = std::function<void(uint64_t nexus_id, uint16_t asc)>;
  // Aborts an attached nexus' tasks on this LU (PREEMPT AND ABORT).
  using AbortSink = std::function<void(uint64_t nexus_id)>;
  explicit Reservations(UaSink sink, AbortSink abort = {}) : sink_(std::move(sink)), abort_(std::move(abort)) {}
  Reservations(const Reservations&) = delete;
  Reservations& operator=(const Reservations&) = delete;

  // ---- fast path ----
  bool maybe_active() const { return active_.load(std::memory_order_acquire); }
  bool conflicts(const Nexus& nexus, const uint8_t* cdb) const {
    return maybe_active() && conflicts_locked(nexus, cdb);
  }

  // ---- this node's nexuses (local) ----
  void attach(const Nexus& nexus);
  // I_T nexus loss. True when the nexus' identity holds the SPC-2 reservation.
  bool detach(uint64_t nexus_id);
  // The attached nexus with this identity, if any.
  std::optional<uint64_t> nexus_of(ItNexusId who) const;

  // ---- shared changes: the applier only, in commit order ----
  enum class Outcome : uint8_t { kGood, kConflict };
  PrOutResult apply_pr_out(ItNexusId sender, const PrOutRequest& req);
  Outcome apply_reserve(ItNexusId sender);
  Outcome apply_release(ItNexusId sender);
  void apply_nexus_loss(ItNexusId who);
  void apply_reset();
  // Takes the whole state from another node (an HA member joining: see
  // cluster/cpg_coordinator.h), saving it first when it differs; queues no
  // unit attention. On a failed save nothing changes.
  Status apply_restore(PrState st, std::optional<NexusIdentity> spc2);

  std::optional<NexusIdentity> spc2_holder() const;
  PrState snapshot() const;

  void set_store(std::unique_ptr<PrStore> store);
  Status load();

 private:
  bool conflicts_locked(const Nexus& nexus, const uint8_t* cdb) const;
  bool holds_spc2_locked(ItNexusId who) const;
  void update_active_locked();

  UaSink sink_;
  AbortSink abort_;
  std::atomic<bool> active_{false};
  mutable std::mutex mu_;
  std::optional<NexusIdentity> spc2_holder_;              // guarded by mu_
  PrState state_;                                         // guarded by mu_
  std::unordered_map<uint64_t, NexusIdentity> attached_;  // guarded by mu_
  std::unique_ptr<PrStore> store_;                        // set before use, then read-only
};

}  // namespace esan::scsi
