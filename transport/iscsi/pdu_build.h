// Target-to-initiator PDU headers, RFC 7143 §11: one struct per kind the
// target sends, named after its Opcode, its fields named as the RFC names
// them, and encode(), the one place that knows where each field sits in the
// 48-byte BHS. (Asynchronous Message is never sent, so it has none.)
//
// encode() starts from a zeroed Bhs, so reserved bytes are zero. It never
// sets TotalAHSLength (always 0: the target sends no AHS) nor
// DataSegmentLength: the sender (Connection::queue_pdu) sets that from the
// data it actually queues. Nothing is allocated; a header costs 48 bytes of
// stack.
#pragma once

#include <cstdint>
#include <cstring>

#include "common/bytes.h"
#include "transport/iscsi/pdu.h"

namespace esan::iscsi {

// StatSN, ExpCmdSN, MaxCmdSN: bytes 24..35 of every target-to-initiator PDU
// (RFC 7143 §11.2.2.2). Connection::next_sns() fills them.
struct SnFields {
  uint32_t stat_sn = 0;
  uint32_t exp_cmd_sn = 0;
  uint32_t max_cmd_sn = 0;
};

// The residual of a unidirectional command, carried by the SCSI Response
// and by a Data-In with status: the O and U flag bits and ResidualCount.
struct Residual {
  bool overflow = false;   // O: the command wanted more than the initiator expected
  bool underflow = false;  // U: it moved less than expected
  uint32_t count = 0;      // ResidualCount

  // The residual of a command that moved (or wanted to move) `actual` bytes
  // against the initiator's ExpectedDataTransferLength `expected`.
  static Residual of(uint32_t expected, uint32_t actual) {
    if (actual > expected) return {true, false, actual - expected};
    if (actual < expected) return {false, true, expected - actual};
    return {};
  }
  uint8_t flag_bits() const { return uint8_t((overflow ? 0x04 : 0) | (underflow ? 0x02 : 0)); }
};

namespace pdu_detail {
inline void put_sns(Bhs& h, const SnFields& sn) {
  store_be32(h.b + 24, sn.stat_sn);
  store_be32(h.b + 28, sn.exp_cmd_sn);
  store_be32(h.b + 32, sn.max_cmd_sn);
}
inline void put_head(Bhs& h, Opcode op, uint8_t flags) {
  h.b[0] = uint8_t(op);
  h.b[1] = flags;
}
}  // namespace pdu_detail

// SCSI Response (0x21), §11.4. Bidirectional residuals (o/u) are never set:
// bidirectional commands are rejected.
struct ScsiRsp {
  uint8_t response = 0;  // 0x00: Command Completed at Target
  uint8_t status = 0;    // SAM status
  Residual residual;
  uint32_t itt = 0;      // Initiator Task Tag
  SnFields sn;
  uint32_t exp_data_sn = 0;  // ExpDataSN: Data-In PDUs and R2Ts sent for the command

  Bhs encode() const {
    Bhs h;
    pdu_detail::put_head(h, Opcode::kScsiRsp, uint8_t(0x80 | residual.flag_bits()));
    h.b[2] = response;
    h.b[3] = status;
    store_be32(h.b + 16, itt);
    pdu_detail::put_sns(h, sn);
    store_be32(h.b + 36, exp_data_sn);
    store_be32(h.b + 44, residual.count);
    return h;
  }
};

// Data-In (0x25), §11.7. With status (S bit, which requires F), Status,
// StatSN and the residual are sent; without it they are reserved (zero),
// whatever the struct holds. The A bit is never set (ErrorRecoveryLevel 0).
struct DataIn {
  bool final = false;       // F: last PDU of the sequence
  bool has_status = false;  // S: the PDU carries the command's status
  uint8_t status = 0;
  Residual residual;
  uint64_t lun = 0;         // LUN field, encoded (encode_lun)
  uint32_t itt = 0;
  uint32_t ttt = kReservedTag;  // Target Transfer Tag: reserved without A
  SnFields sn;
  uint32_t data_sn = 0;
  uint32_t buffer_offset = 0;

  Bhs encode() const {
    Bhs h;
    uint8_t flags = final ? 0x80 : 0;
    if (has_status) flags |= uint8_t(0x01 | residual.flag_bits());
    pdu_detail::put_head(h, Opcode::kDataIn, flags);
    if (has_status) h.b[3] = status;
    store_be64(h.b + 8, lun);
    store_be32(h.b + 16, itt);
    store_be32(h.b + 20, ttt);
    pdu_detail::put_sns(h, {has_status ? sn.stat_sn : 0, sn.exp_cmd_sn, sn.max_cmd_sn});
    store_be32(h.b + 36, data_sn);
    store_be32(h.b + 40, buffer_offset);
    if (has_status) store_be32(h.b + 44, residual.count);
    return h;
  }
};

// Ready To Transfer (0x31), §11.8.
struct R2t {
  uint64_t lun = 0;  // encoded
  uint32_t itt = 0;
  uint32_t ttt = 0;  // the tag the initiator's Data-Out must carry
  SnFields sn;       // StatSN: the next StatSN, not advanced
  uint32_t r2t_sn = 0;
  uint32_t buffer_offset = 0;
  uint32_t desired_data_transfer_length = 0;

