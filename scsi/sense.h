// Sense data: sense keys, additional sense codes and a builder that produces
// either fixed-format (70h) or descriptor-format (72h) sense data.
//
// Contract:
//  - Asc values pack ASC and ASCQ as (ASC << 8) | ASCQ.
//  - SenseBuilder::build() writes at most kMaxSenseLen bytes and returns the
//    number written. Fixed format is 18 bytes; descriptor format is 8 bytes
//    plus one descriptor per optional field set (information, sense-key
//    specific).
//  - A progress indication (sense-key specific, SKSV=1) is emitted when set
//    (NOT READY during a sanitize operation).
//  - A field pointer (sense-key specific, SKSV=1) is emitted for ILLEGAL
//    REQUEST sense: C/D=1 points into the CDB, C/D=0 into the parameter list;
//    BPV=1 with a bit pointer when the offending bit is known.
//  - check_condition() fills Task::status/sense/sense_len; the format is the
//    caller's choice (the LU's D_SENSE bit from the control mode page).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace esan::scsi {

class Task;

enum class SenseKey : uint8_t {
  kNoSense = 0x0,
  kRecoveredError = 0x1,
  kNotReady = 0x2,
  kMediumError = 0x3,
  kHardwareError = 0x4,
  kIllegalRequest = 0x5,
  kUnitAttention = 0x6,
  kDataProtect = 0x7,
  kBlankCheck = 0x8,
  kVendorSpecific = 0x9,
  kCopyAborted = 0xA,
  kAbortedCommand = 0xB,
  kMiscompare = 0xE,
};

// Additional sense code and qualifier, (ASC << 8) | ASCQ.
namespace asc {
inline constexpr uint16_t kNoAdditionalSense = 0x0000;
inline constexpr uint16_t kOperationInProgress = 0x0016;
inline constexpr uint16_t kUnreachableCopyTarget = 0x0804;
inline constexpr uint16_t kNotReadyCauseNotReportable = 0x0400;
inline constexpr uint16_t kBecomingReady = 0x0401;  // LOGICAL UNIT IS IN PROCESS OF BECOMING READY
inline constexpr uint16_t kNotAccessibleAluaTransition = 0x040A;   // asymmetric access state transition
inline constexpr uint16_t kNotAccessibleTargetPortStandby = 0x040B;
inline constexpr uint16_t kNotAccessibleTargetPortUnavailable = 0x040C;
inline constexpr uint16_t kNotReadyOffline = 0x0412;  // target port group offline (ALUA)
inline constexpr uint16_t kSanitizeInProgress = 0x041B;
inline constexpr uint16_t kWriteError = 0x0C00;
inline constexpr uint16_t kCopyTargetDeviceNotReachable = 0x0D02;
inline constexpr uint16_t kInvalidFieldInInformationUnit = 0x0E03;
inline constexpr uint16_t kUnrecoveredReadError = 0x1100;
inline constexpr uint16_t kParameterListLengthError = 0x1A00;
inline constexpr uint16_t kMiscompareDuringVerify = 0x1D00;
inline constexpr uint16_t kInvalidCommandOperationCode = 0x2000;
inline constexpr uint16_t kLbaOutOfRange = 0x2100;
inline constexpr uint16_t kInvalidFieldInCdb = 0x2400;
inline constexpr uint16_t kLogicalUnitNotSupported = 0x2500;
inline constexpr uint16_t kInvalidFieldInParameterList = 0x2600;
inline constexpr uint16_t kInvalidReleaseOfPersistentReservation = 0x2604;
inline constexpr uint16_t kTooManyTargetDescriptors = 0x2606;
inline constexpr uint16_t kUnsupportedTargetDescriptorTypeCode = 0x2607;
inline constexpr uint16_t kTooManySegmentDescriptors = 0x2608;
inline constexpr uint16_t kUnsupportedSegmentDescriptorTypeCode = 0x2609;
inline constexpr uint16_t kUnexpectedInexactSegment = 0x260A;
inline constexpr uint16_t kInlineDataLengthExceeded = 0x260B;
inline constexpr uint16_t kWriteProtected = 0x2700;
inline constexpr uint16_t kSpaceAllocationFailedWriteProtect = 0x2707;
inline constexpr uint16_t kPowerOnResetOrBusDeviceReset = 0x2900;
inline constexpr uint16_t kPowerOnOccurred = 0x2901;
inline constexpr uint16_t kScsiBusResetOccurred = 0x2902;
inline constexpr uint16_t kBusDeviceResetFunctionOccurred = 0x2903;
inline constexpr uint16_t kItNexusLossOccurred = 0x2907;
inline constexpr uint16_t kModeParametersChanged = 0x2A01;
inline constexpr uint16_t kReservationsPreempted = 0x2A03;
inline constexpr uint16_t kReservationsReleased = 0x2A04;
inline constexpr uint16_t kRegistrationsPreempted = 0x2A05;
inline constexpr uint16_t kAsymmetricAccessStateChanged = 0x2A06;
inline constexpr uint16_t kCapacityDataHasChanged = 0x2A09;
inline constexpr uint16_t kCommandsClearedByAnotherInitiator = 0x2F00;
inline constexpr uint16_t kSanitizeCommandFailed = 0x3103;
inline constexpr uint16_t kSavingParametersNotSupported = 0x3900;
inline constexpr uint16_t kMediumNotPresent = 0x3A00;
inline constexpr uint16_t kMediumNotPresentTrayClosed = 0x3A01;
inline constexpr uint16_t kMediumNotPresentTrayOpen = 0x3A02;
inline constexpr uint16_t kInquiryDataHasChanged = 0x3F03;
inline constexpr uint16_t kReportedLunsDataHasChanged = 0x3F0E;
inline constexpr uint16_t kInternalTargetFailure = 0x4400;
inline constexpr uint16_t kProtocolServiceCrcError = 0x4705;  // iSCSI data digest error
inline constexpr uint16_t kDataPhaseError = 0x4B00;
inline constexpr uint16_t kMediumRemovalPrevented = 0x5302;
inline constexpr uint16_t kInsufficientRegistrationResources = 0x5504;
inline constexpr uint16_t kSetTargetPortGroupsFailed = 0x670A;
}  // namespace asc

