// Reservations through scsi::execute: SPC-2 RESERVE/RELEASE, PR OUT CDB and
// parameter checks, the conflict table per reservation type and command
// class, unit attentions to the right nexuses, and PR IN data.
#include <gtest/gtest.h>

#include "scsi/opcodes.h"
#include "scsi/pr_state.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

struct Pr : ::testing::Test {
  Fixture f;
  std::unique_ptr<Nexus> a = attach("iqn.2024-01.test:a,i,0x230000000001");
  std::unique_ptr<Nexus> b = attach("iqn.2024-01.test:b,i,0x230000000002");

  std::unique_ptr<Nexus> attach(const std::string& port, uint16_t rtpi = 1) {
    auto n = std::make_unique<Nexus>();
    n->id = next_nexus_id();
    n->initiator_port = port;
    n->initiator_name = port.substr(0, port.find(','));
    n->rel_tgt_id = rtpi;
    n->luns = f.nexus->luns;
    nexus_attached(*n);
    while (f.lu->ua_take(n->id)) {
    }
    return n;
  }

  Task cmd(Nexus& n, const std::vector<uint8_t>& cdb, DataDir dir = DataDir::kNone,
           const std::vector<uint8_t>& out = {}) {
    return f.run(cdb, dir, out, 1u << 20, &n);
  }
  Task prout(Nexus& n, uint8_t sa, uint8_t type, uint64_t key, uint64_t sa_key, uint8_t flags = 0,
             uint32_t plen = 24) {
    std::vector<uint8_t> c(10, 0);
    c[0] = op::kPersistentReserveOut;
    c[1] = sa;
    c[2] = type;
    store_be32(&c[5], plen);
    std::vector<uint8_t> p(plen < 24 ? 24 : plen, 0);
    store_be64(&p[0], key);
    store_be64(&p[8], sa_key);
    p[20] = flags;
    p.resize(plen);
    return cmd(n, c, DataDir::kOut, p);
  }
  Task prin(Nexus& n, uint8_t sa, uint16_t alloc = 4096) {
    std::vector<uint8_t> c(10, 0);
    c[0] = op::kPersistentReserveIn;
    c[1] = sa;
    store_be16(&c[7], alloc);
    return cmd(n, c, DataDir::kIn);
  }
  void good(Task t) { expect_good(t); }
  static ::testing::AssertionResult is_conflict(const Task& t) {
    if (t.status == kReservationConflict) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "status " << int(t.status) << ", not RESERVATION CONFLICT";
  }
  Task read(Nexus& n) { return cmd(n, cdb10(op::kRead10, 1, 1), DataDir::kIn); }
  Task write(Nexus& n) { return cmd(n, cdb10(op::kWrite10, 1, 1), DataDir::kOut, std::vector<uint8_t>(512, 7)); }
};

std::vector<uint8_t> six(uint8_t op, uint8_t b4 = 0) { return {op, 0, 0, 0, b4, 0}; }

// ---- SPC-2 ----

