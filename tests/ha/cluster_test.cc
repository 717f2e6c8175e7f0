// Issue 13: LU shared state replicated between the esands of two nodes
// through Corosync CPG (esan_cluster_group in the device group). Each test
// runs a 3-node lab (node1, node2 storage, node3 witness), esand on node1
// and node2 exporting disk0 (one shared sparse file) through their own
// targets (iqn.2026-12.org.esan:node1, relative target port 1, target port
// group 1, active; :node2, port 2, group 2, nonoptimized), and libiscsi
// sessions from the test process to both.
//
// What is checked: persistent reservations, their unit attentions and ALUA
// states changed through one node hold on the other; a restarted esand takes
// the state from its peer; APTPL registrations survive a restart of both; a
// node outside the quorate partition refuses state changes with BUSY and
// catches up when it rejoins; a reset's unit attention reaches every nexus
// of the LU on both nodes; and libiscsi's reservation (PR and RESERVE(6))
// and multipath suites pass with one URL on each node.
//
// A change made through one node is looked for on the other with Eventually
// (bounded retries): its status is sent once the change is delivered on the
// node that took the command; the peer applies it in the same order, maybe
// a few milliseconds later.
#include <fnmatch.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/ha/ha_util.h"
#include "tests/ha/lab.h"

#ifndef ESAN_SCORE_PY
#error "ESAN_SCORE_PY must be defined (tests/conformance/score.py)"
#endif

namespace esan::ha {
namespace {

using namespace std::chrono_literals;

constexpr char kHostA[] = "iqn.2026-12.org.esan.test:host-a";
constexpr char kHostB[] = "iqn.2026-12.org.esan.test:host-b";
constexpr char kHostC[] = "iqn.2026-12.org.esan.test:host-c";
constexpr char kHostD[] = "iqn.2026-12.org.esan.test:host-d";
// A change's status is sent once every member applied it (cluster/cpg_coordinator.h):
// the other node must show it at once, so checks there get one try.
constexpr auto kPeerDelay = 0s;

constexpr int kRegisterIgnore = SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY;
constexpr int kReserve = SCSI_PERSISTENT_RESERVE_RESERVE;
constexpr int kPreemptAndAbort = SCSI_PERSISTENT_RESERVE_PREEMPT_AND_ABORT;

// ALUA asymmetric access states (SPC-4 table 183).
constexpr int kAluaActive = 0x0, kAluaNonoptimized = 0x1;

int Status(const Task& t) { return t ? t->status : -1; }

// Runs cmd until it no longer answers GOOD (a unit attention raised on the
// other node shows up once this node has applied the change), then takes
// every unit attention queued: one of them must be asc/ascq (others may come
// with it, e.g. COMMANDS CLEARED BY ANOTHER INITIATOR after PREEMPT AND ABORT).
template <typename Cmd>
::testing::AssertionResult EventuallyUnitAttention(iscsi_context* ctx, int ascq, Cmd cmd) {
  Task t;
  auto deadline = std::chrono::steady_clock::now() + kPeerDelay;
  do {
    t = cmd();
    if (!t || t->status != SCSI_STATUS_GOOD) break;
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < deadline);
  std::string seen;
  bool found = false;
  for (int i = 0; i < 8 && t && t->status == SCSI_STATUS_CHECK_CONDITION && t->sense.key == SCSI_SENSE_UNIT_ATTENTION;
       ++i, t = cmd()) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%s%04x", seen.empty() ? "" : ", ", unsigned(t->sense.ascq));
    seen += buf;
    found = found || t->sense.ascq == ascq;
  }
  if (found) return ::testing::AssertionSuccess();
  char want[16];
  std::snprintf(want, sizeof want, "%04x", unsigned(ascq));
  return ::testing::AssertionFailure() << "expected UNIT ATTENTION " << want << "; unit attentions seen: {" << seen
                                       << "}, then " << it::Describe(ctx, t.get());
}

class HaCluster : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(lab.Start());
    esands = std::make_unique<EsandNodes>(lab, /*cluster=*/true);
    // These tests move roles with SET TARGET PORT GROUPS: explicit access
    // (a replicated group's default, implicit, refuses it).
    esands->SetAluaAccess("both");
    ASSERT_TRUE(esands->StartAll());
  }

  ::testing::AssertionResult Register(iscsi_context* ctx, uint64_t key, bool aptpl = false) {
    return Prout(ctx, kRegisterIgnore, 0, 0, key, aptpl);
  }

  Lab lab;
  std::unique_ptr<EsandNodes> esands;  // after lab: its esands stop first
};

