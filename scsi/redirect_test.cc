// The redirect decision (redirect_gate.cc, scsi/redirect.h) and the trusted
// nexus, with a Redirector that records what it was given.
#include "scsi/redirect.h"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "scsi/alua.h"
#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

constexpr AluaState kAO = AluaState::kActiveOptimized, kAN = AluaState::kActiveNonOptimized,
                    kSB = AluaState::kStandby;

// Answers every forwarded command GOOD with 0xAB bytes, inline; ready_for()
// answers `ready`. The first `lose` commands are lost as with a session
// that ends while they are in flight: handed back to the gate, or 04h/0Ah.
struct Recorder final : Redirector {
  std::vector<uint8_t> opcodes;
  std::vector<size_t> out_sizes;  // Data-Out bytes of each forwarded command
  bool ready = true;
  int asked = 0;
  int lose = 0;
  bool ready_for(const Task&) override {
    ++asked;
    return ready;
  }
  void forward(Task& t, const LogicalUnit&) override {
    opcodes.push_back(t.cdb[0]);
    out_sizes.push_back(t.dir == DataDir::kOut ? t.data.size() : 0);
    if (lose > 0) {
      --lose;
      if (retry_unreached(t)) return;
      t.data.clear();
      check_condition(t, Sense::make(SenseKey::kNotReady, asc::kNotAccessibleAluaTransition), false);
      return forwarded(t);
    }
    if (t.dir == DataDir::kIn) t.data.assign_zero(t.expected_len), std::memset(t.data.data(), 0xAB, t.expected_len);
    t.status = kGood;
    forwarded(t);
  }
};

// Port 1: this node's target group "local"; port 2: the peer's, with the recorder.
struct RedirectFixture {
  RedirectFixture(AluaState local, AluaState peer, IoPolicy policy = IoPolicy::kRedirect, uint32_t hold_ms = 0) {
    auto r = make_device_group("dg", {{"local", 1, local, {1}, {}}, {"peer", 2, peer, {2}, rec}}, policy,
                               AluaRules{.redirect_hold_ms = hold_ms});
    EXPECT_TRUE(r.has_value());
    dg = *r;
    join_device_group(dg, f.lu);
  }
  Task run(const std::vector<uint8_t>& cdb, DataDir dir = DataDir::kNone, const std::vector<uint8_t>& out = {},
           Nexus* on = nullptr) {
    return f.run(cdb, dir, out, dir == DataDir::kIn ? 512 : uint32_t(out.size()), on);
  }
  std::shared_ptr<Recorder> rec = std::make_shared<Recorder>();
  Fixture f;
  std::shared_ptr<DeviceGroup> dg;
};

std::vector<uint8_t> read16() { return cdb16(op::kRead16, 0, 1); }
std::vector<uint8_t> inquiry() { return {op::kInquiry, 0, 0, 0, 96, 0}; }

TEST(RedirectGate, NonOptimizedPortForwardsMediumAccessOnly) {
  RedirectFixture x(kAN, kAO);
  Task r = x.run(read16(), DataDir::kIn);
  expect_good(r);
  EXPECT_EQ(bytes_of(r), std::vector<uint8_t>(512, 0xAB)) << "the peer's data";
  expect_good(x.run(cdb16(op::kWrite16, 0, 1), DataDir::kOut, pattern(512, 1)));
  expect_good(x.run(cdb10(op::kSyncCache10, 0, 0)));
  expect_good(x.run(inquiry(), DataDir::kIn));
  expect_good(x.run({op::kTestUnitReady, 0, 0, 0, 0, 0}));
  expect_good(x.run(cdb10(op::kReadCapacity10, 0, 0), DataDir::kIn));
  EXPECT_EQ(x.rec->opcodes, (std::vector<uint8_t>{op::kRead16, op::kWrite16, op::kSyncCache10}));
  EXPECT_TRUE(x.f.dev->pending.empty());
}

