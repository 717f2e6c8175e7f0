// REPORT SUPPORTED OPERATION CODES (SPC-4 6.35), MAINTENANCE IN / 0Ch.
//
// Reporting options: 000b all commands (8-byte descriptors, 20 with RCTD=1),
// 001b one command by opcode (INVALID FIELD IN CDB when the opcode has
// service actions), 010b one command by opcode + service action (INVALID
// FIELD IN CDB when it has none), 011b either. An unsupported command is
// reported with SUPPORT=001b. The CDB usage data marks the bits the device
// server evaluates and accepts (e.g. DPO/FUA on READ/WRITE; RDPROTECT and
// NACA are not marked since only zero is accepted).
// REPORT/SET TARGET PORT GROUPS are listed only for LUs in an ALUA device
// group, SET TARGET PORT GROUPS only when that group has explicit access,
// UNMAP only for thin LUs.
// The table below must list exactly what dispatcher.cc dispatches.
#include <vector>

#include "common/bytes.h"
#include "scsi/alua.h"
#include "scsi/command.h"
#include "scsi/opcodes.h"

namespace esan::scsi {
namespace {

struct OpInfo {
  uint8_t opcode;
  uint16_t sa;
  bool has_sa;
  uint8_t len;
  uint8_t usage[16];      // usage[0] == opcode
  bool thin_only = false;   // listed only for thin-provisioned LUs
  uint8_t thin_bits1 = 0;   // usage[1] bits that apply only to thin LUs
  bool alua_only = false;   // listed only for LUs in an ALUA device group
  bool explicit_only = false;  // ... whose access includes explicit
};

// clang-format off
constexpr OpInfo kOps[] = {
  {op::kTestUnitReady, 0, false, 6, {0x00, 0, 0, 0, 0, 0}},
  {op::kRequestSense, 0, false, 6, {0x03, 0x01, 0, 0, 0xFF, 0}},
  {op::kRead6, 0, false, 6, {0x08, 0x1F, 0xFF, 0xFF, 0xFF, 0}},
  {op::kWrite6, 0, false, 6, {0x0A, 0x1F, 0xFF, 0xFF, 0xFF, 0}},
  {op::kInquiry, 0, false, 6, {0x12, 0x01, 0xFF, 0xFF, 0xFF, 0}},
  {op::kModeSelect6, 0, false, 6, {0x15, 0x11, 0, 0, 0xFF, 0}},
  {op::kReserve6, 0, false, 6, {0x16, 0, 0, 0, 0, 0}},
  {op::kRelease6, 0, false, 6, {0x17, 0, 0, 0, 0, 0}},
  {op::kModeSense6, 0, false, 6, {0x1A, 0x08, 0xFF, 0xFF, 0xFF, 0}},
  {op::kStartStopUnit, 0, false, 6, {0x1B, 0x01, 0, 0, 0xF7, 0}},
  {op::kPreventAllow, 0, false, 6, {0x1E, 0, 0, 0, 0x03, 0}},
  {op::kReadCapacity10, 0, false, 10, {0x25, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0x01, 0}},
  {op::kRead10, 0, false, 10, {0x28, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0}},
  {op::kWrite10, 0, false, 10, {0x2A, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0}},
  {op::kWriteVerify10, 0, false, 10, {0x2E, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0}},
  {op::kVerify10, 0, false, 10, {0x2F, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0}},
  {op::kPrefetch10, 0, false, 10, {0x34, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0}},
  {op::kSyncCache10, 0, false, 10, {0x35, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0}},
  {op::kReadDefectData10, 0, false, 10, {0x37, 0, 0x1F, 0, 0, 0, 0, 0xFF, 0xFF, 0}},
  {op::kWriteSame10, 0, false, 10, {0x41, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0xFF, 0xFF, 0}, false, 0x08},
  {op::kUnmap, 0, false, 10, {0x42, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0}, true},
  {op::kSanitize, 0x01, true, 10, {0x48, 0xA1, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0}},
  {op::kSanitize, 0x02, true, 10, {0x48, 0xA2, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0}, true},
  {op::kSanitize, 0x1F, true, 10, {0x48, 0x1F, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0}},
  {op::kModeSelect10, 0, false, 10, {0x55, 0x11, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0}},
  {op::kReserve10, 0, false, 10, {0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
  {op::kRelease10, 0, false, 10, {0x57, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
  {op::kModeSense10, 0, false, 10, {0x5A, 0x18, 0xFF, 0xFF, 0, 0, 0, 0xFF, 0xFF, 0}},
  {op::kPersistentReserveIn, 0x00, true, 10, {0x5E, 0x1F, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0}},
  {op::kPersistentReserveIn, 0x01, true, 10, {0x5E, 0x1F, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0}},
  {op::kPersistentReserveIn, 0x02, true, 10, {0x5E, 0x1F, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0}},
  {op::kPersistentReserveIn, 0x03, true, 10, {0x5E, 0x1F, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0}},
  {op::kPersistentReserveOut, 0x00, true, 10, {0x5F, 0x1F, 0xFF, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0}},
  {op::kPersistentReserveOut, 0x01, true, 10, {0x5F, 0x1F, 0xFF, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0}},
  {op::kPersistentReserveOut, 0x02, true, 10, {0x5F, 0x1F, 0xFF, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0}},
  {op::kPersistentReserveOut, 0x03, true, 10, {0x5F, 0x1F, 0xFF, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0}},
  {op::kPersistentReserveOut, 0x04, true, 10, {0x5F, 0x1F, 0xFF, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0}},
  {op::kPersistentReserveOut, 0x05, true, 10, {0x5F, 0x1F, 0xFF, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0}},
  {op::kPersistentReserveOut, 0x06, true, 10, {0x5F, 0x1F, 0xFF, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0}},
  {op::kPersistentReserveOut, 0x07, true, 10, {0x5F, 0x1F, 0xFF, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0}},
  {op::kExtendedCopy, op::kSaExtendedCopyLid1, true, 16, {0x83, 0x1F, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kReceiveCopyResults, op::kSaCopyStatus, true, 16, {0x84, 0x1F, 0xFF, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kReceiveCopyResults, op::kSaCopyOperatingParameters, true, 16, {0x84, 0x1F, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kRead16, 0, false, 16, {0x88, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kWrite16, 0, false, 16, {0x8A, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kCompareAndWrite, 0, false, 16, {0x89, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0xFF, 0, 0}},
  {op::kOrWrite16, 0, false, 16, {0x8B, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kWriteVerify16, 0, false, 16, {0x8E, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kVerify16, 0, false, 16, {0x8F, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kPrefetch16, 0, false, 16, {0x90, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kSyncCache16, 0, false, 16, {0x91, 0x02, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kWriteSame16, 0, false, 16, {0x93, 0x09, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}, false, 0x08},
  {op::kWriteAtomic16, 0, false, 16, {0x9C, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 0, 0}},
  {op::kServiceActionIn16, op::kSaReadCapacity16, true, 16, {0x9E, 0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0}},
  {op::kServiceActionIn16, op::kSaGetLbaStatus, true, 16, {0x9E, 0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kReportLuns, 0, false, 12, {0xA0, 0, 0xFF, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kMaintenanceIn, op::kSaReportTargetPortGroups, true, 12, {0xA3, 0xFF, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}, false, 0, true},
  {op::kMaintenanceIn, op::kSaReportSupportedOpcodes, true, 12, {0xA3, 0x1F, 0x87, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kMaintenanceIn, op::kSaReportSupportedTmfs, true, 12, {0xA3, 0x1F, 0x80, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kMaintenanceOut, op::kSaSetTargetPortGroups, true, 12, {0xA4, 0x1F, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}, false, 0, true, true},
  {op::kRead12, 0, false, 12, {0xA8, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kWrite12, 0, false, 12, {0xAA, 0x18, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kWriteVerify12, 0, false, 12, {0xAE, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kVerify12, 0, false, 12, {0xAF, 0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
  {op::kReadDefectData12, 0, false, 12, {0xB7, 0x1F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0}},
};
// clang-format on

constexpr uint32_t kRecommendedTimeoutSecs = 30;

void append_timeouts(std::vector<uint8_t>& d) {
  uint8_t t[12] = {};
  store_be16(t, 0x0A);
  store_be32(t + 8, kRecommendedTimeoutSecs);
  d.insert(d.end(), t, t + 12);
}

bool opcode_has_sa(uint8_t opcode) {
  for (const OpInfo& o : kOps)
    if (o.opcode == opcode) return o.has_sa;
  return opcode == op::kServiceActionIn16 || opcode == op::kMaintenanceIn;
}

// Whether the LU supports the command (thin-only and ALUA-only entries).
bool listed(const OpInfo& o, const LogicalUnit& lu) {
  const DeviceGroup* dg = lu.alua_group();
  return (lu.thin() || !o.thin_only) && (dg || !o.alua_only) && (!o.explicit_only || (dg && dg->explicit_access()));
}

const OpInfo* find(uint8_t opcode, uint16_t sa, bool match_sa, const LogicalUnit& lu) {
  for (const OpInfo& o : kOps)
    if (o.opcode == opcode && (!match_sa || o.sa == sa) && listed(o, lu)) return &o;
  return nullptr;
}

}  // namespace

Flow cmd_report_supported_opcodes(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  bool rctd = cdb[2] & 0x80;
  uint8_t options = cdb[2] & 0x07;
  uint8_t opcode = cdb[3];
  uint16_t sa = load_be16(cdb + 4);
  uint32_t alloc = load_be32(cdb + 6);
  bool thin = c.lu->thin();
  std::vector<uint8_t> d;

  if (options == 0) {
    d.assign(4, 0);
    for (const OpInfo& o : kOps) {
      if (!listed(o, *c.lu)) continue;
      uint8_t e[8] = {};
      e[0] = o.opcode;
      store_be16(e + 2, o.sa);
      e[5] = uint8_t((rctd ? 0x02 : 0) | (o.has_sa ? 0x01 : 0));  // CTDP, SERVACTV
      store_be16(e + 6, o.len);
      d.insert(d.end(), e, e + 8);
      if (rctd) append_timeouts(d);
    }
    store_be32(d.data(), uint32_t(d.size() - 4));
    return reply(c, d, alloc);
  }
  if (options > 3) return fail_cdb(c, 2, 2);
  bool has_sa = opcode_has_sa(opcode);
  if (options == 1 && has_sa) return fail_cdb(c, 2, 2);
  if (options == 2 && !has_sa) return fail_cdb(c, 2, 2);
  const OpInfo* o = find(opcode, sa, has_sa, *c.lu);
  d.assign(4, 0);
  if (!o) {
    d[1] = 0x01;  // SUPPORT: not supported
  } else {
    d[1] = uint8_t((rctd ? 0x80 : 0) | 0x03);  // CTDP, SUPPORT: supported (standard)
    store_be16(&d[2], o->len);
    d.insert(d.end(), o->usage, o->usage + o->len);
    if (!thin) d[5] &= uint8_t(~o->thin_bits1);
    if (rctd) append_timeouts(d);
  }
  return reply(c, d, alloc);
}

}  // namespace esan::scsi