// REGISTER through node1, RESERVE through node2 by another initiator: node1's
// nexus is kept from writing; PREEMPT AND ABORT through node2 takes its
// registration and tells it so with a unit attention on node1.
TEST_F(HaCluster, PreemptAndAbortAcrossNodes) {
  Context a1 = esands->Session(1, kHostA, 1);
  Context b2 = esands->Session(2, kHostB, 2);
  ASSERT_TRUE(a1 && b2);
  ASSERT_TRUE(Register(a1.get(), 0xA1));
  ASSERT_TRUE(Register(b2.get(), 0xB2));
  EXPECT_TRUE(Eventually(kPeerDelay, [&]() -> ::testing::AssertionResult {
    PrKeys k = ReadKeys(a1.get());
    if (k.keys == std::vector<uint64_t>{0xA1, 0xB2}) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "node1: " << ToString(k);
  }));
  ASSERT_TRUE(Prout(b2.get(), kReserve, kWriteExclusive, 0xB2, 0));

  std::vector<uint8_t> data = it::TestData(4096, 21);
  EXPECT_TRUE(Eventually(kPeerDelay, [&]() -> ::testing::AssertionResult {
    Task w = it::Write16Task(a1.get(), 0, 64, data.data(), data.size());
    if (Status(w) == SCSI_STATUS_RESERVATION_CONFLICT) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "WRITE through node1 (registered, not the holder): "
                                         << it::Describe(a1.get(), w.get());
  }));
  std::vector<uint8_t> back;
  EXPECT_TRUE(it::Read16(a1.get(), 0, 64, 4096, &back)) << "Write Exclusive lets others read";
  EXPECT_TRUE(it::Write16(b2.get(), 0, 64, data.data(), data.size())) << "the holder writes";
  EXPECT_TRUE(Eventually(kPeerDelay, [&] { return SamePrState(a1.get(), b2.get()); }));
  PrReservation r = ReadReservation(a1.get());
  EXPECT_TRUE(r.reserved && r.key == 0xB2 && r.type == kWriteExclusive) << "node1: " << ToString(r);

  ASSERT_TRUE(Prout(b2.get(), kPreemptAndAbort, kWriteExclusive, 0xB2, 0xA1));
  EXPECT_TRUE(EventuallyUnitAttention(a1.get(), 0x2A05 /* REGISTRATIONS PREEMPTED */,
                                      [&] { return it::Read16Task(a1.get(), 0, 64, 4096); }));
  Task w = it::Write16Task(a1.get(), 0, 64, data.data(), data.size());
  EXPECT_EQ(Status(w), SCSI_STATUS_RESERVATION_CONFLICT) << it::Describe(a1.get(), w.get());
  EXPECT_TRUE(Eventually(kPeerDelay, [&] { return SamePrState(a1.get(), b2.get()); }));
  PrKeys k1 = ReadKeys(a1.get());
  EXPECT_EQ(k1.keys, std::vector<uint64_t>{0xB2}) << ToString(k1);
  EXPECT_EQ(k1.generation, 3u) << "two registrations and one preemption";
  r = ReadReservation(a1.get());
  EXPECT_TRUE(r.reserved && r.key == 0xB2 && r.type == kWriteExclusive) << "node1: " << ToString(r);
  // No unit attention is owed to the nexus that preempted.
  Task tur(iscsi_testunitready_sync(b2.get(), 0));
  EXPECT_EQ(Status(tur), SCSI_STATUS_GOOD) << it::Describe(b2.get(), tur.get());
}

