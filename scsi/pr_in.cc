// PERSISTENT RESERVE IN (SPC-4 6.15).
//
// esand does not implement PERSISTENT RESERVE OUT yet (it answers INVALID
// COMMAND OPERATION CODE), so no I_T nexus can hold a registration or a
// reservation: PR IN reports exactly that state — generation 0, no keys, no
// reservation, no reservation types supported. When PR OUT arrives these
// answers come from the LU's reservation state instead.
#include <cstring>

#include "common/bytes.h"
#include "scsi/command.h"
#include "scsi/opcodes.h"

namespace esan::scsi {

namespace {
constexpr uint8_t kSaReadKeys = 0x00;
constexpr uint8_t kSaReadReservation = 0x01;
constexpr uint8_t kSaReportCapabilities = 0x02;
constexpr uint8_t kSaReadFullStatus = 0x03;
}  // namespace

Flow cmd_persistent_reserve_in(Cmd& c) {
  uint8_t sa = c.cdb[1] & 0x1F;
  uint16_t alloc = load_be16(c.cdb + 7);
  uint8_t d[8] = {};
  switch (sa) {
    case kSaReadKeys:
    case kSaReadReservation:
    case kSaReadFullStatus:
      // PRGENERATION 0, ADDITIONAL LENGTH 0: no registrations, no reservation.
      return reply(c, d, alloc);
    case kSaReportCapabilities:
      store_be16(d, 8);  // LENGTH
      d[3] = 0x80;       // TMV: the type mask below is valid (no types)
      return reply(c, d, alloc);
    default:
      return fail_cdb(c, 1, 4);
  }
}

}  // namespace esan::scsi
