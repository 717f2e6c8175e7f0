#include "scsi/sense.h"

#include <cstring>

#include "common/bytes.h"
#include "scsi/task.h"

namespace esan::scsi {
namespace {

// Sense-key specific bytes for a field pointer (SPC-4 4.5.2.4.2).
void encode_field_pointer(const FieldPointer& f, uint8_t* sks) {
  sks[0] = 0x80;  // SKSV
  if (f.cdb) sks[0] |= 0x40;
  if (f.bit >= 0 && f.bit <= 7) sks[0] |= 0x08 | uint8_t(f.bit);
  store_be16(sks + 1, f.byte);
}

void encode_sks(const Sense& s, uint8_t* sks) {
  if (s.progress) {
    sks[0] = 0x80;  // SKSV
    store_be16(sks + 1, *s.progress);
  } else {
    encode_field_pointer(*s.field, sks);
  }
}

}  // namespace

size_t SenseBuilder::build(const Sense& s, uint8_t* out, size_t cap) const {
  uint8_t buf[kMaxSenseLen] = {};
  size_t len;
  if (!descriptor_) {
    buf[0] = 0x70;
    buf[2] = uint8_t(s.key) & 0x0F;
    if (s.information && *s.information <= 0xFFFFFFFFu) {
      buf[0] |= 0x80;  // VALID
      store_be32(buf + 3, uint32_t(*s.information));
    }
    buf[7] = 10;  // additional sense length
    buf[12] = uint8_t(s.asc >> 8);
    buf[13] = uint8_t(s.asc);
    if (s.field || s.progress) encode_sks(s, buf + 15);
    len = 18;
  } else {
    buf[0] = 0x72;
    buf[1] = uint8_t(s.key) & 0x0F;
    buf[2] = uint8_t(s.asc >> 8);
    buf[3] = uint8_t(s.asc);
    len = 8;
    if (s.information) {
      uint8_t* d = buf + len;
      d[0] = 0x00;  // information descriptor
      d[1] = 0x0A;
      d[2] = 0x80;  // VALID
      store_be64(d + 4, *s.information);
      len += 12;
    }
    if (s.field || s.progress) {
      uint8_t* d = buf + len;
      d[0] = 0x02;  // sense key specific descriptor
      d[1] = 0x06;
      encode_sks(s, d + 4);
      len += 8;
    }
    buf[7] = uint8_t(len - 8);
  }
  if (len > cap) len = cap;
  std::memcpy(out, buf, len);
  return len;
}

void check_condition(Task& task, const Sense& s, bool desc) {
  task.status = kCheckCondition;
  task.sense_len = uint8_t(SenseBuilder(desc).build(s, task.sense, sizeof(task.sense)));
}

ParsedSense parse_sense(const uint8_t* p, size_t len) {
  ParsedSense r;
  if (len < 8) return r;
  uint8_t code = p[0] & 0x7F;
  if (code == 0x70 || code == 0x71) {
    if (len < 14) return r;
    r.valid = true;
    r.key = SenseKey(p[2] & 0x0F);
    r.asc = uint16_t(p[12] << 8 | p[13]);
    r.info_valid = p[0] & 0x80;
    r.information = load_be32(p + 3);
    if (len >= 18 && (p[15] & 0x80)) {
      r.sksv = true;
      std::memcpy(r.sks, p + 15, 3);
    }
  } else if (code == 0x72 || code == 0x73) {
    r.valid = true;
    r.descriptor = true;
    r.key = SenseKey(p[1] & 0x0F);
    r.asc = uint16_t(p[2] << 8 | p[3]);
    size_t end = 8 + size_t(p[7]);
    if (end > len) end = len;
    for (size_t off = 8; off + 2 <= end;) {
      uint8_t type = p[off];
      size_t dlen = 2 + size_t(p[off + 1]);
      if (off + dlen > end) break;
      if (type == 0x00 && dlen >= 12) {
        r.info_valid = p[off + 2] & 0x80;
        r.information = load_be64(p + off + 4);
      } else if (type == 0x02 && dlen >= 8 && (p[off + 4] & 0x80)) {
        r.sksv = true;
        std::memcpy(r.sks, p + off + 4, 3);
      }
      off += dlen;
    }
  }
  return r;
}

}  // namespace esan::scsi
