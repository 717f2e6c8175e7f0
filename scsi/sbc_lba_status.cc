// GET LBA STATUS (SBC-3 5.7), SERVICE ACTION IN(16) / 12h.
//
// Reports the provisioning status of consecutive extents from the STARTING
// LOGICAL BLOCK ADDRESS on -- the first descriptor starts at that LBA itself,
// even inside a physical block or a longer extent (SBC-4, LBA status
// descriptor relationships; libiscsi 1.19's GetLBAStatus.UnmapSingle wants
// it rounded up to the next physical block when LBPPB > 1, and fails here
// on such LUs) -- one 16-byte descriptor per extent, as many as the
// allocation length holds (at least one, at most kMaxLbaStatusDescriptors),
// stopping at the end of the LU. Status comes from the backend
// (BlockDevice::map_status): 0 mapped, 1 deallocated. A block only partly
// deallocated in the backend (hole not aligned to the block) counts as
// mapped. LUs without thin provisioning report everything mapped. A
// descriptor covers at most FFFFFFFFh blocks. STARTING LBA beyond the last
// block: LBA OUT OF RANGE. PARAMETER DATA LENGTH covers the descriptors
// returned (4 + 16 * n): only as many are produced as the allocation length
// asks for, so the initiator continues with another command from the LBA
// after the last one.
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

// One backend extent at `lba` rounded to whole blocks: mapped extents round
// up (a partly mapped block is mapped), deallocated ones down (possibly to
// zero blocks).
Extent rounded(LogicalUnit& lu, uint64_t lba, uint64_t max) {
  unsigned shift = lu.block_shift();
  backend::MapExtent e = lu.device().map_status(lba << shift, max << shift);
  uint64_t end = (lba << shift) + e.len;
  if (!e.mapped) return {(end >> shift) - lba, false};
  uint64_t n = ((end + lu.block_size() - 1) >> shift) - lba;
  return {n < max ? n : max, true};
}

// The provisioning extent at `lba` (at most `max` blocks, at least one).
Extent extent_at(LogicalUnit& lu, uint64_t lba, uint64_t max) {
  if (!lu.thin()) return {max, true};
  Extent first = rounded(lu, lba, max);
  if (!first.mapped && first.blocks > 0) return first;
  // Mapped: extend over following mapped pieces and sub-block holes.
  uint64_t blocks = first.mapped ? first.blocks : 1;
  while (blocks < max) {
    Extent next = rounded(lu, lba + blocks, max - blocks);
    if (!next.mapped && next.blocks > 0) break;
    blocks += next.mapped ? next.blocks : 1;
  }
  return {blocks, true};
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
  std::vector<uint8_t> d(8, 0);
  while (want-- > 0 && lba < cap) {
    uint64_t left = cap - lba;
    Extent e = extent_at(lu, lba, left < kMaxDescriptorBlocks ? left : kMaxDescriptorBlocks);
    uint8_t desc[16] = {};
    store_be64(desc, lba);
    store_be32(desc + 8, uint32_t(e.blocks));
    desc[12] = e.mapped ? 0x00 : 0x01;
    d.insert(d.end(), desc, desc + 16);
    lba += e.blocks;
  }
  store_be32(d.data(), uint32_t(d.size() - 4));
  return reply(c, d, alloc);
}

}  // namespace esan::scsi
