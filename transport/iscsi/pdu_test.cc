#include "transport/iscsi/pdu.h"

#include <gtest/gtest.h>

#include "common/crc32c.h"

namespace esan::iscsi {
namespace {

TEST(Pdu, ScsiCommandFields) {
  Bhs b;
  b.b[0] = 0x41;  // immediate SCSI Command
  b.b[1] = 0x80 | 0x40 | 0x01;
  store_be24(b.b + 5, 512);
  b.set_lun_raw(encode_lun(3));
  b.set_itt(0x12345678);
  b.set_u32(20, 4096);
  b.set_u32(24, 77);
  b.set_u32(28, 5);
  b.b[32] = 0x28;
  EXPECT_EQ(b.opcode(), Opcode::kScsiCmd);
  EXPECT_TRUE(b.immediate());
  EXPECT_TRUE(b.final_bit());
  EXPECT_TRUE(b.cmd_read());
  EXPECT_FALSE(b.cmd_write());
  EXPECT_EQ(b.cmd_attr(), 1);
  EXPECT_EQ(b.data_len(), 512u);
  EXPECT_EQ(decode_lun(b.lun_raw()), 3u);
  EXPECT_EQ(b.itt(), 0x12345678u);
  EXPECT_EQ(b.cmd_edtl(), 4096u);
  EXPECT_EQ(b.cmdsn(), 77u);
  EXPECT_EQ(b.expstatsn(), 5u);
  EXPECT_EQ(b.cdb()[0], 0x28);
}

TEST(Pdu, LoginFields) {
  Bhs b;
  b.b[0] = 0x43;
  b.b[1] = 0x80 | (1 << 2) | 3;  // T, CSG=1, NSG=3
  b.b[2] = 0;
  b.b[3] = 0;
  const uint8_t isid[6] = {0x80, 1, 2, 3, 4, 5};
  memcpy(b.b + 8, isid, 6);
  store_be16(b.b + 14, 9);
  store_be16(b.b + 20, 2);
  EXPECT_EQ(b.opcode(), Opcode::kLoginReq);
  EXPECT_TRUE(b.login_transit());
  EXPECT_FALSE(b.login_continue());
  EXPECT_EQ(b.login_csg(), 1);
  EXPECT_EQ(b.login_nsg(), 3);
  EXPECT_EQ(memcmp(b.isid(), isid, 6), 0);
  EXPECT_EQ(b.tsih(), 9);
  EXPECT_EQ(b.cid(), 2);
}

TEST(Pdu, DataOutAndTmfFields) {
  Bhs d;
  d.set_opcode(Opcode::kDataOut);
  d.set_u32(20, 0xabc);
  d.set_u32(36, 4);
  d.set_u32(40, 8192);
  EXPECT_EQ(d.ttt(), 0xabcu);
  EXPECT_EQ(d.datasn(), 4u);
  EXPECT_EQ(d.buffer_offset(), 8192u);

  Bhs t;
  t.b[0] = 0x42;
  t.b[1] = 0x80 | 5;
  t.set_u32(20, 0x99);
  t.set_u32(32, 1234);
  EXPECT_EQ(t.tmf_function(), 5);
  EXPECT_EQ(t.tmf_ref_itt(), 0x99u);
  EXPECT_EQ(t.tmf_refcmdsn(), 1234u);
}

TEST(Pdu, LunAddressing) {
  EXPECT_EQ(encode_lun(0), 0u);
  EXPECT_EQ(encode_lun(1), 0x0001000000000000ull);
  EXPECT_EQ(encode_lun(300), 0x412c000000000000ull);  // flat space
  for (uint64_t l : {0ull, 1ull, 255ull, 256ull, 16383ull}) EXPECT_EQ(decode_lun(encode_lun(l)), l);
  EXPECT_EQ(decode_lun(0x0105000000000000ull), UINT64_MAX);  // peripheral, bus 1
  EXPECT_EQ(decode_lun(0x8000000000000000ull), UINT64_MAX);  // extended addressing
}

TEST(Pdu, PaddingAndDigestByteOrder) {
  EXPECT_EQ(pad4(0), 0u);
  EXPECT_EQ(pad4(1), 4u);
  EXPECT_EQ(pad4(4), 4u);
  EXPECT_EQ(pad4(5), 8u);
  uint8_t buf[4];
  store_digest(buf, 0x11223344);
  EXPECT_EQ(buf[0], 0x44);
  EXPECT_EQ(buf[3], 0x11);
  EXPECT_EQ(load_digest(buf), 0x11223344u);
  // A header digest computed over a BHS verifies against itself.
  Bhs b;
  b.set_opcode(Opcode::kNopOut);
  store_digest(buf, crc32c(b.b, kBhsLen));
  EXPECT_EQ(load_digest(buf), crc32c(b.b, kBhsLen));
}

}  // namespace
}  // namespace esan::iscsi
