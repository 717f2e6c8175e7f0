// Commands that must not interleave with other writes: COMPARE AND WRITE
// (SBC-3 5.2), ORWRITE(16) (SBC-3 5.10) and WRITE ATOMIC(16) (SBC-4 5.48).
//
// Each holds its LBA range exclusively in the LU's RangeGuard
// (scsi/range_guard.h) from before its first I/O until it completes: no
// other write of any session (WRITE*, WRITE SAME, UNMAP, or another of
// these) to an overlapping range runs meanwhile -- those arriving get BUSY
// status, and this command itself gets BUSY when it overlaps a write already
// in flight. Writes that started before it on the lock-free path are waited
// for (RangeGuard kWait) before its first I/O is issued.
//
// COMPARE AND WRITE: NUMBER OF LOGICAL BLOCKS N (<= MAXIMUM COMPARE AND WRITE
// LENGTH, else INVALID FIELD IN CDB); Data-Out must be exactly 2N blocks
// (verify data, then write data), else INVALID FIELD IN CDB (also for N=0
// with Data-Out: a 256-block request wraps to N=0). The medium is
// read and compared with the verify data: on a difference nothing is written
// and the command ends with MISCOMPARE, MISCOMPARE DURING VERIFY OPERATION
// (1Dh/00h), INFORMATION = offset of the first differing byte. N=0 is GOOD.
// Where the backend compares and writes atomically itself
// (BlockDevice::supports_compare_and_write for the range: rbd, within one
// 512-byte sector and stripe unit) the command is one IoOp::kCompareAndWrite
// request (atomic at the OSD, against every client of the image, the other
// HA node included); its miscompare offset becomes INFORMATION. Elsewhere,
// and for ranges the backend refuses, the SCSI layer reads, compares and
// writes (atomic against this process's commands, through the range guard).
// The range is held exclusively either way.
// ORWRITE: reads the range, ORs the Data-Out into it and writes it back (on
// short Data-Out only the whole blocks received, like WRITE; data ending
// inside a block is INVALID FIELD IN INFORMATION UNIT, nothing written).
// Both honour FUA (and the LU's forced FUA); xxPROTECT != 0 is INVALID FIELD
// IN CDB.
// WRITE ATOMIC(16): one backend write of the whole range. Block Limits VPD:
// MAXIMUM ATOMIC TRANSFER LENGTH = LogicalUnit::max_atomic_blocks(), ATOMIC
// ALIGNMENT and ATOMIC TRANSFER LENGTH GRANULARITY = one physical block
// (LogicalUnit::lbppb()), no atomic boundary support (both boundary fields
// 0). Checks, in order: WRPROTECT != 0, ATOMIC BOUNDARY != 0, length above
// the maximum -> INVALID FIELD IN CDB; no medium; LBA range (also for 0
// blocks); LBA not aligned or length not a multiple of the granularity ->
// INVALID FIELD IN CDB; write protection; Data-Out shorter than the length
// -> INVALID FIELD IN INFORMATION UNIT (an atomic write is never partial); 0 blocks is
// GOOD. DPO/FUA accepted (FUA honoured). Atomic with respect to other
// commands; against power loss only as far as the backend's single write
// is (file and block backends do not promise that).
#include <cerrno>
#include <cstring>

#include "common/bytes.h"
#include "scsi/command.h"
#include "scsi/io_steps.h"
#include "scsi/opcodes.h"

