// GET LBA STATUS (SBC-3 5.7), SERVICE ACTION IN(16) / 12h.
//
// Reports the provisioning status of consecutive extents from the STARTING
// LOGICAL BLOCK ADDRESS on -- the first descriptor starts at that LBA itself,
// even inside a physical block or a longer extent (SBC-4, LBA status
// descriptor relationships; libiscsi 1.19's GetLBAStatus.UnmapSingle wants
// it rounded up to the next physical block when LBPPB > 1, and fails here
// on such LUs) -- one 16-byte descriptor per extent, as many as the
// allocation length holds (at least one, at most kMaxLbaStatusDescriptors),
// stopping at the end of the LU or of what the backend's answer covers.
// Status comes from the backend's asynchronous provisioning query
// (BlockDevice::map_status_async, one per command, for the range from the
// starting LBA to the end of the LU): 0 mapped, 1 deallocated. The command
// completes when the backend answers (inline for file and block devices,
// on the reactor after the worker thread's cluster round trip for rbd);
// a failed query ends in CHECK CONDITION as a failed read (fail_io: a
// retryable status when the backend cannot reach its storage). A block only partly
// deallocated in the backend (hole not aligned to the block) counts as
// mapped. LUs without thin provisioning report everything mapped. A
// descriptor covers at most FFFFFFFFh blocks. STARTING LBA beyond the last
// block: LBA OUT OF RANGE. PARAMETER DATA LENGTH covers the descriptors
// returned (4 + 16 * n): only as many are produced as the allocation length
// asks for, so the initiator continues with another command from the LBA
// after the last one.
#include <algorithm>
#include <cstring>
#include <memory>
#include <vector>

#include "common/bytes.h"
#include "scsi/command.h"

namespace esan::scsi {
namespace {

constexpr uint32_t kMaxLbaStatusDescriptors = 64;
constexpr uint64_t kMaxDescriptorBlocks = 0xFFFFFFFFull;

struct Extent {
  uint64_t blocks;
  bool mapped;
};

// The backend's answer (MapQuery::extents from `start`) looked up by byte
// offset.
class Answer {
 public:
  Answer(uint64_t start, const std::vector<backend::MapExtent>& extents) : ext_(extents) {
    uint64_t pos = start;
    for (const backend::MapExtent& e : ext_) {
      starts_.push_back(pos);
      pos += e.len;
    }
    end_ = pos;
  }
  uint64_t end() const { return end_; }
  // The status at `off` and how far it holds (at most `len`).
  // REQUIRES: off < end().
  backend::MapExtent at(uint64_t off, uint64_t len) const {
    size_t i = size_t(std::upper_bound(starts_.begin(), starts_.end(), off) - starts_.begin()) - 1;
    uint64_t left = starts_[i] + ext_[i].len - off;
    return {ext_[i].mapped, left < len ? left : len};
  }

