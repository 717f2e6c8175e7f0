// LogicalUnit runtime changes (management plane): update() and resize().
#include <gtest/gtest.h>

#include "backend/block_device.h"
#include "scsi/logical_unit.h"
#include "scsi/sense.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

std::shared_ptr<LogicalUnit> null_lu(uint64_t bytes) {
  return *make_logical_unit(testing::named("n"), backend::make_null_device(bytes));
}

TEST(LogicalUnitRuntime, UpdateChangesFlagsAndStringsAndQueuesUnitAttentions) {
  auto lu = null_lu(1 << 20);
  lu->ua_register(1, asc::kPowerOnResetOrBusDeviceReset);
  (void)lu->ua_take(1);
  LuConfig c = lu->config();
  c.read_only = true;
  lu->update(c);
  EXPECT_TRUE(lu->read_only());
  EXPECT_EQ(lu->ua_take(1), asc::kModeParametersChanged);
  EXPECT_FALSE(lu->ua_take(1));

  c.prod_id = "NEWPROD";
  c.rotational = true;
  lu->update(c);
  EXPECT_EQ(lu->config().prod_id, "NEWPROD");
  EXPECT_TRUE(lu->rotational());
  EXPECT_EQ(lu->ua_take(1), asc::kInquiryDataHasChanged);
  EXPECT_FALSE(lu->ua_take(1)) << "one UA for several inquiry changes";

  c.prod_id.clear();  // back to the default
  c.write_through = true;
  lu->update(c);
  EXPECT_EQ(lu->config().prod_id, "esan-disk");
  EXPECT_TRUE(lu->write_through());
  EXPECT_FALSE(lu->wce());
  EXPECT_TRUE(lu->force_fua());
  lu->update(lu->config());
  EXPECT_EQ(lu->ua_pending(1), 2u) << "inquiry + mode; an identical update adds nothing";
}

TEST(LogicalUnitRuntime, ResizeChangesCapacityAndQueuesCapacityDataHasChanged) {
  auto lu = null_lu(1 << 20);
  lu->ua_register(7, asc::kPowerOnResetOrBusDeviceReset);
  (void)lu->ua_take(7);
  ASSERT_TRUE(lu->resize(4 << 20));
  EXPECT_EQ(lu->num_blocks(), (4u << 20) / 512);
  EXPECT_EQ(lu->device().size_bytes(), 4u << 20);
  EXPECT_EQ(lu->ua_take(7), asc::kCapacityDataHasChanged);
  ASSERT_TRUE(lu->resize((1 << 20) + 100));  // rounded down to whole blocks
  EXPECT_EQ(lu->num_blocks(), (1u << 20) / 512);
  EXPECT_FALSE(lu->resize(100));
  EXPECT_EQ(lu->num_blocks(), (1u << 20) / 512);
}

TEST(LogicalUnitRuntime, ResizeFailureChangesNothing) {
  auto lu = *make_logical_unit(testing::named("m"), std::make_unique<testing::MemDevice>(1 << 20));
  lu->ua_register(1, asc::kPowerOnResetOrBusDeviceReset);
  (void)lu->ua_take(1);
  auto s = lu->resize(2 << 20);  // MemDevice cannot resize
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::kUnsupported);
  EXPECT_EQ(lu->num_blocks(), (1u << 20) / 512);
  ASSERT_FALSE(lu->resize(512 * 4));  // shrinking fails too, and is undone
  EXPECT_EQ(lu->num_blocks(), (1u << 20) / 512);
  EXPECT_FALSE(lu->ua_take(1));
}

}  // namespace
}  // namespace esan::scsi
