// WRITE SAME(10/16) and UNMAP (SBC-3 5.42-5.44, 5.28).
//
// WRITE SAME: one block of Data-Out (exactly one block, else INVALID FIELD IN
// INFORMATION UNIT, nothing written; WRITE SAME(16) NDOB=1 means a zero block
// without Data-Out) is written to every block of the range. NUMBER OF LOGICAL BLOCKS
// 0 means "to the end of the medium" (WSNZ=0). Ranges longer than the
// MAXIMUM WRITE SAME LENGTH (Block Limits VPD) get INVALID FIELD IN CDB.
// ANCHOR=1, WRPROTECT!=0, LBDATA/PBDATA=1 -> INVALID FIELD IN CDB; then no
// medium, LBA range, length, write protection are checked. UNMAP=1 is
// accepted on thin LUs only (INVALID FIELD IN CDB otherwise, matching LBPWS/
// LBPWS10=0) and discards the range whatever the data block holds (reads
// then return zeros, LBPRZ=1), as libiscsi's WriteSame*.UnmapUntilEnd and
// Linux expect.
// A zero block without UNMAP uses the backend's write-zeroes (falling back to
// plain writes when the backend cannot); other patterns are written in
// chunks of up to kWriteSameChunkBytes. Discard/write-zeroes are followed by
// a flush when the LU requires FUA (write-through or WCE=0).
//
// UNMAP: a write-protected LU (or LUN mapping) answers DATA PROTECT, WRITE
// PROTECTED first, like every medium write; otherwise thin LUs only (others
// answer INVALID COMMAND OPERATION CODE, consistent with LBPU=0). Every descriptor is
// validated first (count <= MAXIMUM UNMAP BLOCK DESCRIPTOR COUNT, range in
// capacity, total <= MAXIMUM UNMAP LBA COUNT), then the ranges are discarded
// in order. A truncated header is PARAMETER LIST LENGTH ERROR; Data-Out
// shorter than the PARAMETER LIST LENGTH is INVALID FIELD IN INFORMATION
// UNIT and nothing is unmapped.
//
// Both are writes for the LU's RangeGuard (UNMAP over the span from its
// lowest to its highest descriptor): BUSY while they overlap a range held by
// COMPARE AND WRITE, ORWRITE or WRITE ATOMIC.
#include <cerrno>
#include <cstring>

#include "common/bytes.h"
#include "scsi/command.h"
#include "scsi/io_steps.h"
#include "scsi/opcodes.h"

namespace esan::scsi {
namespace {

constexpr uint32_t kWriteSameChunkBytes = 1u << 20;

enum class WsMode : uint8_t { kDiscard, kZeroes, kBuffered, kFlushing };

// WRITE SAME's state across its requests (Task::state, scsi/command_state.h).
struct WriteSameState {
  uint64_t lba = 0;        // next block to write
  uint32_t left = 0;       // blocks not yet written
  uint32_t in_flight = 0;  // blocks of the request in flight
  WsMode mode = WsMode::kBuffered;
};

// UNMAP's state: the descriptors are in t.data (validated before the first).
struct UnmapState {
  uint32_t next = 0;   // next descriptor
  uint32_t count = 0;  // descriptors
  bool flushed = false;
};

void ws_fill_buffer(Task& t, const LogicalUnit& lu, bool zero) {
  uint32_t bs = lu.block_size();
  uint64_t want = uint64_t(t.state<WriteSameState>().left) << lu.block_shift();
  size_t n = want < kWriteSameChunkBytes ? size_t(want) : kWriteSameChunkBytes;
  if (n < bs) n = bs;
  if (zero) {
    t.data.assign_zero(n);
  } else {
    t.data.resize(n);  // keeps the pattern block in front
    for (size_t off = bs; off < n; off += bs) std::memcpy(t.data.data() + off, t.data.data(), bs);
  }
}

Step write_same_step(Task& t, int res) {
  LogicalUnit& lu = *t.lu_hold;
  WriteSameState& s = t.state<WriteSameState>();
  unsigned shift = lu.block_shift();
  if (res < 0) {
    bool unsupported = res == -EOPNOTSUPP || res == -EINVAL || res == -ENOSYS;
    if (s.mode == WsMode::kZeroes && unsupported) {
      s.mode = WsMode::kBuffered;  // backend cannot write zeroes: write a zero buffer
      ws_fill_buffer(t, lu, true);
    } else {
      fail_io(t, res, true, lu.d_sense());
      return Step::kDone;
    }
  } else {
    s.lba += s.in_flight;
    s.left -= s.in_flight;
  }
  s.in_flight = 0;
  uint32_t left = s.left;
  if (left == 0) {
    if ((s.mode == WsMode::kDiscard || s.mode == WsMode::kZeroes) && lu.force_fua()) {
      s.mode = WsMode::kFlushing;
      set_io(t, backend::IoOp::kFlush, 0, 0, nullptr, false);
      return Step::kIssue;
    }
    t.data.clear();
    return Step::kDone;
  }
  uint64_t off = s.lba << shift;
  switch (s.mode) {
    case WsMode::kDiscard:
      set_io(t, backend::IoOp::kDiscard, off, left << shift, nullptr, false);
      s.in_flight = left;
      break;
    case WsMode::kZeroes:
      set_io(t, backend::IoOp::kWriteZeroes, off, left << shift, nullptr, false);
      s.in_flight = left;
      break;
    case WsMode::kBuffered:
    case WsMode::kFlushing: {
      uint32_t chunk = uint32_t(t.data.size() >> shift);
      uint32_t n = left < chunk ? left : chunk;
      set_io(t, backend::IoOp::kWrite, off, n << shift, t.data.data(), lu.force_fua());
      s.in_flight = n;
      break;
    }
  }
  return Step::kIssue;
}

bool all_zero(const uint8_t* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i]) return false;
  return true;
}