// Where an invalid field is: in the CDB (cdb=true) or the parameter list.
struct FieldPointer {
  bool cdb = true;
  uint16_t byte = 0;
  int8_t bit = -1;  // 0..7, or -1 when not known (BPV=0)
};

// The content of one sense report, independent of its format.
struct Sense {
  SenseKey key = SenseKey::kNoSense;
  uint16_t asc = asc::kNoAdditionalSense;
  std::optional<FieldPointer> field;  // sense-key specific field pointer
  std::optional<uint64_t> information;
  // Sense-key specific progress indication (NOT READY), 0..65535 of 65536;
  // used instead of `field`.
  std::optional<uint16_t> progress;

  static Sense make(SenseKey k, uint16_t a) { return Sense{k, a, std::nullopt, std::nullopt, std::nullopt}; }
  static Sense invalid_cdb(uint16_t byte, int8_t bit = -1) {
    return Sense{SenseKey::kIllegalRequest, asc::kInvalidFieldInCdb, FieldPointer{true, byte, bit}, std::nullopt, std::nullopt};
  }
  static Sense invalid_param(uint16_t byte, int8_t bit = -1) {
    return Sense{SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList, FieldPointer{false, byte, bit},
                 std::nullopt, std::nullopt};
  }
  static Sense illegal(uint16_t a) { return make(SenseKey::kIllegalRequest, a); }
};

inline constexpr size_t kMaxSenseLen = 96;

class SenseBuilder {
 public:
  explicit SenseBuilder(bool descriptor_format) : descriptor_(descriptor_format) {}
  // Writes the sense bytes for `s` into out (capacity `cap`), returns length.
  size_t build(const Sense& s, uint8_t* out, size_t cap) const;

 private:
  bool descriptor_;
};

// Sets CHECK CONDITION with `s` on the task, in descriptor format when `desc`.
void check_condition(Task& task, const Sense& s, bool desc);

// Parsed view of sense bytes (either format), for tests and logs.
struct ParsedSense {
  bool valid = false;
  bool descriptor = false;
  SenseKey key = SenseKey::kNoSense;
  uint16_t asc = 0;
  bool sksv = false;
  uint8_t sks[3] = {};
  bool info_valid = false;
  uint64_t information = 0;
};
ParsedSense parse_sense(const uint8_t* p, size_t len);

}  // namespace esan::scsi
