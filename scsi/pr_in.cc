// PERSISTENT RESERVE IN (SPC-4 6.15): READ KEYS, READ RESERVATION, REPORT
// CAPABILITIES and READ FULL STATUS from a snapshot of the LU's persistent
// reservation state (reservations.h). Data is truncated to the allocation
// length; the length fields always describe the full data.
//
// REPORT CAPABILITIES: CRH=0, SIP_C=0 (SPEC_I_PT refused), ATP_C=1,
// PTPL_C=1, TMV=1, ALLOW COMMANDS=010b (TEST UNIT READY allowed through
// Write Exclusive and Exclusive Access; MODE SENSE, READ BUFFER, RECEIVE
// DIAGNOSTIC RESULTS, REPORT SUPPORTED OPERATION CODES / TMFs and READ
// DEFECT DATA allowed through Write Exclusive), PTPL_A = APTPL, all six
// reservation types supported.
//
// READ FULL STATUS reports one descriptor per registration with an iSCSI
// TransportID (format 01b, "<name>,i,0x<ISID>"; 00b for a name-only one);
// an ALL_TG_PT registration is one descriptor with ALL_TG_PT=1.
#include <cstring>
#include <vector>

#include "common/bytes.h"
#include "scsi/command.h"
#include "scsi/opcodes.h"
#include "scsi/pr_state.h"

namespace esan::scsi {

namespace {
constexpr uint8_t kSaReadKeys = 0x00;
constexpr uint8_t kSaReadReservation = 0x01;
constexpr uint8_t kSaReportCapabilities = 0x02;
constexpr uint8_t kSaReadFullStatus = 0x03;
constexpr uint8_t kProtocolIscsi = 0x05;

std::vector<uint8_t> header(const PrState& st, size_t additional) {
  std::vector<uint8_t> d(8, 0);
  store_be32(d.data(), st.generation);
  store_be32(d.data() + 4, uint32_t(additional));
  return d;
}

// iSCSI TransportID: null-terminated name padded to a multiple of 4, at
// least 20 bytes of name field.
std::vector<uint8_t> transport_id(const std::string& port) {
  bool with_isid = port.find(",i,0x") != std::string::npos;
  size_t n = port.size() + 1;
  n = (n + 3) & ~size_t(3);
  if (n < 20) n = 20;
  std::vector<uint8_t> t(4 + n, 0);
  t[0] = uint8_t((with_isid ? 0x40 : 0x00) | kProtocolIscsi);
  store_be16(&t[2], uint16_t(n));
  std::memcpy(&t[4], port.data(), port.size());
  return t;
}

std::vector<uint8_t> full_status(const PrState& st) {
  std::vector<uint8_t> body;
  for (const Registrant& r : st.regs) {
    bool holder = st.reserved() && (pr::all_registrants(st.type) || r.holder);
    uint8_t desc[24] = {};
    store_be64(desc, r.key);
    desc[12] = uint8_t((r.all_tg_pt ? 0x02 : 0) | (holder ? 0x01 : 0));
    if (holder) desc[13] = st.type;  // SCOPE 0h (LU_SCOPE)
    store_be16(desc + 18, r.all_tg_pt ? 0 : r.rel_tgt_id);
    std::vector<uint8_t> tid = transport_id(r.port);
    store_be32(desc + 20, uint32_t(tid.size()));
    body.insert(body.end(), desc, desc + 24);
    body.insert(body.end(), tid.begin(), tid.end());
  }
  std::vector<uint8_t> d = header(st, body.size());
  d.insert(d.end(), body.begin(), body.end());
  return d;
}

}  // namespace

Flow cmd_persistent_reserve_in(Cmd& c) {
  uint8_t sa = c.cdb[1] & 0x1F;
  uint16_t alloc = load_be16(c.cdb + 7);
  if (sa > kSaReadFullStatus) return fail_cdb(c, 1, 4);
  PrState st = c.lu->reservations().snapshot();
  switch (sa) {
    case kSaReadKeys: {
      std::vector<uint8_t> d = header(st, 8 * st.regs.size());
      for (const Registrant& r : st.regs) {
        uint8_t k[8];
        store_be64(k, r.key);
        d.insert(d.end(), k, k + 8);
      }
      return reply(c, d, alloc);
    }
    case kSaReadReservation: {
      std::vector<uint8_t> d = header(st, st.reserved() ? 16 : 0);
      if (st.reserved()) {
        d.resize(24, 0);
        uint64_t key = 0;  // all-registrants types report key 0
        if (!pr::all_registrants(st.type))
          for (const Registrant& r : st.regs)
            if (r.holder) key = r.key;
        store_be64(&d[8], key);
        d[21] = st.type;  // SCOPE 0h (LU_SCOPE)
      }
      return reply(c, d, alloc);
    }
    case kSaReportCapabilities: {
      uint8_t d[8] = {};
      store_be16(d, 8);
      d[2] = 0x04 | 0x01;                             // ATP_C, PTPL_C
      d[3] = uint8_t(0x80 | 0x20 | (st.aptpl ? 1 : 0));  // TMV, ALLOW COMMANDS 010b, PTPL_A
      d[4] = 0x80 | 0x40 | 0x20 | 0x08 | 0x02;         // WR_EX_AR, EX_AC_RO, WR_EX_RO, EX_AC, WR_EX
      d[5] = 0x01;                                     // EX_AC_AR
      return reply(c, d, alloc);
    }
    default:
      return reply(c, full_status(st), alloc);
  }
}

}  // namespace esan::scsi
