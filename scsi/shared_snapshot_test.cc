// SharedState's state transfer (scsi/shared_state.h snapshot/restore, the
// way an HA member joining a cluster takes the others' state) and the
// not-ready gate of a LU whose replicated coordinator has not synced.
#include <gtest/gtest.h>

#include "common/bytes.h"
#include "scsi/opcodes.h"
#include "scsi/shared_state.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using testing::Fixture;

constexpr ItNexusId kPeer{"iqn.2026-12.test:peer-host,i,0x230000000009", 100};

SharedReply apply(Fixture& f, const cluster::Change& c) {
  return decode_reply(Result<cluster::Reply>(f.shared.state->apply(1, c)));
}

PrOutRequest request(uint8_t action, uint64_t key, uint64_t sa_key, uint8_t type = 0, bool aptpl = false) {
  PrOutRequest r;
  r.action = action, r.key = key, r.sa_key = sa_key, r.type = type, r.aptpl = aptpl;
  return r;
}

// A node: a LU "disk0" in device group "dg" (group 1 holds port 1, group 2
// the other node's port 100), carried in snapshots.
struct Node {
  Node() {
    auto g = make_device_group("dg", {{"a", 1, AluaState::kActiveOptimized, {1}},
                                      {"b", 2, AluaState::kActiveNonOptimized, {100}}});
    EXPECT_TRUE(g.has_value());
    dg = *g;
    EXPECT_TRUE(f.shared.state->alua()->add(dg).has_value());
    join_device_group(dg, f.lu);
    f.shared.state->add_device_group("dg");
  }
  Fixture f;
  std::shared_ptr<DeviceGroup> dg;
};

TEST(SharedSnapshot, AJoiningNodeTakesReservationsModePagesAndAluaStates) {
  Node source, joiner;
  ASSERT_EQ(apply(source.f, pr_out_change("disk0", kPeer, request(pr::kRegister, 0, 0x11, 0, true))).status, kGood);
  ASSERT_EQ(apply(source.f, pr_out_change("disk0", kPeer, request(pr::kReserve, 0x11, 0, pr::kWriteExclusive)))
                .status,
            kGood);
  ASSERT_EQ(apply(source.f, mode_change("disk0", kPeer, ModeChange{0, 1, -1})).status, kGood);
  DeviceGroup::Change flip[] = {{1, AluaState::kActiveNonOptimized}, {2, AluaState::kActiveOptimized}};
  ASSERT_EQ(apply(source.f, alua_change("dg", flip, DeviceGroup::Cause::kImplicit, std::nullopt)).status, kGood);

  std::vector<uint8_t> snap = source.f.shared.state->snapshot();
  ASSERT_TRUE(joiner.f.shared.state->restore(snap).has_value());

  PrState want = source.f.lu->reservations().snapshot(), got = joiner.f.lu->reservations().snapshot();
  EXPECT_EQ(got, want);
  EXPECT_EQ(got.regs.size(), 1u);
  EXPECT_EQ(got.type, pr::kWriteExclusive);
  EXPECT_TRUE(got.aptpl);
  EXPECT_FALSE(joiner.f.lu->wce());
  EXPECT_TRUE(joiner.f.lu->d_sense());
  EXPECT_EQ(joiner.dg->group_by_id(1)->state(), AluaState::kActiveNonOptimized);
  EXPECT_EQ(joiner.dg->group_by_id(2)->state(), AluaState::kActiveOptimized);
  // The joiner's own nexus learns that what it could see changed.
  std::vector<uint16_t> uas;
  while (auto ua = joiner.f.lu->ua_take(joiner.f.nexus->id)) uas.push_back(*ua);
  EXPECT_NE(std::find(uas.begin(), uas.end(), asc::kModeParametersChanged), uas.end());
  EXPECT_NE(std::find(uas.begin(), uas.end(), asc::kAsymmetricAccessStateChanged), uas.end());
  // The reservation is enforced on the joiner: its (unregistered) nexus may not write.
  EXPECT_EQ(joiner.f.run(testing::cdb10(op::kWrite10, 0, 1), DataDir::kOut, std::vector<uint8_t>(512), 512).status,
            kReservationConflict);
}