// Issue 15 item 4 on the pair: the LU is one logical unit reached through
// both nodes' target ports, so a reset's unit attention is owed to every I_T
// nexus of it (SAM-5), on both nodes, the requester's included, and ends the
// SPC-2 reservation held through either node. A TARGET COLD RESET closes the
// sessions of the target it was sent to (RFC 7143); the other node's
// sessions stay and get POWER ON OCCURRED.
TEST_F(HaCluster, ResetUnitAttentionsReachEveryNexusOnBothNodes) {
  Context a1 = esands->Session(1, kHostA, 1);
  Context b2 = esands->Session(2, kHostB, 2);
  ASSERT_TRUE(a1 && b2);
  const std::vector<uint8_t> reserve6{0x16, 0, 0, 0, 0, 0}, release6{0x17, 0, 0, 0, 0, 0};
  auto tur = [](iscsi_context* c) { return Task(iscsi_testunitready_sync(c, 0)); };
  // The next command through c reports the unit attention ascq, the one
  // after it is GOOD (nothing else queued).
  auto once = [&](iscsi_context* c, int ascq, const char* who) {
    Task t = tur(c);
    EXPECT_TRUE(IsSense(t.get(), SCSI_SENSE_UNIT_ATTENTION, ascq)) << who << ": " << it::Describe(c, t.get());
    t = tur(c);
    EXPECT_EQ(Status(t), SCSI_STATUS_GOOD) << who << ", then: " << it::Describe(c, t.get());
  };

  Task r = RunCdb(b2.get(), reserve6, SCSI_XFER_NONE, 0);
  ASSERT_EQ(Status(r), SCSI_STATUS_GOOD) << it::Describe(b2.get(), r.get());
  r = RunCdb(a1.get(), reserve6, SCSI_XFER_NONE, 0);
  ASSERT_EQ(Status(r), SCSI_STATUS_RESERVATION_CONFLICT) << it::Describe(a1.get(), r.get());

  ASSERT_EQ(iscsi_task_mgmt_lun_reset_sync(a1.get(), 0), 0) << iscsi_get_error(a1.get());
  once(b2.get(), 0x2903 /* BUS DEVICE RESET FUNCTION OCCURRED */, "LUN reset via node1, node2's nexus");
  once(a1.get(), 0x2903, "LUN reset via node1, the requester");
  r = RunCdb(a1.get(), reserve6, SCSI_XFER_NONE, 0);
  EXPECT_EQ(Status(r), SCSI_STATUS_GOOD) << "the reset ended node2's RESERVE(6): " << it::Describe(a1.get(), r.get());
  r = RunCdb(a1.get(), release6, SCSI_XFER_NONE, 0);
  EXPECT_EQ(Status(r), SCSI_STATUS_GOOD) << it::Describe(a1.get(), r.get());

  ASSERT_EQ(iscsi_task_mgmt_target_warm_reset_sync(b2.get()), 0) << iscsi_get_error(b2.get());
  once(a1.get(), 0x2903, "warm reset via node2, node1's nexus");
  once(b2.get(), 0x2903, "warm reset via node2, the requester");

  // A session of node2 that logs in after the reset is a new nexus: its
  // first commands see its own 29h/00h at most (Session consumes it).
  Context c2 = esands->Session(2, kHostC, 3);
  ASSERT_TRUE(c2);
  Task t = tur(c2.get());
  EXPECT_EQ(Status(t), SCSI_STATUS_GOOD) << "no reset UA for a later nexus: " << it::Describe(c2.get(), t.get());

  r = RunCdb(b2.get(), reserve6, SCSI_XFER_NONE, 0);
  ASSERT_EQ(Status(r), SCSI_STATUS_GOOD) << it::Describe(b2.get(), r.get());
  (void)iscsi_task_mgmt_target_cold_reset_sync(a1.get());  // node1 closes a1's session
  once(b2.get(), 0x2901 /* POWER ON OCCURRED */, "cold reset via node1, node2's nexus (still logged in)");
  once(c2.get(), 0x2901, "cold reset via node1, node2's other nexus");
  r = RunCdb(c2.get(), reserve6, SCSI_XFER_NONE, 0);
  EXPECT_EQ(Status(r), SCSI_STATUS_GOOD) << "the cold reset ended b2's RESERVE(6): " << it::Describe(c2.get(), r.get());
}

