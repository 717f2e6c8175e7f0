// The shared LU state seam (scsi/shared_state.h): changes proposed by
// commands complete through the coordinator, and changes committed by
// another node (applied here as the replicated coordinator would) act on
// this node's state and unit attentions.
#include <gtest/gtest.h>

#include <thread>

#include "common/bytes.h"
#include "scsi/opcodes.h"
#include "scsi/shared_state.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using testing::Fixture;

constexpr ItNexusId kPeer{"iqn.2026-12.test:peer-host,i,0x230000000009", 100};  // a port of the other node

std::vector<uint8_t> prout_cdb(uint8_t sa, uint8_t type = 0) {
  std::vector<uint8_t> c(10, 0);
  c[0] = op::kPersistentReserveOut;
  c[1] = sa;
  c[2] = type;
  store_be32(&c[5], 24);
  return c;
}
std::vector<uint8_t> prout_params(uint64_t key, uint64_t sa_key, uint8_t flags = 0) {
  std::vector<uint8_t> p(24, 0);
  store_be64(&p[0], key);
  store_be64(&p[8], sa_key);
  p[20] = flags;
  return p;
}

SharedReply apply(Fixture& f, const cluster::Change& c) {
  return decode_reply(Result<cluster::Reply>(f.shared.state->apply(1, c)));
}

TEST(SharedReply, RoundTripsStatusSenseAndError) {
  SharedReply r{kCheckCondition, Sense::invalid_param(20, 3), Error{Errc::kBusy, "transitioning"}};
  SharedReply back = decode_reply(Result<cluster::Reply>(encode_reply(r)));
  EXPECT_EQ(back.status, kCheckCondition);
  EXPECT_EQ(back.sense.key, SenseKey::kIllegalRequest);
  EXPECT_EQ(back.sense.asc, asc::kInvalidFieldInParameterList);
  ASSERT_TRUE(back.sense.field.has_value());
  EXPECT_FALSE(back.sense.field->cdb);
  EXPECT_EQ(back.sense.field->byte, 20);
  EXPECT_EQ(back.sense.field->bit, 3);
  ASSERT_TRUE(back.error.has_value());
  EXPECT_EQ(back.error->code, Errc::kBusy);
  EXPECT_EQ(back.error->message, "transitioning");
  // A coordinator that could not commit: BUSY, the error kept.
  SharedReply busy = decode_reply(Result<cluster::Reply>(make_error(Errc::kBusy, "no quorum")));
  EXPECT_EQ(busy.status, kBusy);
  EXPECT_EQ(busy.error->message, "no quorum");
  // A truncated reply is an internal failure, not garbage.
  auto bytes = encode_reply(r);
  bytes.pop_back();
  EXPECT_EQ(decode_reply(Result<cluster::Reply>(bytes)).sense.key, SenseKey::kHardwareError);
}

TEST(SharedState, PrOutCompletesOnTheTaskExecutorNotInsideExecute) {
  Fixture f;
  Task t;
  f.prepare(t, prout_cdb(pr::kRegister), DataDir::kOut, prout_params(0, 0xAB), 24);
  execute(*f.nexus, t);
  EXPECT_EQ(f.owner.done, 0) << "a PR OUT completes only after its change is committed";
  f.settle([&] { return f.owner.done == 1; });
  testing::expect_good(t);
  EXPECT_EQ(f.lu->reservations().snapshot().regs.size(), 1u);
  EXPECT_EQ(f.shared.coordinator->applied(), 1u);
}

TEST(SharedState, ARegistrationFromThePeerIsSeenAndItsPreemptNotifiesLocalNexuses) {
  Fixture f;
  // A local registrant holds the reservation; the peer registers and preempts it.
  testing::expect_good(f.run(prout_cdb(pr::kRegister), DataDir::kOut, prout_params(0, 0x11)));
  testing::expect_good(f.run(prout_cdb(pr::kReserve, pr::kWriteExclusive), DataDir::kOut, prout_params(0x11, 0)));
  PrOutRequest reg;
  reg.action = pr::kRegister;
  reg.sa_key = 0x22;
  EXPECT_EQ(apply(f, pr_out_change(f.lu->name(), kPeer, reg)).status, kGood);
  EXPECT_EQ(f.lu->reservations().snapshot().regs.size(), 2u);
  PrOutRequest pre;
  pre.action = pr::kPreempt;
  pre.type = pr::kWriteExclusive;
  pre.key = 0x22;
  pre.sa_key = 0x11;
  EXPECT_EQ(apply(f, pr_out_change(f.lu->name(), kPeer, pre)).status, kGood);
  PrState st = f.lu->reservations().snapshot();
  ASSERT_EQ(st.regs.size(), 1u);
  EXPECT_EQ(st.regs[0].port, kPeer.port);
  EXPECT_TRUE(st.reserved());
  EXPECT_EQ(f.lu->ua_take(f.nexus->id), asc::kRegistrationsPreempted);
  // The peer's write exclusive reservation stops local writes.
  Task w = f.run(testing::cdb10(op::kWrite10, 0, 1), DataDir::kOut, testing::pattern(512, 1), 512);
  EXPECT_EQ(w.status, kReservationConflict);
}

