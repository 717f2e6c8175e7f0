#include <gtest/gtest.h>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

std::vector<uint8_t> prin(uint8_t sa, uint16_t alloc) {
  std::vector<uint8_t> c(10, 0);
  c[0] = op::kPersistentReserveIn;
  c[1] = sa;
  store_be16(&c[7], alloc);
  return c;
}

TEST(PersistentReserveIn, FreshLuReportsNothingHeld) {
  Fixture f;
  for (uint8_t sa : {0, 1, 3}) {
    Task t = f.run(prin(sa, 16384), DataDir::kIn, {}, 16384);
    expect_good(t);
    ASSERT_EQ(t.data.size(), 8u) << "sa " << int(sa);
    EXPECT_EQ(load_be32(t.data.data()), 0u);      // PRGENERATION
    EXPECT_EQ(load_be32(t.data.data() + 4), 0u);  // ADDITIONAL LENGTH: no keys
  }
}

TEST(PersistentReserveIn, ReportCapabilitiesListsAllSixTypes) {
  Fixture f;
  Task t = f.run(prin(2, 8), DataDir::kIn, {}, 8);
  expect_good(t);
  ASSERT_EQ(t.data.size(), 8u);
  EXPECT_EQ(load_be16(t.data.data()), 8u);
  EXPECT_EQ(t.data.data()[3] & 0x80, 0x80);        // TMV
  EXPECT_EQ(load_be16(t.data.data() + 4), 0xEA01);  // WE, EA, WERO, EARO, WEAR, EAAR
}

TEST(PersistentReserveIn, TruncatesToAllocationLength) {
  Fixture f;
  Task t = f.run(prin(0, 4), DataDir::kIn, {}, 4);
  expect_good(t);
  EXPECT_EQ(t.data.size(), 4u);
}

TEST(PersistentReserveIn, UnknownServiceActionPointsAtByte1Bit4) {
  Fixture f;
  for (uint8_t sa = 4; sa < 0x20; ++sa) {
    Task t = f.run(prin(sa, 64), DataDir::kIn, {}, 64);
    expect_invalid_cdb(t, 1, 4);
  }
}

}  // namespace
}  // namespace esan::scsi