// A logout ends the I_T nexus, and with it its SPC-2 reservation, before
// the Logout Response: on both nodes, so a RESERVE(6) sent through node2
// the moment node1's logout completes finds the LU free (libiscsi's
// Reserve6.Logout with one URL per node). The end of the reservation is a
// change committed through the cluster; a response sent before its commit
// let node2's RESERVE be ordered first now and then.
TEST_F(HaCluster, LogoutEndsTheReservationOnBothNodesBeforeItsResponse) {
  Context b2 = esands->Session(2, kHostB, 2);
  ASSERT_TRUE(b2);
  const std::vector<uint8_t> reserve6{0x16, 0, 0, 0, 0, 0}, release6{0x17, 0, 0, 0, 0, 0};
  for (int i = 0; i < 40 && !::testing::Test::HasFailure(); ++i) {
    Context a1 = esands->Session(1, kHostA, 1);
    ASSERT_TRUE(a1);
    Task r = RunCdb(a1.get(), reserve6, SCSI_XFER_NONE, 0);
    ASSERT_EQ(Status(r), SCSI_STATUS_GOOD) << "round " << i << ": " << it::Describe(a1.get(), r.get());
    ASSERT_EQ(iscsi_logout_sync(a1.get()), 0) << iscsi_get_error(a1.get());
    r = RunCdb(b2.get(), reserve6, SCSI_XFER_NONE, 0);
    EXPECT_EQ(Status(r), SCSI_STATUS_GOOD) << "round " << i << ", RESERVE(6) through node2 right after node1's "
                                           << "logout: " << it::Describe(b2.get(), r.get());
    r = RunCdb(b2.get(), release6, SCSI_XFER_NONE, 0);
    EXPECT_EQ(Status(r), SCSI_STATUS_GOOD) << it::Describe(b2.get(), r.get());
  }
}

// SIGKILL node1's esand: node2 keeps the registrations and the reservation
// (and takes more); node1's esand, started again, takes the state from node2
// before it answers.
TEST_F(HaCluster, RestartedEsandTakesStateFromPeer) {
  Context a1 = esands->Session(1, kHostA, 1);
  Context b2 = esands->Session(2, kHostB, 2);
  ASSERT_TRUE(a1 && b2);
  ASSERT_TRUE(Register(a1.get(), 0xA1));
  ASSERT_TRUE(Register(b2.get(), 0xB2));
  ASSERT_TRUE(Prout(b2.get(), kReserve, kWriteExclusive, 0xB2, 0));
  ASSERT_TRUE(Eventually(kPeerDelay, [&] { return SamePrState(a1.get(), b2.get()); }));

  a1.reset();
  esands->Kill(1);
  PrKeys keys = ReadKeys(b2.get());
  EXPECT_EQ(keys.keys, (std::vector<uint64_t>{0xA1, 0xB2})) << ToString(keys);
  PrReservation resv = ReadReservation(b2.get());
  EXPECT_TRUE(resv.reserved && resv.key == 0xB2 && resv.type == kWriteExclusive) << ToString(resv);
  std::vector<uint8_t> data = it::TestData(4096, 22);
  EXPECT_TRUE(it::Write16(b2.get(), 0, 128, data.data(), data.size()));
  // A change node1 misses while it is down.
  Context c2 = esands->Session(2, kHostC, 3);
  ASSERT_TRUE(c2);
  ASSERT_TRUE(Register(c2.get(), 0xC3));
  keys = ReadKeys(b2.get());
  resv = ReadReservation(b2.get());

  ASSERT_TRUE(esands->Start(1));
  a1 = esands->Session(1, kHostA, 1, 30s);
  ASSERT_TRUE(a1);
  EXPECT_TRUE(SamePrState(a1.get(), b2.get()));
  EXPECT_EQ(ReadKeys(a1.get()), keys);
  EXPECT_EQ(ReadReservation(a1.get()), resv);
  // node1 enforces it: A (registered, not the holder) may not write.
  Task w = it::Write16Task(a1.get(), 0, 128, data.data(), data.size());
  EXPECT_EQ(Status(w), SCSI_STATUS_RESERVATION_CONFLICT) << it::Describe(a1.get(), w.get());
}

