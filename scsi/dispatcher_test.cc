#include "scsi/dispatcher.h"

#include <gtest/gtest.h>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

const std::vector<uint8_t> kTur = {0x00, 0, 0, 0, 0, 0};
const std::vector<uint8_t> kInq = {0x12, 0, 0, 0, 96, 0};
const std::vector<uint8_t> kReqSense = {0x03, 0, 0, 0, 252, 0};
const std::vector<uint8_t> kReportLuns = {0xA0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0};

TEST(Dispatcher, NexusIdsAreUnique) {
  uint64_t a = next_nexus_id(), b = next_nexus_id();
  EXPECT_NE(a, b);
  EXPECT_NE(a, 0u);
}

TEST(Dispatcher, UnknownLunInquiryReportsQualifier3) {
  Fixture f;
  Task t = f.run(kInq, DataDir::kIn, {}, 96, nullptr, 5);
  expect_good(t);
  ASSERT_GE(t.data.size(), 36u);
  EXPECT_EQ(t.data.data()[0], 0x7F);
}

TEST(Dispatcher, UnknownLunOtherCommandsFail) {
  Fixture f;
  expect_sense(f.run(kTur, DataDir::kNone, {}, 0, nullptr, 5), SenseKey::kIllegalRequest,
               asc::kLogicalUnitNotSupported);
  expect_sense(f.run(cdb10(op::kRead10, 0, 1), DataDir::kIn, {}, 512, nullptr, 5), SenseKey::kIllegalRequest,
               asc::kLogicalUnitNotSupported);
}

TEST(Dispatcher, UnknownLunReportLunsAndRequestSenseWork) {
  Fixture f;
  Task rl = f.run(kReportLuns, DataDir::kIn, {}, 256, nullptr, 5);
  expect_good(rl);
  ASSERT_EQ(rl.data.size(), 16u);
  EXPECT_EQ(load_be32(rl.data.data()), 8u);
  Task rs = f.run(kReqSense, DataDir::kIn, {}, 252, nullptr, 5);
  expect_good(rs);
  ParsedSense s = parse_sense(rs.data.data(), rs.data.size());
  EXPECT_EQ(s.key, SenseKey::kIllegalRequest);
  EXPECT_EQ(s.asc, asc::kLogicalUnitNotSupported);
}

TEST(Dispatcher, UnknownOpcode) {
  Fixture f;
  expect_sense(f.run({0xC5, 0, 0, 0, 0, 0}), SenseKey::kIllegalRequest, asc::kInvalidCommandOperationCode);
  expect_sense(f.run({0x7F, 0, 0, 0, 0, 0}), SenseKey::kIllegalRequest, asc::kInvalidCommandOperationCode);
  expect_sense(f.run({0x04, 0, 0, 0, 0, 0}), SenseKey::kIllegalRequest, asc::kInvalidCommandOperationCode);
}

TEST(Dispatcher, NacaInControlByteIsRejected) {
  Fixture f;
  expect_invalid_cdb(f.run({0x00, 0, 0, 0, 0, 0x04}), 5, 2);
  auto c = cdb16(op::kRead16, 0, 1);
  c[15] = 0x04;
  expect_invalid_cdb(f.run(c, DataDir::kIn, {}, 512), 15, 2);
}

TEST(Dispatcher, AttachQueuesPowerOnUaReportedOnceThenGood) {
  Fixture f;
  auto map = f.nexus->luns;
  auto n2 = f.make_nexus(map, /*drain=*/false);
  Task t = f.run(kTur, DataDir::kNone, {}, 0, n2.get());
  expect_sense(t, SenseKey::kUnitAttention, asc::kPowerOnResetOrBusDeviceReset);
  expect_good(f.run(kTur, DataDir::kNone, {}, 0, n2.get()));
  // The first nexus never saw the other's UA.
  expect_good(f.run(kTur));
}

