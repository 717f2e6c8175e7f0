// SBC-3 media access: READ(6/10/12/16), WRITE(6/10/12/16), WRITE AND
// VERIFY(10/12/16), VERIFY(10/12/16), SYNCHRONIZE CACHE(10/16),
// PRE-FETCH(10/16).
//
// Checks, in order: RD/WR/VRPROTECT != 0 (no protection information) and
// reserved BYTCHK values -> INVALID FIELD IN CDB; transfer length above the
// Block Limits maximum -> INVALID FIELD IN CDB; no medium -> NOT READY;
// LBA + length beyond capacity -> LBA OUT OF RANGE (also for length 0);
// writes to a read-only LU or LUN mapping -> DATA PROTECT, WRITE PROTECTED;
// then a zero length completes GOOD without I/O. READ(6)/WRITE(6) length 0
// means 256 blocks.
//
// Reads size task.data to the transfer length and read straight into it.
// Writes take their data from task.data and set task.out_wanted to the CDB's
// transfer length in bytes. Residual behaviour (libiscsi *_residuals tests):
// when the initiator sent less Data-Out than the CDB asks for and the data
// ends on a block boundary, exactly the whole blocks received are written
// (none for no data) and the command completes GOOD; the transport reports
// the residual overflow. Data ending inside a block is refused with INVALID
// FIELD IN INFORMATION UNIT (0Eh/03h) and nothing is written: GOOD is never
// sent for data that is not on the medium. Extra data beyond the CDB's
// transfer length is ignored (residual underflow). VERIFY with BYTCHK=1
// compares on the same terms.
// A write overlapping a range held by COMPARE AND WRITE, ORWRITE or WRITE
// ATOMIC ends with BUSY status (scsi/range_guard.h).
// FUA is set on the backend write when the CDB has FUA, the LU is
// write-through or WCE=0, and for every WRITE AND VERIFY (verification is
// satisfied by the data reaching stable storage; BYTCHK 0 and 1 accepted).
// VERIFY with BYTCHK=0 reads the range (reporting medium errors); BYTCHK=1
// reads it and compares with the Data-Out bytes: MISCOMPARE, 1Dh/00h with
// INFORMATION = offset of the first differing byte.
// SYNCHRONIZE CACHE flushes the whole backend (IMMED is accepted and the
// command still completes after the flush). PRE-FETCH performs no I/O and
// returns GOOD (per SBC: the cache could not hold the blocks; libiscsi treats
// CONDITION MET and GOOD alike).
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "common/bytes.h"
#include "common/log.h"
#include "events/event_log.h"
#include "scsi/command.h"
#include "scsi/opcodes.h"

