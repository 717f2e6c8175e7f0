// Small SPC-4 / SBC-3 commands: TEST UNIT READY, REQUEST SENSE, REPORT LUNS,
// START STOP UNIT, PREVENT ALLOW MEDIUM REMOVAL.
//
// Removable medium (LuConfig::removable):
//  - START STOP UNIT with POWER CONDITION != 0 ignores START and LOEJ.
//  - LOEJ=1 loads (START=1) or ejects (START=0) the medium, unless any nexus
//    has PREVENT set: then ILLEGAL REQUEST, MEDIUM REMOVAL PREVENTED (53h/02h)
//    for both directions. An eject without NO_FLUSH first flushes the backend.
//  - START=0/1 without LOEJ is accepted and changes nothing (no stopped
//    state: media commands keep working).
//  - Non-removable LUs accept START STOP UNIT as a no-op; PREVENT ALLOW with
//    PREVENT=1 answers INVALID FIELD IN CDB (nothing can be prevented).
#include <cstring>
#include <vector>

#include "common/bytes.h"
#include "scsi/command.h"
#include "scsi/sanitize.h"

namespace esan::scsi {

Flow cmd_test_unit_ready(Cmd& c) {
  no_medium(c);
  return Flow::kDone;
}

Flow cmd_request_sense(Cmd& c) {
  bool desc = c.cdb[1] & 0x01;
  if (c.cdb[1] & 0xFE) return fail_cdb(c, 1, int8_t(31 - __builtin_clz(c.cdb[1] & 0xFE)));
  size_t alloc = c.cdb[4];
  Sense s = Sense::make(SenseKey::kNoSense, asc::kNoAdditionalSense);
  if (!c.lu) {
    s = Sense::illegal(asc::kLogicalUnitNotSupported);
  } else if (c.lu->sanitize().phase() != SanitizeState::kIdle) {
    s = sanitize_sense(*c.lu);
  } else if (auto ua = c.lu->ua_take(c.nexus.id)) {
    s = Sense::make(SenseKey::kUnitAttention, *ua);
  } else if (!c.lu->medium_present()) {
    s = Sense::make(SenseKey::kNotReady, asc::kMediumNotPresentTrayOpen);
  }
  uint8_t buf[kMaxSenseLen];
  size_t n = SenseBuilder(desc).build(s, buf, sizeof buf);
  return reply(c, {buf, n}, alloc);
}

Flow cmd_report_luns(Cmd& c) {
  uint8_t select = c.cdb[2];
  uint32_t alloc = load_be32(c.cdb + 6);
  if (select > 2) return fail_cdb(c, 2);
  if (alloc < 16) return fail_cdb(c, 6);
  std::vector<uint8_t> d(8, 0);
  if (select != 1 && c.nexus.luns) {  // 1 = well-known LUs only: we have none
    for (auto& [lun, m] : *c.nexus.luns) {
      if (!m.lu || lun > 0x3FFF) continue;
      uint8_t e[8] = {};
      if (lun < 256) {
        e[1] = uint8_t(lun);  // peripheral device addressing
      } else {
        e[0] = uint8_t(0x40 | (lun >> 8));  // flat space addressing
        e[1] = uint8_t(lun);
      }
      d.insert(d.end(), e, e + 8);
    }
  }
  store_be32(d.data(), uint32_t(d.size() - 8));
  return reply(c, d, alloc);
}

namespace {

// START STOP UNIT's eject, across its flush (Task::state, scsi/command_state.h).
struct EjectState {
  uint64_t nexus_id = 0;  // the requester (load_eject)
};

void eject_after_flush(backend::IoRequest& req, int res) {
  Task& t = *static_cast<Task*>(req.user);
  LogicalUnit& lu = *t.lu_hold;
  bool desc = lu.d_sense();
  if (res < 0) {
    check_condition(t, Sense::make(SenseKey::kHardwareError, asc::kInternalTargetFailure), desc);
  } else if (!lu.load_eject(t.state<EjectState>().nexus_id, false)) {
    check_condition(t, Sense::illegal(asc::kMediumRemovalPrevented), desc);
  }
  complete(t);
}

}  // namespace

Flow cmd_start_stop_unit(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  uint8_t power_condition = cdb[4] >> 4;
  bool no_flush = cdb[4] & 0x04, loej = cdb[4] & 0x02, start = cdb[4] & 0x01;
  if (power_condition != 0 || !loej || !c.lu->removable()) return Flow::kDone;
  if (c.lu->removal_prevented()) return fail(c, Sense::illegal(asc::kMediumRemovalPrevented));
  if (start || no_flush || !c.lu->medium_present()) {
    if (!c.lu->load_eject(c.nexus.id, start)) return fail(c, Sense::illegal(asc::kMediumRemovalPrevented));
    return Flow::kDone;
  }
  // Eject: write back the cache first.
  Task& t = c.task;
  t.start_state(EjectState{.nexus_id = c.nexus.id});
  t.io = backend::IoRequest{};
  t.io.op = backend::IoOp::kFlush;
  t.io.on_done = eject_after_flush;
  t.io.user = &t;
  submit_io(t, c.lu->device());
  return Flow::kAsync;
}

Flow cmd_prevent_allow(Cmd& c) {
  uint8_t prevent = c.cdb[4] & 0x03;
  if (prevent > 1) return fail_cdb(c, 4, 1);
  if (!c.lu->removable()) {
    if (prevent) return fail_cdb(c, 4, 0);
    return Flow::kDone;
  }
  c.lu->set_prevent(c.nexus.id, prevent == 1);
  return Flow::kDone;
}

}  // namespace esan::scsi
