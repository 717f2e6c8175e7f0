#include "transport/iscsi/pdu_frame.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/crc32c.h"

namespace esan::iscsi {
namespace {

using Kind = PduFrame::Kind;
using Bytes = std::vector<uint8_t>;

// One PDU on the wire: BHS (opcode, AHS, data length), AHS, [header
// digest], data padded to 4, [data digest when data is non-empty].
Bytes wire(uint8_t opcode, const Bytes& ahs, const Bytes& data, bool hd, bool dd) {
  Bytes p(kBhsLen, 0);
  p[0] = opcode;
  p[4] = uint8_t(ahs.size() / 4);
  store_be24(p.data() + 5, uint32_t(data.size()));
  p.insert(p.end(), ahs.begin(), ahs.end());
  if (hd) {
    uint8_t d[4];
    store_digest(d, crc32c(p.data(), p.size()));
    p.insert(p.end(), d, d + 4);
  }
  size_t data_at = p.size();
  p.insert(p.end(), data.begin(), data.end());
  p.resize(data_at + pad4(uint32_t(data.size())), 0);
  if (dd && !data.empty()) {
    uint8_t d[4];
    store_digest(d, crc32c(p.data() + data_at, p.size() - data_at));
    p.insert(p.end(), d, d + 4);
  }
  return p;
}

TEST(PduFrame, NeedsTheWholeBhsBeforeKnowingTheLength) {
  Bytes p = wire(0x01, {}, {1, 2, 3}, false, false);
  PduFrame f = parse_frame({p.data(), kBhsLen - 1}, false, false, 8192);
  EXPECT_EQ(f.kind, Kind::kNeedMore);
  EXPECT_EQ(f.total, 0u);
}

TEST(PduFrame, TotalCountsAhsPaddingAndDigests) {
  Bytes ahs(8, 0), data(5, 0xab);
  for (bool hd : {false, true})
    for (bool dd : {false, true}) {
      Bytes p = wire(0x01, ahs, data, hd, dd);
      size_t want = kBhsLen + 8 + (hd ? 4 : 0) + 8 + (dd ? 4 : 0);
      ASSERT_EQ(p.size(), want);
      PduFrame partial = parse_frame({p.data(), p.size() - 1}, hd, dd, 8192);
      EXPECT_EQ(partial.kind, Kind::kNeedMore);
      EXPECT_EQ(partial.total, want);
      PduFrame f = parse_frame(p, hd, dd, 8192);
      ASSERT_EQ(f.kind, Kind::kPdu) << hd << dd;
      EXPECT_EQ(f.total, want);
      EXPECT_EQ(f.dlen, 5u);
      EXPECT_EQ(f.ahs, p.data() + kBhsLen);
      EXPECT_EQ(f.data, p.data() + kBhsLen + 8 + (hd ? 4 : 0));
      EXPECT_EQ(f.data[4], 0xab);
    }
}

TEST(PduFrame, NoDataDigestWithoutData) {
  Bytes p = wire(0x00, {}, {}, false, true);
  PduFrame f = parse_frame(p, false, true, 8192);
  ASSERT_EQ(f.kind, Kind::kPdu);
  EXPECT_EQ(f.total, kBhsLen);
}

TEST(PduFrame, OversizedIsDecidedFromTheBhsAlone) {
  Bytes p = wire(0x04, {}, Bytes(100), false, false);
  PduFrame f = parse_frame({p.data(), kBhsLen}, false, false, 99);
  EXPECT_EQ(f.kind, Kind::kOversized);
  EXPECT_EQ(f.dlen, 100u);
  EXPECT_EQ(parse_frame(p, false, false, 100).kind, Kind::kPdu);
}

TEST(PduFrame, DigestErrors) {
  Bytes p = wire(0x05, {}, {9, 9, 9, 9}, true, true);
  Bytes bad_hdr = p;
  bad_hdr[20] ^= 1;
  EXPECT_EQ(parse_frame(bad_hdr, true, true, 8192).kind, Kind::kHeaderDigestError);
  Bytes bad_data = p;
  bad_data[kBhsLen + 4] ^= 1;
  PduFrame f = parse_frame(bad_data, true, true, 8192);
  EXPECT_EQ(f.kind, Kind::kDataDigestError);
  EXPECT_EQ(f.total, p.size());  // the caller can skip it
  EXPECT_EQ(f.bhs.opcode(), Opcode::kDataOut);
  // A wrong digest is only an error when that digest was negotiated.
  Bytes no_digests = wire(0x05, {}, {9, 9, 9, 9}, false, false);
  EXPECT_EQ(parse_frame(no_digests, false, false, 8192).kind, Kind::kPdu);
}

Bytes ext_cdb_ahs(uint16_t ahs_length, size_t bytes) {
  Bytes a(bytes, 0);
  store_be16(a.data(), ahs_length);
  a[2] = 0x01;
  for (size_t i = 4; i < bytes; ++i) a[i] = uint8_t(0x10 + i - 4);
  return a;
}

TEST(PduFrame, ExtendedCdb) {
  auto none = extended_cdb({});
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  Bytes a = ext_cdb_ahs(17, 20);  // a 32-byte CDB
  auto ext = extended_cdb(a);
  ASSERT_TRUE(ext);
  ASSERT_EQ(ext->size(), 16u);
  EXPECT_EQ((*ext)[0], 0x10);
  EXPECT_EQ((*ext)[15], 0x1f);
  // After a Bidirectional Read Expected Data Transfer Length AHS (type 2).
  Bytes list = {0x00, 0x05, 0x02, 0, 0, 0, 0x10, 0};
  Bytes tail = ext_cdb_ahs(5, 8);  // a 20-byte CDB
  list.insert(list.end(), tail.begin(), tail.end());
  ext = extended_cdb(list);
  ASSERT_TRUE(ext);
  EXPECT_EQ(ext->size(), 4u);
  EXPECT_EQ((*ext)[0], 0x10);
}

// Regression: the Extended-CDB AHS used to be trusted. AHSLength 0 wrapped
// around to a 16-byte copy, and an AHSLength larger than the AHS segment
// copied bytes from beyond it (the data segment or the next PDU).
TEST(PduFrame, MalformedExtendedCdbAhs) {
  EXPECT_FALSE(extended_cdb(ext_cdb_ahs(0, 4)));
  EXPECT_FALSE(extended_cdb(ext_cdb_ahs(17, 4)));
  EXPECT_FALSE(extended_cdb(ext_cdb_ahs(18, 24)));  // a 33-byte CDB
  Bytes short_list = {0x00, 0x08, 0x02, 0};        // AHS longer than the segment
  EXPECT_FALSE(extended_cdb(short_list));
}

TEST(PduFrame, LoginRequestFields) {
  Bhs b;
  b.b[0] = 0x43;
  b.b[1] = 0x80 | 0x40 | (1 << 2) | 3;  // T, C, CSG=1, NSG=3
  b.b[2] = 2;                           // version max
  b.b[3] = 1;                           // version min
  for (int i = 0; i < 6; ++i) b.b[8 + i] = uint8_t(0xa0 + i);
  store_be16(b.b + 14, 0x1234);  // TSIH
  b.set_itt(0x55);
  store_be16(b.b + 20, 7);  // CID
  b.set_u32(24, 100);       // CmdSN
  b.set_u32(28, 200);       // ExpStatSN
  uint8_t text[] = {'a', '=', 'b', 0};
  LoginRequest r = login_request(b, text);
  EXPECT_TRUE(r.transit);
  EXPECT_TRUE(r.cont);
  EXPECT_EQ(r.csg, 1);
  EXPECT_EQ(r.nsg, 3);
  EXPECT_EQ(r.version_max, 2);
  EXPECT_EQ(r.version_min, 1);
  EXPECT_EQ(r.isid[0], 0xa0);
  EXPECT_EQ(r.isid[5], 0xa5);
  EXPECT_EQ(r.tsih, 0x1234);
  EXPECT_EQ(r.itt, 0x55u);
  EXPECT_EQ(r.cid, 7);
  EXPECT_EQ(r.cmdsn, 100u);
  EXPECT_EQ(r.expstatsn, 200u);
  EXPECT_EQ(r.text.data(), text);
  EXPECT_EQ(r.text.size(), 4u);
}

}  // namespace
}  // namespace esan::iscsi