namespace esan::scsi {
namespace {

struct Range {
  uint64_t lba = 0;
  uint32_t blocks = 0;
  uint16_t len_byte = 0;  // CDB offset of the transfer length field
};

Range decode_range(const uint8_t* cdb) {
  Range r;
  switch (op::cdb_length(cdb[0])) {
    case 6:
      r.lba = uint64_t(cdb[1] & 0x1F) << 16 | load_be16(cdb + 2);
      r.blocks = cdb[4] ? cdb[4] : 256;
      r.len_byte = 4;
      break;
    case 10:
      r.lba = load_be32(cdb + 2);
      r.blocks = load_be16(cdb + 7);
      r.len_byte = 7;
      break;
    case 12:
      r.lba = load_be32(cdb + 2);
      r.blocks = load_be32(cdb + 6);
      r.len_byte = 6;
      break;
    default:
      r.lba = load_be64(cdb + 2);
      r.blocks = load_be32(cdb + 10);
      r.len_byte = 10;
      break;
  }
  return r;
}

// Common checks; returns true when the command has already been failed.
bool check_common(Cmd& c, const Range& r, bool has_protect_field) {
  if (has_protect_field && (c.cdb[1] & 0xE0)) return fail_cdb(c, 1, 7), true;
  if (r.blocks > c.lu->max_transfer_blocks()) return fail_cdb(c, r.len_byte), true;
  if (no_medium(c)) return true;
  if (lba_out_of_range(c, r.lba, r.blocks)) return true;
  return false;
}

LogicalUnit& lu_of(Task& t) { return *t.lu_hold; }

// VERIFY's state across its read (Task::state, scsi/command_state.h).
struct VerifyState {
  bool bytchk = false;  // BYTCHK=1: compare the medium with the Data-Out
};

// data_only: buf is the task's buffer, holding only what the command
// reads or writes, and nothing reads it after the I/O but the transport
// sending a READ's data on: a READ's bytes may then be shared, lent or
// spliced, a WRITE's storage taken (backend::IoRequest).
void start_io(Cmd& c, backend::IoOp op, uint64_t lba, uint32_t blocks, uint8_t* buf, bool fua,
              void (*done)(backend::IoRequest&, int), bool data_only = false) {
  Task& t = c.task;
  unsigned shift = c.lu->block_shift();
  t.io = backend::IoRequest{};
  t.io.op = op;
  t.io.fua = fua;
  t.io.offset = lba << shift;
  t.io.len = blocks << shift;
  t.io.buf = buf;
  t.io.on_done = done;
  t.io.user = &t;
  if (data_only && op == backend::IoOp::kRead) {
    t.io.may_share = true;
    t.io.splice_to = t.data_in_pipe;
    t.io.splice_room = t.data_in_pipe_room;
  }
  if (data_only && op == backend::IoOp::kWrite) t.io.give = &t.data;
  submit_io(t, c.lu->device());  // may complete (and release the task) inline
}

Task& task_of(backend::IoRequest& req) { return *static_cast<Task*>(req.user); }

void read_done(backend::IoRequest& req, int res) {
  Task& t = task_of(req);
  if (res >= 0 && uint32_t(res) != req.len) res = -EIO;
  if (res < 0) fail_io(t, res, false, lu_of(t).d_sense());
  else {
    t.data_in_shared = req.shared;
    t.data_in_lease = std::move(req.lease);
    t.data_in_spliced = req.spliced;
  }
  complete(t);
}

void write_done(backend::IoRequest& req, int res) {
  Task& t = task_of(req);
  if (res >= 0 && uint32_t(res) != req.len) res = -EIO;
  if (res < 0) fail_io(t, res, true, lu_of(t).d_sense());
  complete(t);
}

void verify_read_done(backend::IoRequest& req, int res) {
  Task& t = task_of(req);
  LogicalUnit& lu = lu_of(t);
  if (res >= 0 && uint32_t(res) != req.len) res = -EIO;
  if (res < 0) {
    fail_io(t, res, false, lu.d_sense());
  } else if (t.state<VerifyState>().bytchk) {  // compare Data-Out with the medium
    const uint8_t* out = t.data.data();
    const uint8_t* medium = req.buf;
    for (uint32_t i = 0; i < req.len; ++i) {
      if (out[i] != medium[i]) {
        Sense s = Sense::make(SenseKey::kMiscompare, asc::kMiscompareDuringVerify);
        s.information = i;
        check_condition(t, s, lu.d_sense());
        break;
      }
    }
  }
  t.data.clear();
  complete(t);
}

void flush_done(backend::IoRequest& req, int res) {
  Task& t = task_of(req);
  if (res < 0) fail_io(t, res, true, lu_of(t).d_sense());
  complete(t);
}

}  // namespace

void fail_io(Task& t, int err, bool is_write, bool desc) {
  // At most one warning per second: a failing device must not flood the log.
  static std::atomic<int64_t> last_warn{0};
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::steady_clock::now().time_since_epoch()).count();
  int64_t prev = last_warn.load(std::memory_order_relaxed);
  if (now != prev && last_warn.compare_exchange_strong(prev, now, std::memory_order_relaxed)) {
    const char* what = t.lu_hold ? t.lu_hold->name().c_str() : "?";
    ESAN_LOG_WARN("logical unit '{}': backend {} error: {} (tag {:#x})", what, is_write ? "write" : "read",
                  std::strerror(-err), t.tag);
    // The same pace for the event: a reactor posts at most one per second.
    events::post(events::Kind::kIoError, events::Severity::kError,
                 fmt::format("device {}: backend {} error: {}", what, is_write ? "write" : "read", std::strerror(-err)),
                 {{"device", what}, {"op", is_write ? "write" : "read"}, {"error", std::strerror(-err)}});
  }
  Sense s;
  switch (-err) {
    case EIO:
    case EILSEQ:
    case EBADMSG:
    case ENODATA:
      s = Sense::make(SenseKey::kMediumError, is_write ? asc::kWriteError : asc::kUnrecoveredReadError);
      break;
    case ENOSPC:
    case EDQUOT:
      s = Sense::make(SenseKey::kDataProtect, asc::kSpaceAllocationFailedWriteProtect);
      break;
    case EROFS:
      s = Sense::make(SenseKey::kDataProtect, asc::kWriteProtected);
      break;
    // A network backend (rbd) that cannot reach its storage for now: NOT
    // READY, BECOMING READY, which initiators retry (Linux: after a delay).
    case ETIMEDOUT:
    case ENOTCONN:
    case ECONNREFUSED:
    case ECONNRESET:
    case EHOSTUNREACH:
    case ENETUNREACH:
    case ESHUTDOWN:
    case EAGAIN:
    case EBUSY:
      s = Sense::make(SenseKey::kNotReady, asc::kBecomingReady);
      break;
    default:
      s = Sense::make(SenseKey::kHardwareError, asc::kInternalTargetFailure);
      break;
  }
  t.data.clear();
  check_condition(t, s, desc);
}

