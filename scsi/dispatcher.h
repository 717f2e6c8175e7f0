// Dispatcher: the scsi layer's entry points for the transport.
//
// execute(nexus, task) runs one SCSI command:
//  1. resolves task.lun through nexus.luns. An unmapped LUN still answers
//     INQUIRY (peripheral qualifier 3, device type 1Fh), REPORT LUNS and
//     REQUEST SENSE (GOOD, sense data LOGICAL UNIT NOT SUPPORTED); every
//     other command gets CHECK CONDITION, ILLEGAL REQUEST, LOGICAL UNIT NOT
//     SUPPORTED (25h/00h).
//  2. reports the oldest pending unit attention for this nexus as CHECK
//     CONDITION / UNIT ATTENTION, consuming it -- except for INQUIRY, REPORT
//     LUNS and REQUEST SENSE, which neither report nor clear it (SPC-4); a
//     REQUEST SENSE returns (and clears) it as its sense data instead.
//  3. ends the command with RESERVATION CONFLICT when a reservation held
//     through another I_T nexus forbids it (reservations.h), then
//  4. rejects NACA=1 in the CONTROL byte (INVALID FIELD IN CDB), then runs
//     the command.
//  Always finishes through task.owner->task_done(task), exactly once, on the
//  calling thread (inline, or later from the backend's completion on the same
//  thread). The transport must not touch the task until then.
//
// Threading: all functions taking a Nexus must run on the thread that owns
// that nexus (its session's reactor); they never block except on the short
// per-LU mutex. LogicalUnit state shared between nexuses is thread-safe.
//
// Unit attention / reset semantics (SAM-5, SPC-4, RFC 7143):
//  - nexus_attached: POWER ON, RESET, OR BUS DEVICE RESET OCCURRED (29h/00h)
//    for this nexus on every mapped LU. Unit attentions belong to the I_T
//    nexus (SAM-5), not to the session: when a nexus of the same identity
//    (initiator port + relative target port) is still attached -- the
//    session this login reinstates (RFC 7143 6.3.5), which the transport
//    closes only after the new nexus is attached, or one still closing --
//    what is pending for it moves to the new nexus, after its 29h/00h (a
//    pending reset-class condition replaces that one). A nexus that has no
//    session when a condition arises gets none: queues exist only while
//    attached.
//  - nexus_detached: drops this nexus' UA queues and its PREVENT MEDIUM
//    REMOVAL flags, and ends its SPC-2 reservation (I_T nexus loss; a
//    shared change, proposed without waiting).
//    Persistent reservations survive (they belong to the nexus identity).
//    The overload with `done` runs it on `where` (posted, never inline)
//    once the end of the reservation has been applied -- on every node of
//    an HA pair -- or could not be committed: a logout sends its response
//    then, so that a command sent afterwards through any nexus, on either
//    node, finds the reservation gone.
//  - set_lun_map: installs the new map; LUs that left the map forget the
//    nexus; every LU in the new map gets REPORTED LUNS DATA HAS CHANGED
//    (3Fh/0Eh) for this nexus.
//  - lun_reset (LOGICAL UNIT RESET): resets LU state (prevent flags at
//    once; then, as one shared change: mode parameters back to defaults,
//    SPC-2 reservation released, BUS DEVICE RESET FUNCTION OCCURRED
//    (29h/03h) queued for every nexus of that LU on every node, the
//    requester's too -- SAM-5; libiscsi's MultipathIO.Reset checks both
//    paths). `done` runs on `where` once that change is applied (or could
//    not be committed); the transport sends the TMF response then.
//  - target_reset: the same for every LU mapped through this nexus; warm
//    reset queues 29h/03h (SAM: TARGET RESET), cold reset queues POWER ON
//    OCCURRED (29h/01h), for every nexus of those LUs.
//  - lun_reset / target_reset also detach this nexus' SANITIZE command that
//    waits for a sanitize operation (status TASK ABORTED); the operation
//    itself continues (SBC-4: resets do not stop a sanitize).
//  - while a sanitize operation runs (or failed), commands other than
//    INQUIRY, REPORT LUNS, REQUEST SENSE (and SANITIZE after a failure) end
//    with its sense before unit attentions are considered (sanitize.cc).
//  - clear_task_set: queues COMMANDS CLEARED BY ANOTHER INITIATOR (2Fh/00h)
//    for every other nexus of that LU (the control mode page reports TST=0,
//    one task set shared by all nexuses); a shared change, proposed without
//    waiting. Aborting tasks is the transport's.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "scsi/nexus.h"
#include "scsi/task.h"

namespace esan::scsi {

void execute(Nexus& nexus, Task& task);

void nexus_attached(Nexus& nexus);
void nexus_detached(Nexus& nexus);
void nexus_detached(Nexus& nexus, reactor::Executor& where, std::function<void()> done);
void set_lun_map(Nexus& nexus, std::shared_ptr<const LunMap> luns);

bool lun_exists(const Nexus& nexus, uint64_t lun);
void lun_reset(Nexus& nexus, uint64_t lun, reactor::Executor& where, std::function<void()> done);
void target_reset(Nexus& nexus, bool cold, reactor::Executor& where, std::function<void()> done);
void clear_task_set(Nexus& nexus, uint64_t lun);

}  // namespace esan::scsi
