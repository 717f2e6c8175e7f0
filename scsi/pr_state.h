// Persistent reservation state of one logical unit and the PERSISTENT
// RESERVE OUT state machine (SPC-4 5.13, 6.16), as pure data + functions:
// no locks, no files, no unit attention queues. reservations.h wraps it for
// the shared, thread-safe, persisted per-LU state; pr_store.h saves/loads it.
//
// Contract:
//  - A registrant is an I_T nexus identity: the initiator port as its
//    TransportID text ("<iSCSI name>,i,0x<ISID>", or the iSCSI name alone
//    for a format-00b TransportID, which then covers every ISID of that
//    name) plus the relative target port identifier; ALL_TG_PT=1 makes one
//    registration cover that initiator port on every target port. Names
//    compare case-insensitively (iSCSI names are case-folded, RFC 3722).
//  - pr_out() applies one service action to `st` and returns GOOD,
//    RESERVATION CONFLICT or a CHECK CONDITION sense. On anything but GOOD
//    `st` may be partly modified: callers apply it to a copy and commit the
//    copy only on GOOD (reservations.cc does).
//  - `changed` says the stored state differs (persist it); `uas` lists the
//    unit attentions to establish, each for every attached I_T nexus that
//    matches the pattern (the caller excludes the sender's own nexus: SPC
//    never notifies the nexus that caused the change).
//  - PRGENERATION is incremented by REGISTER / REGISTER AND IGNORE EXISTING
//    KEY (when a registration is made, changed or removed), CLEAR, PREEMPT,
//    PREEMPT AND ABORT and REGISTER AND MOVE; not by RESERVE or RELEASE.
//  - SPEC_I_PT is not supported (SIP_C=0): the parser refuses it before
//    pr_out() runs. At most kMaxRegistrants registrations exist (then
//    INSUFFICIENT REGISTRATION RESOURCES).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scsi/nexus.h"
#include "scsi/sense.h"

namespace esan::scsi {

namespace pr {
// Reservation types (SPC-4 table 169).
inline constexpr uint8_t kWriteExclusive = 1;
inline constexpr uint8_t kExclusiveAccess = 3;
inline constexpr uint8_t kWriteExclusiveRegistrantsOnly = 5;
inline constexpr uint8_t kExclusiveAccessRegistrantsOnly = 6;
inline constexpr uint8_t kWriteExclusiveAllRegistrants = 7;
inline constexpr uint8_t kExclusiveAccessAllRegistrants = 8;

// Service actions (SPC-4 table 172).
inline constexpr uint8_t kRegister = 0;
inline constexpr uint8_t kReserve = 1;
inline constexpr uint8_t kRelease = 2;
inline constexpr uint8_t kClear = 3;
inline constexpr uint8_t kPreempt = 4;
inline constexpr uint8_t kPreemptAndAbort = 5;
inline constexpr uint8_t kRegisterAndIgnore = 6;
inline constexpr uint8_t kRegisterAndMove = 7;

inline constexpr size_t kMaxRegistrants = 1024;

inline bool valid_type(uint8_t t) { return t == 1 || t == 3 || (t >= 5 && t <= 8); }
inline bool all_registrants(uint8_t t) { return t == 7 || t == 8; }
// Registrants only or all registrants: registered nexuses get access.
inline bool registrants_type(uint8_t t) { return t >= 5 && t <= 8; }
inline bool write_exclusive(uint8_t t) { return t == 1 || t == 5 || t == 7; }
}  // namespace pr


// Case-insensitive equality of TransportID texts.
bool same_port(std::string_view a, std::string_view b);

struct Registrant {
  uint64_t key = 0;
  std::string port;          // TransportID text (see above)
  uint16_t rel_tgt_id = 0;   // ignored when all_tg_pt
  bool all_tg_pt = false;
  bool holder = false;       // holds the reservation (not used by all-registrants types)

  bool matches(ItNexusId n) const;
  bool operator==(const Registrant&) const = default;
};

struct PrState {
  uint32_t generation = 0;
  bool aptpl = false;
  uint8_t type = 0;  // reservation type; 0 = no persistent reservation (scope is always LU_SCOPE)
  std::vector<Registrant> regs;

  bool reserved() const { return type != 0; }
  // Index of the registration covering this nexus, or -1.
  int find(ItNexusId n) const;
  // True when this nexus is a reservation holder (every registrant for the
  // all-registrants types).
  bool is_holder(ItNexusId n) const;
  bool operator==(const PrState&) const = default;
};

struct PrOutRequest {
  uint8_t action = 0;
  uint8_t type = 0;           // CDB TYPE (scope was checked to be LU_SCOPE)
  uint64_t key = 0;           // RESERVATION KEY
  uint64_t sa_key = 0;        // SERVICE ACTION RESERVATION KEY
  bool aptpl = false;
  bool all_tg_pt = false;
  // REGISTER AND MOVE
  bool unreg = false;
  std::string move_port;      // destination initiator port (TransportID text)
  uint16_t move_rel_tgt_id = 0;
};

// A unit attention for every I_T nexus matching (port, rel_tgt_id, all_tg_pt).
struct PrUa {
  Registrant who;
  uint16_t asc;
};

struct PrOutResult {
  enum Kind : uint8_t { kGood, kConflict, kCheck } kind = kGood;
  Sense sense;  // kCheck
  bool changed = false;
  std::vector<PrUa> uas;
};

PrOutResult pr_out(PrState& st, ItNexusId sender, const PrOutRequest& req);

}  // namespace esan::scsi