TEST(RedirectGate, OptimizedPortAndLocalPolicyRunHere) {
  RedirectFixture optimized(kAO, kAN);
  expect_good(optimized.run(read16(), DataDir::kIn));
  EXPECT_TRUE(optimized.rec->opcodes.empty());
  RedirectFixture local(kAN, kAO, IoPolicy::kLocal);
  expect_good(local.run(read16(), DataDir::kIn));
  EXPECT_TRUE(local.rec->opcodes.empty());
}

TEST(RedirectGate, FollowsTheStatesPerCommand) {
  RedirectFixture x(kAN, kAO);
  expect_good(x.run(read16(), DataDir::kIn));
  ASSERT_TRUE(x.dg->apply(std::vector<DeviceGroup::Change>{{1, kAO}, {2, kAN}}, DeviceGroup::Cause::kImplicit));
  x.f.lu->ua_take(x.f.nexus->id);
  expect_good(x.run(read16(), DataDir::kIn));
  EXPECT_EQ(x.rec->opcodes.size(), 1u) << "after the role change the node serves locally";
  EXPECT_EQ(x.f.dev->cache_drops, 1) << "the new owner drops what it cached before the peer wrote";
  // A change that leaves this node's ports as they are keeps the cache.
  ASSERT_TRUE(x.dg->apply(std::vector<DeviceGroup::Change>{{2, kSB}}, DeviceGroup::Cause::kImplicit));
  EXPECT_EQ(x.f.dev->cache_drops, 1);
}

TEST(RedirectGate, NoOptimizedPeerIsATransition) {
  RedirectFixture x(kAN, kSB);
  expect_sense(x.run(read16(), DataDir::kIn), SenseKey::kNotReady, asc::kNotAccessibleAluaTransition);
  EXPECT_TRUE(x.rec->opcodes.empty());
}

// A command that cannot be served yet is held (redirect.h, Hold): executed
// again every kHoldRecheckMs (the test's executor runs post_after() work on
// tick()) until it can be, or its hold is over.
struct Held {
  explicit Held(RedirectFixture& x, std::vector<uint8_t> cdb = read16(), DataDir dir = DataDir::kIn) : x(x) {
    x.f.prepare(t, cdb, dir, dir == DataDir::kOut ? pattern(512, 3) : std::vector<uint8_t>{}, 512);
    before = x.f.owner.done;
    execute(*x.f.nexus, t);
    x.f.exec.drain();
  }
  bool done() const { return x.f.owner.done > before; }
  RedirectFixture& x;
  Task t;
  int before = 0;
};

TEST(RedirectHold, NoOptimizedPeerHoldsUntilOneIsThenForwards) {
  RedirectFixture x(kAN, kSB, IoPolicy::kRedirect, 10000);
  Held h(x);
  EXPECT_FALSE(h.done()) << "held, not answered";
  EXPECT_EQ(x.f.exec.later.size(), 1u) << "one retry waits";
  x.f.exec.tick();
  EXPECT_FALSE(h.done()) << "still no owner: held again";
  ASSERT_TRUE(x.dg->apply(std::vector<DeviceGroup::Change>{{2, kAO}}, DeviceGroup::Cause::kImplicit));
  x.f.lu->ua_take(x.f.nexus->id);
  x.f.exec.tick();
  ASSERT_TRUE(h.done());
  expect_good(h.t);
  EXPECT_EQ(bytes_of(h.t), std::vector<uint8_t>(512, 0xAB)) << "the new owner's data";
  EXPECT_EQ(x.rec->opcodes, std::vector<uint8_t>{op::kRead16});
  EXPECT_TRUE(x.f.exec.later.empty());
}

