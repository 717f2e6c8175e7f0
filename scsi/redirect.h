// I/O redirect (the HA pair's non-optimized node): the SCSI layer's side of
// it. The forwarding itself (a session to the peer) lives in redirect/,
// which implements Redirector; the dispatcher only decides, per command,
// whether a command is forwarded (redirect_gate.cc).
//
// Contract:
//  - A DeviceGroup built with IoPolicy::kRedirect forwards the medium-access
//    commands (accesses_medium()) that arrive through a port whose target
//    port group is active/non-optimized to the Redirector of the target
//    port group that is active/optimized (the peer's, which owns the
//    medium). The state is read per command (an atomic load), so the
//    redirect follows role changes with no other step.
//  - Checks first: a forwarded command has passed this node's cluster
//    readiness, sanitize, unit attention, ALUA and reservation checks
//    against the replicated state; the peer runs it on a trusted nexus
//    (Nexus::trusted) that skips them.
//  - Redirector::forward(task, lu) owns the task until it calls
//    forwarded(task) exactly once, on the task's executor thread (inline
//    is allowed): status, sense and Data-In are the peer's, or, when the
//    peer cannot be reached, CHECK CONDITION NOT READY, ASYMMETRIC ACCESS
//    STATE TRANSITION (04h/0Ah), which initiators retry on another path.
//    Never GOOD without the peer's GOOD. Or, when the peer's session ends
//    with the command in flight, it hands the task back to the gate with
//    retry_unreached(), which holds it as below while the hold lasts.
//  - Hold: while no target port group can take the command -- none is
//    active/optimized, or the optimized group's Redirector is not
//    ready_for() it (its session to the peer is reconnecting) -- the
//    command is held, not answered: it is executed again from the start
//    (every check repeated against the state of the moment) every
//    kHoldRecheckMs on its executor, until it can be served here or
//    forwarded, or until the device group's redirect_hold_ms since it
//    first waited have passed; then it ends with 04h/0Ah as above. During
//    a failover initiators so see a slow command instead of an error that
//    makes them fail the path and wait for their path checker. A device
//    group with redirect_hold_ms 0 answers at once. A held task the
//    transport marks aborted (Task::aborted) ends at its next retry
//    without running (TASK ABORTED; the transport sends no response).
//  - EXTENDED COPY and SANITIZE on such a port are refused (ILLEGAL
//    REQUEST, INVALID COMMAND OPERATION CODE): they would read or write the
//    medium here, and their per-nexus state (list ids, sanitize progress)
//    cannot live on the peer's shared trusted nexus.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "scsi/opcodes.h"
#include "scsi/task.h"

namespace esan::scsi {

class LogicalUnit;

// What the non-optimized node of a device group does with medium access.
enum class IoPolicy : uint8_t { kLocal, kRedirect };

class Redirector {
 public:
  virtual ~Redirector() = default;
  // See the contract above. REQUIRES: task.executor is a Reactor; `lu` is
  // alive until forwarded() (the task holds it: Task::lu_hold).
  virtual void forward(Task& task, const LogicalUnit& lu) = 0;
  // Whether forward() would send the task's command to the peer now (its
  // executor's session is logged in). When not, the Redirector starts
  // reconnecting unless an attempt is under way or recent, and the gate
  // may hold the command and ask again. On the task's executor thread.
  virtual bool ready_for(const Task&) { return true; }
};

// How often a held command is tried again (see Hold above).
inline constexpr uint32_t kHoldRecheckMs = 50;

// Ends a forwarded task (accounts it and reports it to its owner).
void forwarded(Task& task);

// For a Redirector whose peer did not run a forwarded task, or may not have
// (the session ended with the command in flight): true when the gate holds
// it again as in Hold above (executed again from the start, the hold
// counted from when the task first waited), and the Redirector must not
// touch it any more; false when the device group holds nothing or the hold
// is spent (or the task was aborted), and the Redirector ends it with
// 04h/0Ah. Executing again a write the peer may have run is what the
// initiator would do on 04h/0Ah, minus failing the path.
bool retry_unreached(Task& task);

// Statuses a trusted nexus sends as CHECK CONDITION (Task::status_as_sense):
// sense key VENDOR SPECIFIC (9h), ASC 80h, ASCQ = the SAM status. The
// forwarder turns them back into the status with no sense.
inline constexpr uint8_t kStatusSenseAsc = 0x80;
// The status carried by fixed or descriptor sense `s` (n bytes), if any.
constexpr std::optional<uint8_t> status_in_sense(const uint8_t* s, size_t n) {
  if (n >= 14 && (s[0] & 0x7F) >= 0x70 && (s[0] & 0x7F) <= 0x71 && (s[2] & 0x0F) == 0x9 && s[12] == kStatusSenseAsc)
    return s[13];
  if (n >= 4 && (s[0] & 0x7F) >= 0x72 && (s[1] & 0x0F) == 0x9 && s[2] == kStatusSenseAsc) return s[3];
  return std::nullopt;
}

// Commands that read or write the medium (or its cache, or its map): run by
// the node that owns the medium. READ/WRITE (6/10/12/16), WRITE AND VERIFY,
// VERIFY, COMPARE AND WRITE, ORWRITE, WRITE ATOMIC, WRITE SAME, UNMAP,
// SYNCHRONIZE CACHE, PRE-FETCH, GET LBA STATUS.
constexpr bool accesses_medium(const uint8_t* cdb) {
  switch (cdb[0]) {
    case op::kVerify10:
    case op::kVerify12:
    case op::kVerify16:
    case op::kCompareAndWrite:
    case op::kOrWrite16:
    case op::kWriteAtomic16:
    case op::kWriteSame10:
    case op::kWriteSame16:
    case op::kUnmap:
    case op::kSyncCache10:
    case op::kSyncCache16:
    case op::kPrefetch10:
    case op::kPrefetch16: return true;
    case op::kServiceActionIn16: return (cdb[1] & 0x1F) == op::kSaGetLbaStatus;
    default: return op_class(cdb[0]) != OpClass::kOther;
  }
}

}  // namespace esan::scsi