 private:
  const std::vector<backend::MapExtent>& ext_;
  std::vector<uint64_t> starts_;
  uint64_t end_ = 0;
};

// One backend extent at `lba` rounded to whole blocks: mapped extents round
// up (a partly mapped block is mapped), deallocated ones down (possibly to
// zero blocks).
Extent rounded(const Answer& a, unsigned shift, uint64_t lba, uint64_t max) {
  backend::MapExtent e = a.at(lba << shift, max << shift);
  uint64_t end = (lba << shift) + e.len;
  if (!e.mapped) return {(end >> shift) - lba, false};
  uint64_t n = ((end + (uint64_t(1) << shift) - 1) >> shift) - lba;
  return {n < max ? n : max, true};
}

// The provisioning extent at `lba` (at most `max` blocks, at least one;
// REQUIRES: the answer covers them).
Extent extent_at(const Answer& a, unsigned shift, uint64_t lba, uint64_t max) {
  Extent first = rounded(a, shift, lba, max);
  if (!first.mapped && first.blocks > 0) return first;
  // Mapped: extend over following mapped pieces and sub-block holes.
  uint64_t blocks = first.mapped ? first.blocks : 1;
  while (blocks < max) {
    Extent next = rounded(a, shift, lba + blocks, max - blocks);
    if (!next.mapped && next.blocks > 0) break;
    blocks += next.mapped ? next.blocks : 1;
  }
  return {blocks, true};
}

// The descriptors from `lba` on: `want` of them at most, up to the end of
// the LU (`cap` blocks) and of what `extents(lba)` covers (at least one).
template <class ExtentFn>
std::vector<uint8_t> descriptors(uint64_t lba, uint64_t cap, uint32_t want, ExtentFn extent) {
  std::vector<uint8_t> d(8, 0);
  bool first = true;
  while (want-- > 0 && lba < cap) {
    uint64_t left = cap - lba;
    Extent e = extent(lba, left < kMaxDescriptorBlocks ? left : kMaxDescriptorBlocks, first);
    if (e.blocks == 0) break;  // the answer ends here
    first = false;
    uint8_t desc[16] = {};
    store_be64(desc, lba);
    store_be32(desc + 8, uint32_t(e.blocks));
    desc[12] = e.mapped ? 0x00 : 0x01;
    d.insert(d.end(), desc, desc + 16);
    lba += e.blocks;
  }
  store_be32(d.data(), uint32_t(d.size() - 4));
  return d;
}

// One command's query, owned by the command until the backend answers.
struct LbaStatusJob {
  backend::MapQuery q;
  Task* task;
  uint64_t lba;
  uint32_t want;
  uint32_t alloc;
};

void answered(backend::MapQuery& q, int result) {
  std::unique_ptr<LbaStatusJob> job(static_cast<LbaStatusJob*>(q.user));
  Task& t = *job->task;
  LogicalUnit& lu = *t.lu_hold;
  if (result < 0) {
    t.data.clear();
    fail_io(t, result, false, lu.d_sense());
    return complete(t);
  }
  unsigned shift = lu.block_shift();
  Answer a(q.offset, q.extents);
  uint64_t covered = a.end() >> shift;  // whole blocks the answer covers
  std::vector<uint8_t> d =
      descriptors(job->lba, lu.num_blocks(), job->want, [&](uint64_t lba, uint64_t max, bool first) -> Extent {
        uint64_t have = covered > lba ? covered - lba : 0;
        if (have == 0) return {first ? 1u : 0u, true};  // less than a block answered: mapped (the safe claim)
        return extent_at(a, shift, lba, max < have ? max : have);
      });
  size_t n = d.size() < job->alloc ? d.size() : job->alloc;
  t.data.resize(n);
  if (n) std::memcpy(t.data.data(), d.data(), n);
  t.status = kGood;
  complete(t);
}

}  // namespace

Flow cmd_get_lba_status(Cmd& c) {
  uint64_t lba = load_be64(c.cdb + 2);
  uint32_t alloc = load_be32(c.cdb + 10);
  if (no_medium(c)) return Flow::kDone;
  LogicalUnit& lu = *c.lu;
  uint64_t cap = lu.num_blocks();
  if (lba >= cap) return fail(c, Sense::illegal(asc::kLbaOutOfRange));
  uint32_t want = alloc > 8 ? (alloc - 8 + 15) / 16 : 1;
  if (want > kMaxLbaStatusDescriptors) want = kMaxLbaStatusDescriptors;
  if (!lu.thin()) {  // everything mapped: no need to ask the backend
    return reply(c, descriptors(lba, cap, want, [](uint64_t, uint64_t max, bool) { return Extent{max, true}; }),
                 alloc);
  }
  Task& t = c.task;
  auto* job = new LbaStatusJob{.q = {}, .task = &t, .lba = lba, .want = want, .alloc = alloc};
  job->q.offset = lba << lu.block_shift();
  job->q.len = (cap - lba) << lu.block_shift();
  job->q.on_done = answered;
  job->q.user = job;
  job->q.reactor = t.executor ? t.executor->reactor() : nullptr;
  t.lu_hold->device().map_status_async(job->q);
  return Flow::kAsync;
}

}  // namespace esan::scsi