// Registrations made with APTPL=1 and the reservation survive stopping both
// esands: each reloads them from its own --state-dir.
TEST_F(HaCluster, AptplSurvivesRestartOfBothNodes) {
  {
    Context a1 = esands->Session(1, kHostA, 1);
    Context b2 = esands->Session(2, kHostB, 2);
    ASSERT_TRUE(a1 && b2);
    ASSERT_TRUE(Register(a1.get(), 0xA1, /*aptpl=*/true));
    ASSERT_TRUE(Register(b2.get(), 0xB2, /*aptpl=*/true));
    ASSERT_TRUE(Prout(b2.get(), kReserve, kExclusiveAccess, 0xB2, 0));
    ASSERT_TRUE(Eventually(kPeerDelay, [&] { return SamePrState(a1.get(), b2.get()); }));
  }
  for (int n = 1; n <= 2; ++n) {
    std::string file = esands->esand(n).state_dir() + "/pr/disk0";
    EXPECT_TRUE(Eventually(kPeerDelay, [&]() -> ::testing::AssertionResult {
      if (std::filesystem::exists(file)) return ::testing::AssertionSuccess();
      return ::testing::AssertionFailure() << lab.NodeName(n) << " has no " << file;
    }));
  }
  ASSERT_TRUE(esands->Stop(1));
  ASSERT_TRUE(esands->Stop(2));
  ASSERT_TRUE(esands->Start(1));
  ASSERT_TRUE(esands->Start(2));

  Context a1 = esands->Session(1, kHostA, 1, 30s);
  Context b2 = esands->Session(2, kHostB, 2, 30s);
  ASSERT_TRUE(a1 && b2);
  EXPECT_TRUE(Eventually(kPeerDelay, [&] { return SamePrState(a1.get(), b2.get()); }));
  for (iscsi_context* ctx : {a1.get(), b2.get()}) {
    PrKeys k = ReadKeys(ctx);
    EXPECT_EQ(k.keys, (std::vector<uint64_t>{0xA1, 0xB2})) << ToString(k);
    PrReservation r = ReadReservation(ctx);
    EXPECT_TRUE(r.reserved && r.key == 0xB2 && r.type == kExclusiveAccess) << ToString(r);
  }
  std::vector<uint8_t> data = it::TestData(512, 23);
  Task w = it::Write16Task(a1.get(), 0, 0, data.data(), data.size());
  EXPECT_EQ(Status(w), SCSI_STATUS_RESERVATION_CONFLICT) << it::Describe(a1.get(), w.get());
  EXPECT_TRUE(it::Write16(b2.get(), 0, 0, data.data(), data.size())) << "the holder, through node2";
}

// SET TARGET PORT GROUPS through node2 moves the states both nodes report,
// and nexuses on both nodes (other than the requester) are told.
TEST_F(HaCluster, SetTargetPortGroupsMovesBothNodes) {
  Context a1 = esands->Session(1, kHostA, 1);
  Context b2 = esands->Session(2, kHostB, 2);
  Context c2 = esands->Session(2, kHostC, 3);
  ASSERT_TRUE(a1 && b2 && c2);
  const std::vector<TpGroup> before = {{kAluaActive, 1, 0, {1}}, {kAluaNonoptimized, 2, 0, {2}}};
  EXPECT_EQ(ParseRtpg(Rtpg(a1.get())), before) << ToString(ParseRtpg(Rtpg(a1.get())));
  EXPECT_EQ(Rtpg(b2.get()), Rtpg(a1.get()));

  Task s = Stpg(b2.get(), {{kAluaActive, 2}, {kAluaNonoptimized, 1}});
  ASSERT_EQ(Status(s), SCSI_STATUS_GOOD) << it::Describe(b2.get(), s.get());

  auto tur = [](iscsi_context* ctx) { return [ctx] { return Task(iscsi_testunitready_sync(ctx, 0)); }; };
  EXPECT_TRUE(EventuallyUnitAttention(a1.get(), 0x2A06 /* ASYMMETRIC ACCESS STATE CHANGED */, tur(a1.get())))
      << "nexus on node1";
  EXPECT_TRUE(EventuallyUnitAttention(c2.get(), 0x2A06, tur(c2.get()))) << "other nexus on node2";
  Task t = tur(b2.get())();
  EXPECT_EQ(Status(t), SCSI_STATUS_GOOD) << "the requester gets no unit attention: " << it::Describe(b2.get(), t.get());

  // 0x01: altered by SET TARGET PORT GROUPS.
  const std::vector<TpGroup> after = {{kAluaNonoptimized, 1, 0x01, {1}}, {kAluaActive, 2, 0x01, {2}}};
  std::vector<uint8_t> from1 = Rtpg(a1.get()), from2 = Rtpg(b2.get());
  EXPECT_EQ(ParseRtpg(from1), after) << "node1: " << ToString(ParseRtpg(from1));
  EXPECT_EQ(ParseRtpg(from2), after) << "node2: " << ToString(ParseRtpg(from2));
  EXPECT_EQ(from1, from2);
}

