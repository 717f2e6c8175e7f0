// COPY ABORTED sense data for EXTENDED COPY (SPC-4 "errors detected during
// processing of segment descriptors").
//
// Fixed format (70h): COMMAND-SPECIFIC INFORMATION = SOURCE SENSE DATA
// OFFSET, DESTINATION SENSE DATA OFFSET, SEGMENT NUMBER (2 bytes); the
// sense-key specific bytes carry a segment pointer (SD=1) when a field of
// the segment descriptor is at fault; a CSCD's status byte and its (fixed
// format) sense data follow at byte 18, which the offset then points to.
// Descriptor format (72h): a command-specific information descriptor with
// the segment number in its third and fourth bytes, a sense-key specific
// descriptor for the segment pointer, and a forwarded sense data descriptor
// (0Ch, SENSE DATA SOURCE 1 = copy source, 2 = copy destination) for the
// CSCD's status and sense.
#include <cstring>

#include "common/bytes.h"
#include "scsi/task.h"
#include "scsi/xcopy.h"

namespace esan::scsi {

void copy_aborted(Task& t, const CopyAbort& a, bool desc) {
  uint8_t b[kMaxSenseLen] = {};
  size_t len;
  if (!desc) {
    b[0] = 0x70;
    b[2] = uint8_t(SenseKey::kCopyAborted);
    store_be16(b + 10, a.segment);
    b[12] = uint8_t(a.asc >> 8);
    b[13] = uint8_t(a.asc);
    if (a.seg_field) {
      b[15] = 0x80 | 0x20;  // SKSV, SD: field pointer within the segment descriptor
      store_be16(b + 16, *a.seg_field);
    }
    len = 18;
    if (a.cscd_role) {
      b[a.cscd_role == 1 ? 8 : 9] = uint8_t(len);
      b[len++] = kCheckCondition;
      len += SenseBuilder(false).build(a.cscd_sense, b + len, sizeof(b) - len);
    }
  } else {
    b[0] = 0x72;
    b[1] = uint8_t(SenseKey::kCopyAborted);
    b[2] = uint8_t(a.asc >> 8);
    b[3] = uint8_t(a.asc);
    len = 8;
    b[len] = 0x01;  // command-specific information
    b[len + 1] = 0x0A;
    store_be16(b + len + 6, a.segment);
    len += 12;
    if (a.seg_field) {
      b[len] = 0x02;  // sense key specific
      b[len + 1] = 0x06;
      b[len + 4] = 0x80 | 0x20;
      store_be16(b + len + 5, *a.seg_field);
      len += 8;
    }
    if (a.cscd_role) {
      uint8_t* d = b + len;
      d[0] = 0x0C;  // forwarded sense data
      d[2] = a.cscd_role;
      d[3] = kCheckCondition;
      size_t n = SenseBuilder(true).build(a.cscd_sense, d + 4, sizeof(b) - len - 4);
      d[1] = uint8_t(2 + n);
      len += 4 + n;
    }
  }
  b[7] = uint8_t(len - 8);
  t.status = kCheckCondition;
  std::memcpy(t.sense, b, len);
  t.sense_len = uint8_t(len);
}

}  // namespace esan::scsi