TEST(SharedSnapshot, TheSpc2HolderTravelsAndAnEmptySourceClearsTheJoiner) {
  Node source, joiner;
  ASSERT_EQ(apply(source.f, reserve_change("disk0", kPeer)).status, kGood);
  ASSERT_TRUE(joiner.f.shared.state->restore(source.f.shared.state->snapshot()).has_value());
  auto holder = joiner.f.lu->reservations().spc2_holder();
  ASSERT_TRUE(holder.has_value());
  EXPECT_EQ(holder->port, kPeer.port);
  EXPECT_EQ(holder->rel_tgt_id, kPeer.rel_tgt_id);
  // A node that had registrations of its own takes the source's (none).
  Node empty;
  ASSERT_EQ(apply(joiner.f, nexus_loss_change("disk0", kPeer)).status, kGood);
  ASSERT_EQ(apply(joiner.f, pr_out_change("disk0", kPeer, request(pr::kRegister, 0, 0x22))).status, kGood);
  ASSERT_TRUE(joiner.f.shared.state->restore(empty.f.shared.state->snapshot()).has_value());
  EXPECT_TRUE(joiner.f.lu->reservations().snapshot().regs.empty());
  EXPECT_FALSE(joiner.f.lu->reservations().spc2_holder().has_value());
}

TEST(SharedSnapshot, AMalformedSnapshotChangesNothing) {
  Node source, joiner;
  ASSERT_EQ(apply(source.f, pr_out_change("disk0", kPeer, request(pr::kRegister, 0, 0x11))).status, kGood);
  std::vector<uint8_t> snap = source.f.shared.state->snapshot();
  for (size_t cut : {size_t(0), size_t(1), snap.size() / 2, snap.size() - 1}) {
    std::vector<uint8_t> bad(snap.begin(), snap.begin() + long(cut));
    auto r = joiner.f.shared.state->restore(bad);
    ASSERT_FALSE(r.has_value()) << "cut at " << cut;
    EXPECT_EQ(r.error().code, Errc::kProtocol);
  }
  snap.push_back(0);  // trailing garbage
  EXPECT_FALSE(joiner.f.shared.state->restore(snap).has_value());
  EXPECT_TRUE(joiner.f.lu->reservations().snapshot().regs.empty());
}

TEST(SharedSnapshot, ItemsThisNodeDoesNotHaveAreSkipped) {
  Node source;
  Fixture other(testing::named("disk1"));  // no disk0, no device group
  ASSERT_EQ(apply(source.f, pr_out_change("disk0", kPeer, request(pr::kRegister, 0, 0x11))).status, kGood);
  EXPECT_TRUE(other.shared.state->restore(source.f.shared.state->snapshot()).has_value());
  EXPECT_TRUE(other.lu->reservations().snapshot().regs.empty());
}

// A LU whose coordinator is a cluster member that has not synced (here: a
// CpgCoordinator never started, so never joined) answers NOT READY,
// BECOMING READY -- but INQUIRY and REPORT LUNS still work, and a pending
// unit attention stays pending.
TEST(SharedSnapshot, ALuOfAMemberThatHasNotSyncedIsNotReady) {
  Fixture f;
  auto co = std::make_shared<cluster::CpgCoordinator>(cluster::CpgCoordinator::Options{"esan-test-never-started"});
  EXPECT_FALSE(co->ready());
  f.lu->set_coordinator(co);
  f.lu->ua_queue(f.nexus->id, asc::kModeParametersChanged);
  testing::expect_sense(f.run({op::kTestUnitReady, 0, 0, 0, 0, 0}), SenseKey::kNotReady, asc::kBecomingReady);
  testing::expect_sense(f.run(testing::cdb10(op::kRead10, 0, 1), DataDir::kIn, {}, 512), SenseKey::kNotReady,
                        asc::kBecomingReady);
  testing::expect_good(f.run({op::kInquiry, 0, 0, 0, 96, 0}, DataDir::kIn, {}, 96));
  EXPECT_EQ(f.lu->ua_pending(f.nexus->id), 1u);
  // A proposal through it is refused at once (not joined): BUSY.
  EXPECT_EQ(decode_reply(co->propose_and_wait(reserve_change("disk0", kPeer))).status, kBusy);
  // Back on the node's coordinator the LU serves again.
  f.lu->set_coordinator(f.shared.coordinator);
  testing::expect_sense(f.run({op::kTestUnitReady, 0, 0, 0, 0, 0}), SenseKey::kUnitAttention,
                        asc::kModeParametersChanged);
  testing::expect_good(f.run({op::kTestUnitReady, 0, 0, 0, 0, 0}));
}

}  // namespace
}  // namespace esan::scsi
