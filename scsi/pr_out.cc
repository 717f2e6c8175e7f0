// PERSISTENT RESERVE OUT (SPC-4 6.16) and SPC-2 RESERVE / RELEASE (6)/(10):
// CDB and parameter list parsing here; the state changes are shared LU state
// (scsi/shared_state.h): each command proposes its change and completes once
// the applier (Reservations::apply_*) has run it in commit order, off the
// reactor, with the persistent reservation file saved.
//
// PR OUT checks, in order: SERVICE ACTION (INVALID FIELD IN CDB, byte 1),
// SCOPE/TYPE for RESERVE, RELEASE, PREEMPT and PREEMPT AND ABORT (LU_SCOPE
// and the six types only; byte 2), PARAMETER LIST LENGTH (24 for every
// service action but REGISTER AND MOVE, which needs 24 + its TransportID;
// else PARAMETER LIST LENGTH ERROR), SPEC_I_PT=1 (not supported: INVALID
// FIELD IN PARAMETER LIST, byte 20 bit 3), and for REGISTER AND MOVE an
// iSCSI TransportID (protocol 5, format 00b or 01b; else INVALID FIELD IN
// PARAMETER LIST at the TransportID).
//
// RESERVE/RELEASE: LU reservations only; RESERVE(10)'s third-party and long
// id forms (3RDPTY, LONGID) and the obsolete extent bit are refused with
// INVALID FIELD IN CDB.
#include <string>

#include "common/bytes.h"
#include "scsi/command.h"
#include "scsi/opcodes.h"
#include "scsi/pr_state.h"
#include "scsi/shared_state.h"

namespace esan::scsi {

namespace {

constexpr size_t kBasicLen = 24;

Flow param_len_error(Cmd& c) { return fail(c, Sense::illegal(asc::kParameterListLengthError)); }

bool needs_type(uint8_t sa) {
  return sa == pr::kReserve || sa == pr::kRelease || sa == pr::kPreempt || sa == pr::kPreemptAndAbort;
}

// Parses the iSCSI TransportID at p[0..len). Returns false if unusable.
bool parse_transport_id(const uint8_t* p, size_t len, std::string& port) {
  if (len < 4) return false;
  uint8_t format = p[0] >> 6;
  if ((p[0] & 0x0F) != 0x05 || format > 1) return false;
  size_t n = load_be16(p + 2);
  if (n == 0 || 4 + n > len) return false;
  const char* s = reinterpret_cast<const char*>(p + 4);
  size_t sl = 0;
  while (sl < n && s[sl] != '\0') ++sl;
  if (sl == 0 || sl == n) return false;  // empty or not null-terminated
  port.assign(s, sl);
  bool with_isid = port.find(",i,0x") != std::string::npos;
  return format == 1 ? with_isid : !with_isid;
}

}  // namespace

Flow cmd_persistent_reserve_out(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  uint8_t sa = cdb[1] & 0x1F;
  uint32_t plen = load_be32(cdb + 5);
  c.task.out_wanted = plen;
  if (sa > pr::kRegisterAndMove) return fail_cdb(c, 1, 4);
  PrOutRequest req;
  req.action = sa;
  req.type = cdb[2] & 0x0F;
  if (needs_type(sa)) {
    if (cdb[2] >> 4) return fail_cdb(c, 2, 7);  // SCOPE: LU_SCOPE only
    if (!pr::valid_type(req.type)) return fail_cdb(c, 2, 3);
  }
  if (short_data_out(c, plen)) return Flow::kDone;
  size_t have = plen;
  const uint8_t* p = c.task.data.data();
  if (plen < kBasicLen || have < kBasicLen) return param_len_error(c);
  req.key = load_be64(p);
  req.sa_key = load_be64(p + 8);
  if (sa == pr::kRegisterAndMove) {
    req.unreg = p[17] & 0x02;
    req.aptpl = p[17] & 0x01;
    req.move_rel_tgt_id = load_be16(p + 18);
    size_t tid_len = load_be32(p + 20);
    if (kBasicLen + tid_len > have) return param_len_error(c);
    if (!parse_transport_id(p + kBasicLen, tid_len, req.move_port))
      return fail(c, Sense::invalid_param(uint16_t(kBasicLen)));
  } else {
    if (p[20] & 0x08) return fail(c, Sense::invalid_param(20, 3));  // SPEC_I_PT: not supported
    if (plen != kBasicLen) return param_len_error(c);
    req.all_tg_pt = p[20] & 0x04;
    req.aptpl = p[20] & 0x01;
  }
  return propose(c, pr_out_change(c.lu->name(), identity_of(c.nexus), req));
}

Flow cmd_reserve(Cmd& c) {
  if (c.cdb[0] == op::kReserve10 && (c.cdb[1] & 0x12)) return fail_cdb(c, 1, c.cdb[1] & 0x10 ? 4 : 1);
  if (c.cdb[1] & 0x01) return fail_cdb(c, 1, 0);  // extents (obsolete)
  return propose(c, reserve_change(c.lu->name(), identity_of(c.nexus)));
}

Flow cmd_release(Cmd& c) {
  if (c.cdb[0] == op::kRelease10 && (c.cdb[1] & 0x12)) return fail_cdb(c, 1, c.cdb[1] & 0x10 ? 4 : 1);
  if (c.cdb[1] & 0x01) return fail_cdb(c, 1, 0);
  return propose(c, release_change(c.lu->name(), identity_of(c.nexus)));
}

}  // namespace esan::scsi
