// Fuzz target: the iSCSI receive path's PDU decoding (transport/iscsi/
// pdu_frame.h, pdu.h, text.h): framing with header and data digests on and
// off, the Extended-CDB AHS, the LUN field, Login Request fields, and the
// text data of Login and Text Requests.
//
// Input: byte 0 selects the mode: bit 0 header digest, bit 1 data digest,
// bit 2 repair the digests of complete PDUs first (so inputs get past the
// CRC checks), bits 3-4 the data length limit (8192, 65536, 262144, 512).
// The rest is the received byte stream, parsed PDU by PDU as
// Connection::parse_pdus() does.
//
// Oracles: each PDU's length matches one computed here from the BHS; every
// proper prefix of a PDU is "need more"; repaired digests always verify; the
// AHS and data pointers and the extended CDB lie inside the PDU; LUN
// decode/encode and text parse/encode round trip.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "common/bytes.h"
#include "common/crc32c.h"
#include "tests/fuzz/fuzz_check.h"
#include "transport/iscsi/pdu_frame.h"
#include "transport/iscsi/text.h"

using namespace esan;
using namespace esan::iscsi;

namespace {

constexpr uint32_t kLimits[] = {8192, 65536, 262144, 512};

size_t expected_total(const uint8_t* p, bool hd, bool dd) {
  uint32_t ahs = uint32_t(p[4]) * 4;
  uint32_t dlen = uint32_t(p[5]) << 16 | uint32_t(p[6]) << 8 | p[7];
  return kBhsLen + ahs + (hd ? 4 : 0) + ((dlen + 3) & ~3u) + (dd && dlen ? 4 : 0);
}

void repair_digests(uint8_t* p, size_t n, bool hd, bool dd, uint32_t limit) {
  size_t off = 0;
  while (n - off >= kBhsLen) {
    uint8_t* q = p + off;
    uint32_t ahs = uint32_t(q[4]) * 4;
    uint32_t dlen = load_be24(q + 5);
    size_t total = expected_total(q, hd, dd);
    if (dlen > limit || n - off < total) return;
    if (hd) store_digest(q + kBhsLen + ahs, crc32c(q, kBhsLen + ahs));
    uint8_t* data = q + kBhsLen + ahs + (hd ? 4 : 0);
    if (dd && dlen) store_digest(data + pad4(dlen), crc32c(data, pad4(dlen)));
    off += total;
  }
}

void check_text(const uint8_t* data, uint32_t dlen) {
  std::vector<uint8_t> text(data, data + dlen);  // exactly dlen bytes: ASan sees over-reads
  auto pairs = parse_text(text);
  if (!pairs) return;
  for (auto& [k, v] : *pairs) {
    FUZZ_CHECK(!k.empty() && k.size() <= kMaxKeyLength && v.size() <= kMaxValueLength,
               "parse_text returned a pair outside its limits");
    FUZZ_CHECK(k.find('=') == std::string::npos && k.find('\0') == std::string::npos &&
                   v.find('\0') == std::string::npos,
               "parse_text returned a key with '=' or a NUL");
  }
  auto again = parse_text(encode_text(*pairs));
  FUZZ_CHECK(again && *again == *pairs, "text does not round trip through encode_text");
}

void decode(const PduFrame& f) {
  const Bhs& bhs = f.bhs;
  std::vector<uint8_t> ahs(f.ahs, f.ahs + bhs.ahs_len());
  if (auto ext = extended_cdb(ahs)) {
    FUZZ_CHECK(ext->size() <= kMaxExtendedCdb, "extended CDB longer than 16 bytes");
    if (!ext->empty())
      FUZZ_CHECK(ext->data() >= ahs.data() && ext->data() + ext->size() <= ahs.data() + ahs.size(),
                 "extended CDB outside the AHS");
    uint8_t cdb[32];
    std::memcpy(cdb, bhs.cdb(), 16);
    if (!ext->empty()) std::memcpy(cdb + 16, ext->data(), ext->size());
  }
  uint64_t lun = decode_lun(bhs.lun_raw());
  if (lun != UINT64_MAX) FUZZ_CHECK(decode_lun(encode_lun(lun)) == lun, "LUN does not round trip");
  switch (bhs.opcode()) {
    case Opcode::kLoginReq: {
      LoginRequest r = login_request(bhs, {f.data, f.dlen});
      FUZZ_CHECK(r.csg <= 3 && r.nsg <= 3, "login stage out of range");
      FUZZ_CHECK(r.text.size() == f.dlen, "login text length");
      check_text(f.data, f.dlen);
      break;
    }
    case Opcode::kTextReq: check_text(f.data, f.dlen); break;
    default: break;
  }
}

}  // namespace