// An STPG through node2 that names only g2: the one-owner rule steps g1
// down in the same change, on both nodes (never two active/optimized
// groups, so never two nodes serving the medium), and since that part was
// the device server's own (status code 02h) the requester hears of it too.
TEST_F(HaCluster, SetTargetPortGroupsStepsThePreviousOwnerDownOnBothNodes) {
  Context a1 = esands->Session(1, kHostA, 1);
  Context b2 = esands->Session(2, kHostB, 2);
  ASSERT_TRUE(a1 && b2);
  Task s = Stpg(b2.get(), {{kAluaActive, 2}});
  ASSERT_EQ(Status(s), SCSI_STATUS_GOOD) << it::Describe(b2.get(), s.get());
  auto tur = [](iscsi_context* ctx) { return [ctx] { return Task(iscsi_testunitready_sync(ctx, 0)); }; };
  EXPECT_TRUE(EventuallyUnitAttention(a1.get(), 0x2A06, tur(a1.get()))) << "nexus on node1";
  EXPECT_TRUE(EventuallyUnitAttention(b2.get(), 0x2A06, tur(b2.get()))) << "the requester, for g1's implicit move";
  const std::vector<TpGroup> after = {{kAluaNonoptimized, 1, 0x02, {1}}, {kAluaActive, 2, 0x01, {2}}};
  std::vector<uint8_t> from1 = Rtpg(a1.get()), from2 = Rtpg(b2.get());
  EXPECT_EQ(ParseRtpg(from1), after) << "node1: " << ToString(ParseRtpg(from1));
  EXPECT_EQ(ParseRtpg(from2), after) << "node2: " << ToString(ParseRtpg(from2));
}

// node1 cut off from the cluster (both links down; its initiators still
// reach it on the front network): PR OUT and RESERVE through it answer BUSY
// and change nothing, node2 (with the witness, quorate) goes on; node1
// rejoins and then answers with node2's state.
TEST_F(HaCluster, NodeWithoutQuorumAnswersBusy) {
  Context a1 = esands->Session(1, kHostA, 1);
  Context b2 = esands->Session(2, kHostB, 2);
  ASSERT_TRUE(a1 && b2);
  // Nothing registered yet: with quorum, both commands below would succeed.
  ASSERT_TRUE(lab.CutLink(1, 0));
  ASSERT_TRUE(lab.CutLink(1, 1));
  ASSERT_TRUE(lab.WaitNotQuorate(1, 20s));
  ASSERT_TRUE(lab.WaitQuorate(2, 20s, {2, 3}));

  Task reserve(iscsi_reserve6_sync(a1.get(), 0));
  EXPECT_EQ(Status(reserve), SCSI_STATUS_BUSY) << "RESERVE(6) through node1 without quorum: "
                                               << it::Describe(a1.get(), reserve.get());
  Task reg = ProutTask(a1.get(), kRegisterIgnore, 0, 0, 0xA1);
  EXPECT_EQ(Status(reg), SCSI_STATUS_BUSY) << "PR OUT REGISTER through node1 without quorum: "
                                           << it::Describe(a1.get(), reg.get());
  PrKeys k2 = ReadKeys(b2.get());
  EXPECT_TRUE(k2.ok && k2.keys.empty()) << "node2: " << ToString(k2);
  std::vector<uint8_t> data = it::TestData(512, 24);
  EXPECT_TRUE(it::Write16(b2.get(), 0, 0, data.data(), data.size())) << "no reservation was made through node1";
  ASSERT_TRUE(Register(b2.get(), 0xB2)) << "node2 is in the quorate partition";
  k2 = ReadKeys(b2.get());
  EXPECT_EQ(k2.keys, std::vector<uint64_t>{0xB2}) << "node2: " << ToString(k2);

  ASSERT_TRUE(lab.RestoreLink(1, 0));
  ASSERT_TRUE(lab.RestoreLink(1, 1));
  ASSERT_TRUE(lab.WaitQuorate(1, 30s, {1, 2, 3}));
  // node1 catches up before it answers again; a fresh session waits for it.
  a1.reset();
  Context d1 = esands->Session(1, kHostD, 4, 30s);
  ASSERT_TRUE(d1);
  EXPECT_TRUE(Eventually(kPeerDelay, [&] { return SamePrState(d1.get(), b2.get()); }));
  PrKeys k1 = ReadKeys(d1.get());
  EXPECT_EQ(k1.keys, std::vector<uint64_t>{0xB2}) << "node1 after rejoining: " << ToString(k1);
}

// --- libiscsi's own suites, url1 on node1 and url2 on node2 (both logged in
// with the first initiator name, as one multipath host; the reservation
// tests add the second name).
struct CuScore {
  int pass = 0, fail = 0, skip = 0, total = -1;
  std::string listing;  // score.py --list
};