TEST_F(Pr, Reserve6ConflictsOtherNexusesUntilRelease) {
  good(cmd(*a, six(op::kReserve6)));
  good(cmd(*a, six(op::kReserve6)));  // the holder may reserve again
  EXPECT_TRUE(is_conflict(cmd(*b, six(op::kReserve6))));
  good(cmd(*b, six(op::kRelease6)));  // no effect
  EXPECT_TRUE(is_conflict(cmd(*b, std::vector<uint8_t>{op::kModeSense6, 0, 0x3F, 0, 255, 0})));
  EXPECT_TRUE(is_conflict(cmd(*b, six(op::kTestUnitReady))));
  EXPECT_TRUE(is_conflict(read(*b)));
  EXPECT_TRUE(is_conflict(prin(*b, 0)));
  EXPECT_TRUE(is_conflict(prin(*a, 0))) << "PR IN conflicts under SPC-2 even for the holder";
  good(cmd(*b, six(op::kInquiry, 96), DataDir::kIn));
  good(cmd(*b, six(op::kRequestSense, 18), DataDir::kIn));
  good(cmd(*b, cdb12(op::kReportLuns, 0, 64), DataDir::kIn));
  good(cmd(*b, six(op::kPreventAllow, 0)));
  good(cmd(*a, std::vector<uint8_t>{op::kModeSense6, 0, 0x3F, 0, 255, 0}, DataDir::kIn));
  good(write(*a));
  good(cmd(*a, six(op::kRelease6)));
  good(cmd(*b, six(op::kReserve6)));
  EXPECT_TRUE(is_conflict(cmd(*a, std::vector<uint8_t>{op::kReserve10, 0, 0, 0, 0, 0, 0, 0, 0, 0})));
  good(cmd(*b, std::vector<uint8_t>{op::kRelease10, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_FALSE(f.lu->reservations().maybe_active());
}

TEST_F(Pr, Reserve10ThirdPartyIsRefused) {
  Task t = cmd(*a, std::vector<uint8_t>{op::kReserve10, 0x10, 0, 0, 0, 0, 0, 0, 0, 0});
  expect_invalid_cdb(t, 1, 4);
}

// The logout path: its response waits for `done`, which must come after
// the end of the reservation is applied (in a cluster, on every node) and
// never inline.
TEST_F(Pr, NexusLossWaitedForRunsDoneOnceTheReservationEnded) {
  good(cmd(*a, six(op::kReserve6)));
  bool done = false, held_at_done = true;
  nexus_detached(*a, f.exec, [&] {
    done = true;
    held_at_done = f.lu->reservations().spc2_holder().has_value();
  });
  EXPECT_FALSE(done) << "posted, never inline";
  f.settle([&] { return done; });
  EXPECT_FALSE(held_at_done) << "done ran before the reservation's end was applied";
  good(cmd(*b, six(op::kReserve6)));

  // A nexus holding nothing: done still runs, posted.
  auto c = attach("iqn.2024-01.test:c,i,0x230000000003");
  bool c_done = false;
  nexus_detached(*c, f.exec, [&] { c_done = true; });
  EXPECT_FALSE(c_done);
  f.settle([&] { return c_done; });
}

TEST_F(Pr, Reserve6EndsWithNexusLossAndResets) {
  auto c = attach("iqn.2024-01.test:c,i,0x230000000003");
  auto drain = [&] {
    for (Nexus* n : {b.get(), c.get()})
      while (f.lu->ua_take(n->id)) {
      }
  };
  good(cmd(*a, six(op::kReserve6)));
  EXPECT_TRUE(is_conflict(cmd(*b, six(op::kReserve6))));
  nexus_detached(*a);  // I_T nexus loss
  f.settle();
  good(cmd(*b, six(op::kReserve6)));
  EXPECT_TRUE(is_conflict(cmd(*c, six(op::kReserve6))));
  f.reset_lun(*c, 0);
  drain();
  good(cmd(*c, six(op::kReserve6)));
  EXPECT_TRUE(is_conflict(cmd(*b, six(op::kReserve6))));
  f.reset_target(*b, false);
  drain();
  good(cmd(*b, six(op::kReserve6)));
  f.reset_target(*c, true);
  drain();
  good(cmd(*c, six(op::kReserve6)));
}

TEST_F(Pr, ReserveAndReleaseConflictWithRegistrations) {
  good(prout(*a, pr::kRegisterAndIgnore, 0, 0, 0x10));
  EXPECT_TRUE(is_conflict(cmd(*b, six(op::kReserve6))));
  EXPECT_TRUE(is_conflict(cmd(*a, six(op::kReserve6))));
  EXPECT_TRUE(is_conflict(cmd(*a, six(op::kRelease6))));
  good(prout(*a, pr::kRegister, 0, 0x10, 0));
  good(cmd(*a, six(op::kReserve6)));
  EXPECT_TRUE(is_conflict(prout(*a, pr::kRegisterAndIgnore, 0, 0, 0x10))) << "PR OUT under an SPC-2 reservation";
}

// ---- PR OUT parsing ----

TEST_F(Pr, PrOutChecksCdbAndParameterList) {
  expect_invalid_cdb(prout(*a, 8, 0, 0, 1), 1, 4);
  expect_invalid_cdb(prout(*a, pr::kReserve, 0x10 | pr::kWriteExclusive, 0, 0), 2, 7);  // scope
  expect_invalid_cdb(prout(*a, pr::kReserve, 2, 0, 0), 2, 3);                            // type
  expect_sense(prout(*a, pr::kRegister, 0, 0, 1, 0, 20), SenseKey::kIllegalRequest, asc::kParameterListLengthError);
  expect_sense(prout(*a, pr::kRegister, 0, 0, 1, 0, 28), SenseKey::kIllegalRequest, asc::kParameterListLengthError);
  Task sip = prout(*a, pr::kRegister, 0, 0, 1, 0x08, 28);
  expect_sense(sip, SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList);
  EXPECT_EQ(load_be16(sense_of(sip).sks + 1), 20);
  EXPECT_TRUE(f.lu->reservations().snapshot().regs.empty());
}

// ---- access per type ----

struct Access {
  uint8_t type;
  bool reg_read, reg_write, unreg_read, unreg_write;
};

TEST_F(Pr, AccessRulesPerType) {
  const Access table[] = {
      {pr::kExclusiveAccess, false, false, false, false},
      {pr::kWriteExclusive, true, false, true, false},
      {pr::kExclusiveAccessRegistrantsOnly, true, true, false, false},
      {pr::kWriteExclusiveRegistrantsOnly, true, true, true, false},
      {pr::kExclusiveAccessAllRegistrants, true, true, false, false},
      {pr::kWriteExclusiveAllRegistrants, true, true, true, false},
  };
  for (const Access& t : table) {
    SCOPED_TRACE(int(t.type));
    good(prout(*a, pr::kRegisterAndIgnore, 0, 0, 0xA));
    good(prout(*b, pr::kRegisterAndIgnore, 0, 0, 0xB));
    good(prout(*a, pr::kReserve, t.type, 0xA, 0));
    good(read(*a));
    good(write(*a));
    EXPECT_EQ(read(*b).status, t.reg_read ? kGood : kReservationConflict);
    EXPECT_EQ(write(*b).status, t.reg_write ? kGood : kReservationConflict);
    good(prout(*b, pr::kRegister, 0, 0xB, 0));
    EXPECT_EQ(read(*b).status, t.unreg_read ? kGood : kReservationConflict);
    EXPECT_EQ(write(*b).status, t.unreg_write ? kGood : kReservationConflict);
    good(prout(*a, pr::kRelease, t.type, 0xA, 0));
    good(prout(*a, pr::kRegister, 0, 0xA, 0));
    while (f.lu->ua_take(b->id)) {
    }
  }
}

TEST_F(Pr, ConflictTableByCommandClass) {
  good(prout(*a, pr::kRegisterAndIgnore, 0, 0, 0xA));
  good(prout(*a, pr::kReserve, pr::kWriteExclusive, 0xA, 0));
  // Allowed under every type.
  good(cmd(*b, six(op::kTestUnitReady)));
  good(cmd(*b, cdb10(op::kReadCapacity10, 0, 0), DataDir::kIn));
  good(prin(*b, 0));
  // Read class: allowed under Write Exclusive.
  good(cmd(*b, std::vector<uint8_t>{op::kModeSense6, 0, 0x3F, 0, 255, 0}, DataDir::kIn));
  good(cmd(*b, cdb10(op::kVerify10, 1, 1)));
  // Write class: conflicts.
  EXPECT_TRUE(is_conflict(cmd(*b, cdb10(op::kSyncCache10, 0, 0))));
  EXPECT_TRUE(is_conflict(cmd(*b, {op::kModeSelect6, 0x10, 0, 0, 0, 0}, DataDir::kOut)));
  EXPECT_TRUE(is_conflict(cmd(*b, six(op::kPreventAllow, 1))));
  good(cmd(*b, six(op::kPreventAllow, 0)));
  EXPECT_TRUE(is_conflict(cmd(*b, six(op::kStartStopUnit, 0))));   // stop
  good(cmd(*b, six(op::kStartStopUnit, 1)));       // start
  // Opcodes added elsewhere conflict by table, whatever their handler does.
  for (uint8_t opc : {0x48 /* SANITIZE */, 0x83 /* EXTENDED COPY */, 0x84 /* RECEIVE COPY RESULTS */,
                      0x9C /* WRITE ATOMIC(16) */, 0xA4 /* MAINTENANCE OUT */, 0x04 /* FORMAT UNIT */}) {
    std::vector<uint8_t> c(16, 0);
    c[0] = opc;
    EXPECT_TRUE(is_conflict(cmd(*b, c)));
  }
  // READ DEFECT DATA is read class: not a conflict under WE.
  EXPECT_NE(cmd(*b, cdb10(0x37, 0, 0)).status, kReservationConflict);
  good(prout(*a, pr::kRelease, pr::kWriteExclusive, 0xA, 0));
  good(prout(*a, pr::kReserve, pr::kExclusiveAccess, 0xA, 0));
  EXPECT_TRUE(is_conflict(cmd(*b, std::vector<uint8_t>{op::kModeSense6, 0, 0x3F, 0, 255, 0})));
  EXPECT_TRUE(is_conflict(cmd(*b, cdb10(0x37, 0, 0))));
  good(cmd(*b, six(op::kTestUnitReady)));
  good(cmd(*b, six(op::kInquiry, 96), DataDir::kIn));
  std::vector<uint8_t> rtpg(12, 0);
  rtpg[0] = op::kMaintenanceIn;
  rtpg[1] = 0x0A;
  EXPECT_NE(cmd(*b, rtpg).status, kReservationConflict);
}

TEST_F(Pr, ReadWriteFastPathIsLockFreeWithoutReservation) {
  good(prout(*a, pr::kRegisterAndIgnore, 0, 0, 0xA));
  EXPECT_FALSE(f.lu->reservations().maybe_active()) << "registrations alone restrict no I/O";
  good(prout(*a, pr::kReserve, pr::kExclusiveAccess, 0xA, 0));
  EXPECT_TRUE(f.lu->reservations().maybe_active());
  good(prout(*a, pr::kRelease, pr::kExclusiveAccess, 0xA, 0));
  EXPECT_FALSE(f.lu->reservations().maybe_active());
}

// ---- unit attentions ----

TEST_F(Pr, PreemptQueuesRegistrationsPreemptedForThePreemptedOnly) {
  auto c = attach("iqn.2024-01.test:c,i,0x230000000003");
  good(prout(*a, pr::kRegisterAndIgnore, 0, 0, 0xA));
  good(prout(*b, pr::kRegisterAndIgnore, 0, 0, 0xB));
  good(prout(*b, pr::kPreempt, pr::kExclusiveAccess, 0xB, 0xA));
  expect_sense(cmd(*a, six(op::kTestUnitReady)), SenseKey::kUnitAttention, asc::kRegistrationsPreempted);
  good(cmd(*a, six(op::kTestUnitReady)));
  EXPECT_EQ(f.lu->ua_pending(b->id), 0u);
  EXPECT_EQ(f.lu->ua_pending(c->id), 0u);
}

TEST_F(Pr, PreemptAndAbortAlsoReportsCommandsCleared) {
  good(prout(*a, pr::kRegisterAndIgnore, 0, 0, 0xA));
  good(prout(*b, pr::kRegisterAndIgnore, 0, 0, 0xB));
  good(prout(*a, pr::kReserve, pr::kWriteExclusive, 0xA, 0));
  good(prout(*b, pr::kPreemptAndAbort, pr::kWriteExclusive, 0xB, 0xA));
  expect_sense(cmd(*a, six(op::kTestUnitReady)), SenseKey::kUnitAttention, asc::kRegistrationsPreempted);
  expect_sense(cmd(*a, six(op::kTestUnitReady)), SenseKey::kUnitAttention, asc::kCommandsClearedByAnotherInitiator);
  EXPECT_TRUE(is_conflict(write(*a)));
}

TEST_F(Pr, PreemptAndAbortAbortsThePreemptedNexusesTasksOnly) {
  // The transport's hook (scsi/nexus.h): record which nexus was asked to
  // abort its tasks for which LUN.
  std::vector<std::pair<char, uint64_t>> aborted;
  auto hook = [&](Nexus& n, char name) {
    n.abort_tasks = [&aborted, name](uint64_t lun) { aborted.emplace_back(name, lun); };
    nexus_attached(n);  // again: registers the hook with the LU
    while (f.lu->ua_take(n.id)) {
    }
  };
  auto c = attach("iqn.2024-01.test:c,i,0x230000000003");
  hook(*a, 'a'), hook(*b, 'b'), hook(*c, 'c');
  good(prout(*a, pr::kRegisterAndIgnore, 0, 0, 0xA));
  good(prout(*b, pr::kRegisterAndIgnore, 0, 0, 0xB));
  good(prout(*c, pr::kRegisterAndIgnore, 0, 0, 0xC));
  good(prout(*a, pr::kReserve, pr::kWriteExclusive, 0xA, 0));
  // A plain PREEMPT aborts nothing.
  good(prout(*b, pr::kPreempt, pr::kWriteExclusive, 0xB, 0xC));
  EXPECT_TRUE(aborted.empty());
  good(prout(*b, pr::kPreemptAndAbort, pr::kWriteExclusive, 0xB, 0xA));
  ASSERT_EQ(aborted.size(), 1u) << "only a's registration was preempted";
  EXPECT_EQ(aborted[0], std::make_pair('a', uint64_t(0)));
}

TEST_F(Pr, ClearNotifiesEveryOtherRegistrantOnEveryPort) {
  auto a_other_port = attach("iqn.2024-01.test:a,i,0x230000000001", 2);
  good(prout(*a, pr::kRegisterAndIgnore, 0, 0, 0xA, 0x04));  // ALL_TG_PT
  good(prout(*b, pr::kRegisterAndIgnore, 0, 0, 0xB));
  good(prout(*b, pr::kClear, 0, 0xB, 0));
  EXPECT_EQ(f.lu->ua_take(a->id), asc::kReservationsPreempted);
  EXPECT_EQ(f.lu->ua_take(a_other_port->id), asc::kReservationsPreempted);
  EXPECT_FALSE(f.lu->ua_take(b->id).has_value());
}

TEST_F(Pr, RegistrationSurvivesNexusLossAndNewSession) {
  good(prout(*a, pr::kRegisterAndIgnore, 0, 0, 0xA));
  good(prout(*a, pr::kReserve, pr::kExclusiveAccess, 0xA, 0));
  nexus_detached(*a);
  f.settle();
  auto again = attach(std::string(a->initiator_port));  // same I_T nexus identity, new session
  good(write(*again));
  EXPECT_TRUE(is_conflict(write(*b)));
}

// ---- PR IN ----

TEST_F(Pr, ReadKeysReservationAndFullStatus) {
  good(prout(*a, pr::kRegisterAndIgnore, 0, 0, 0x1111));
  good(prout(*b, pr::kRegisterAndIgnore, 0, 0, 0x2222, 0x04));
  good(prout(*a, pr::kReserve, pr::kWriteExclusiveRegistrantsOnly, 0x1111, 0));
  Task k = prin(*a, 0);
  expect_good(k);
  ASSERT_EQ(k.data.size(), 24u);
  EXPECT_EQ(load_be32(k.data.data()), 2u);  // two registrations
  EXPECT_EQ(load_be32(k.data.data() + 4), 16u);
  EXPECT_EQ(load_be64(k.data.data() + 8), 0x1111u);
  EXPECT_EQ(load_be64(k.data.data() + 16), 0x2222u);
  Task trunc = prin(*a, 0, 8);
  ASSERT_EQ(trunc.data.size(), 8u);
  EXPECT_EQ(load_be32(trunc.data.data() + 4), 16u) << "ADDITIONAL LENGTH is not truncated";

  Task r = prin(*b, 1);
  expect_good(r);
  ASSERT_EQ(r.data.size(), 24u);
  EXPECT_EQ(load_be32(r.data.data() + 4), 16u);
  EXPECT_EQ(load_be64(r.data.data() + 8), 0x1111u);
  EXPECT_EQ(r.data.data()[21], pr::kWriteExclusiveRegistrantsOnly);

  Task s = prin(*a, 3);
  expect_good(s);
  const uint8_t* d = s.data.data();
  uint32_t len = load_be32(d + 4);
  ASSERT_EQ(s.data.size(), 8 + len);
  // First descriptor: a, holder, rtpi 1, TransportID format 01b.
  EXPECT_EQ(load_be64(d + 8), 0x1111u);
  EXPECT_EQ(d[8 + 12], 0x01);  // R_HOLDER
  EXPECT_EQ(d[8 + 13], pr::kWriteExclusiveRegistrantsOnly);
  EXPECT_EQ(load_be16(d + 8 + 18), 1);
  uint32_t tlen = load_be32(d + 8 + 20);
  EXPECT_EQ(tlen % 4, 0u);
  EXPECT_EQ(d[8 + 24], 0x45);  // format 01b, iSCSI
  std::string name(reinterpret_cast<const char*>(d + 8 + 28));
  EXPECT_EQ(name, a->initiator_port);
  // Second: ALL_TG_PT, not holder.
  const uint8_t* d2 = d + 8 + 24 + tlen;
  EXPECT_EQ(load_be64(d2), 0x2222u);
  EXPECT_EQ(d2[12], 0x02);
}

TEST_F(Pr, ReportCapabilities) {
  Task t = prin(*a, 2, 8);
  expect_good(t);
  ASSERT_EQ(t.data.size(), 8u);
  const uint8_t* d = t.data.data();
  EXPECT_EQ(load_be16(d), 8);
  EXPECT_EQ(d[2] & 0x08, 0) << "SIP_C: SPEC_I_PT not supported";
  EXPECT_EQ(d[2] & 0x05, 0x05) << "ATP_C, PTPL_C";
  EXPECT_EQ(d[3] & 0x80, 0x80) << "TMV";
  EXPECT_EQ(d[3] & 0x01, 0) << "PTPL_A without APTPL";
  EXPECT_EQ(load_be16(d + 4), 0xEA01);
  good(prout(*a, pr::kRegisterAndIgnore, 0, 0, 0xA, 0x01));  // APTPL
  EXPECT_EQ(prin(*a, 2, 8).data.data()[3] & 0x01, 1);
}

TEST_F(Pr, RegisterAndMoveWithTransportId) {
  good(prout(*a, pr::kRegisterAndIgnore, 0, 0, 0xA));
  good(prout(*a, pr::kReserve, pr::kExclusiveAccess, 0xA, 0));
  std::string port = b->initiator_port;
  size_t n = (port.size() + 1 + 3) & ~size_t(3);
  std::vector<uint8_t> p(24 + 4 + n, 0);
  store_be64(&p[0], 0xA);
  store_be64(&p[8], 0xB);
  store_be16(&p[18], 1);
  store_be32(&p[20], uint32_t(4 + n));
  p[24] = 0x45;
  store_be16(&p[26], uint16_t(n));
  std::memcpy(&p[28], port.data(), port.size());
  std::vector<uint8_t> c(10, 0);
  c[0] = op::kPersistentReserveOut;
  c[1] = pr::kRegisterAndMove;
  store_be32(&c[5], uint32_t(p.size()));
  good(cmd(*a, c, DataDir::kOut, p));
  good(write(*b));
  EXPECT_TRUE(is_conflict(write(*a)));
  // A TransportID of another protocol is refused.
  p[24] = 0x41;
  Task bad = cmd(*b, c, DataDir::kOut, p);
  expect_sense(bad, SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList);
}

}  // namespace
}  // namespace esan::scsi