TEST(Dispatcher, InquiryReportLunsRequestSenseDoNotConsumeUaExceptRequestSenseReturnsIt) {
  Fixture f;
  auto n2 = f.make_nexus(f.nexus->luns, false);
  expect_good(f.run(kInq, DataDir::kIn, {}, 96, n2.get()));
  expect_good(f.run(kReportLuns, DataDir::kIn, {}, 256, n2.get()));
  EXPECT_EQ(f.lu->ua_pending(n2->id), 1u);
  Task rs = f.run(kReqSense, DataDir::kIn, {}, 252, n2.get());
  expect_good(rs);
  ParsedSense s = parse_sense(rs.data.data(), rs.data.size());
  EXPECT_EQ(s.key, SenseKey::kUnitAttention);
  EXPECT_EQ(s.asc, asc::kPowerOnResetOrBusDeviceReset);
  EXPECT_EQ(f.lu->ua_pending(n2->id), 0u);
  Task rs2 = f.run(kReqSense, DataDir::kIn, {}, 252, n2.get());
  ParsedSense s2 = parse_sense(rs2.data.data(), rs2.data.size());
  EXPECT_EQ(s2.key, SenseKey::kNoSense);
  EXPECT_EQ(s2.asc, 0);
}

TEST(Dispatcher, UasDeliveredInOrder) {
  Fixture f;
  f.lu->ua_queue(f.nexus->id, asc::kModeParametersChanged);
  f.lu->ua_queue(f.nexus->id, asc::kReportedLunsDataHasChanged);
  expect_sense(f.run(kTur), SenseKey::kUnitAttention, asc::kModeParametersChanged);
  expect_sense(f.run(cdb10(op::kRead10, 0, 1), DataDir::kIn, {}, 512), SenseKey::kUnitAttention,
               asc::kReportedLunsDataHasChanged);
  expect_good(f.run(cdb10(op::kRead10, 0, 1), DataDir::kIn, {}, 512));
}

TEST(Dispatcher, UaUsesDescriptorSenseWhenDSenseSet) {
  Fixture f;
  f.lu->set_d_sense(true);
  f.lu->ua_queue(f.nexus->id, asc::kModeParametersChanged);
  Task t = f.run(kTur);
  EXPECT_EQ(t.sense[0], 0x72);
  expect_sense(t, SenseKey::kUnitAttention, asc::kModeParametersChanged);
}

TEST(Dispatcher, DetachDropsQueues) {
  Fixture f;
  auto n2 = f.make_nexus(f.nexus->luns, false);
  EXPECT_EQ(f.lu->ua_pending(n2->id), 1u);
  nexus_detached(*n2);
  f.settle();
  EXPECT_EQ(f.lu->ua_pending(n2->id), 0u);
  EXPECT_FALSE(f.lu->ua_maybe_pending());
}

// A second nexus of the same I_T nexus identity (initiator port and target
// port) attached while the first is still registered: a reinstated session
// (RFC 7143 6.3.5), whose old session the transport closes afterwards.
std::unique_ptr<Nexus> reinstate(Fixture& f, const Nexus& old, std::shared_ptr<const LunMap> map = nullptr) {
  auto n = std::make_unique<Nexus>(old);
  n->id = next_nexus_id();
  if (map) n->luns = std::move(map);
  nexus_attached(*n);
  return n;
}

TEST(Dispatcher, ReinstatedNexusInheritsThePendingUnitAttentions) {
  Fixture f;
  auto other = f.make_nexus(f.nexus->luns);  // another identity
  f.lu->ua_queue(f.nexus->id, asc::kModeParametersChanged);
  f.lu->ua_queue(f.nexus->id, asc::kReportedLunsDataHasChanged);
  auto again = reinstate(f, *f.nexus);
  // The old session's nexus keeps nothing (its session is going away; what
  // it still runs must not consume what the new one is owed).
  EXPECT_EQ(f.lu->ua_pending(f.nexus->id), 0u);
  nexus_detached(*f.nexus);
  f.settle();
  // The new session's own condition first, then what the nexus was owed.
  expect_sense(f.run(kTur, DataDir::kNone, {}, 0, again.get()), SenseKey::kUnitAttention,
               asc::kPowerOnResetOrBusDeviceReset);
  expect_sense(f.run(kTur, DataDir::kNone, {}, 0, again.get()), SenseKey::kUnitAttention,
               asc::kModeParametersChanged);
  expect_sense(f.run(kTur, DataDir::kNone, {}, 0, again.get()), SenseKey::kUnitAttention,
               asc::kReportedLunsDataHasChanged);
  expect_good(f.run(kTur, DataDir::kNone, {}, 0, again.get()));
  // Other identities inherit nothing.
  expect_good(f.run(kTur, DataDir::kNone, {}, 0, other.get()));
}

