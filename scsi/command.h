// Internal to the scsi layer: the per-command context handed to each command
// handler, the handler signature, and small reply helpers.
//
// Contract for handlers (Flow cmd_xxx(Cmd&)):
//  - return Flow::kDone after setting status/sense/data synchronously; the
//    dispatcher then calls task_done().
//  - return Flow::kAsync after starting backend I/O; the I/O completion path
//    must call complete(task) exactly once (possibly before the handler
//    returns, when the backend completes inline).
//  - never call task_done() directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "cluster/change.h"
#include "scsi/logical_unit.h"
#include "scsi/nexus.h"
#include "scsi/sense.h"
#include "scsi/task.h"

namespace esan::scsi {

enum class Flow : uint8_t { kDone, kAsync };

struct Cmd {
  Nexus& nexus;
  Task& task;
  LogicalUnit* lu;       // nullptr when the LUN is not mapped
  bool write_protected;  // LU read-only, LUN mapping read-only, or SWP set
  const uint8_t* cdb;

  bool desc() const { return lu && lu->d_sense(); }
};

// Sets CHECK CONDITION with `s` (format from the LU's D_SENSE).
inline Flow fail(Cmd& c, const Sense& s) {
  c.task.data.clear();
  check_condition(c.task, s, c.desc());
  return Flow::kDone;
}
inline Flow fail_cdb(Cmd& c, uint16_t byte, int8_t bit = -1) { return fail(c, Sense::invalid_cdb(byte, bit)); }

// Sets GOOD and copies min(produced.size(), alloc_len) bytes as Data-In.
Flow reply(Cmd& c, std::span<const uint8_t> produced, size_t alloc_len);

// Sets CHECK CONDITION for a backend error (-errno) on a read or write.
void fail_io(Task& t, int err, bool is_write, bool desc);

// Proposes a change of shared LU state for this command (scsi/shared_state.h)
// and returns kAsync: the command then completes on its task's executor with
// the applier's reply (status, sense). Without a coordinator or executor it
// fails at once with HARDWARE ERROR, INTERNAL TARGET FAILURE.
Flow propose(Cmd& c, cluster::Change change);

// Starts t.io on `dev` from the task's reactor: sets IoRequest::reactor to
// t.executor's (the ring an io_uring backend queues it on; see
// backend/block_device.h). The completion may run inline, before this returns.
inline void submit_io(Task& t, backend::BlockDevice& dev) {
  t.io.reactor = t.executor->reactor();
  dev.submit(t.io);
}

// Releases the task's RangeGuard hold and reports the task to its owner.
void complete(Task& t);
void release_hold(Task& t);  // the RangeGuard hold only

// Plain writes call this before their I/O: false (BUSY status set) when the
// range overlaps one held by COMPARE AND WRITE / ORWRITE / WRITE ATOMIC.
inline bool write_blocked(Cmd& c, uint64_t lba, uint64_t blocks) {
  if (c.lu->ranges().begin_write(c.task, lba, blocks)) return false;
  c.task.data.clear();
  c.task.status = kBusy;
  return true;
}

// Data-Out shorter than the CDB announces (the iSCSI Expected Data Transfer
// Length was below it). Parameter lists and other all-or-nothing data:
// ILLEGAL REQUEST, INVALID FIELD IN INFORMATION UNIT (0Eh/03h), nothing
// applied; returns true when the command was refused. The transport reports
// the residual from Task::out_wanted either way.
inline bool short_data_out(Cmd& c, size_t want) {
  if (c.task.data.size() >= want) return false;
  fail(c, Sense::illegal(asc::kInvalidFieldInInformationUnit));
  return true;
}

// Block-granular Data-Out (WRITE*, WRITE AND VERIFY, VERIFY BYTCHK=1,
// ORWRITE): the blocks to use out of the CDB's `blocks` -- all of them, or,
// when less arrived, the whole blocks received if the data ends on a block
// boundary (0 blocks included: nothing is written, GOOD, and the residual
// tells the initiator). Data ending inside a block cannot be written as
// sent: 0Eh/03h as above and -1.
inline int64_t blocks_received(Cmd& c, uint32_t blocks) {
  unsigned shift = c.lu->block_shift();
  size_t have = c.task.data.size();
  if ((uint64_t(blocks) << shift) <= have) return blocks;
  if (have & ((size_t(1) << shift) - 1)) {
    fail(c, Sense::illegal(asc::kInvalidFieldInInformationUnit));
    return -1;
  }
  return int64_t(have >> shift);
}

// NOT READY / MEDIUM NOT PRESENT when a removable LU has no medium loaded.
// Returns true (and sets the sense) when the command must stop.
inline bool no_medium(Cmd& c) {
  if (c.lu->medium_present()) return false;
  fail(c, Sense::make(SenseKey::kNotReady, asc::kMediumNotPresentTrayOpen));
  return true;
}

// Checks [lba, lba + blocks) against the capacity (blocks may be 0: then
// lba must be <= capacity). Sets LBA OUT OF RANGE and returns true on error.
inline bool lba_out_of_range(Cmd& c, uint64_t lba, uint64_t blocks) {
  uint64_t cap = c.lu->num_blocks();
  if (lba <= cap && blocks <= cap - lba) return false;
  fail(c, Sense::illegal(asc::kLbaOutOfRange));
  return true;
}

// ALUA (alua_gate.cc): true, with NOT READY sense set, when the state of the
// target port group the command arrived through does not allow it for this
// LU (see alua_allows() in alua.h). False for LUs without a device group and
// ports in no target group.
bool alua_refused(Cmd& c);

// I/O redirect (redirect_gate.cc, scsi/redirect.h): the command's Flow when
// it was forwarded to the peer (kAsync) or refused (kDone, sense set);
// nullopt when it runs here. REQUIRES: task.lu_hold set.
std::optional<Flow> redirect(Cmd& c);
// A trusted nexus (Nexus::trusted) runs only what the peer forwards and
// needs: true, with ILLEGAL REQUEST set, for anything else.
bool trusted_refuses(Cmd& c);

// Command handlers (dispatcher.cc maps opcodes to these).
Flow cmd_test_unit_ready(Cmd& c);
Flow cmd_request_sense(Cmd& c);
Flow cmd_inquiry(Cmd& c);
Flow cmd_persistent_reserve_in(Cmd& c);
Flow cmd_persistent_reserve_out(Cmd& c);
Flow cmd_reserve(Cmd& c);       // RESERVE(6) and (10)
Flow cmd_release(Cmd& c);       // RELEASE(6) and (10)
Flow cmd_report_luns(Cmd& c);
Flow cmd_mode_sense(Cmd& c);   // MODE SENSE(6) and (10)
Flow cmd_mode_select(Cmd& c);  // MODE SELECT(6) and (10)
Flow cmd_start_stop_unit(Cmd& c);
Flow cmd_prevent_allow(Cmd& c);
Flow cmd_report_supported_opcodes(Cmd& c);
Flow cmd_report_target_port_groups(Cmd& c);
Flow cmd_set_target_port_groups(Cmd& c);
Flow cmd_report_supported_tmfs(Cmd& c);
Flow cmd_read_capacity10(Cmd& c);
Flow cmd_read_capacity16(Cmd& c);
Flow cmd_read(Cmd& c);          // READ(6/10/12/16)
Flow cmd_write(Cmd& c);         // WRITE(6/10/12/16), WRITE AND VERIFY(10/12/16)
Flow cmd_verify(Cmd& c);        // VERIFY(10/12/16)
Flow cmd_sync_cache(Cmd& c);    // SYNCHRONIZE CACHE(10/16)
Flow cmd_prefetch(Cmd& c);      // PRE-FETCH(10/16)
Flow cmd_write_same(Cmd& c);    // WRITE SAME(10/16)
Flow cmd_unmap(Cmd& c);
Flow cmd_get_lba_status(Cmd& c);
Flow cmd_compare_and_write(Cmd& c);
Flow cmd_orwrite(Cmd& c);       // ORWRITE(16)
Flow cmd_extended_copy(Cmd& c);          // EXTENDED COPY (LID1)
Flow cmd_receive_copy_results(Cmd& c);   // RECEIVE COPY RESULTS (LID1)
Flow cmd_write_atomic16(Cmd& c);
Flow cmd_sanitize(Cmd& c);
Flow cmd_read_defect_data(Cmd& c);  // READ DEFECT DATA(10/12)

}  // namespace esan::scsi