CuScore ScoreLog(const std::string& log) {
  CuScore s;
  ExecResult r = RunProgram({"python3", ESAN_SCORE_PY, log, "--list"}, 60s);
  s.listing = r.output;
  std::smatch m;
  static const std::regex last("conformance: (\\d+) pass, (\\d+) fail, (\\d+) skip of (\\d+)");
  if (std::regex_search(r.output, m, last)) {
    s.pass = std::stoi(m[1]);
    s.fail = std::stoi(m[2]);
    s.skip = std::stoi(m[3]);
    s.total = std::stoi(m[4]);
  }
  return s;
}

// How many tests iscsi-test-cu --list has for FAMILY.SUITE-glob.TEST-glob
// (it matches each part with fnmatch).
int ExpectedTests(const std::string& pattern) {
  ExecResult r = RunProgram({"iscsi-test-cu", "--list"}, 30s);
  std::vector<std::string> pat;
  std::stringstream ps(pattern);
  for (std::string p; std::getline(ps, p, '.');) pat.push_back(p);
  while (pat.size() < 3) pat.push_back("*");
  int n = 0;
  std::istringstream in(r.output);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> parts;
    std::stringstream ls(line);
    for (std::string p; std::getline(ls, p, '.');) parts.push_back(p);
    if (parts.size() != 3) continue;
    bool match = true;
    for (int i = 0; i < 3; ++i) match = match && ::fnmatch(pat[i].c_str(), parts[i].c_str(), 0) == 0;
    n += match;
  }
  return n;
}

class HaLibiscsi : public HaCluster, public ::testing::WithParamInterface<const char*> {};

TEST_P(HaLibiscsi, SuitePassesWithOneUrlPerNode) {
  const std::string pattern = GetParam();
  {
    // Both nodes ready (TEST UNIT READY GOOD) before the tool's first READ CAPACITY.
    Context r1 = esands->Session(1, kHostD, 9, 30s);
    Context r2 = esands->Session(2, kHostD, 9, 30s);
    ASSERT_TRUE(r1 && r2);
  }
  const int expected = ExpectedTests(pattern);
  ASSERT_GT(expected, 0) << "iscsi-test-cu --list has no test for " << pattern;
  std::string log = lab.dir() + "/iscsi-test-cu.log";
  // SIGPIPE ignored (a connection the target drops gives the tool EPIPE),
  // stdout unbuffered (a killed run's log is complete up to the kill).
  ExecResult r = RunProgram({"sh", "-c", "trap '' PIPE; exec stdbuf -o0 -e0 \"$@\"", "sh", "iscsi-test-cu", "--dataloss",
                      "--verbose", "-t", pattern, "-i", "iqn.2026-12.org.esan.test:cu-1", "-I",
                      "iqn.2026-12.org.esan.test:cu-2", esands->Url(1), esands->Url(2)},
                     240s);  // under ctest's 300 s, so that the log is printed
  std::ofstream(log) << r.output;
  EXPECT_FALSE(r.timed_out) << "iscsi-test-cu ran longer than 240 s (killed)";
  CuScore s = ScoreLog(log);
  EXPECT_EQ(s.total, expected) << "tests in the log vs. in --list";
  EXPECT_EQ(s.fail, 0);
  EXPECT_EQ(s.skip, 0);
  EXPECT_EQ(s.pass, expected);
  if (::testing::Test::HasFailure()) {
    std::string not_passed;
    std::istringstream in(s.listing);
    for (std::string line; std::getline(in, line);)
      if (line.rfind("pass ", 0) != 0) not_passed += line + "\n";
    std::printf("----- iscsi-test-cu %s: not passed (score.py) -----\n%s", pattern.c_str(), not_passed.c_str());
    std::string out = r.output.size() > 32768 ? r.output.substr(r.output.size() - 32768) : r.output;
    std::printf("----- iscsi-test-cu output (last 32 KiB) -----\n%s\n----- end -----\n", out.c_str());
  }
}

INSTANTIATE_TEST_SUITE_P(Suites, HaLibiscsi, ::testing::Values("ALL.Prin*", "ALL.Prout*", "ALL.MultipathIO*", "ALL.Reserve6*"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string s = info.param;
                           s = s.substr(4);  // "ALL."
                           s.erase(std::remove(s.begin(), s.end(), '*'), s.end());
                           return s;
                         });

}  // namespace
}  // namespace esan::ha