TEST(Dispatcher, AResetsUnitAttentionIsOwedToTheReinstatedSessionNotToANexusWithoutSession) {
  Fixture f;
  auto gone = f.make_nexus(f.nexus->luns);
  nexus_detached(*gone);  // logged out before the reset
  f.settle();
  f.reset_lun(*f.nexus, 0);
  // The requester's nexus is reinstated before it saw the reset's condition:
  // the reset's condition (a reset-class one, replacing the new session's
  // POWER ON, RESET) is what it gets, once.
  auto again = reinstate(f, *f.nexus);
  nexus_detached(*f.nexus);
  f.settle();
  expect_sense(f.run(kTur, DataDir::kNone, {}, 0, again.get()), SenseKey::kUnitAttention,
               asc::kBusDeviceResetFunctionOccurred);
  expect_good(f.run(kTur, DataDir::kNone, {}, 0, again.get()));
  // The identity that had no session at the time of the reset logs in
  // again: only a new session's condition.
  auto back = reinstate(f, *gone);
  expect_sense(f.run(kTur, DataDir::kNone, {}, 0, back.get()), SenseKey::kUnitAttention,
               asc::kPowerOnResetOrBusDeviceReset);
  expect_good(f.run(kTur, DataDir::kNone, {}, 0, back.get()));
}

TEST(Dispatcher, ReinstatedNexusInheritsOnceWhenTheLuIsMappedTwice) {
  Fixture f;
  auto map = std::make_shared<LunMap>(*f.nexus->luns);
  (*map)[1] = LunMapping{f.lu, false};
  auto n = f.make_nexus(map);
  f.lu->ua_queue(n->id, asc::kModeParametersChanged);
  auto again = reinstate(f, *n);
  expect_sense(f.run(kTur, DataDir::kNone, {}, 0, again.get()), SenseKey::kUnitAttention,
               asc::kPowerOnResetOrBusDeviceReset);
  expect_sense(f.run(kTur, DataDir::kNone, {}, 0, again.get(), 1), SenseKey::kUnitAttention,
               asc::kModeParametersChanged);
  expect_good(f.run(kTur, DataDir::kNone, {}, 0, again.get()));
}

TEST(Dispatcher, SetLunMapQueuesReportedLunsChangedAndForgetsRemovedLus) {
  Fixture f;
  auto other = *make_logical_unit(named("disk1"), std::make_unique<MemDevice>(1 << 20));
  auto map2 = std::make_shared<LunMap>();
  (*map2)[0] = LunMapping{f.lu, false};
  (*map2)[3] = LunMapping{other, false};
  set_lun_map(*f.nexus, map2);
  EXPECT_TRUE(lun_exists(*f.nexus, 3));
  expect_sense(f.run(kTur), SenseKey::kUnitAttention, asc::kReportedLunsDataHasChanged);
  expect_sense(f.run(kTur, DataDir::kNone, {}, 0, nullptr, 3), SenseKey::kUnitAttention,
               asc::kReportedLunsDataHasChanged);
  expect_good(f.run(kTur, DataDir::kNone, {}, 0, nullptr, 3));

  auto map3 = std::make_shared<LunMap>();
  (*map3)[3] = LunMapping{other, false};
  set_lun_map(*f.nexus, map3);
  EXPECT_FALSE(lun_exists(*f.nexus, 0));
  EXPECT_EQ(f.lu->ua_pending(f.nexus->id), 0u);
  expect_sense(f.run(kTur), SenseKey::kIllegalRequest, asc::kLogicalUnitNotSupported);
}