  Bhs encode() const {
    Bhs h;
    pdu_detail::put_head(h, Opcode::kR2t, 0x80);
    store_be64(h.b + 8, lun);
    store_be32(h.b + 16, itt);
    store_be32(h.b + 20, ttt);
    pdu_detail::put_sns(h, sn);
    store_be32(h.b + 36, r2t_sn);
    store_be32(h.b + 40, buffer_offset);
    store_be32(h.b + 44, desired_data_transfer_length);
    return h;
  }
};

// NOP-In (0x20), §11.19. A reply to a NOP-Out echoes its ITT and LUN with
// TTT 0xffffffff; an unsolicited one has ITT 0xffffffff (and a TTT when it
// asks for an answer).
struct NopIn {
  uint64_t lun = 0;  // encoded
  uint32_t itt = kReservedTag;
  uint32_t ttt = kReservedTag;
  SnFields sn;

  Bhs encode() const {
    Bhs h;
    pdu_detail::put_head(h, Opcode::kNopIn, 0x80);
    store_be64(h.b + 8, lun);
    store_be32(h.b + 16, itt);
    store_be32(h.b + 20, ttt);
    pdu_detail::put_sns(h, sn);
    return h;
  }
};

// Login Response (0x23), §11.13.
struct LoginRsp {
  bool transit = false;     // T
  bool continue_ = false;   // C
  uint8_t csg = 0;          // CSG
  uint8_t nsg = 0;          // NSG (meaningful with T)
  uint8_t version_max = 0;
  uint8_t version_active = 0;
  uint8_t isid[6] = {};
  uint16_t tsih = 0;
  uint32_t itt = 0;
  SnFields sn;
  uint8_t status_class = 0;
  uint8_t status_detail = 0;

  Bhs encode() const {
    Bhs h;
    uint8_t flags = uint8_t((transit ? 0x80 : 0) | (continue_ ? 0x40 : 0) | (csg & 3) << 2 | (nsg & 3));
    pdu_detail::put_head(h, Opcode::kLoginRsp, flags);
    h.b[2] = version_max;
    h.b[3] = version_active;
    std::memcpy(h.b + 8, isid, 6);
    store_be16(h.b + 14, tsih);
    store_be32(h.b + 16, itt);
    pdu_detail::put_sns(h, sn);
    h.b[36] = status_class;
    h.b[37] = status_detail;
    return h;
  }
};

// Text Response (0x24), §11.11. F and C are exclusive: C says more text
// follows, and then TTT is the tag the initiator's next Text Request echoes.
struct TextRsp {
  bool final = false;      // F
  bool continue_ = false;  // C
  uint32_t itt = 0;
  uint32_t ttt = kReservedTag;
  SnFields sn;

  Bhs encode() const {
    Bhs h;
    pdu_detail::put_head(h, Opcode::kTextRsp, uint8_t((final ? 0x80 : 0) | (continue_ ? 0x40 : 0)));
    store_be32(h.b + 16, itt);
    store_be32(h.b + 20, ttt);
    pdu_detail::put_sns(h, sn);
    return h;
  }
};

// Task Management Function Response (0x22), §11.6.
struct TmfRsp {
  uint8_t response = 0;  // §11.6.1 (0 = Function complete)
  uint32_t itt = 0;
  SnFields sn;

  Bhs encode() const {
    Bhs h;
    pdu_detail::put_head(h, Opcode::kTmfRsp, 0x80);
    h.b[2] = response;
    store_be32(h.b + 16, itt);
    pdu_detail::put_sns(h, sn);
    return h;
  }
};

// Logout Response (0x26), §11.15.
struct LogoutRsp {
  uint8_t response = 0;  // §11.15.1 (0 = closed successfully)
  uint32_t itt = 0;
  SnFields sn;
  uint16_t time2wait = 0;
  uint16_t time2retain = 0;

  Bhs encode() const {
    Bhs h;
    pdu_detail::put_head(h, Opcode::kLogoutRsp, 0x80);
    h.b[2] = response;
    store_be32(h.b + 16, itt);
    pdu_detail::put_sns(h, sn);
    store_be16(h.b + 40, time2wait);
    store_be16(h.b + 42, time2retain);
    return h;
  }
};

// Reject (0x3f), §11.17. ITT is always 0xffffffff; the data segment (queued
// by the sender) is the rejected PDU's header.
struct Reject {
  uint8_t reason = 0;  // RejectReason
  SnFields sn;
  uint32_t data_sn_r2t_sn = 0;  // DataSN/R2TSN: only for a rejected SNACK (never sent)

  Bhs encode() const {
    Bhs h;
    pdu_detail::put_head(h, Opcode::kReject, 0x80);
    h.b[2] = reason;
    store_be32(h.b + 16, kReservedTag);
    pdu_detail::put_sns(h, sn);
    store_be32(h.b + 36, data_sn_r2t_sn);
    return h;
  }
};

}  // namespace esan::iscsi