TEST(RedirectHold, EveryCheckIsMadeAgainOnRetry) {
  // The role change queued "asymmetric access state changed" for the nexus:
  // the held command reports it when tried again, as a new command would.
  RedirectFixture x(kAN, kSB, IoPolicy::kRedirect, 10000);
  Held h(x);
  ASSERT_TRUE(x.dg->apply(std::vector<DeviceGroup::Change>{{1, kAO}}, DeviceGroup::Cause::kImplicit));
  x.f.exec.tick();
  ASSERT_TRUE(h.done());
  expect_sense(h.t, SenseKey::kUnitAttention, asc::kAsymmetricAccessStateChanged);
  // This node became the owner: the next read runs here, not at the peer.
  expect_good(x.run(read16(), DataDir::kIn));
  EXPECT_TRUE(x.rec->opcodes.empty());
}

TEST(RedirectHold, UnreachablePeerHoldsUntilReady) {
  RedirectFixture x(kAN, kAO, IoPolicy::kRedirect, 10000);
  x.rec->ready = false;
  Held h(x);
  EXPECT_FALSE(h.done());
  EXPECT_EQ(x.rec->asked, 1);
  EXPECT_TRUE(x.rec->opcodes.empty()) << "not forwarded while the session is down";
  x.rec->ready = true;
  x.f.exec.tick();
  ASSERT_TRUE(h.done());
  expect_good(h.t);
  EXPECT_EQ(x.rec->opcodes, std::vector<uint8_t>{op::kRead16});
}

TEST(RedirectHold, EndsInATransitionWhenItsTimeIsOver) {
  RedirectFixture x(kAN, kSB, IoPolicy::kRedirect, 1);
  Held h(x);
  EXPECT_FALSE(h.done());
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  x.f.exec.tick();
  ASSERT_TRUE(h.done());
  expect_sense(h.t, SenseKey::kNotReady, asc::kNotAccessibleAluaTransition);
  EXPECT_TRUE(x.f.exec.later.empty());
}

TEST(RedirectHold, AnAbortedHeldCommandNeverRuns) {
  RedirectFixture x(kAN, kSB, IoPolicy::kRedirect, 10000);
  Held h(x, cdb16(op::kWrite16, 0, 1), DataDir::kOut);
  EXPECT_FALSE(h.done());
  h.t.aborted = true;  // the transport: ABORT TASK, or the connection closed
  ASSERT_TRUE(x.dg->apply(std::vector<DeviceGroup::Change>{{2, kAO}}, DeviceGroup::Cause::kImplicit));
  x.f.lu->ua_take(x.f.nexus->id);
  x.f.exec.tick();
  ASSERT_TRUE(h.done());
  EXPECT_EQ(h.t.status, kTaskAborted);
  EXPECT_TRUE(x.rec->opcodes.empty()) << "not forwarded once aborted, though an owner is back";
  EXPECT_TRUE(x.f.dev->pending.empty());
}

TEST(RedirectHold, ACommandLostWithThePeersSessionIsHeldAndSentAgain) {
  RedirectFixture x(kAN, kAO, IoPolicy::kRedirect, 10000);
  x.rec->lose = 1;
  Held h(x, cdb16(op::kWrite16, 0, 1), DataDir::kOut);
  EXPECT_FALSE(h.done()) << "held again, not failed";
  EXPECT_EQ(x.f.exec.later.size(), 1u);
  x.f.exec.tick();
  ASSERT_TRUE(h.done());
  expect_good(h.t);
  EXPECT_EQ(x.rec->opcodes, (std::vector<uint8_t>{op::kWrite16, op::kWrite16}));
  EXPECT_EQ(x.rec->out_sizes, (std::vector<size_t>{512, 512})) << "sent again with its Data-Out";
}

TEST(RedirectHold, ALostCommandWithoutAHoldIsATransition) {
  RedirectFixture x(kAN, kAO, IoPolicy::kRedirect, 0);
  x.rec->lose = 1;
  Held h(x, cdb16(op::kWrite16, 0, 1), DataDir::kOut);
  ASSERT_TRUE(h.done());
  expect_sense(h.t, SenseKey::kNotReady, asc::kNotAccessibleAluaTransition);
  EXPECT_EQ(x.rec->opcodes.size(), 1u);
  EXPECT_TRUE(x.f.exec.later.empty());
}

