// Which commands a reservation held by another I_T nexus lets through,
// keyed by operation code (and, where the standards split an opcode, by
// service action or a CDB field).
//
// Persistent reservations (SPC-4 "SPC commands that are allowed in the
// presence of various reservations", SBC-3 likewise), for an I_T nexus that
// is not a reservation holder:
//   kAllowed: allowed under every type (INQUIRY, REPORT LUNS, REQUEST SENSE,
//             TEST UNIT READY, READ CAPACITY, LOG SENSE, PR IN/OUT -- PR OUT
//             service actions check registration themselves --, REPORT
//             TARGET PORT GROUPS and the other report-only MAINTENANCE IN
//             service actions, ACCESS CONTROL IN/OUT, READ MEDIA SERIAL
//             NUMBER, PREVENT ALLOW with PREVENT=0, START STOP UNIT with
//             START=1 and POWER CONDITION=0).
//   kRead:    allowed under the Write Exclusive types, conflicts under the
//             Exclusive Access types (READ, VERIFY, PRE-FETCH, GET LBA
//             STATUS, READ DEFECT DATA, READ LONG, MODE SENSE, READ BUFFER,
//             RECEIVE DIAGNOSTIC RESULTS, REPORT SUPPORTED OPERATION
//             CODES / TMFs, SECURITY/MANAGEMENT PROTOCOL IN, READ ATTRIBUTE).
//   kWrite:   conflicts under every type: everything else, including
//             WRITE*, UNMAP, WRITE SAME, COMPARE AND WRITE, ORWRITE,
//             SYNCHRONIZE CACHE, MODE/LOG SELECT, FORMAT UNIT, SANITIZE,
//             WRITE ATOMIC(16), EXTENDED COPY, RECEIVE COPY RESULTS, every
//             MAINTENANCE OUT service action, and unknown opcodes.
// A registered I_T nexus under a registrants-only or all-registrants
// reservation is allowed everything (checked by the caller).
//
// SPC-2 RESERVE/RELEASE (SPC-2 5.5.1): another nexus may only send
// INQUIRY, REQUEST SENSE, REPORT LUNS, LOG SENSE, RELEASE(6)/(10) (which then
// has no effect), PREVENT ALLOW with PREVENT=0 and REPORT TARGET PORT GROUPS.
// PERSISTENT RESERVE IN/OUT conflict for every nexus, the holder's too.
#pragma once

#include <cstdint>

namespace esan::scsi {

enum class PrAccess : uint8_t { kAllowed, kRead, kWrite };

PrAccess pr_access(const uint8_t* cdb);

// Allowed from a nexus that does not hold the SPC-2 reservation.
bool allowed_under_spc2(const uint8_t* cdb);

// True for PERSISTENT RESERVE IN / OUT.
inline bool is_pr_command(uint8_t opcode) { return opcode == 0x5E || opcode == 0x5F; }

}  // namespace esan::scsi
