// iSCSI PDU basic header segment (BHS) codec, RFC 7143 §11.
//
// Bhs is the raw 48-byte header with typed accessors for the PDUs an
// initiator sends; nothing is copied or converted until a field is read.
// The PDUs the target sends are built by pdu_build.h; the setters below
// exist for tests that forge requests. Padding: data segments
// are padded to a multiple of 4 bytes on the wire (pad4()).
#pragma once

#include <cstdint>
#include <cstring>

#include "common/bytes.h"

namespace esan::iscsi {

constexpr size_t kBhsLen = 48;
constexpr size_t kDigestLen = 4;

enum class Opcode : uint8_t {
  // initiator -> target
  kNopOut = 0x00,
  kScsiCmd = 0x01,
  kTmfReq = 0x02,
  kLoginReq = 0x03,
  kTextReq = 0x04,
  kDataOut = 0x05,
  kLogoutReq = 0x06,
  kSnackReq = 0x10,
  // target -> initiator
  kNopIn = 0x20,
  kScsiRsp = 0x21,
  kTmfRsp = 0x22,
  kLoginRsp = 0x23,
  kTextRsp = 0x24,
  kDataIn = 0x25,
  kLogoutRsp = 0x26,
  kR2t = 0x31,
  kAsyncMsg = 0x32,
  kReject = 0x3f,
};

// Reject reasons (RFC 7143 §11.17.1).
enum RejectReason : uint8_t {
  kRejectDigestError = 0x02,
  kRejectSnackReject = 0x03,
  kRejectProtocolError = 0x04,
  kRejectCmdNotSupported = 0x05,
  kRejectImmCmdReject = 0x06,
  kRejectTaskInProgress = 0x07,
  kRejectInvalidDataAck = 0x08,
  kRejectInvalidPduField = 0x09,
  kRejectOutOfResources = 0x0a,
  kRejectNegotiationReset = 0x0b,
  kRejectWaitingForLogout = 0x0c,
};

constexpr uint32_t kReservedTag = 0xffffffff;

inline uint32_t pad4(uint32_t n) { return (n + 3) & ~3u; }

// CRC32C digests travel least-significant byte first (as Linux and libiscsi
// put them on the wire).
inline uint32_t load_digest(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
inline void store_digest(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v); p[1] = uint8_t(v >> 8); p[2] = uint8_t(v >> 16); p[3] = uint8_t(v >> 24);
}

struct Bhs {
  uint8_t b[kBhsLen] = {};

  // ---- common fields ----
  Opcode opcode() const { return Opcode(b[0] & 0x3f); }
  bool immediate() const { return b[0] & 0x40; }
  bool final_bit() const { return b[1] & 0x80; }
  uint8_t flags() const { return b[1]; }
  uint32_t ahs_len() const { return uint32_t(b[4]) * 4; }  // bytes
  uint32_t data_len() const { return load_be24(b + 5); }
  uint64_t lun_raw() const { return load_be64(b + 8); }
  uint32_t itt() const { return load_be32(b + 16); }
  uint32_t u32(size_t off) const { return load_be32(b + off); }

  // Raw setters, for tests: responses are built by pdu_build.h.
  void set_opcode(Opcode op) { b[0] = uint8_t(op); }
  void set_flags(uint8_t f) { b[1] = f; }
  void set_data_len(uint32_t n) { store_be24(b + 5, n); }
  void set_lun_raw(uint64_t l) { store_be64(b + 8, l); }
  void set_itt(uint32_t t) { store_be32(b + 16, t); }
  void set_u32(size_t off, uint32_t v) { store_be32(b + off, v); }

  // ---- SCSI Command (0x01) ----
  bool cmd_read() const { return b[1] & 0x40; }
  bool cmd_write() const { return b[1] & 0x20; }
  uint8_t cmd_attr() const { return b[1] & 0x07; }
  uint32_t cmd_edtl() const { return u32(20); }
  uint32_t cmdsn() const { return u32(24); }
  uint32_t expstatsn() const { return u32(28); }
  const uint8_t* cdb() const { return b + 32; }

  // ---- Data-Out (0x05) ----
  uint32_t ttt() const { return u32(20); }
  uint32_t datasn() const { return u32(36); }
  uint32_t buffer_offset() const { return u32(40); }

  // ---- TMF Request (0x02) ----
  uint8_t tmf_function() const { return b[1] & 0x7f; }
  uint32_t tmf_ref_itt() const { return u32(20); }
  uint32_t tmf_refcmdsn() const { return u32(32); }

  // ---- Logout Request (0x06) ----
  uint8_t logout_reason() const { return b[1] & 0x7f; }
  uint16_t logout_cid() const { return load_be16(b + 20); }

  // ---- Login Request (0x03) ----
  bool login_transit() const { return b[1] & 0x80; }
  bool login_continue() const { return b[1] & 0x40; }
  uint8_t login_csg() const { return (b[1] >> 2) & 3; }
  uint8_t login_nsg() const { return b[1] & 3; }
  uint8_t version_max() const { return b[2]; }
  uint8_t version_min() const { return b[3]; }
  const uint8_t* isid() const { return b + 8; }
  uint16_t tsih() const { return load_be16(b + 14); }
  uint16_t cid() const { return load_be16(b + 20); }

  // ---- Text Request (0x04) ----
  bool text_continue() const { return b[1] & 0x40; }
};

// LUN field <-> LUN number (SAM-5 peripheral and flat addressing, single level).
inline uint64_t decode_lun(uint64_t raw) {
  uint8_t method = uint8_t(raw >> 62);
  uint64_t first = raw >> 48;
  if (method == 0) return (first >> 8) & 0x3f ? UINT64_MAX : first & 0xff;  // peripheral, bus 0 only
  if (method == 1) return first & 0x3fff;        // flat space
  return UINT64_MAX;                             // unsupported addressing: no such LUN
}
inline uint64_t encode_lun(uint64_t lun) {
  if (lun < 256) return lun << 48;
  return (uint64_t(0x4000 | (lun & 0x3fff))) << 48;
}

}  // namespace esan::iscsi
