// Per-state command gating for ALUA; see alua.h (alua_allows) and command.h
// (alua_refused). Runs on every command of a LU in a device group: no locks,
// one atomic load.
#include "scsi/alua.h"
#include "scsi/command.h"
#include "scsi/opcodes.h"

namespace esan::scsi {

namespace {

// Opcodes the gate must know although esan does not implement them (yet).
constexpr uint8_t kWriteBuffer = 0x3B;
constexpr uint8_t kReadBuffer = 0x3C;
constexpr uint8_t kLogSelect = 0x4C;
constexpr uint8_t kLogSense = 0x4D;
constexpr uint8_t kReceiveDiagnostic = 0x1C;
constexpr uint8_t kSendDiagnostic = 0x1D;
constexpr uint8_t kPersistentReserveOut = 0x5F;
constexpr uint8_t kSaReportSupportedTmf = 0x0D;
constexpr uint8_t kBufferModeEcho = 0x0A;
constexpr uint8_t kBufferModeEchoDescriptor = 0x0B;

uint8_t service_action(const uint8_t* cdb) { return cdb[1] & 0x1F; }

// Allowed in every state.
bool always_allowed(const uint8_t* cdb) {
  switch (cdb[0]) {
    case op::kInquiry:
    case op::kReportLuns:
    case op::kRequestSense: return true;
    case op::kMaintenanceIn: return service_action(cdb) == op::kSaReportTargetPortGroups;
    case kReadBuffer: return service_action(cdb) == kBufferModeEcho || service_action(cdb) == kBufferModeEchoDescriptor;
    case kWriteBuffer: return service_action(cdb) == kBufferModeEcho;
    default: return false;
  }
}

bool is_stpg(const uint8_t* cdb) { return cdb[0] == op::kMaintenanceOut && service_action(cdb) == op::kSaSetTargetPortGroups; }

// Allowed in standby beyond always_allowed() and STPG.
bool standby_allowed(const uint8_t* cdb) {
  switch (cdb[0]) {
    case op::kModeSense6:
    case op::kModeSense10:
    case op::kModeSelect6:
    case op::kModeSelect10:
    case kLogSense:
    case kLogSelect:
    case kReceiveDiagnostic:
    case kSendDiagnostic:
    case op::kPersistentReserveIn:
    case kPersistentReserveOut:
    case op::kReadCapacity10: return true;
    case op::kServiceActionIn16: return service_action(cdb) == op::kSaReadCapacity16;
    case op::kMaintenanceIn:
      return service_action(cdb) == op::kSaReportSupportedOpcodes || service_action(cdb) == kSaReportSupportedTmf;
    default: return false;
  }
}

}  // namespace

bool alua_allows(AluaState s, const uint8_t* cdb) {
  switch (s) {
    case AluaState::kActiveOptimized:
    case AluaState::kActiveNonOptimized: return true;
    case AluaState::kStandby: return always_allowed(cdb) || is_stpg(cdb) || standby_allowed(cdb);
    case AluaState::kUnavailable:
    case AluaState::kOffline: return always_allowed(cdb) || is_stpg(cdb);
    case AluaState::kTransitioning: return always_allowed(cdb);
  }
  return false;
}

uint16_t alua_refusal_asc(AluaState s) {
  switch (s) {
    case AluaState::kStandby: return asc::kNotAccessibleTargetPortStandby;
    case AluaState::kUnavailable: return asc::kNotAccessibleTargetPortUnavailable;
    case AluaState::kOffline: return asc::kNotReadyOffline;
    case AluaState::kTransitioning: return asc::kNotAccessibleAluaTransition;
    default: return asc::kNotReadyCauseNotReportable;
  }
}

bool alua_refused(Cmd& c) {
  const DeviceGroup* dg = c.lu ? c.lu->alua_group() : nullptr;
  if (!dg) return false;
  const TargetPortGroup* tpg = dg->group_of_port(c.nexus.rel_tgt_id);
  if (!tpg) return false;  // a port in no target group: active/optimized (as SCST)
  AluaState s = tpg->state();
  if (alua_allows(s, c.cdb)) return false;
  fail(c, Sense::make(SenseKey::kNotReady, alua_refusal_asc(s)));
  return true;
}

}  // namespace esan::scsi
