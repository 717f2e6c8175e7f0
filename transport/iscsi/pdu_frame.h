// PDU framing: where one iSCSI PDU ends in a received byte stream, and
// whether its digests hold (RFC 7143 §11.1-11.2), and decoders of PDU parts
// the BHS accessors (pdu.h) do not cover. Pure functions, no state:
// Connection::parse_pdus() calls parse_frame() in a loop over its receive
// buffer; the fuzz target tests/fuzz/fuzz_pdu.cc drives them directly.
//
// Contracts of parse_frame(in, hdr_digest, data_digest, max_data_len):
// - Fewer than 48 bytes: kNeedMore with total 0 (the length is not known).
// - DataSegmentLength above max_data_len: kOversized, decided from the BHS
//   alone (before the rest of the PDU arrived).
// - Otherwise total = BHS + AHS + [header digest] + padded data +
//   [data digest, only when the data segment is non-empty]; fewer than
//   total bytes available: kNeedMore with that total.
// - A header digest that does not match BHS+AHS: kHeaderDigestError (the
//   stream cannot be trusted). A data digest that does not match the padded
//   data: kDataDigestError (the header is good: bhs, dlen and total are set,
//   so the caller can skip the PDU).
// - kPdu: ahs points at the AHS (bhs.ahs_len() bytes), data at the data
//   segment (dlen bytes, padding excluded), both inside `in`.
// - Never reads outside `in`.
//
// extended_cdb(ahs): the CDB bytes beyond the first 16 that an
// Extended-CDB AHS (type 1, RFC 7143 §11.2.2-11.2.3) carries, from the first
// such AHS of the list. An AHS is 2 bytes AHSLength, 1 byte AHSType and
// AHSLength bytes (the first of them reserved), padded to 4 bytes. Empty
// span: no Extended-CDB AHS. nullopt: a malformed AHS list (an AHS running
// past the end of the segment, or an Extended-CDB AHS with AHSLength 0 or
// above 17, i.e. a CDB longer than 32 bytes).
//
// login_request(bhs, text): the LoginNegotiator's view of a Login Request
// BHS, with `text` (the reassembled data segments) as its text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "transport/iscsi/login_negotiator.h"
#include "transport/iscsi/pdu.h"

namespace esan::iscsi {

struct PduFrame {
  enum class Kind : uint8_t { kNeedMore, kPdu, kOversized, kHeaderDigestError, kDataDigestError };
  Kind kind = Kind::kNeedMore;
  Bhs bhs;                       // set unless kNeedMore with total 0
  const uint8_t* ahs = nullptr;  // kPdu
  const uint8_t* data = nullptr; // kPdu
  uint32_t dlen = 0;             // DataSegmentLength
  size_t total = 0;              // bytes the whole PDU occupies (0: unknown yet)
};

PduFrame parse_frame(std::span<const uint8_t> in, bool hdr_digest, bool data_digest,
                  uint32_t max_data_len);

// Longest Extended-CDB AHS payload: CDB bytes 16..31.
inline constexpr size_t kMaxExtendedCdb = 16;

std::optional<std::span<const uint8_t>> extended_cdb(std::span<const uint8_t> ahs);

LoginRequest login_request(const Bhs& bhs, std::span<const uint8_t> text);

}  // namespace esan::iscsi
