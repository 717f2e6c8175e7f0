// READ CAPACITY(16) logical blocks per physical block exponent and the Block
// Limits granularities that follow from it (lb_per_pb_exp).
#include <gtest/gtest.h>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

std::vector<uint8_t> rc16() {
  std::vector<uint8_t> c(16, 0);
  c[0] = op::kServiceActionIn16;
  c[1] = op::kSaReadCapacity16;
  store_be32(&c[10], 32);
  return c;
}
std::vector<uint8_t> vpd(uint8_t page) { return {op::kInquiry, 1, page, 0, 255, 0}; }

LuConfig cfg(uint32_t bs, bool exp, bool thin) {
  LuConfig c = named("d");
  c.block_size = bs;
  c.lb_per_pb_exp = exp;
  c.thin_provisioned = thin;
  return c;
}

TEST(Capacity, ExponentFromPhysicalBlockSize) {
  Fixture f(cfg(512, true, true));  // MemDevice: 4096-byte physical blocks
  EXPECT_EQ(f.lu->lbppb(), 8u);
  Task t = f.run(rc16(), DataDir::kIn, {}, 32);
  expect_good(t);
  EXPECT_EQ(t.data.data()[13] & 0x0F, 3);
  EXPECT_EQ(load_be16(t.data.data() + 14) & 0x3FFF, 0);  // LOWEST ALIGNED LBA
  Task b0 = f.run(vpd(0xB0), DataDir::kIn, {}, 255);
  expect_good(b0);
  EXPECT_EQ(load_be16(b0.data.data() + 6), 8);   // OPTIMAL TRANSFER LENGTH GRANULARITY
  EXPECT_EQ(load_be32(b0.data.data() + 28), 8u);  // OPTIMAL UNMAP GRANULARITY
}

TEST(Capacity, ExponentZeroWhenDisabledOrNotLarger) {
  Fixture off(cfg(512, false, true));
  Task t = off.run(rc16(), DataDir::kIn, {}, 32);
  EXPECT_EQ(t.data.data()[13] & 0x0F, 0);
  Task b0 = off.run(vpd(0xB0), DataDir::kIn, {}, 255);
  EXPECT_EQ(load_be16(b0.data.data() + 6), 1);
  EXPECT_EQ(load_be32(b0.data.data() + 28), 1u);

  Fixture big(cfg(4096, true, false));
  Task u = big.run(rc16(), DataDir::kIn, {}, 32);
  EXPECT_EQ(u.data.data()[13] & 0x0F, 0);
  Fixture k1(cfg(1024, true, false));
  EXPECT_EQ(k1.run(rc16(), DataDir::kIn, {}, 32).data.data()[13] & 0x0F, 2);
}

}  // namespace
}  // namespace esan::scsi