TEST(SharedState, Spc2ReservationIsHeldByIdentityAndEndsWithThePeersNexusLoss) {
  Fixture f;
  EXPECT_EQ(apply(f, reserve_change(f.lu->name(), kPeer)).status, kGood);
  auto holder = f.lu->reservations().spc2_holder();
  ASSERT_TRUE(holder.has_value());
  EXPECT_EQ(holder->port, kPeer.port);
  EXPECT_EQ(holder->rel_tgt_id, 100);
  EXPECT_EQ(f.run(testing::cdb10(op::kRead10, 0, 1), DataDir::kIn, {}, 512).status, kReservationConflict);
  // Another local reserve conflicts; the peer's nexus loss releases it.
  EXPECT_EQ(f.run({op::kReserve6, 0, 0, 0, 0, 0}).status, kReservationConflict);
  EXPECT_EQ(apply(f, nexus_loss_change(f.lu->name(), kPeer)).status, kGood);
  EXPECT_FALSE(f.lu->reservations().spc2_holder().has_value());
  testing::expect_good(f.run({op::kReserve6, 0, 0, 0, 0, 0}));
}

TEST(SharedState, ModePagesAndResetsFromThePeerReachEveryLocalNexus) {
  Fixture f;
  auto n2 = f.make_nexus(f.nexus->luns);
  EXPECT_EQ(apply(f, mode_change(f.lu->name(), kPeer, ModeChange{0, 1, -1})).status, kGood);
  EXPECT_FALSE(f.lu->wce());
  EXPECT_TRUE(f.lu->d_sense());
  EXPECT_EQ(f.lu->ua_take(f.nexus->id), asc::kModeParametersChanged);
  EXPECT_EQ(f.lu->ua_take(n2->id), asc::kModeParametersChanged);
  EXPECT_EQ(apply(f, reset_change(f.lu->name(), asc::kBusDeviceResetFunctionOccurred)).status, kGood);
  EXPECT_TRUE(f.lu->wce());
  EXPECT_FALSE(f.lu->d_sense());
  EXPECT_EQ(f.lu->ua_take(f.nexus->id), asc::kBusDeviceResetFunctionOccurred);
  EXPECT_EQ(f.lu->ua_take(n2->id), asc::kBusDeviceResetFunctionOccurred);
}

TEST(SharedState, AChangeForAnUnknownLuOrAMalformedBodyChangesNothing) {
  Fixture f;
  SharedReply r = apply(f, reserve_change("no-such-lu", kPeer));
  EXPECT_EQ(r.status, kCheckCondition);
  EXPECT_EQ(r.sense.asc, asc::kLogicalUnitNotSupported);
  ASSERT_TRUE(r.error.has_value());
  EXPECT_EQ(r.error->code, Errc::kNotFound);
  cluster::Change bad = reserve_change(f.lu->name(), kPeer);
  bad.body.pop_back();
  EXPECT_EQ(apply(f, bad).sense.key, SenseKey::kHardwareError);
  EXPECT_FALSE(f.lu->reservations().spc2_holder().has_value());
  // A removed LU is no longer addressable.
  f.shared.state->remove(f.lu->name());
  EXPECT_EQ(apply(f, reserve_change(f.lu->name(), kPeer)).sense.asc, asc::kLogicalUnitNotSupported);
}

TEST(SharedState, AStoppedCoordinatorAnswersBusyAndChangesNothing) {
  Fixture f;
  f.shared.coordinator->stop();
  Task t = f.run(prout_cdb(pr::kRegister), DataDir::kOut, prout_params(0, 0xAB));
  EXPECT_EQ(t.status, kBusy);
  EXPECT_TRUE(f.lu->reservations().snapshot().regs.empty());
}

TEST(SharedState, ALuWithoutACoordinatorFailsSharedCommandsWithInternalTargetFailure) {
  Fixture f;
  f.lu->set_coordinator(nullptr);
  testing::expect_sense(f.run(prout_cdb(pr::kRegister), DataDir::kOut, prout_params(0, 0xAB)),
                        SenseKey::kHardwareError, asc::kInternalTargetFailure);
  EXPECT_TRUE(f.lu->reservations().snapshot().regs.empty());
}

// The change every PR OUT makes is saved on the coordinator's thread, not
// the thread that executed the command.
class ThreadRecordingStore final : public PrStore {
 public:
  Status save(const PrState&) override {
    saved_on = std::this_thread::get_id();
    return ok();
  }
  Result<std::optional<PrState>> load() override { return std::optional<PrState>(); }
  std::string describe() const override { return "memory"; }
  std::thread::id saved_on;
};

TEST(SharedState, PersistentReservationStateIsSavedOffTheSubmittingThread) {
  Fixture f;
  auto store = std::make_unique<ThreadRecordingStore>();
  ThreadRecordingStore* s = store.get();
  f.lu->reservations().set_store(std::move(store));
  testing::expect_good(f.run(prout_cdb(pr::kRegister), DataDir::kOut, prout_params(0, 0xAB, 0x01)));
  EXPECT_NE(s->saved_on, std::thread::id());
  EXPECT_NE(s->saved_on, std::this_thread::get_id());
}

}  // namespace
}  // namespace esan::scsi