Step unmap_step(Task& t, int res) {
  LogicalUnit& lu = *t.lu_hold;
  UnmapState& s = t.state<UnmapState>();
  if (res < 0) {
    fail_io(t, res, true, lu.d_sense());
    return Step::kDone;
  }
  const uint8_t* descs = t.data.data() + 8;
  while (s.next < s.count) {
    const uint8_t* d = descs + 16 * s.next++;
    uint64_t lba = load_be64(d);
    uint32_t n = load_be32(d + 8);
    if (n == 0) continue;
    set_io(t, backend::IoOp::kDiscard, lba << lu.block_shift(), n << lu.block_shift(), nullptr, false);
    return Step::kIssue;
  }
  if (lu.force_fua() && !s.flushed) {
    s.flushed = true;
    set_io(t, backend::IoOp::kFlush, 0, 0, nullptr, false);
    return Step::kIssue;
  }
  t.data.clear();
  return Step::kDone;
}

}  // namespace

Flow cmd_write_same(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  bool is16 = cdb[0] == op::kWriteSame16;
  LogicalUnit& lu = *c.lu;
  uint64_t lba = is16 ? load_be64(cdb + 2) : load_be32(cdb + 2);
  uint32_t blocks = is16 ? load_be32(cdb + 10) : load_be16(cdb + 7);
  uint16_t len_byte = is16 ? 10 : 7;
  bool unmap = cdb[1] & 0x08, ndob = is16 && (cdb[1] & 0x01);
  c.task.out_wanted = ndob ? 0 : lu.block_size();
  if (cdb[1] & 0xE0) return fail_cdb(c, 1, 7);                // WRPROTECT
  if (cdb[1] & 0x10) return fail_cdb(c, 1, 4);                // ANCHOR
  if (cdb[1] & 0x06) return fail_cdb(c, 1, cdb[1] & 0x04 ? 2 : 1);  // PBDATA, LBDATA
  if (no_medium(c)) return Flow::kDone;
  if (blocks == 0) {
    if (lba > lu.num_blocks()) return fail(c, Sense::illegal(asc::kLbaOutOfRange));
    uint64_t rest = lu.num_blocks() - lba;
    if (rest > lu.max_write_same_blocks()) return fail_cdb(c, len_byte);
    blocks = uint32_t(rest);
  } else {
    if (lba_out_of_range(c, lba, blocks)) return Flow::kDone;
    if (blocks > lu.max_write_same_blocks()) return fail_cdb(c, len_byte);
  }
  if (c.write_protected) return fail(c, Sense::make(SenseKey::kDataProtect, asc::kWriteProtected));
  if (unmap && !lu.thin()) return fail_cdb(c, 1, 3);
  Task& t = c.task;
  if (ndob) {
    t.data.assign_zero(lu.block_size());
  } else if (t.data.size() != lu.block_size()) {  // the EDTL was not one block
    return fail(c, Sense::illegal(asc::kInvalidFieldInInformationUnit));
  }
  if (blocks == 0) return Flow::kDone;
  if (write_blocked(c, lba, blocks)) return Flow::kDone;
  bool zero = all_zero(t.data.data(), lu.block_size());
  WsMode mode = unmap ? WsMode::kDiscard : zero ? WsMode::kZeroes : WsMode::kBuffered;
  t.start_state(WriteSameState{.lba = lba, .left = blocks, .in_flight = 0, .mode = mode});
  if (mode == WsMode::kBuffered) ws_fill_buffer(t, lu, false);
  run_steps(t, write_same_step);
  return Flow::kAsync;
}

Flow cmd_unmap(Cmd& c) {
  LogicalUnit& lu = *c.lu;
  size_t plen = load_be16(c.cdb + 7);
  c.task.out_wanted = uint32_t(plen);
  if (c.write_protected) return fail(c, Sense::make(SenseKey::kDataProtect, asc::kWriteProtected));
  if (!lu.thin()) return fail(c, Sense::illegal(asc::kInvalidCommandOperationCode));
  if (c.cdb[1] & 0x01) return fail_cdb(c, 1, 0);  // ANCHOR
  if (no_medium(c)) return Flow::kDone;
  if (plen == 0) return Flow::kDone;
  Task& t = c.task;
  if (short_data_out(c, plen)) return Flow::kDone;  // a truncated list: none of it
  size_t n = plen;
  if (n < 8) return fail(c, Sense::illegal(asc::kParameterListLengthError));
  const uint8_t* p = t.data.data();
  size_t bddl = load_be16(p + 2);
  if (bddl > n - 8) bddl = n - 8;
  uint32_t count = uint32_t(bddl / 16);
  if (count > kMaxUnmapDescriptors) return fail(c, Sense::invalid_param(2));
  uint64_t total = 0, first = UINT64_MAX, end = 0;
  for (uint32_t i = 0; i < count; ++i) {
    const uint8_t* d = p + 8 + 16 * i;
    uint64_t lba = load_be64(d);
    uint32_t blocks = load_be32(d + 8);
    if (lba_out_of_range(c, lba, blocks)) return Flow::kDone;
    total += blocks;
    if (total > lu.max_unmap_blocks()) return fail(c, Sense::invalid_param(uint16_t(8 + 16 * i + 8)));
    if (blocks && lba < first) first = lba;
    if (blocks && lba + blocks > end) end = lba + blocks;
  }
  if (end > 0 && write_blocked(c, first, end - first)) return Flow::kDone;
  t.start_state(UnmapState{.next = 0, .count = count, .flushed = false});
  run_steps(t, unmap_step);
  return Flow::kAsync;
}

}  // namespace esan::scsi
