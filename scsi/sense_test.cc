#include "scsi/sense.h"

#include <gtest/gtest.h>

#include "scsi/task.h"

namespace esan::scsi {
namespace {

TEST(Sense, FixedFormatLayout) {
  uint8_t b[kMaxSenseLen];
  size_t n = SenseBuilder(false).build(Sense::illegal(asc::kLbaOutOfRange), b, sizeof b);
  ASSERT_EQ(n, 18u);
  EXPECT_EQ(b[0], 0x70);  // current, VALID=0
  EXPECT_EQ(b[2], 0x05);
  EXPECT_EQ(b[7], 10);
  EXPECT_EQ(b[12], 0x21);
  EXPECT_EQ(b[13], 0x00);
  EXPECT_EQ(b[15], 0x00);  // no SKSV
}

TEST(Sense, FixedFieldPointerCdbWithBit) {
  uint8_t b[kMaxSenseLen];
  size_t n = SenseBuilder(false).build(Sense::invalid_cdb(1, 7), b, sizeof b);
  ASSERT_EQ(n, 18u);
  EXPECT_EQ(b[12], 0x24);
  EXPECT_EQ(b[15], 0x80 | 0x40 | 0x08 | 7);  // SKSV, C/D=1, BPV, bit 7
  EXPECT_EQ(b[16], 0);
  EXPECT_EQ(b[17], 1);
}

TEST(Sense, FixedFieldPointerParameterListNoBit) {
  uint8_t b[kMaxSenseLen];
  SenseBuilder(false).build(Sense::invalid_param(0x123), b, sizeof b);
  EXPECT_EQ(b[12], 0x26);
  EXPECT_EQ(b[15], 0x80);  // SKSV, C/D=0, BPV=0
  EXPECT_EQ(b[16], 0x01);
  EXPECT_EQ(b[17], 0x23);
}

TEST(Sense, FixedInformationSetsValid) {
  Sense s = Sense::make(SenseKey::kMiscompare, asc::kMiscompareDuringVerify);
  s.information = 0x01020304;
  uint8_t b[kMaxSenseLen];
  SenseBuilder(false).build(s, b, sizeof b);
  EXPECT_EQ(b[0], 0xF0);
  EXPECT_EQ(b[2], 0x0E);
  EXPECT_EQ(b[3], 1);
  EXPECT_EQ(b[6], 4);
  EXPECT_EQ(b[12], 0x1D);
}

TEST(Sense, DescriptorFormatLayout) {
  Sense s = Sense::invalid_cdb(2, -1);
  s.information = 0x1122334455667788ull;
  uint8_t b[kMaxSenseLen];
  size_t n = SenseBuilder(true).build(s, b, sizeof b);
  ASSERT_EQ(n, 8u + 12u + 8u);
  EXPECT_EQ(b[0], 0x72);
  EXPECT_EQ(b[1], 0x05);
  EXPECT_EQ(b[2], 0x24);
  EXPECT_EQ(b[3], 0x00);
  EXPECT_EQ(b[7], 20);
  // information descriptor
  EXPECT_EQ(b[8], 0x00);
  EXPECT_EQ(b[9], 0x0A);
  EXPECT_EQ(b[10], 0x80);
  EXPECT_EQ(b[12], 0x11);
  EXPECT_EQ(b[19], 0x88);
  // sense key specific descriptor
  EXPECT_EQ(b[20], 0x02);
  EXPECT_EQ(b[21], 0x06);
  EXPECT_EQ(b[24], 0xC0);  // SKSV, C/D, no BPV
  EXPECT_EQ(b[25], 0);
  EXPECT_EQ(b[26], 2);
}

TEST(Sense, DescriptorWithoutExtras) {
  uint8_t b[kMaxSenseLen];
  size_t n = SenseBuilder(true).build(Sense::make(SenseKey::kUnitAttention, asc::kPowerOnOccurred), b, sizeof b);
  ASSERT_EQ(n, 8u);
  EXPECT_EQ(b[1], 0x06);
  EXPECT_EQ(b[2], 0x29);
  EXPECT_EQ(b[3], 0x01);
  EXPECT_EQ(b[7], 0);
}

TEST(Sense, BuildTruncatesToCapacity) {
  uint8_t b[10] = {};
  EXPECT_EQ(SenseBuilder(false).build(Sense::illegal(asc::kLbaOutOfRange), b, sizeof b), 10u);
  EXPECT_EQ(b[0], 0x70);
}

TEST(Sense, ParseRoundTripsBothFormats) {
  for (bool desc : {false, true}) {
    Sense s = Sense::invalid_param(9, 3);
    s.information = 77;
    uint8_t b[kMaxSenseLen];
    size_t n = SenseBuilder(desc).build(s, b, sizeof b);
    ParsedSense p = parse_sense(b, n);
    EXPECT_TRUE(p.valid);
    EXPECT_EQ(p.descriptor, desc);
    EXPECT_EQ(p.key, SenseKey::kIllegalRequest);
    EXPECT_EQ(p.asc, asc::kInvalidFieldInParameterList);
    EXPECT_TRUE(p.sksv);
    EXPECT_EQ(p.sks[0], 0x80 | 0x08 | 3);
    EXPECT_EQ(p.sks[2], 9);
    EXPECT_TRUE(p.info_valid);
    EXPECT_EQ(p.information, 77u);
  }
}

TEST(Sense, CheckConditionFillsTask) {
  Task t;
  check_condition(t, Sense::make(SenseKey::kDataProtect, asc::kWriteProtected), false);
  EXPECT_EQ(t.status, kCheckCondition);
  EXPECT_EQ(t.sense_len, 18);
  EXPECT_EQ(t.sense[2], 0x07);
  EXPECT_EQ(t.sense[12], 0x27);
}

}  // namespace
}  // namespace esan::scsi
