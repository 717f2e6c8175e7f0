// REPORT TARGET PORT GROUPS (SPC-4 6.36, MAINTENANCE IN / 0Ah) and SET TARGET
// PORT GROUPS (SPC-4 6.45, MAINTENANCE OUT / 0Ah) for LUs in a device group.
//
// Contract:
//  - A LU without a device group does not support either service action
//    (INVALID FIELD IN CDB on the service action), matching TPGS = 0; a LU
//    whose device group has implicit access only (TPGS = 01b) does not
//    support SET TARGET PORT GROUPS (SPC-4: STPG is for explicit ALUA), the
//    same way.
//  - RTPG: PARAMETER DATA FORMAT 000b (length header) or 001b (extended
//    header, implicit transition time 0); others INVALID FIELD IN CDB. One
//    descriptor per target port group in configuration order: state, the
//    supported states (T_SUP, O_SUP, U_SUP, S_SUP, AN_SUP, AO_SUP; no LBD),
//    group id, status code, and every member's relative target port id.
//  - STPG: parameter list = 4 reserved bytes + 4-byte descriptors. A
//    length of zero changes nothing; a length not of that shape is
//    PARAMETER LIST LENGTH ERROR. A descriptor's state must be active/
//    optimized, active/non-optimized, standby or unavailable (offline is a
//    per-port state in SPC-4 and transitioning is never requested) and its
//    group must exist, else INVALID FIELD IN PARAMETER LIST pointing at the
//    field; nothing changes then. A group in transitioning makes the whole
//    command fail with NOT READY, ASYMMETRIC ACCESS STATE TRANSITION.
//    In a device group whose roles own a medium (DeviceGroup::one_optimized)
//    two groups set active/optimized are INVALID FIELD IN PARAMETER LIST at
//    the second one's state; setting one moves the other active/optimized
//    groups to active/non-optimized in the same change (scsi/alua.h).
//    Changes are explicit: status code 01h, and the unit attention goes to
//    every nexus of the device group's LUs except the requester's.
#include <algorithm>
#include <optional>
#include <vector>

#include "common/bytes.h"
#include "scsi/alua.h"
#include "scsi/command.h"
#include "scsi/shared_state.h"

namespace esan::scsi {

namespace {

constexpr uint8_t kSupportedStates = 0xCF;  // T_SUP O_SUP U_SUP S_SUP AN_SUP AO_SUP
constexpr uint8_t kFormatLength = 0, kFormatExtended = 1;

std::optional<AluaState> stpg_state(uint8_t code) {
  switch (code) {
    case 0x0: return AluaState::kActiveOptimized;
    case 0x1: return AluaState::kActiveNonOptimized;
    case 0x2: return AluaState::kStandby;
    case 0x3: return AluaState::kUnavailable;
    default: return std::nullopt;
  }
}

}  // namespace

Flow cmd_report_target_port_groups(Cmd& c) {
  const DeviceGroup* dg = c.lu->alua_group();
  if (!dg) return fail_cdb(c, 1, 4);
  uint8_t format = c.cdb[1] >> 5;
  if (format != kFormatLength && format != kFormatExtended) return fail_cdb(c, 1, 7);
  uint32_t alloc = load_be32(c.cdb + 6);

  std::vector<uint8_t> d(format == kFormatExtended ? 8 : 4, 0);
  if (format == kFormatExtended) d[4] = 0x10;  // FORMAT TYPE 001b; IMPLICIT TRANSITION TIME 0
  for (size_t i = 0; i < dg->size(); ++i) {
    const TargetPortGroup& g = dg->group(i);
    size_t ports = std::min<size_t>(g.rel_tgt_ids().size(), 255);
    uint8_t h[8] = {};
    h[0] = uint8_t(g.state());
    h[1] = kSupportedStates;
    store_be16(h + 2, g.group_id());
    h[5] = uint8_t(g.status_code());
    h[7] = uint8_t(ports);
    d.insert(d.end(), h, h + 8);
    for (size_t p = 0; p < ports; ++p) {
      uint8_t t[4] = {};
      store_be16(t + 2, g.rel_tgt_ids()[p]);
      d.insert(d.end(), t, t + 4);
    }
  }
  store_be32(d.data(), uint32_t(d.size() - 4));
  return reply(c, d, alloc);
}

Flow cmd_set_target_port_groups(Cmd& c) {
  uint32_t plen = load_be32(c.cdb + 6);
  c.task.out_wanted = plen;
  DeviceGroup* dg = c.lu->alua_group();
  if (!dg || !dg->explicit_access()) return fail_cdb(c, 1, 4);
  if (plen == 0) return Flow::kDone;
  size_t n = std::min<size_t>(plen, c.task.data.size());
  if (n < 4 || n != plen || (n - 4) % 4 != 0) return fail(c, Sense::illegal(asc::kParameterListLengthError));

  const uint8_t* p = c.task.data.data();
  std::vector<DeviceGroup::Change> changes;
  std::optional<uint16_t> optimized;  // the group set active/optimized
  for (size_t off = 4; off < n; off += 4) {
    auto state = stpg_state(p[off] & 0x0F);
    if (!state) return fail(c, Sense::invalid_param(uint16_t(off), 3));
    uint16_t id = load_be16(p + off + 2);
    if (!dg->group_by_id(id)) return fail(c, Sense::invalid_param(uint16_t(off + 2)));
    if (*state == AluaState::kActiveOptimized && dg->one_optimized()) {
      if (optimized && *optimized != id) return fail(c, Sense::invalid_param(uint16_t(off), 3));
      optimized = id;
    }
    changes.push_back({id, *state});
  }
  // Target port group states are shared LU state (scsi/shared_state.h): the
  // applier runs DeviceGroup::apply in commit order on every node.
  return propose(c, alua_change(dg->name(), changes, DeviceGroup::Cause::kExplicit, identity_of(c.nexus)));
}

}  // namespace esan::scsi
