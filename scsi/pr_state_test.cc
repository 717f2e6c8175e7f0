// Unit tests of the persistent reservation state machine (pr_state.h):
// every service action, ownership and release rules per type, unit
// attentions, PRGENERATION and APTPL, without locks or files.
#include "scsi/pr_state.h"

#include <gtest/gtest.h>

namespace esan::scsi {
namespace {

const ItNexusId kA{"iqn.2024-01.test:a,i,0x230000000001", 1};
const ItNexusId kA2{"iqn.2024-01.test:a,i,0x230000000001", 2};  // same port, other target port
const ItNexusId kB{"iqn.2024-01.test:b,i,0x230000000002", 1};
const ItNexusId kC{"iqn.2024-01.test:c,i,0x230000000003", 1};

PrOutRequest req(uint8_t action, uint64_t key, uint64_t sa_key, uint8_t type = 0) {
  PrOutRequest r;
  r.action = action;
  r.key = key;
  r.sa_key = sa_key;
  r.type = type;
  return r;
}

PrOutResult run(PrState& st, ItNexusId who, const PrOutRequest& r) { return pr_out(st, who, r); }

void reg(PrState& st, ItNexusId who, uint64_t key) {
  ASSERT_EQ(run(st, who, req(pr::kRegisterAndIgnore, 0, key)).kind, PrOutResult::kGood);
}

bool has_ua(const PrOutResult& r, ItNexusId who, uint16_t asc) {
  for (const PrUa& u : r.uas)
    if (u.asc == asc && u.who.matches(who)) return true;
  return false;
}

TEST(PrState, RegisterUnregisterAndGeneration) {
  PrState st;
  reg(st, kA, 0x11);
  EXPECT_EQ(st.generation, 1u);
  ASSERT_EQ(st.regs.size(), 1u);
  EXPECT_EQ(st.regs[0].key, 0x11u);
  // REGISTER from a registered nexus must quote its key.
  EXPECT_EQ(run(st, kA, req(pr::kRegister, 0, 0x22)).kind, PrOutResult::kConflict);
  EXPECT_EQ(run(st, kA, req(pr::kRegister, 0x99, 0x22)).kind, PrOutResult::kConflict);
  EXPECT_EQ(st.generation, 1u);
  EXPECT_EQ(run(st, kA, req(pr::kRegister, 0x11, 0x22)).kind, PrOutResult::kGood);
  EXPECT_EQ(st.regs[0].key, 0x22u);
  EXPECT_EQ(st.generation, 2u);
  // Unregister.
  EXPECT_EQ(run(st, kA, req(pr::kRegister, 0x22, 0)).kind, PrOutResult::kGood);
  EXPECT_TRUE(st.regs.empty());
  EXPECT_EQ(st.generation, 3u);
  // Unregistered nexus: a nonzero RESERVATION KEY conflicts; SARK 0 is a no-op.
  EXPECT_EQ(run(st, kA, req(pr::kRegister, 0x5, 0x6)).kind, PrOutResult::kConflict);
  PrOutResult r = run(st, kA, req(pr::kRegister, 0, 0));
  EXPECT_EQ(r.kind, PrOutResult::kGood);
  EXPECT_FALSE(r.changed);
  EXPECT_EQ(st.generation, 3u);
}

TEST(PrState, RegisterAndIgnoreReplacesKey) {
  PrState st;
  reg(st, kA, 1);
  reg(st, kA, 2);
  ASSERT_EQ(st.regs.size(), 1u);
  EXPECT_EQ(st.regs[0].key, 2u);
  EXPECT_EQ(st.generation, 2u);
}

TEST(PrState, RegistrationIsPerTargetPortUnlessAllTgPt) {
  PrState st;
  reg(st, kA, 1);
  EXPECT_GE(st.find(kA), 0);
  EXPECT_LT(st.find(kA2), 0);
  PrState all;
  PrOutRequest r = req(pr::kRegister, 0, 7);
  r.all_tg_pt = true;
  ASSERT_EQ(run(all, kA, r).kind, PrOutResult::kGood);
  EXPECT_GE(all.find(kA), 0);
  EXPECT_GE(all.find(kA2), 0);
  EXPECT_LT(all.find(kB), 0);
  // ALL_TG_PT while registered through another target port: refused.
  PrOutRequest r2 = req(pr::kRegister, 0, 8);
  r2.all_tg_pt = true;
  EXPECT_EQ(run(st, kA2, r2).kind, PrOutResult::kConflict);
}

TEST(PrState, PortsCompareCaseInsensitively) {
  PrState st;
  reg(st, kA, 1);
  EXPECT_GE(st.find(ItNexusId{"IQN.2024-01.TEST:A,i,0x230000000001", 1}), 0);
}

TEST(PrState, AptplFollowsLastRegistration) {
  PrState st;
  PrOutRequest r = req(pr::kRegisterAndIgnore, 0, 1);
  r.aptpl = true;
  run(st, kA, r);
  EXPECT_TRUE(st.aptpl);
  reg(st, kB, 2);
  EXPECT_FALSE(st.aptpl);
}

TEST(PrState, TooManyRegistrationsAreRefused) {
  PrState st;
  std::vector<std::string> ports;
  for (size_t i = 0; i < pr::kMaxRegistrants; ++i) ports.push_back("iqn.x:" + std::to_string(i) + ",i,0x1");
  for (auto& p : ports) reg(st, ItNexusId{p, 1}, 5);
  PrOutResult r = run(st, kA, req(pr::kRegisterAndIgnore, 0, 5));
  ASSERT_EQ(r.kind, PrOutResult::kCheck);
  EXPECT_EQ(r.sense.asc, asc::kInsufficientRegistrationResources);
}

TEST(PrState, ReserveNeedsRegistrationAndKey) {
  PrState st;
  EXPECT_EQ(run(st, kA, req(pr::kReserve, 0, 0, pr::kWriteExclusive)).kind, PrOutResult::kConflict);
  reg(st, kA, 1);
  EXPECT_EQ(run(st, kA, req(pr::kReserve, 2, 0, pr::kWriteExclusive)).kind, PrOutResult::kConflict);
  uint32_t gen = st.generation;
  EXPECT_EQ(run(st, kA, req(pr::kReserve, 1, 0, pr::kWriteExclusive)).kind, PrOutResult::kGood);
  EXPECT_EQ(st.type, pr::kWriteExclusive);
  EXPECT_TRUE(st.is_holder(kA));
  EXPECT_EQ(st.generation, gen) << "RESERVE does not bump PRGENERATION";
  // Same type again: GOOD, no change; another type: conflict.
  PrOutResult again = run(st, kA, req(pr::kReserve, 1, 0, pr::kWriteExclusive));
  EXPECT_EQ(again.kind, PrOutResult::kGood);
  EXPECT_FALSE(again.changed);
  EXPECT_EQ(run(st, kA, req(pr::kReserve, 1, 0, pr::kExclusiveAccess)).kind, PrOutResult::kConflict);
  // Another registrant cannot reserve.
  reg(st, kB, 2);
  EXPECT_EQ(run(st, kB, req(pr::kReserve, 2, 0, pr::kWriteExclusive)).kind, PrOutResult::kConflict);
}

TEST(PrState, ReleaseRules) {
  PrState st;
  reg(st, kA, 1);
  reg(st, kB, 2);
  // Nothing reserved: GOOD.
  EXPECT_EQ(run(st, kA, req(pr::kRelease, 1, 0, pr::kExclusiveAccess)).kind, PrOutResult::kGood);
  ASSERT_EQ(run(st, kA, req(pr::kReserve, 1, 0, pr::kExclusiveAccess)).kind, PrOutResult::kGood);
  // Unregistered or wrong key: conflict. Registered non-holder: GOOD, no effect.
  EXPECT_EQ(run(st, kC, req(pr::kRelease, 0, 0, pr::kExclusiveAccess)).kind, PrOutResult::kConflict);
  EXPECT_EQ(run(st, kA, req(pr::kRelease, 9, 0, pr::kExclusiveAccess)).kind, PrOutResult::kConflict);
  EXPECT_EQ(run(st, kB, req(pr::kRelease, 2, 0, pr::kExclusiveAccess)).kind, PrOutResult::kGood);
  EXPECT_TRUE(st.reserved());
  // Holder with the wrong type: INVALID RELEASE OF PERSISTENT RESERVATION.
  PrOutResult bad = run(st, kA, req(pr::kRelease, 1, 0, pr::kWriteExclusive));
  ASSERT_EQ(bad.kind, PrOutResult::kCheck);
  EXPECT_EQ(bad.sense.key, SenseKey::kIllegalRequest);
  EXPECT_EQ(bad.sense.asc, asc::kInvalidReleaseOfPersistentReservation);
  PrOutResult r = run(st, kA, req(pr::kRelease, 1, 0, pr::kExclusiveAccess));
  EXPECT_EQ(r.kind, PrOutResult::kGood);
  EXPECT_FALSE(st.reserved());
  EXPECT_TRUE(r.uas.empty()) << "EA release notifies nobody";
  EXPECT_EQ(st.regs.size(), 2u);
}

TEST(PrState, ReleaseOfRegistrantsTypesNotifiesOtherRegistrants) {
  for (uint8_t type : {pr::kWriteExclusiveRegistrantsOnly, pr::kExclusiveAccessRegistrantsOnly,
                       pr::kWriteExclusiveAllRegistrants, pr::kExclusiveAccessAllRegistrants}) {
    PrState st;
    reg(st, kA, 1);
    reg(st, kB, 2);
    ASSERT_EQ(run(st, kA, req(pr::kReserve, 1, 0, type)).kind, PrOutResult::kGood);
    PrOutResult r = run(st, kA, req(pr::kRelease, 1, 0, type));
    ASSERT_EQ(r.kind, PrOutResult::kGood) << int(type);
    EXPECT_TRUE(has_ua(r, kB, asc::kReservationsReleased)) << int(type);
    EXPECT_FALSE(has_ua(r, kA, asc::kReservationsReleased)) << int(type);
  }
}

TEST(PrState, AllRegistrantsEveryRegistrantIsHolder) {
  PrState st;
  reg(st, kA, 1);
  reg(st, kB, 2);
  ASSERT_EQ(run(st, kA, req(pr::kReserve, 1, 0, pr::kWriteExclusiveAllRegistrants)).kind, PrOutResult::kGood);
  EXPECT_TRUE(st.is_holder(kA));
  EXPECT_TRUE(st.is_holder(kB));
  EXPECT_FALSE(st.is_holder(kC));
  // The holder that made it leaves: the reservation stays with B.
  ASSERT_EQ(run(st, kA, req(pr::kRegister, 1, 0)).kind, PrOutResult::kGood);
  EXPECT_TRUE(st.reserved());
  // B may release it.
  EXPECT_EQ(run(st, kB, req(pr::kRelease, 2, 0, pr::kWriteExclusiveAllRegistrants)).kind, PrOutResult::kGood);
  EXPECT_FALSE(st.reserved());
  // And it ends with the last registrant.
  reg(st, kA, 1);
  ASSERT_EQ(run(st, kA, req(pr::kReserve, 1, 0, pr::kExclusiveAccessAllRegistrants)).kind, PrOutResult::kGood);
  run(st, kA, req(pr::kRegister, 1, 0));
  EXPECT_TRUE(st.reserved());
  run(st, kB, req(pr::kRegister, 2, 0));
  EXPECT_FALSE(st.reserved());
}

TEST(PrState, HolderUnregisteringReleasesNonSharedTypes) {
  for (uint8_t type : {pr::kWriteExclusive, pr::kExclusiveAccess, pr::kWriteExclusiveRegistrantsOnly,
                       pr::kExclusiveAccessRegistrantsOnly}) {
    PrState st;
    reg(st, kA, 1);
    reg(st, kB, 2);
    ASSERT_EQ(run(st, kA, req(pr::kReserve, 1, 0, type)).kind, PrOutResult::kGood);
    PrOutResult r = run(st, kA, req(pr::kRegister, 1, 0));
    ASSERT_EQ(r.kind, PrOutResult::kGood);
    EXPECT_FALSE(st.reserved()) << int(type);
    bool ro = pr::registrants_type(type);
    EXPECT_EQ(has_ua(r, kB, asc::kReservationsReleased), ro) << int(type);
  }
}

TEST(PrState, ClearRemovesEverythingAndNotifiesOthers) {
  PrState st;
  reg(st, kA, 1);
  reg(st, kB, 2);
  run(st, kA, req(pr::kReserve, 1, 0, pr::kExclusiveAccess));
  uint32_t gen = st.generation;
  EXPECT_EQ(run(st, kC, req(pr::kClear, 0, 0)).kind, PrOutResult::kConflict);
  EXPECT_EQ(run(st, kB, req(pr::kClear, 1, 0)).kind, PrOutResult::kConflict) << "wrong key";
  PrOutResult r = run(st, kB, req(pr::kClear, 2, 0));
  ASSERT_EQ(r.kind, PrOutResult::kGood);
  EXPECT_TRUE(st.regs.empty());
  EXPECT_FALSE(st.reserved());
  EXPECT_EQ(st.generation, gen + 1);
  EXPECT_TRUE(has_ua(r, kA, asc::kReservationsPreempted));
  EXPECT_FALSE(has_ua(r, kB, asc::kReservationsPreempted));
}

TEST(PrState, PreemptWithoutReservationRemovesRegistrations) {
  PrState st;
  reg(st, kA, 1);
  reg(st, kB, 2);
  reg(st, kC, 2);
  uint32_t gen = st.generation;
  PrOutResult r = run(st, kA, req(pr::kPreempt, 1, 2, pr::kExclusiveAccess));
  ASSERT_EQ(r.kind, PrOutResult::kGood);
  ASSERT_EQ(st.regs.size(), 1u);
  EXPECT_EQ(st.regs[0].key, 1u);
  EXPECT_FALSE(st.reserved()) << "no reservation is created";
  EXPECT_EQ(st.generation, gen + 1);
  EXPECT_TRUE(has_ua(r, kB, asc::kRegistrationsPreempted));
  EXPECT_TRUE(has_ua(r, kC, asc::kRegistrationsPreempted));
  // No registration with that key: conflict. SARK 0: invalid parameter.
  EXPECT_EQ(run(st, kA, req(pr::kPreempt, 1, 0x77, pr::kExclusiveAccess)).kind, PrOutResult::kConflict);
  PrOutResult z = run(st, kA, req(pr::kPreempt, 1, 0, pr::kExclusiveAccess));
  ASSERT_EQ(z.kind, PrOutResult::kCheck);
  EXPECT_EQ(z.sense.asc, asc::kInvalidFieldInParameterList);
  // Unregistered sender: conflict.
  EXPECT_EQ(run(st, kB, req(pr::kPreempt, 0, 1, pr::kExclusiveAccess)).kind, PrOutResult::kConflict);
}

TEST(PrState, PreemptHolderTakesReservation) {
  PrState st;
  reg(st, kA, 1);
  reg(st, kB, 2);
  reg(st, kC, 3);
  run(st, kA, req(pr::kReserve, 1, 0, pr::kWriteExclusive));
  PrOutResult r = run(st, kB, req(pr::kPreempt, 2, 1, pr::kExclusiveAccess));
  ASSERT_EQ(r.kind, PrOutResult::kGood);
  EXPECT_TRUE(st.is_holder(kB));
  EXPECT_EQ(st.type, pr::kExclusiveAccess);
  EXPECT_LT(st.find(kA), 0);
  EXPECT_TRUE(has_ua(r, kA, asc::kRegistrationsPreempted));
  EXPECT_TRUE(has_ua(r, kC, asc::kReservationsReleased)) << "type changed";
  EXPECT_FALSE(has_ua(r, kB, asc::kReservationsReleased));
}

TEST(PrState, PreemptNonHolderKeyLeavesReservation) {
  PrState st;
  reg(st, kA, 1);
  reg(st, kB, 2);
  reg(st, kC, 3);
  run(st, kA, req(pr::kReserve, 1, 0, pr::kWriteExclusive));
  PrOutResult r = run(st, kB, req(pr::kPreempt, 2, 3, pr::kExclusiveAccess));
  ASSERT_EQ(r.kind, PrOutResult::kGood);
  EXPECT_TRUE(st.is_holder(kA));
  EXPECT_EQ(st.type, pr::kWriteExclusive);
  EXPECT_LT(st.find(kC), 0);
}

TEST(PrState, PreemptOwnKeyKeepsSenderRegistration) {
  PrState st;
  reg(st, kA, 1);
  reg(st, kB, 1);
  run(st, kA, req(pr::kReserve, 1, 0, pr::kWriteExclusive));
  PrOutResult r = run(st, kA, req(pr::kPreempt, 1, 1, pr::kExclusiveAccess));
  ASSERT_EQ(r.kind, PrOutResult::kGood);
  EXPECT_GE(st.find(kA), 0);
  EXPECT_LT(st.find(kB), 0);
  EXPECT_TRUE(st.is_holder(kA));
  EXPECT_EQ(st.type, pr::kExclusiveAccess);
}

TEST(PrState, PreemptAllRegistrantsWithZeroKey) {
  PrState st;
  reg(st, kA, 1);
  reg(st, kB, 2);
  reg(st, kC, 3);
  run(st, kA, req(pr::kReserve, 1, 0, pr::kExclusiveAccessAllRegistrants));
  PrOutResult r = run(st, kB, req(pr::kPreemptAndAbort, 2, 0, pr::kWriteExclusive));
  ASSERT_EQ(r.kind, PrOutResult::kGood);
  ASSERT_EQ(st.regs.size(), 1u);
  EXPECT_TRUE(st.is_holder(kB));
  EXPECT_EQ(st.type, pr::kWriteExclusive);
  EXPECT_TRUE(has_ua(r, kA, asc::kRegistrationsPreempted));
  EXPECT_TRUE(has_ua(r, kC, asc::kRegistrationsPreempted));
  EXPECT_TRUE(has_ua(r, kA, asc::kCommandsClearedByAnotherInitiator)) << "PREEMPT AND ABORT";
}

TEST(PrState, PreemptAllRegistrantsWithKeyOnlyRemovesThose) {
  PrState st;
  reg(st, kA, 1);
  reg(st, kB, 2);
  run(st, kA, req(pr::kReserve, 1, 0, pr::kWriteExclusiveAllRegistrants));
  PrOutResult r = run(st, kB, req(pr::kPreempt, 2, 1, pr::kWriteExclusiveAllRegistrants));
  ASSERT_EQ(r.kind, PrOutResult::kGood);
  EXPECT_TRUE(st.reserved());
  EXPECT_LT(st.find(kA), 0);
  EXPECT_FALSE(has_ua(r, kA, asc::kCommandsClearedByAnotherInitiator)) << "plain PREEMPT";
}

TEST(PrState, RegisterAndMove) {
  PrState st;
  reg(st, kA, 1);
  PrOutRequest mv = req(pr::kRegisterAndMove, 1, 0x55);
  mv.move_port = std::string(kB.port);
  mv.move_rel_tgt_id = 1;
  // Not reserved yet: conflict.
  EXPECT_EQ(run(st, kA, mv).kind, PrOutResult::kConflict);
  run(st, kA, req(pr::kReserve, 1, 0, pr::kExclusiveAccess));
  uint32_t gen = st.generation;
  PrOutRequest self = mv;
  self.move_port = std::string(kA.port);
  EXPECT_EQ(run(st, kA, self).kind, PrOutResult::kCheck) << "moving to itself";
  PrOutRequest zero = mv;
  zero.sa_key = 0;
  EXPECT_EQ(run(st, kA, zero).kind, PrOutResult::kCheck);
  EXPECT_EQ(run(st, kB, mv).kind, PrOutResult::kConflict) << "B is not registered";
  mv.unreg = true;
  mv.aptpl = true;
  ASSERT_EQ(run(st, kA, mv).kind, PrOutResult::kGood);
  EXPECT_TRUE(st.is_holder(kB));
  EXPECT_EQ(st.regs[size_t(st.find(kB))].key, 0x55u);
  EXPECT_LT(st.find(kA), 0) << "UNREG=1";
  EXPECT_EQ(st.type, pr::kExclusiveAccess);
  EXPECT_TRUE(st.aptpl);
  EXPECT_EQ(st.generation, gen + 1);
}

TEST(PrState, RegisterAndMoveRefusedForAllRegistrants) {
  PrState st;
  reg(st, kA, 1);
  run(st, kA, req(pr::kReserve, 1, 0, pr::kWriteExclusiveAllRegistrants));
  PrOutRequest mv = req(pr::kRegisterAndMove, 1, 2);
  mv.move_port = std::string(kB.port);
  mv.move_rel_tgt_id = 1;
  EXPECT_EQ(run(st, kA, mv).kind, PrOutResult::kConflict);
}

TEST(PrState, NameOnlyTransportIdCoversEveryIsid) {
  Registrant r{1, "iqn.2024-01.test:a", 1, false, false};
  EXPECT_TRUE(r.matches(kA));
  EXPECT_FALSE(r.matches(kA2));
  EXPECT_FALSE(r.matches(kB));
}

TEST(PrState, UnknownServiceAction) {
  PrState st;
  PrOutResult r = run(st, kA, req(9, 0, 0));
  EXPECT_EQ(r.kind, PrOutResult::kCheck);
}

}  // namespace
}  // namespace esan::scsi
