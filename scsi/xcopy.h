// Third-party copy (SPC-4 EXTENDED COPY / RECEIVE COPY RESULTS, LID1
// variants): the copy manager's limits, the parsed form of a parameter list,
// the per-nexus record of list identifiers, and the COPY ABORTED sense
// builder. Internal to the scsi layer (xcopy_parse.cc, xcopy_sense.cc,
// xcopy.cc, spc_inquiry.cc).
//
// Contract:
//  - parse_xcopy() validates a whole parameter list before any data moves
//    and resolves every identification CSCD descriptor (E4h, NAA designator
//    of LogicalUnit::naa_designator()) among the LUs the nexus sees. Errors
//    in the list itself are ILLEGAL REQUEST (PARAMETER LIST LENGTH ERROR,
//    TOO MANY TARGET/SEGMENT DESCRIPTORS, UNSUPPORTED TARGET/SEGMENT
//    DESCRIPTOR TYPE CODE, INLINE DATA LENGTH EXCEEDED, INVALID FIELD IN
//    PARAMETER LIST with a field pointer); a write-protected destination is
//    DATA PROTECT / WRITE PROTECTED; errors in a segment (unknown CSCD index,
//    unreachable CSCD, LBA range outside a CSCD, inexact segment) are COPY
//    ABORTED with the segment number, as SPC-4 prescribes for errors found
//    while processing segment descriptors.
//  - CopyResults lives on the Nexus and is touched only on the nexus'
//    thread (no locks). It holds the in-progress copies with a list id and
//    the results of finished LIST ID USAGE 00b copies, at most
//    kXcopyHeldResults (oldest evicted), until the nexus ends.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "scsi/sense.h"

namespace esan::scsi {

class LogicalUnit;
class Task;
struct Nexus;

// Copy manager limits (RECEIVE COPY RESULTS OPERATING PARAMETERS, VPD 8Fh).
inline constexpr uint16_t kXcopyMaxCscdDescriptors = 8;
inline constexpr uint16_t kXcopyMaxSegmentDescriptors = 64;
inline constexpr uint32_t kXcopyCscdDescriptorLen = 32;
inline constexpr uint32_t kXcopyB2bSegmentLen = 28;
inline constexpr uint32_t kXcopyMaxDescriptorListLength =
    kXcopyMaxCscdDescriptors * kXcopyCscdDescriptorLen + kXcopyMaxSegmentDescriptors * kXcopyB2bSegmentLen;
inline constexpr uint32_t kXcopyMaxSegmentBytes = 256u << 20;  // above any 02h segment (65535 x 4 KiB)
inline constexpr uint16_t kXcopyMaxConcurrentCopies = 16;     // per I_T nexus; more get TASK SET FULL
inline constexpr size_t kXcopyHeldResults = 16;                // finished results kept per I_T nexus
inline constexpr uint32_t kXcopyChunkBytes = 1u << 20;         // bounce buffer: read then write, 1 MiB at a time
// Descriptor type codes the copy manager implements.
inline constexpr uint8_t kXcopySegB2b = 0x02;
inline constexpr uint8_t kXcopyCscdIdentification = 0xE4;

// LIST ID USAGE (parameter list header byte 1 bits 4-3).
enum class ListIdUsage : uint8_t { kHold = 0, kDiscard = 2, kNone = 3 };

struct CopySegment {
  std::shared_ptr<LogicalUnit> src, dst;
  uint64_t src_off = 0, dst_off = 0, bytes = 0;  // byte offsets on the devices
};

struct CopyPlan {
  uint8_t list_id = 0;
  ListIdUsage usage = ListIdUsage::kHold;
  std::vector<CopySegment> segments;  // empty: nothing to copy (GOOD)
};

// COPY ABORTED sense content (SPC-4 EXTENDED COPY error reporting).
struct CopyAbort {
  uint16_t asc = asc::kNoAdditionalSense;
  uint16_t segment = 0;                // COMMAND-SPECIFIC INFORMATION bytes 2-3
  std::optional<uint16_t> seg_field;   // segment pointer (SD=1): byte within the segment descriptor
  // Status + sense the CSCD reported (forwarded): 1 = copy source, 2 = destination.
  uint8_t cscd_role = 0;
  Sense cscd_sense;
};

struct XcopyError {
  bool copy_aborted = false;
  Sense sense;      // when !copy_aborted
  CopyAbort abort;  // when copy_aborted
};

// Parses and validates an EXTENDED COPY (LID1) parameter list of `plist`
// bytes (the PARAMETER LIST LENGTH, already checked to be >= 1).
std::expected<CopyPlan, XcopyError> parse_xcopy(const Nexus& nexus, std::span<const uint8_t> plist);

// Sets CHECK CONDITION / COPY ABORTED on the task.
void copy_aborted(Task& t, const CopyAbort& a, bool desc);

struct CopyRecord {
  uint64_t lun = 0;
  uint8_t list_id = 0;
  bool hold = true;        // LIST ID USAGE 00b: kept after completion
  bool done = false;
  bool failed = false;
  uint16_t segments_processed = 0;
  uint64_t bytes = 0;      // transferred so far
};

struct CopyResults {
  std::deque<CopyRecord> records;  // in-progress and held, oldest first
  uint32_t active = 0;             // EXTENDED COPY commands running on this nexus

  CopyRecord* find(uint64_t lun, uint8_t list_id);
  // Replaces a finished record of the same id; evicts the oldest finished
  // records beyond kXcopyHeldResults.
  CopyRecord& start(uint64_t lun, uint8_t list_id, bool hold);
  // Marks the record done (or drops it when it was not to be held).
  void finish(uint64_t lun, uint8_t list_id, bool failed);
};

// RECEIVE COPY RESULTS OPERATING PARAMETERS data (SPC-4 6.18.4) for an LU
// of `block_size`; the LID1 limits above.
std::vector<uint8_t> xcopy_operating_parameters(uint32_t block_size);
// Third-party Copy VPD page 8Fh descriptors (SPC-4 7.8.17), without the
// 4-byte page header.
std::vector<uint8_t> xcopy_vpd_descriptors(uint32_t block_size);

}  // namespace esan::scsi