TEST(RedirectHold, OnlyMediumAccessIsHeld) {
  RedirectFixture x(kAN, kSB, IoPolicy::kRedirect, 10000);
  expect_good(x.run(inquiry(), DataDir::kIn));
  expect_good(x.run({op::kTestUnitReady, 0, 0, 0, 0, 0}));
  EXPECT_TRUE(x.f.exec.later.empty());
}

TEST(RedirectGate, ExtendedCopyAndSanitizeAreRefusedOnARedirectingPort) {
  RedirectFixture x(kAN, kAO);
  std::vector<uint8_t> xcopy(16, 0);
  xcopy[0] = op::kExtendedCopy;
  xcopy[13] = 16;
  expect_sense(x.run(xcopy, DataDir::kOut, std::vector<uint8_t>(16, 0)), SenseKey::kIllegalRequest,
               asc::kInvalidCommandOperationCode);
  expect_sense(x.run({op::kSanitize, 0x01, 0, 0, 0, 0, 0, 0, 0, 0}), SenseKey::kIllegalRequest,
               asc::kInvalidCommandOperationCode);
  EXPECT_TRUE(x.rec->opcodes.empty());
}

TEST(TrustedNexus, SkipsUnitAttentionsAndIsNeverRedirected) {
  RedirectFixture x(kAN, kAO);
  auto trusted = std::make_unique<Nexus>();
  trusted->id = next_nexus_id();
  trusted->initiator_port = "iqn.peer,i,0x800000000001";
  trusted->rel_tgt_id = 1;  // even through a non-optimized port: it runs here
  trusted->trusted = true;
  trusted->luns = x.f.nexus->luns;
  nexus_attached(*trusted);  // registers no unit attention
  x.f.lu->ua_queue_all(asc::kBusDeviceResetFunctionOccurred);
  expect_good(x.run(read16(), DataDir::kIn, {}, trusted.get()));
  EXPECT_TRUE(x.rec->opcodes.empty());
  // The normal nexus still has its unit attention.
  expect_sense(x.run(cdb10(op::kReadCapacity10, 0, 0), DataDir::kIn),
               SenseKey::kUnitAttention, asc::kBusDeviceResetFunctionOccurred);
  // Only what the peer forwards (and needs to find its LUNs) runs on it.
  expect_sense(x.run({op::kPersistentReserveIn, 0, 0, 0, 0, 0, 0, 0, 64, 0}, DataDir::kIn, {}, trusted.get()),
               SenseKey::kIllegalRequest, asc::kInvalidCommandOperationCode);
  expect_good(x.run(inquiry(), DataDir::kIn, {}, trusted.get()));
  nexus_detached(*trusted);
}

TEST(TrustedNexus, StatusesLibiscsiCannotCarryTravelAsSense) {
  Task fixed, desc;
  check_condition(fixed, Sense::make(SenseKey::kVendorSpecific, uint16_t(kStatusSenseAsc << 8 | kBusy)), false);
  check_condition(desc, Sense::make(SenseKey::kVendorSpecific, uint16_t(kStatusSenseAsc << 8 | kTaskSetFull)), true);
  EXPECT_EQ(status_in_sense(fixed.sense, fixed.sense_len), std::optional<uint8_t>(kBusy));
  EXPECT_EQ(status_in_sense(desc.sense, desc.sense_len), std::optional<uint8_t>(kTaskSetFull));
  Task other;
  check_condition(other, Sense::make(SenseKey::kNotReady, asc::kNotAccessibleAluaTransition), false);
  EXPECT_EQ(status_in_sense(other.sense, other.sense_len), std::nullopt);
}

}  // namespace
}  // namespace esan::scsi
