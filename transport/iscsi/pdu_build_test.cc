// Each builder of pdu_build.h puts its named fields at the RFC 7143 §11
// offsets: every test fills every field with a distinct value and checks
// the whole 48-byte header, byte by byte.
#include "transport/iscsi/pdu_build.h"

#include <gtest/gtest.h>

#include <array>

namespace esan::iscsi {
namespace {

using Bytes = std::array<uint8_t, kBhsLen>;

Bytes bytes(const Bhs& h) {
  Bytes out;
  std::memcpy(out.data(), h.b, kBhsLen);
  return out;
}

// StatSN 0x01020304, ExpCmdSN 0x05060708, MaxCmdSN 0x090a0b0c at 24..35.
constexpr SnFields kSn{0x01020304, 0x05060708, 0x090a0b0c};
#define SN_BYTES 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c

TEST(PduBuild, ResidualOf) {
  Residual over = Residual::of(512, 4096);
  EXPECT_TRUE(over.overflow);
  EXPECT_FALSE(over.underflow);
  EXPECT_EQ(over.count, 3584u);
  EXPECT_EQ(over.flag_bits(), 0x04);
  Residual under = Residual::of(4096, 512);
  EXPECT_FALSE(under.overflow);
  EXPECT_TRUE(under.underflow);
  EXPECT_EQ(under.count, 3584u);
  EXPECT_EQ(under.flag_bits(), 0x02);
  Residual exact = Residual::of(512, 512);
  EXPECT_EQ(exact.flag_bits(), 0);
  EXPECT_EQ(exact.count, 0u);
}

TEST(PduBuild, ScsiRsp) {
  ScsiRsp r;
  r.response = 0x01;
  r.status = 0x02;  // CHECK CONDITION
  r.residual = Residual::of(0x1000, 0x200);
  r.itt = 0xa1a2a3a4;
  r.sn = kSn;
  r.exp_data_sn = 0xb1b2b3b4;
  Bytes want = {0x21, 0x82, 0x01, 0x02, 0, 0, 0, 0,                // opcode, F|U, Response, Status
                0, 0, 0, 0, 0, 0, 0, 0,                            // reserved
                0xa1, 0xa2, 0xa3, 0xa4, 0, 0, 0, 0,                // ITT, SNACK Tag
                SN_BYTES,
                0xb1, 0xb2, 0xb3, 0xb4, 0, 0, 0, 0,                // ExpDataSN, bidi residual
                0, 0, 0x0e, 0x00};                                 // ResidualCount
  EXPECT_EQ(bytes(r.encode()), want);
  r.residual = Residual::of(0x200, 0x1000);
  EXPECT_EQ(r.encode().b[1], 0x84);  // F|O
}

TEST(PduBuild, DataInWithStatus) {
  DataIn d;
  d.final = d.has_status = true;
  d.status = 0x00;
  d.residual = Residual::of(0x300, 0x100);
  d.lun = encode_lun(5);
  d.itt = 0xa1a2a3a4;
  d.sn = kSn;
  d.data_sn = 0xc1c2c3c4;
  d.buffer_offset = 0xd1d2d3d4;
  Bytes want = {0x25, 0x83, 0, 0x00, 0, 0, 0, 0,                  // F|U|S, Status
                0, 5, 0, 0, 0, 0, 0, 0,                           // LUN
                0xa1, 0xa2, 0xa3, 0xa4, 0xff, 0xff, 0xff, 0xff,   // ITT, TTT
                SN_BYTES,
                0xc1, 0xc2, 0xc3, 0xc4, 0xd1, 0xd2, 0xd3, 0xd4,   // DataSN, Buffer Offset
                0, 0, 0x02, 0x00};                                // ResidualCount
  EXPECT_EQ(bytes(d.encode()), want);
  d.status = 0x02;
  EXPECT_EQ(d.encode().b[3], 0x02);
}

TEST(PduBuild, DataInWithoutStatusLeavesStatusFieldsReserved) {
  DataIn d;
  d.status = 0x02;                      // ignored without S
  d.residual = Residual::of(0x300, 0);  // ignored without S
  d.lun = encode_lun(1);
  d.itt = 7;
  d.sn = kSn;                           // StatSN is reserved without S
  d.data_sn = 3;
  d.buffer_offset = 0x2000;
  Bytes want = {0x25, 0x00, 0, 0, 0, 0, 0, 0,
                0, 1, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 7, 0xff, 0xff, 0xff, 0xff,
                0, 0, 0, 0, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
                0, 0, 0, 3, 0, 0, 0x20, 0x00,
                0, 0, 0, 0};
  EXPECT_EQ(bytes(d.encode()), want);
}

TEST(PduBuild, R2t) {
  R2t r;
  r.lun = encode_lun(300);
  r.itt = 0xa1a2a3a4;
  r.ttt = 0xe1e2e3e4;
  r.sn = kSn;
  r.r2t_sn = 0xc1c2c3c4;
  r.buffer_offset = 0xd1d2d3d4;
  r.desired_data_transfer_length = 0x00040000;
  Bytes want = {0x31, 0x80, 0, 0, 0, 0, 0, 0,
                0x41, 0x2c, 0, 0, 0, 0, 0, 0,                     // LUN 300, flat space
                0xa1, 0xa2, 0xa3, 0xa4, 0xe1, 0xe2, 0xe3, 0xe4,   // ITT, TTT
                SN_BYTES,
                0xc1, 0xc2, 0xc3, 0xc4, 0xd1, 0xd2, 0xd3, 0xd4,   // R2TSN, Buffer Offset
                0x00, 0x04, 0x00, 0x00};                          // Desired Data Transfer Length
  EXPECT_EQ(bytes(r.encode()), want);
}

TEST(PduBuild, NopIn) {
  NopIn unsolicited;  // ITT and TTT default to 0xffffffff
  unsolicited.sn = kSn;
  Bytes want = {0x20, 0x80, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0,
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                SN_BYTES,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(bytes(unsolicited.encode()), want);

  NopIn reply;
  reply.lun = 0x0102030405060708;
  reply.itt = 0xa1a2a3a4;
  reply.sn = kSn;
  Bhs h = reply.encode();
  EXPECT_EQ(bytes(h)[8], 0x01);
  EXPECT_EQ(bytes(h)[15], 0x08);
  EXPECT_EQ(h.itt(), 0xa1a2a3a4u);
  EXPECT_EQ(h.ttt(), 0xffffffffu);
}

TEST(PduBuild, LoginRsp) {
  LoginRsp r;
  r.transit = true;
  r.csg = 1;
  r.nsg = 3;
  r.version_max = 0x00;
  r.version_active = 0x00;
  const uint8_t isid[6] = {0x80, 0x11, 0x22, 0x33, 0x44, 0x55};
  std::memcpy(r.isid, isid, 6);
  r.tsih = 0x6789;
  r.itt = 0xa1a2a3a4;
  r.sn = kSn;
  r.status_class = 0x03;
  r.status_detail = 0x02;
  Bytes want = {0x23, 0x87, 0, 0, 0, 0, 0, 0,                     // T, CSG=1, NSG=3
                0x80, 0x11, 0x22, 0x33, 0x44, 0x55, 0x67, 0x89,   // ISID, TSIH
                0xa1, 0xa2, 0xa3, 0xa4, 0, 0, 0, 0,
                SN_BYTES,
                0x03, 0x02, 0, 0, 0, 0, 0, 0,                     // Status-Class, Status-Detail
                0, 0, 0, 0};
  EXPECT_EQ(bytes(r.encode()), want);

  LoginRsp ack;  // acknowledges a C=1 request: C, T and NSG clear
  ack.csg = 1;
  EXPECT_EQ(ack.encode().b[1], 0x04);
  ack.continue_ = true;
  ack.version_max = 0x10;
  ack.version_active = 0x20;
  EXPECT_EQ(ack.encode().b[1], 0x44);
  EXPECT_EQ(ack.encode().b[2], 0x10);
  EXPECT_EQ(ack.encode().b[3], 0x20);
}

TEST(PduBuild, TextRsp) {
  TextRsp r;
  r.continue_ = true;
  r.itt = 0xa1a2a3a4;
  r.ttt = 0xe1e2e3e4;
  r.sn = kSn;
  Bytes want = {0x24, 0x40, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0,
                0xa1, 0xa2, 0xa3, 0xa4, 0xe1, 0xe2, 0xe3, 0xe4,
                SN_BYTES,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(bytes(r.encode()), want);
  r.continue_ = false;
  r.final = true;
  EXPECT_EQ(r.encode().b[1], 0x80);
}

TEST(PduBuild, TmfRsp) {
  TmfRsp r;
  r.response = 0x05;
  r.itt = 0xa1a2a3a4;
  r.sn = kSn;
  Bytes want = {0x22, 0x80, 0x05, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0,
                0xa1, 0xa2, 0xa3, 0xa4, 0, 0, 0, 0,
                SN_BYTES,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(bytes(r.encode()), want);
}

TEST(PduBuild, LogoutRsp) {
  LogoutRsp r;
  r.response = 0x02;
  r.itt = 0xa1a2a3a4;
  r.sn = kSn;
  r.time2wait = 0x1234;
  r.time2retain = 0x5678;
  Bytes want = {0x26, 0x80, 0x02, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0,
                0xa1, 0xa2, 0xa3, 0xa4, 0, 0, 0, 0,
                SN_BYTES,
                0, 0, 0, 0, 0x12, 0x34, 0x56, 0x78,               // Time2Wait, Time2Retain
                0, 0, 0, 0};
  EXPECT_EQ(bytes(r.encode()), want);
}

TEST(PduBuild, Reject) {
  Reject r;
  r.reason = kRejectProtocolError;
  r.sn = kSn;
  r.data_sn_r2t_sn = 0xc1c2c3c4;
  Bytes want = {0x3f, 0x80, 0x04, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0,
                0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0,               // ITT 0xffffffff
                SN_BYTES,
                0xc1, 0xc2, 0xc3, 0xc4, 0, 0, 0, 0,               // DataSN/R2TSN
                0, 0, 0, 0};
  EXPECT_EQ(bytes(r.encode()), want);
}

}  // namespace
}  // namespace esan::iscsi
