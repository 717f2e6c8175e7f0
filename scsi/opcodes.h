// SCSI operation codes and service actions handled by (or known to) the
// scsi layer. Values from SPC-4 / SBC-3. Also their classification:
// cdb_length() (by opcode group) and op_class() (READ / WRITE / other).
#pragma once

#include <cstdint>

namespace esan::scsi::op {

inline constexpr uint8_t kTestUnitReady = 0x00;
inline constexpr uint8_t kRequestSense = 0x03;
inline constexpr uint8_t kRead6 = 0x08;
inline constexpr uint8_t kWrite6 = 0x0A;
inline constexpr uint8_t kInquiry = 0x12;
inline constexpr uint8_t kModeSelect6 = 0x15;
inline constexpr uint8_t kReserve6 = 0x16;
inline constexpr uint8_t kRelease6 = 0x17;
inline constexpr uint8_t kModeSense6 = 0x1A;
inline constexpr uint8_t kStartStopUnit = 0x1B;
inline constexpr uint8_t kPreventAllow = 0x1E;
inline constexpr uint8_t kReadCapacity10 = 0x25;
inline constexpr uint8_t kRead10 = 0x28;
inline constexpr uint8_t kWrite10 = 0x2A;
inline constexpr uint8_t kWriteVerify10 = 0x2E;
inline constexpr uint8_t kVerify10 = 0x2F;
inline constexpr uint8_t kPrefetch10 = 0x34;
inline constexpr uint8_t kSyncCache10 = 0x35;
inline constexpr uint8_t kReadDefectData10 = 0x37;
inline constexpr uint8_t kWriteSame10 = 0x41;
inline constexpr uint8_t kUnmap = 0x42;
inline constexpr uint8_t kSanitize = 0x48;
inline constexpr uint8_t kModeSelect10 = 0x55;
inline constexpr uint8_t kReserve10 = 0x56;
inline constexpr uint8_t kRelease10 = 0x57;
inline constexpr uint8_t kModeSense10 = 0x5A;
inline constexpr uint8_t kPersistentReserveIn = 0x5E;
inline constexpr uint8_t kPersistentReserveOut = 0x5F;
inline constexpr uint8_t kExtendedCopy = 0x83;
inline constexpr uint8_t kReceiveCopyResults = 0x84;
inline constexpr uint8_t kRead16 = 0x88;
inline constexpr uint8_t kWrite16 = 0x8A;
inline constexpr uint8_t kCompareAndWrite = 0x89;
inline constexpr uint8_t kOrWrite16 = 0x8B;
inline constexpr uint8_t kWriteVerify16 = 0x8E;
inline constexpr uint8_t kVerify16 = 0x8F;
inline constexpr uint8_t kPrefetch16 = 0x90;
inline constexpr uint8_t kSyncCache16 = 0x91;
inline constexpr uint8_t kWriteSame16 = 0x93;
inline constexpr uint8_t kWriteAtomic16 = 0x9C;
inline constexpr uint8_t kServiceActionIn16 = 0x9E;
inline constexpr uint8_t kReportLuns = 0xA0;
inline constexpr uint8_t kMaintenanceIn = 0xA3;
inline constexpr uint8_t kMaintenanceOut = 0xA4;
inline constexpr uint8_t kRead12 = 0xA8;
inline constexpr uint8_t kWrite12 = 0xAA;
inline constexpr uint8_t kWriteVerify12 = 0xAE;
inline constexpr uint8_t kVerify12 = 0xAF;
inline constexpr uint8_t kReadDefectData12 = 0xB7;

// EXTENDED COPY / RECEIVE COPY RESULTS (LID1)
inline constexpr uint8_t kSaExtendedCopyLid1 = 0x00;
inline constexpr uint8_t kSaCopyStatus = 0x00;
inline constexpr uint8_t kSaCopyOperatingParameters = 0x03;
// SERVICE ACTION IN(16)
inline constexpr uint8_t kSaReadCapacity16 = 0x10;
inline constexpr uint8_t kSaGetLbaStatus = 0x12;
// MAINTENANCE IN
inline constexpr uint8_t kSaReportTargetPortGroups = 0x0A;
inline constexpr uint8_t kSaReportSupportedOpcodes = 0x0C;
inline constexpr uint8_t kSaReportSupportedTmfs = 0x0D;
// MAINTENANCE OUT
inline constexpr uint8_t kSaSetTargetPortGroups = 0x0A;

// CDB length implied by the operation code's group (SPC-4 4.2.5.1);
// 0 for groups whose length is not defined by the opcode.
inline constexpr unsigned cdb_length(uint8_t opcode) {
  switch (opcode >> 5) {
    case 0: return 6;
    case 1:
    case 2: return 10;
    case 4: return 16;
    case 5: return 12;
    default: return 0;
  }
}

}  // namespace esan::scsi::op

namespace esan::scsi {

// The class of a command, one definition for everything that routes or
// counts by it: the dispatcher sends kRead to cmd_read and kWrite to
// cmd_write, and the statistics (LuStats, iscsi::SessionCounters) count
// commands and data bytes per class.
//  - kRead: READ(6/10/12/16).
//  - kWrite: WRITE(6/10/12/16) and WRITE AND VERIFY(10/12/16).
//  - kOther: every other opcode (VERIFY, WRITE SAME, COMPARE AND WRITE, ...).
enum class OpClass : uint8_t { kRead = 0, kWrite = 1, kOther = 2 };
inline constexpr int kOpClasses = 3;

constexpr OpClass op_class(uint8_t opcode) {
  switch (opcode) {
    case op::kRead6:
    case op::kRead10:
    case op::kRead12:
    case op::kRead16: return OpClass::kRead;
    case op::kWrite6:
    case op::kWrite10:
    case op::kWrite12:
    case op::kWrite16:
    case op::kWriteVerify10:
    case op::kWriteVerify12:
    case op::kWriteVerify16: return OpClass::kWrite;
    default: return OpClass::kOther;
  }
}

// "read", "write", "other": the label the metrics and JSON use.
constexpr const char* op_class_name(OpClass c) {
  switch (c) {
    case OpClass::kRead: return "read";
    case OpClass::kWrite: return "write";
    case OpClass::kOther: break;
  }
  return "other";
}

}  // namespace esan::scsi
