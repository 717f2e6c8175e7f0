#include "scsi/reservation_table.h"

#include <array>

namespace esan::scsi {
namespace {

// Per opcode; kSplit marks opcodes decided by a CDB field (see pr_access).
enum Entry : uint8_t { kA, kR, kW, kSplit };

constexpr std::array<Entry, 256> make_table() {
  std::array<Entry, 256> t{};
  for (auto& e : t) e = kW;
  for (uint8_t op : {0x00 /* TEST UNIT READY */, 0x03 /* REQUEST SENSE */, 0x12 /* INQUIRY */,
                     0x16, 0x17, 0x56, 0x57 /* RESERVE/RELEASE: their handlers decide */,
                     0x25 /* READ CAPACITY(10) */, 0x4D /* LOG SENSE */, 0x5E /* PR IN */,
                     0x5F /* PR OUT: service actions check registration themselves */,
                     0x86 /* ACCESS CONTROL IN */, 0x87 /* ACCESS CONTROL OUT */, 0xA0 /* REPORT LUNS */})
    t[op] = kA;
  for (uint8_t op : {0x08, 0x28, 0xA8, 0x88 /* READ */, 0x2F, 0xAF, 0x8F /* VERIFY */,
                     0x34, 0x90 /* PRE-FETCH */, 0x1A, 0x5A /* MODE SENSE */,
                     0x37, 0xB7 /* READ DEFECT DATA */, 0x3C, 0x9B /* READ BUFFER */,
                     0x1C /* RECEIVE DIAGNOSTIC RESULTS */, 0x3E /* READ LONG(10) */,
                     0xA2 /* SECURITY PROTOCOL IN */, 0x8C /* READ ATTRIBUTE */})
    t[op] = kR;
  // Everything else conflicts, notably 0x48 SANITIZE, 0x9C WRITE ATOMIC(16),
  // 0x83 EXTENDED COPY, 0x84 RECEIVE COPY RESULTS, 0xA4 MAINTENANCE OUT.
  for (uint8_t op : {0x1B /* START STOP UNIT */, 0x1E /* PREVENT ALLOW */, 0x9E /* SERVICE ACTION IN(16) */,
                     0xA3 /* MAINTENANCE IN */, 0xAB /* SERVICE ACTION IN(12) */})
    t[op] = kSplit;
  return t;
}

constexpr std::array<Entry, 256> kTable = make_table();

PrAccess split(const uint8_t* cdb) {
  uint8_t sa = cdb[1] & 0x1F;
  switch (cdb[0]) {
    case 0x1B:  // START=1 with POWER CONDITION 0 only spins up: allowed
      return (cdb[4] & 0x01) && (cdb[4] >> 4) == 0 ? PrAccess::kAllowed : PrAccess::kWrite;
    case 0x1E:
      return (cdb[4] & 0x03) == 0 ? PrAccess::kAllowed : PrAccess::kWrite;
    case 0x9E:  // READ CAPACITY(16) allowed; GET LBA STATUS, READ LONG(16), REPORT REFERRALS read
      return sa == 0x10 ? PrAccess::kAllowed : PrAccess::kRead;
    case 0xA3:
      switch (sa) {
        case 0x05:  // REPORT IDENTIFYING INFORMATION
        case 0x0A:  // REPORT TARGET PORT GROUPS
        case 0x0B:  // REPORT ALIASES
        case 0x0E:  // REPORT PRIORITY
        case 0x0F:  // REPORT TIMESTAMP
          return PrAccess::kAllowed;
        default:  // REPORT SUPPORTED OPERATION CODES / TMFs, MANAGEMENT PROTOCOL IN, ...
          return PrAccess::kRead;
      }
    case 0xAB:  // READ MEDIA SERIAL NUMBER
      return sa == 0x01 ? PrAccess::kAllowed : PrAccess::kRead;
    default:
      return PrAccess::kWrite;
  }
}

}  // namespace

PrAccess pr_access(const uint8_t* cdb) {
  switch (kTable[cdb[0]]) {
    case kA: return PrAccess::kAllowed;
    case kR: return PrAccess::kRead;
    case kW: return PrAccess::kWrite;
    case kSplit: return split(cdb);
  }
  return PrAccess::kWrite;
}

bool allowed_under_spc2(const uint8_t* cdb) {
  switch (cdb[0]) {
    case 0x12:  // INQUIRY
    case 0x03:  // REQUEST SENSE
    case 0xA0:  // REPORT LUNS
    case 0x4D:  // LOG SENSE
    case 0x17:  // RELEASE(6)
    case 0x57:  // RELEASE(10)
      return true;
    case 0x1E:  // PREVENT ALLOW MEDIUM REMOVAL, PREVENT=0
      return (cdb[4] & 0x03) == 0;
    case 0xA3:  // REPORT TARGET PORT GROUPS
      return (cdb[1] & 0x1F) == 0x0A;
    default:
      return false;
  }
}

}  // namespace esan::scsi
