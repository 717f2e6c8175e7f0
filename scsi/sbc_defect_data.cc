// READ DEFECT DATA(10) and (12) (SBC-3 5.19, 5.20).
//
// A logical unit of esan has no medium defects: both the primary (PLIST) and
// the grown (GLIST) defect lists exist and are empty. The command therefore
// answers GOOD with a header only: PLISTV/GLISTV echo REQ_PLIST/REQ_GLIST
// (the requested lists are returned -- empty), the DEFECT LIST FORMAT echoes
// the requested one (an empty list has the same form in every format, so no
// RECOVERED ERROR / DEFECT LIST NOT FOUND is due), DEFECT LIST LENGTH is 0.
// The reserved format 111b is INVALID FIELD IN CDB. Header sizes: 4 bytes for
// (10), 8 bytes for (12) (GENERATION CODE 0). Works without a medium (no
// medium access). Data-In is truncated to the allocation length.
#include "common/bytes.h"
#include "scsi/command.h"
#include "scsi/opcodes.h"

namespace esan::scsi {

Flow cmd_read_defect_data(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  bool is12 = cdb[0] == op::kReadDefectData12;
  uint16_t flags_byte = is12 ? 1 : 2;
  uint8_t flags = cdb[flags_byte];
  uint32_t alloc = is12 ? load_be32(cdb + 6) : load_be16(cdb + 7);
  if (flags & 0xE0) return fail_cdb(c, flags_byte, int8_t(31 - __builtin_clz(flags & 0xE0)));
  if ((flags & 0x07) == 0x07) return fail_cdb(c, flags_byte, 2);  // reserved format
  uint8_t d[8] = {};
  d[1] = uint8_t(flags & 0x1F);  // PLISTV, GLISTV, DEFECT LIST FORMAT; lengths 0
  return reply(c, {d, is12 ? 8u : 4u}, alloc);
}

}  // namespace esan::scsi