namespace esan::scsi {
namespace {

// The request rmw_step issues next.
enum class Stage : uint8_t { kRead, kWrite, kDoneWriting };

// COMPARE AND WRITE's and ORWRITE's state (Task::state, scsi/command_state.h).
struct RmwState {
  uint64_t lba = 0;
  uint32_t blocks = 0;
  Stage stage = Stage::kRead;
  bool fua = false;
  bool caw = false;  // COMPARE AND WRITE (else ORWRITE)
};

// COMPARE AND WRITE's state when the backend does it (kCompareAndWrite).
struct CawState {
  uint64_t lba = 0;
  uint32_t blocks = 0;
  bool fua = false;
  bool issued = false;  // the request has been issued
};

// WRITE ATOMIC's state.
struct AtomicState {
  uint64_t lba = 0;
  uint32_t blocks = 0;
  bool fua = false;
  bool written = false;  // the write has been issued
};

size_t aligned(size_t n) { return (n + AlignedBuffer::kAlign - 1) & ~(AlignedBuffer::kAlign - 1); }

Step rmw_step(Task& t, int res) {
  LogicalUnit& lu = *t.lu_hold;
  RmwState& s = t.state<RmwState>();
  uint64_t lba = s.lba;
  uint32_t blocks = s.blocks;
  unsigned shift = lu.block_shift();
  size_t bytes = size_t(blocks) << shift;
  bool caw = s.caw, fua = s.fua;
  // Data-Out occupies [0, out); the medium is read to [aligned(out), +bytes).
  size_t out = caw ? 2 * bytes : bytes;
  size_t med = aligned(out);
  auto finish = [&](Step s) {
    t.data.clear();
    return s;  // complete() releases the range
  };
  if (res < 0) {
    fail_io(t, res, s.stage == Stage::kDoneWriting, lu.d_sense());  // stage = what follows the failed request
    return finish(Step::kDone);
  }
  switch (s.stage) {
    case Stage::kRead:
      s.stage = Stage::kWrite;
      t.data.resize(med + bytes);  // keeps the Data-Out in front
      set_io(t, backend::IoOp::kRead, lba << shift, uint32_t(bytes), t.data.data() + med, false);
      return Step::kIssue;
    case Stage::kWrite: {
      uint8_t* d = t.data.data();
      const uint8_t* m = d + med;
      if (caw) {
        for (size_t i = 0; i < bytes; ++i) {
          if (d[i] != m[i]) {
            Sense s = Sense::make(SenseKey::kMiscompare, asc::kMiscompareDuringVerify);
            s.information = i;
            check_condition(t, s, lu.d_sense());
            return finish(Step::kDone);
          }
        }
        std::memmove(d, d + bytes, bytes);  // the write data, aligned at 0
      } else {
        for (size_t i = 0; i < bytes; ++i) d[i] |= m[i];
      }
      s.stage = Stage::kDoneWriting;
      set_io(t, backend::IoOp::kWrite, lba << shift, uint32_t(bytes), d, fua || lu.force_fua());
      return Step::kIssue;
    }
    case Stage::kDoneWriting:
      break;
  }
  return finish(Step::kDone);
}

void resume_rmw(Task& t) { run_steps(t, rmw_step); }

Step caw_step(Task& t, int res) {
  LogicalUnit& lu = *t.lu_hold;
  CawState& s = t.state<CawState>();
  if (s.issued) {
    if (res == -EILSEQ) {
      Sense m = Sense::make(SenseKey::kMiscompare, asc::kMiscompareDuringVerify);
      m.information = t.io.miscompare_at;
      check_condition(t, m, lu.d_sense());
    } else if (res < 0) {
      fail_io(t, res, true, lu.d_sense());
    }
    t.data.clear();
    return Step::kDone;  // complete() releases the range
  }
  s.issued = true;
  unsigned shift = lu.block_shift();
  set_io(t, backend::IoOp::kCompareAndWrite, s.lba << shift, s.blocks << shift, t.data.data(),
         s.fua || lu.force_fua());
  return Step::kIssue;
}

void resume_caw(Task& t) { run_steps(t, caw_step); }

// Takes the exclusive range, then runs `resume` now or once earlier writes
// have drained.
Flow start_exclusive(Cmd& c, uint64_t lba, uint64_t blocks, RangeGuard::ResumeFn resume) {
  Task& t = c.task;
  switch (c.lu->ranges().begin_exclusive(t, lba, blocks, resume)) {
    case RangeGuard::Grant::kBusy:
      t.data.clear();
      t.status = kBusy;
      return Flow::kDone;
    case RangeGuard::Grant::kGranted:
      resume(t);
      return Flow::kAsync;
    case RangeGuard::Grant::kWait:
      return Flow::kAsync;
  }
  return Flow::kAsync;
}

Flow start_rmw(Cmd& c, uint64_t lba, uint32_t blocks, bool fua, bool caw) {
  c.task.start_state(RmwState{.lba = lba, .blocks = blocks, .stage = Stage::kRead, .fua = fua, .caw = caw});
  return start_exclusive(c, lba, blocks, resume_rmw);
}

Step atomic_step(Task& t, int res) {
  LogicalUnit& lu = *t.lu_hold;
  AtomicState& s = t.state<AtomicState>();
  if (res < 0) {
    fail_io(t, res, true, lu.d_sense());
    return Step::kDone;
  }
  if (s.written) return Step::kDone;  // the write has completed
  s.written = true;
  unsigned shift = lu.block_shift();
  set_io(t, backend::IoOp::kWrite, s.lba << shift, s.blocks << shift, t.data.data(), s.fua || lu.force_fua());
  return Step::kIssue;
}

void resume_atomic(Task& t) { run_steps(t, atomic_step); }

}  // namespace

Flow cmd_write_atomic16(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  LogicalUnit& lu = *c.lu;
  uint64_t lba = load_be64(cdb + 2);
  uint32_t blocks = load_be16(cdb + 12);
  unsigned shift = lu.block_shift();
  c.task.out_wanted = uint32_t(uint64_t(blocks) << shift);
  if (cdb[1] & 0xE0) return fail_cdb(c, 1, 7);         // WRPROTECT
  if (load_be16(cdb + 10) != 0) return fail_cdb(c, 10);  // ATOMIC BOUNDARY: not supported
  if (blocks > lu.max_atomic_blocks()) return fail_cdb(c, 12);
  if (no_medium(c)) return Flow::kDone;
  if (lba_out_of_range(c, lba, blocks)) return Flow::kDone;
  if (lba % lu.lbppb() != 0) return fail_cdb(c, 2);
  if (blocks % lu.lbppb() != 0) return fail_cdb(c, 12);
  if (c.write_protected) return fail(c, Sense::make(SenseKey::kDataProtect, asc::kWriteProtected));
  if (blocks == 0) return Flow::kDone;
  if (short_data_out(c, size_t(blocks) << shift)) return Flow::kDone;
  c.task.data.resize(size_t(blocks) << shift);
  c.task.start_state(AtomicState{.lba = lba, .blocks = blocks, .fua = (cdb[1] & 0x08) != 0, .written = false});
  return start_exclusive(c, lba, blocks, resume_atomic);
}

Flow cmd_compare_and_write(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  LogicalUnit& lu = *c.lu;
  uint64_t lba = load_be64(cdb + 2);
  uint32_t blocks = cdb[13];
  size_t bytes = size_t(blocks) << lu.block_shift();
  c.task.out_wanted = uint32_t(2 * bytes);
  if (cdb[1] & 0xE0) return fail_cdb(c, 1, 7);  // WRPROTECT
  if (blocks > kMaxCompareAndWriteBlocks) return fail_cdb(c, 13);
  if (no_medium(c)) return Flow::kDone;
  if (lba_out_of_range(c, lba, blocks)) return Flow::kDone;
  if (c.write_protected) return fail(c, Sense::make(SenseKey::kDataProtect, asc::kWriteProtected));
  if (c.task.data.size() != 2 * bytes) return fail_cdb(c, 13);
  if (blocks == 0) return Flow::kDone;
  bool fua = cdb[1] & 0x08;
  if (lu.device().supports_compare_and_write(lba << lu.block_shift(), uint32_t(bytes))) {
    c.task.start_state(CawState{.lba = lba, .blocks = blocks, .fua = fua, .issued = false});
    return start_exclusive(c, lba, blocks, resume_caw);
  }
  return start_rmw(c, lba, blocks, fua, true);
}

Flow cmd_orwrite(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  LogicalUnit& lu = *c.lu;
  uint64_t lba = load_be64(cdb + 2);
  uint32_t blocks = load_be32(cdb + 10);
  unsigned shift = lu.block_shift();
  c.task.out_wanted = uint32_t(uint64_t(blocks) << shift);
  if (cdb[1] & 0xE0) return fail_cdb(c, 1, 7);  // ORPROTECT
  if (blocks > lu.max_transfer_blocks()) return fail_cdb(c, 10);
  if (no_medium(c)) return Flow::kDone;
  if (lba_out_of_range(c, lba, blocks)) return Flow::kDone;
  if (c.write_protected) return fail(c, Sense::make(SenseKey::kDataProtect, asc::kWriteProtected));
  int64_t got = blocks_received(c, blocks);
  if (got <= 0) return Flow::kDone;
  blocks = uint32_t(got);
  c.task.data.resize(size_t(blocks) << shift);
  return start_rmw(c, lba, blocks, cdb[1] & 0x08, false);
}

}  // namespace esan::scsi
