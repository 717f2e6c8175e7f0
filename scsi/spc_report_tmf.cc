// REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS (SPC-4 6.40), MAINTENANCE IN /
// 0Dh.
//
// Reports what the iSCSI transport implements (transport/iscsi/
// connection_misc.cc): ABORT TASK (ATS), ABORT TASK SET (ATSS), CLEAR TASK
// SET (CTSS), LOGICAL UNIT RESET (LURS), TARGET RESET (TRS, warm and cold).
// CLEAR ACA (NACA is rejected), QUERY TASK, QUERY TASK SET, QUERY
// ASYNCHRONOUS EVENT, I_T NEXUS RESET and WAKEUP are not supported.
// REPD=0 returns the 4-byte format, REPD=1 the 16-byte extended format
// (ADDITIONAL DATA LENGTH 0Ch, no timeouts reported). Reserved CDB bits are
// INVALID FIELD IN CDB. Data-In is truncated to the allocation length.
#include "common/bytes.h"
#include "scsi/command.h"

namespace esan::scsi {

// Byte 0 of the parameter data; tests compare against this.
inline constexpr uint8_t kSupportedTmfBits = 0x80 /*ATS*/ | 0x40 /*ATSS*/ | 0x10 /*CTSS*/ | 0x08 /*LURS*/ |
                                             0x02 /*TRS*/;

Flow cmd_report_supported_tmfs(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  if (cdb[2] & 0x7F) return fail_cdb(c, 2, int8_t(31 - __builtin_clz(cdb[2] & 0x7F)));
  bool repd = cdb[2] & 0x80;
  uint32_t alloc = load_be32(cdb + 6);
  uint8_t d[16] = {};
  d[0] = kSupportedTmfBits;
  if (repd) d[3] = 0x0C;
  return reply(c, {d, repd ? 16u : 4u}, alloc);
}

}  // namespace esan::scsi