ESAN_FUZZ_QUIET_LOGS()

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* in, size_t size) {
  if (size < 1) return 0;
  bool hd = in[0] & 1, dd = in[0] & 2, repair = in[0] & 4;
  uint32_t limit = kLimits[(in[0] >> 3) & 3];
  size_t n = size - 1;
  // Exactly n bytes on the heap, so any read past the stream is an ASan error.
  std::unique_ptr<uint8_t[]> buf(new uint8_t[n ? n : 1]);
  if (n) std::memcpy(buf.get(), in + 1, n);
  if (repair) repair_digests(buf.get(), n, hd, dd, limit);

  size_t off = 0;
  while (off <= n) {
    std::span<const uint8_t> rest(buf.get() + off, n - off);
    PduFrame f = parse_frame(rest, hd, dd, limit);
    if (rest.size() < kBhsLen) {
      FUZZ_CHECK(f.kind == PduFrame::Kind::kNeedMore && f.total == 0, "short input not need-more");
      break;
    }
    if (f.kind == PduFrame::Kind::kOversized) {
      FUZZ_CHECK(f.dlen > limit && f.dlen == f.bhs.data_len(), "oversized verdict");
      break;
    }
    size_t want = expected_total(rest.data(), hd, dd);
    FUZZ_CHECK(f.total == want, "PDU length differs from the BHS's");
    if (f.kind == PduFrame::Kind::kNeedMore) {
      FUZZ_CHECK(want > rest.size(), "need-more for a complete PDU");
      break;
    }
    FUZZ_CHECK(f.total <= rest.size(), "PDU longer than the input");
    // Every proper prefix (that holds a BHS) asks for more, with the same total.
    for (size_t cut : {kBhsLen, f.total - 1, (kBhsLen + f.total) / 2}) {
      if (cut < kBhsLen || cut >= f.total) continue;
      PduFrame p = parse_frame(rest.first(cut), hd, dd, limit);
      FUZZ_CHECK(p.kind == PduFrame::Kind::kNeedMore && p.total == f.total, "prefix verdict");
    }
    if (f.kind == PduFrame::Kind::kHeaderDigestError) {
      FUZZ_CHECK(hd && !repair, "header digest error without a bad header digest");
      break;
    }
    if (f.kind == PduFrame::Kind::kDataDigestError) {
      FUZZ_CHECK(dd && !repair, "data digest error without a bad data digest");
      off += f.total;  // as Connection does for Data-Out: skip it
      continue;
    }
    FUZZ_CHECK(f.kind == PduFrame::Kind::kPdu, "unknown verdict");
    FUZZ_CHECK(f.dlen == f.bhs.data_len(), "dlen");
    FUZZ_CHECK(f.ahs == rest.data() + kBhsLen, "AHS pointer");
    FUZZ_CHECK(f.data == rest.data() + kBhsLen + f.bhs.ahs_len() + (hd ? 4 : 0), "data pointer");
    FUZZ_CHECK(f.data + pad4(f.dlen) <= rest.data() + rest.size(), "data outside the PDU");
    decode(f);
    off += f.total;
  }
  return 0;
}
