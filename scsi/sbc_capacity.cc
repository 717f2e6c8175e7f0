// READ CAPACITY(10) and READ CAPACITY(16) (SBC-3 5.15, 5.16).
// (10) returns FFFFFFFFh as the last LBA when the capacity does not fit;
// (16) reports LBPME/LBPRZ for thin LUs, no protection information, the
// LU's logical blocks per physical block exponent (LogicalUnit::lbppb_exp())
// and LOWEST ALIGNED LOGICAL BLOCK ADDRESS 0. Both need the medium.
#include "common/bytes.h"
#include "scsi/command.h"

namespace esan::scsi {

Flow cmd_read_capacity10(Cmd& c) {
  bool pmi = c.cdb[8] & 0x01;
  if (!pmi && load_be32(c.cdb + 2) != 0) return fail_cdb(c, 2);
  if (no_medium(c)) return Flow::kDone;
  uint8_t d[8];
  uint64_t last = c.lu->num_blocks() - 1;
  store_be32(d, last >= 0xFFFFFFFFull ? 0xFFFFFFFFu : uint32_t(last));
  store_be32(d + 4, c.lu->block_size());
  return reply(c, d, sizeof d);
}

Flow cmd_read_capacity16(Cmd& c) {
  bool pmi = c.cdb[14] & 0x01;
  if (!pmi && load_be64(c.cdb + 2) != 0) return fail_cdb(c, 2);
  uint32_t alloc = load_be32(c.cdb + 10);
  if (no_medium(c)) return Flow::kDone;
  uint8_t d[32] = {};
  store_be64(d, c.lu->num_blocks() - 1);
  store_be32(d + 8, c.lu->block_size());
  d[13] = uint8_t(c.lu->lbppb_exp());
  if (c.lu->thin()) d[14] = 0xC0;  // LBPME, LBPRZ
  return reply(c, d, alloc);
}

}  // namespace esan::scsi
