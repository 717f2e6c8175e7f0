// PDU framing (contracts in pdu_frame.h).
#include "transport/iscsi/pdu_frame.h"

#include <cstring>

#include "common/bytes.h"
#include "common/crc32c.h"

namespace esan::iscsi {

PduFrame parse_frame(std::span<const uint8_t> in, bool hdr_digest, bool data_digest,
                     uint32_t max_data_len) {
  PduFrame f;
  if (in.size() < kBhsLen) return f;
  std::memcpy(f.bhs.b, in.data(), kBhsLen);
  uint32_t ahs = f.bhs.ahs_len();
  f.dlen = f.bhs.data_len();
  if (f.dlen > max_data_len) {
    f.kind = PduFrame::Kind::kOversized;
    return f;
  }
  size_t hlen = kBhsLen + ahs + (hdr_digest ? kDigestLen : 0);
  f.total = hlen + pad4(f.dlen) + (data_digest && f.dlen ? kDigestLen : 0);
  if (in.size() < f.total) return f;
  const uint8_t* p = in.data();
  if (hdr_digest && crc32c(p, kBhsLen + ahs) != load_digest(p + kBhsLen + ahs)) {
    f.kind = PduFrame::Kind::kHeaderDigestError;
    return f;
  }
  const uint8_t* data = p + hlen;
  if (data_digest && f.dlen && crc32c(data, pad4(f.dlen)) != load_digest(data + pad4(f.dlen))) {
    f.kind = PduFrame::Kind::kDataDigestError;
    return f;
  }
  f.kind = PduFrame::Kind::kPdu;
  f.ahs = p + kBhsLen;
  f.data = data;
  return f;
}

std::optional<std::span<const uint8_t>> extended_cdb(std::span<const uint8_t> ahs) {
  size_t off = 0;
  while (off < ahs.size()) {
    if (ahs.size() - off < 3) return std::nullopt;
    uint32_t len = load_be16(ahs.data() + off);
    uint8_t type = ahs[off + 2];
    if (ahs.size() - off - 3 < len) return std::nullopt;
    if (type == 0x01) {
      if (len == 0 || len - 1 > kMaxExtendedCdb) return std::nullopt;
      return ahs.subspan(off + 4, len - 1);
    }
    off += pad4(3 + len);
  }
  return std::span<const uint8_t>();
}

LoginRequest login_request(const Bhs& bhs, std::span<const uint8_t> text) {
  LoginRequest req{};
  req.transit = bhs.login_transit();
  req.cont = bhs.login_continue();
  req.csg = bhs.login_csg();
  req.nsg = bhs.login_nsg();
  req.version_max = bhs.version_max();
  req.version_min = bhs.version_min();
  std::memcpy(req.isid, bhs.isid(), 6);
  req.tsih = bhs.tsih();
  req.itt = bhs.itt();
  req.cid = bhs.cid();
  req.cmdsn = bhs.cmdsn();
  req.expstatsn = bhs.expstatsn();
  req.text = text;
  return req;
}

}  // namespace esan::iscsi
