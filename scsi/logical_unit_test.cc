#include "scsi/logical_unit.h"

#include <gtest/gtest.h>

#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using testing::MemDevice;

TEST(LogicalUnit, RejectsBadBlockSize) {
  LuConfig c = testing::named("x");
  c.block_size = 520;
  auto r = make_logical_unit(c, std::make_unique<MemDevice>(1 << 20));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
}

TEST(LogicalUnit, RejectsMissingOrTinyDevice) {
  EXPECT_FALSE(make_logical_unit(testing::named("x"), nullptr).has_value());
  EXPECT_FALSE(make_logical_unit(testing::named("x"), std::make_unique<MemDevice>(100)).has_value());
}

TEST(LogicalUnit, CapacityAndDefaults) {
  LuConfig c = testing::named("vol1");
  c.block_size = 4096;
  auto lu = *make_logical_unit(c, std::make_unique<MemDevice>(4096 * 100 + 17));
  EXPECT_EQ(lu->num_blocks(), 100u);
  EXPECT_EQ(lu->block_shift(), 12u);
  EXPECT_EQ(lu->config().t10_vend_id, "ESAN");
  EXPECT_EQ(lu->config().t10_dev_id, "vol1");
  EXPECT_EQ(lu->config().usn.size(), 16u);
  EXPECT_TRUE(lu->wce());
  EXPECT_FALSE(lu->force_fua());
}

TEST(LogicalUnit, SerialAndNaaAreStableAndNameDependent) {
  auto a = *make_logical_unit(testing::named("a"), std::make_unique<MemDevice>(1 << 20));
  auto a2 = *make_logical_unit(testing::named("a"), std::make_unique<MemDevice>(1 << 20));
  auto b = *make_logical_unit(testing::named("b"), std::make_unique<MemDevice>(1 << 20));
  EXPECT_EQ(a->config().usn, a2->config().usn);
  EXPECT_NE(a->config().usn, b->config().usn);
  EXPECT_EQ(a->naa_designator(), a2->naa_designator());
  EXPECT_NE(a->naa_designator(), b->naa_designator());
  EXPECT_EQ(a->naa_designator()[0] >> 4, 6);
}

TEST(LogicalUnit, ExplicitNaaIdIsUsed) {
  LuConfig c = testing::named("a");
  c.naa_id = 0x0102030405060708ull;
  auto lu = *make_logical_unit(c, std::make_unique<MemDevice>(1 << 20));
  auto d = lu->naa_designator();
  EXPECT_EQ(d[8], 0x01);
  EXPECT_EQ(d[15], 0x08);
}

TEST(LogicalUnit, WriteThroughDisablesWce) {
  LuConfig c = testing::named("a");
  c.write_through = true;
  auto lu = *make_logical_unit(c, std::make_unique<MemDevice>(1 << 20));
  EXPECT_FALSE(lu->wce());
  EXPECT_TRUE(lu->force_fua());
}

TEST(LogicalUnit, ThinNeedsDiscardingBackend) {
  LuConfig c = testing::named("a");
  c.thin_provisioned = true;
  auto no = *make_logical_unit(c, std::make_unique<MemDevice>(1 << 20, false));
  auto yes = *make_logical_unit(c, std::make_unique<MemDevice>(1 << 20, true));
  EXPECT_FALSE(no->thin());
  EXPECT_TRUE(yes->thin());
}

TEST(LogicalUnit, UaQueueFifoDedupAndBound) {
  auto lu = *make_logical_unit(testing::named("a"), std::make_unique<MemDevice>(1 << 20));
  EXPECT_FALSE(lu->ua_maybe_pending());
  lu->ua_register(1, asc::kReportedLunsDataHasChanged);
  lu->ua_queue(1, asc::kModeParametersChanged);
  lu->ua_queue(1, asc::kModeParametersChanged);  // duplicate dropped
  lu->ua_queue(2, asc::kModeParametersChanged);  // unknown nexus: no-op
  EXPECT_TRUE(lu->ua_maybe_pending());
  EXPECT_EQ(lu->ua_pending(1), 2u);
  EXPECT_EQ(lu->ua_pending(2), 0u);
  EXPECT_EQ(lu->ua_take(1), asc::kReportedLunsDataHasChanged);
  EXPECT_EQ(lu->ua_take(1), asc::kModeParametersChanged);
  EXPECT_EQ(lu->ua_take(1), std::nullopt);
  EXPECT_FALSE(lu->ua_maybe_pending());
  for (int i = 0; i < 20; ++i) lu->ua_queue(1, uint16_t(0x3000 + i));
  EXPECT_EQ(lu->ua_pending(1), kMaxUaPerNexus);
}

TEST(LogicalUnit, ResetClassUaReplacesQueue) {
  auto lu = *make_logical_unit(testing::named("a"), std::make_unique<MemDevice>(1 << 20));
  lu->ua_register(1, asc::kModeParametersChanged);
  lu->ua_queue(1, asc::kReportedLunsDataHasChanged);
  lu->ua_queue(1, asc::kBusDeviceResetFunctionOccurred);
  EXPECT_EQ(lu->ua_pending(1), 1u);
  EXPECT_EQ(lu->ua_take(1), asc::kBusDeviceResetFunctionOccurred);
  EXPECT_FALSE(lu->ua_maybe_pending());
}

TEST(LogicalUnit, UnregisterDropsUasAndPrevent) {
  LuConfig c = testing::named("a");
  c.removable = true;
  auto lu = *make_logical_unit(c, std::make_unique<MemDevice>(1 << 20));
  lu->ua_register(1, asc::kPowerOnResetOrBusDeviceReset);
  lu->set_prevent(1, true);
  EXPECT_TRUE(lu->removal_prevented());
  EXPECT_FALSE(lu->load_eject(1, false));
  EXPECT_TRUE(lu->medium_present());
  lu->ua_unregister(1);
  EXPECT_FALSE(lu->removal_prevented());
  EXPECT_FALSE(lu->ua_maybe_pending());
  EXPECT_TRUE(lu->load_eject(1, false));
  EXPECT_FALSE(lu->medium_present());
}

TEST(LogicalUnit, PreventIsPerNexusAndResetClearsAll) {
  LuConfig c = testing::named("a");
  c.removable = true;
  auto lu = *make_logical_unit(c, std::make_unique<MemDevice>(1 << 20));
  lu->ua_register(1, 0x2900);
  lu->ua_register(2, 0x2900);
  lu->set_prevent(1, true);
  lu->set_prevent(2, true);
  lu->set_prevent(1, false);
  EXPECT_TRUE(lu->removal_prevented());  // nexus 2 still prevents
  lu->set_wce(false);
  lu->set_d_sense(true);
  lu->reset_prevent();
  lu->reset_mode_pages();
  EXPECT_FALSE(lu->removal_prevented());
  EXPECT_TRUE(lu->wce());
  EXPECT_FALSE(lu->d_sense());
}

TEST(LogicalUnit, LoadQueuesMediumChangedForOtherNexuses) {
  LuConfig c = testing::named("a");
  c.removable = true;
  auto lu = *make_logical_unit(c, std::make_unique<MemDevice>(1 << 20));
  lu->ua_register(1, 0x2900);
  lu->ua_register(2, 0x2900);
  lu->ua_take(1);
  lu->ua_take(2);
  ASSERT_TRUE(lu->load_eject(1, false));
  ASSERT_TRUE(lu->load_eject(1, true));
  EXPECT_EQ(lu->ua_pending(1), 0u);
  EXPECT_EQ(lu->ua_take(2), uint16_t(0x2800));
}

}  // namespace
}  // namespace esan::scsi