TEST(Dispatcher, LunResetUaGoesToEveryNexusIncludingTheRequester) {
  Fixture f;
  auto n2 = f.make_nexus(f.nexus->luns);
  f.reset_lun(*f.nexus, 0);
  expect_sense(f.run(kTur), SenseKey::kUnitAttention, asc::kBusDeviceResetFunctionOccurred);
  expect_good(f.run(kTur));
  expect_sense(f.run(kTur, DataDir::kNone, {}, 0, n2.get()), SenseKey::kUnitAttention,
               asc::kBusDeviceResetFunctionOccurred);
  expect_good(f.run(kTur, DataDir::kNone, {}, 0, n2.get()));
}

TEST(Dispatcher, LunResetClearsPreventAndModeState) {
  LuConfig c = named("rm");
  c.removable = true;
  Fixture f(c);
  f.lu->set_prevent(f.nexus->id, true);
  f.lu->set_wce(false);
  f.reset_lun(*f.nexus, 0);
  EXPECT_FALSE(f.lu->removal_prevented());
  EXPECT_TRUE(f.lu->wce());
}

TEST(Dispatcher, TargetResetWarmAndCold) {
  Fixture f;
  auto n2 = f.make_nexus(f.nexus->luns);
  f.reset_target(*f.nexus, false);
  expect_sense(f.run(kTur), SenseKey::kUnitAttention, asc::kBusDeviceResetFunctionOccurred);
  expect_sense(f.run(kTur, DataDir::kNone, {}, 0, n2.get()), SenseKey::kUnitAttention,
               asc::kBusDeviceResetFunctionOccurred);
  f.reset_target(*f.nexus, true);
  expect_sense(f.run(kTur, DataDir::kNone, {}, 0, n2.get()), SenseKey::kUnitAttention, asc::kPowerOnOccurred);
  expect_sense(f.run(kTur), SenseKey::kUnitAttention, asc::kPowerOnOccurred);
  expect_good(f.run(kTur));
}

TEST(Dispatcher, ClearTaskSetNotifiesOthers) {
  Fixture f;
  auto n2 = f.make_nexus(f.nexus->luns);
  clear_task_set(*f.nexus, 0);
  f.settle();
  expect_good(f.run(kTur));
  expect_sense(f.run(kTur, DataDir::kNone, {}, 0, n2.get()), SenseKey::kUnitAttention,
               asc::kCommandsClearedByAnotherInitiator);
}

TEST(Dispatcher, TaskManagementOnUnknownLunIsHarmless) {
  Fixture f;
  EXPECT_FALSE(lun_exists(*f.nexus, 9));
  f.reset_lun(*f.nexus, 9);
  clear_task_set(*f.nexus, 9);
  f.settle();
  expect_good(f.run(kTur));
}

TEST(Dispatcher, AsyncCompletionRunsLaterExactlyOnce) {
  Fixture f;
  f.dev->deferred = true;
  Task t;
  f.prepare(t, cdb10(op::kRead10, 0, 2), DataDir::kIn, {}, 1024);
  execute(*f.nexus, t);
  EXPECT_EQ(f.owner.done, 0);
  EXPECT_TRUE(t.lu_hold) << "LU is held while I/O is in flight";
  f.dev->run_pending();
  EXPECT_EQ(f.owner.done, 1);
  expect_good(t);
  EXPECT_EQ(t.data.size(), 1024u);
}

TEST(Dispatcher, LuStaysAliveWhenMapDroppedDuringIo) {
  Fixture f;
  f.dev->deferred = true;
  std::weak_ptr<LogicalUnit> weak = f.lu;
  Task t;
  f.prepare(t, cdb10(op::kRead10, 0, 1), DataDir::kIn);
  execute(*f.nexus, t);
  MemDevice* dev = f.dev;
  set_lun_map(*f.nexus, std::make_shared<LunMap>());
  f.lu.reset();
  EXPECT_FALSE(weak.expired());
  dev->run_pending();
  EXPECT_EQ(f.owner.done, 1);
  t.reset();
  EXPECT_TRUE(weak.expired());
}

}  // namespace
}  // namespace esan::scsi