Flow cmd_read(Cmd& c) {
  Range r = decode_range(c.cdb);
  if (check_common(c, r, c.cdb[0] != op::kRead6)) return Flow::kDone;
  if (r.blocks == 0) return Flow::kDone;
  Task& t = c.task;
  t.data.resize(size_t(r.blocks) << c.lu->block_shift());
  // The transport only sends READ's data on: a backend may share its copy
  // or splice it into the transport's pipe.
  if (t.owner && c.lu->device().splices_reads()) t.owner->want_pipe(t);
  start_io(c, backend::IoOp::kRead, r.lba, r.blocks, t.data.data(), false, read_done, true);
  return Flow::kAsync;
}

Flow cmd_write(Cmd& c) {
  Range r = decode_range(c.cdb);
  uint8_t opcode = c.cdb[0];
  bool write_verify = opcode == op::kWriteVerify10 || opcode == op::kWriteVerify12 || opcode == op::kWriteVerify16;
  unsigned shift = c.lu->block_shift();
  c.task.out_wanted = uint32_t(uint64_t(r.blocks) << shift);
  if (write_verify && (c.cdb[1] & 0x04)) return fail_cdb(c, 1, 2);  // BYTCHK 1xb: reserved
  if (check_common(c, r, opcode != op::kWrite6)) return Flow::kDone;
  if (c.write_protected) return fail(c, Sense::make(SenseKey::kDataProtect, asc::kWriteProtected));
  int64_t got = blocks_received(c, r.blocks);
  if (got <= 0) return Flow::kDone;
  uint32_t blocks = uint32_t(got);
  if (write_blocked(c, r.lba, blocks)) return Flow::kDone;
  bool fua = write_verify || (opcode != op::kWrite6 && (c.cdb[1] & 0x08)) || c.lu->force_fua();
  start_io(c, backend::IoOp::kWrite, r.lba, blocks, c.task.data.data(), fua, write_done, true);
  return Flow::kAsync;
}

Flow cmd_verify(Cmd& c) {
  Range r = decode_range(c.cdb);
  uint8_t bytchk = (c.cdb[1] >> 1) & 0x03;
  unsigned shift = c.lu->block_shift();
  if (bytchk) c.task.out_wanted = uint32_t(uint64_t(r.blocks) << shift);
  if (c.cdb[1] & 0xE0) return fail_cdb(c, 1, 7);  // VRPROTECT
  if (bytchk > 1) return fail_cdb(c, 1, 2);
  if (check_common(c, r, false)) return Flow::kDone;
  uint32_t blocks = r.blocks;
  Task& t = c.task;
  if (bytchk) {
    int64_t got = blocks_received(c, blocks);
    if (got < 0) return Flow::kDone;
    blocks = uint32_t(got);
  }
  if (blocks == 0) return Flow::kDone;
  size_t bytes = size_t(blocks) << shift;
  t.start_state(VerifyState{.bytchk = bytchk != 0});
  uint8_t* buf;
  if (bytchk) {
    size_t off = (bytes + AlignedBuffer::kAlign - 1) & ~(AlignedBuffer::kAlign - 1);
    t.data.resize(off + bytes);  // keeps the Data-Out bytes in front
    buf = t.data.data() + off;
  } else {
    t.data.resize(bytes);
    buf = t.data.data();
  }
  start_io(c, backend::IoOp::kRead, r.lba, blocks, buf, false, verify_read_done);
  return Flow::kAsync;
}

Flow cmd_sync_cache(Cmd& c) {
  bool is16 = c.cdb[0] == op::kSyncCache16;
  uint64_t lba = is16 ? load_be64(c.cdb + 2) : load_be32(c.cdb + 2);
  uint32_t blocks = is16 ? load_be32(c.cdb + 10) : load_be16(c.cdb + 7);
  if (no_medium(c)) return Flow::kDone;
  if (lba_out_of_range(c, lba, blocks)) return Flow::kDone;
  Task& t = c.task;
  t.io = backend::IoRequest{};
  t.io.op = backend::IoOp::kFlush;
  t.io.on_done = flush_done;
  t.io.user = &t;
  submit_io(t, c.lu->device());
  return Flow::kAsync;
}

Flow cmd_prefetch(Cmd& c) {
  bool is16 = c.cdb[0] == op::kPrefetch16;
  uint64_t lba = is16 ? load_be64(c.cdb + 2) : load_be32(c.cdb + 2);
  uint32_t blocks = is16 ? load_be32(c.cdb + 10) : load_be16(c.cdb + 7);
  if (no_medium(c)) return Flow::kDone;
  lba_out_of_range(c, lba, blocks);
  return Flow::kDone;
}

}  // namespace esan::scsi
