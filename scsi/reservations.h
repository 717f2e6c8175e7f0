// Reservations: the reservation state of one logical unit, shared by every
// session (on any reactor thread) that maps it.
//
// Holds the SPC-2 RESERVE/RELEASE reservation (held by one I_T nexus,
// identified by Nexus::id since it never outlives the nexus) and the
// persistent reservation state (PrState, keyed by I_T nexus identity: the
// initiator port TransportID + relative target port id, so it survives
// sessions, and with APTPL=1 restarts).
//
// Contract:
//  - conflicts(nexus, cdb): true when the command must end with RESERVATION
//    CONFLICT (rules in reservation_table.h). It takes no lock while no
//    reservation of either kind exists (an atomic flag, like
//    LogicalUnit::ua_maybe_pending); otherwise it takes the state mutex.
//    Registrations without a reservation restrict nothing but RESERVE and
//    RELEASE, which check them in their handlers.
//  - SPC-2: reserve() conflicts while persistent registrations or a
//    persistent reservation exist (CRH=0, SPC-3 5.6.3), or another nexus
//    holds the LU; the holder may reserve again. release() conflicts while
//    registrations exist, releases when the caller holds the reservation and
//    is a no-op otherwise. The reservation ends with RELEASE, reset() (LU
//    reset, target reset) and detach() of the holder (I_T nexus loss).
//  - pr_out(): runs the PR OUT state machine (pr_state.h) on a copy, saves
//    the copy through the store when it changed, then commits it and queues
//    the resulting unit attentions for the attached nexuses that match,
//    never for the sender's. PR OUTs are serialized (and with SPC-2 RESERVE),
//    so the state saved last is the state in memory. A failed save fails the
//    command (HARDWARE ERROR, INTERNAL TARGET FAILURE) and changes nothing.
//    While an SPC-2 reservation exists every PR OUT conflicts.
//  - attach()/detach() track the nexuses that can receive unit attentions;
//    the UA sink (LogicalUnit::ua_queue) is called without our mutex held.
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
  explicit Reservations(UaSink sink) : sink_(std::move(sink)) {}
  Reservations(const Reservations&) = delete;
  Reservations& operator=(const Reservations&) = delete;

  // ---- fast path ----
  bool maybe_active() const { return active_.load(std::memory_order_acquire); }
  bool conflicts(const Nexus& nexus, const uint8_t* cdb) const {
    return maybe_active() && conflicts_locked(nexus, cdb);
  }

  // ---- nexus lifecycle ----
  void attach(const Nexus& nexus);
  void detach(uint64_t nexus_id);  // I_T nexus loss
  void reset();                    // LU / target reset: ends the SPC-2 reservation

  // ---- SPC-2 ----
  enum class Outcome : uint8_t { kGood, kConflict };
  Outcome reserve(const Nexus& nexus);
  Outcome release(const Nexus& nexus);
  std::optional<uint64_t> spc2_holder() const;

  // ---- persistent reservations ----
  PrOutResult pr_out(const Nexus& nexus, const PrOutRequest& req);
  PrState snapshot() const;

  void set_store(std::unique_ptr<PrStore> store);
  Status load();

 private:
  bool conflicts_locked(const Nexus& nexus, const uint8_t* cdb) const;
  void update_active_locked();

  struct Attached {
    std::string port;
    uint16_t rel_tgt_id;
  };

  UaSink sink_;
  std::atomic<bool> active_{false};
  std::mutex op_mu_;  // serializes state changes that must be saved (PR OUT, RESERVE)
  mutable std::mutex mu_;
  std::optional<uint64_t> spc2_holder_;               // guarded by mu_
  PrState state_;                                     // guarded by mu_
  std::unordered_map<uint64_t, Attached> attached_;   // guarded by mu_
  std::unique_ptr<PrStore> store_;                    // set before use, then read-only
};

}  // namespace esan::scsi
