// SessionRegistry: close() by TSIH, closing sessions leave list/limits but
// keep counting in target totals, remove() retires counters (totals never
// go down); SessionCounters single-writer counting.
#include "transport/iscsi/session_registry.h"

#include <gtest/gtest.h>

namespace esan::iscsi {
namespace {

SessionInfo Normal(const std::string& initiator, const std::string& target) {
  SessionInfo s;
  s.initiator_name = initiator;
  s.isid_hex = "800000000001";
  s.target_name = target;
  s.peer = "127.0.0.1:1";
  return s;
}

TEST(SessionCounters, CountsClassesBytesErrorsAndInFlight) {
  SessionCounters c;
  c.received();
  c.received();
  c.received();
  c.answered(scsi::OpClass::kRead, 4096, false);
  c.answered(scsi::OpClass::kWrite, 512, false);
  c.answered(scsi::OpClass::kOther, 0, true);
  c.released();
  SessionCountersSnapshot s = c.snapshot();
  EXPECT_EQ(s.commands, 3u);
  EXPECT_EQ(s.read_commands, 1u);
  EXPECT_EQ(s.write_commands, 1u);
  EXPECT_EQ(s.other_commands(), 1u);
  EXPECT_EQ(s.read_bytes, 4096u);
  EXPECT_EQ(s.write_bytes, 512u);
  EXPECT_EQ(s.errors, 1u);
  EXPECT_EQ(s.in_flight, 2u);
}

TEST(SessionRegistry, CloseAsksTheSessionAndHidesIt) {
  SessionRegistry reg;
  int closed = 0;
  uint16_t a = reg.add(Normal("i1", "t"), [&] { ++closed; });
  uint16_t b = reg.add(Normal("i2", "t"), [] {});
  ASSERT_NE(a, 0);
  ASSERT_TRUE(reg.close(a));
  EXPECT_EQ(closed, 1);
  ASSERT_EQ(reg.list().size(), 1u);
  EXPECT_EQ(reg.list()[0].tsih, b);
  EXPECT_EQ(reg.size(), 1u);
  EXPECT_FALSE(reg.exists(a));
  auto again = reg.close(a);
  ASSERT_FALSE(again) << "already closing";
  EXPECT_EQ(again.error().code, Errc::kNotFound);
  EXPECT_EQ(reg.close(999).error().code, Errc::kNotFound);
  EXPECT_EQ(closed, 1);
}

TEST(SessionRegistry, ReinstatementClosesTheOldSessionOrHandsItsCloserBack) {
  SessionRegistry reg;
  int closed = 0;
  uint16_t a = reg.add(Normal("i1", "t"), [&] { ++closed; });
  uint16_t b = reg.add(Normal("i1", "t"), [&] { ++closed; });  // same initiator, ISID, target
  ASSERT_NE(b, 0);
  EXPECT_EQ(closed, 1) << "the reinstated session is asked to close at once";
  EXPECT_FALSE(reg.exists(a));
  // The transport's way: the closer comes back to be called once the new
  // session's nexus is attached; the old session is closing already.
  std::vector<SessionRegistry::Closer> later;
  uint16_t c = reg.add(Normal("i1", "t"), [] {}, 0, 0, nullptr, &later);
  ASSERT_NE(c, 0);
  EXPECT_EQ(closed, 1);
  EXPECT_FALSE(reg.exists(b));
  ASSERT_EQ(later.size(), 1u);
  later[0]();
  EXPECT_EQ(closed, 2);
  std::vector<SessionRegistry::Closer> none;
  EXPECT_NE(reg.add(Normal("i2", "t"), [] {}, 0, 0, nullptr, &none), 0);
  EXPECT_TRUE(none.empty());
}

TEST(SessionRegistry, ClosingSessionDoesNotCountAgainstLimits) {
  SessionRegistry reg;
  uint16_t a = reg.add(Normal("i1", "t"), [] {}, 0, 1);
  ASSERT_NE(a, 0);
  EXPECT_EQ(reg.add(Normal("i2", "t"), [] {}, 0, 1), 0);
  ASSERT_TRUE(reg.close(a));
  EXPECT_NE(reg.add(Normal("i2", "t"), [] {}, 0, 1), 0);
}

TEST(SessionRegistry, TargetTotalsKeepCountersOfEndedSessions) {
  SessionRegistry reg;
  auto c1 = std::make_shared<SessionCounters>();
  auto c2 = std::make_shared<SessionCounters>();
  uint16_t a = reg.add(Normal("i1", "t"), [] {}, 0, 0, c1);
  reg.add(Normal("i2", "t"), [] {}, 0, 0, c2);
  reg.add(Normal("i3", "u"), [] {});
  SessionInfo disc = Normal("i4", "");
  disc.discovery = true;
  reg.add(disc, [] {});
  c1->received();
  c1->answered(scsi::OpClass::kRead, 4096, false);
  c2->answered(scsi::OpClass::kWrite, 512, true);
  auto t = reg.target_totals();
  EXPECT_EQ(t.size(), 2u) << "discovery sessions have no target";
  EXPECT_EQ(t["t"].sessions, 2u);
  EXPECT_EQ(t["t"].counters.read_bytes, 4096u);
  EXPECT_EQ(t["t"].counters.write_bytes, 512u);
  EXPECT_EQ(t["t"].counters.errors, 1u);
  EXPECT_EQ(t["t"].counters.in_flight, 1u);
  EXPECT_EQ(t["u"].sessions, 1u);

  // Closing: not a session any more, its counts still in.
  ASSERT_TRUE(reg.close(a));
  c1->answered(scsi::OpClass::kRead, 4096, false);  // a response queued before the close ran
  t = reg.target_totals();
  EXPECT_EQ(t["t"].sessions, 1u);
  EXPECT_EQ(t["t"].counters.read_bytes, 8192u);
  // Gone: retired into the target's totals, nothing in flight.
  reg.remove(a);
  t = reg.target_totals();
  EXPECT_EQ(t["t"].counters.read_commands, 2u);
  EXPECT_EQ(t["t"].counters.read_bytes, 8192u);
  EXPECT_EQ(t["t"].counters.commands, 3u);
  EXPECT_EQ(t["t"].counters.in_flight, 0u);
}

TEST(SessionRegistry, ListCarriesCountersAndPublishedInfo) {
  SessionRegistry reg;
  auto c = std::make_shared<SessionCounters>();
  SessionInfo info = Normal("i1", "t");
  info.portal = "127.0.0.1:3260";
  info.params.max_xmit_dsl = 16384;
  uint16_t a = reg.add(info, [] {}, 0, 0, c);
  c->answered(scsi::OpClass::kRead, 100, false);
  auto l = reg.list();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].tsih, a);
  EXPECT_EQ(l[0].portal, "127.0.0.1:3260");
  EXPECT_EQ(l[0].params.max_xmit_dsl, 16384u);
  EXPECT_EQ(l[0].counters.read_bytes, 100u);
}

}  // namespace
}  // namespace esan::iscsi

namespace esan::iscsi {
namespace {

// TARGET COLD RESET (RFC 7143 11.5.1) ends every session of the target.
TEST(SessionRegistry, CloseTargetClosesItsOtherNormalSessionsOnly) {
  SessionRegistry reg;
  int closed_a = 0, closed_b = 0, closed_c = 0, closed_d = 0;
  uint16_t a = reg.add(Normal("i1", "t"), [&] { ++closed_a; });
  reg.add(Normal("i2", "t"), [&] { ++closed_b; });
  reg.add(Normal("i3", "other"), [&] { ++closed_c; });
  SessionInfo disc = Normal("i4", "");
  disc.discovery = true;
  reg.add(disc, [&] { ++closed_d; });
  EXPECT_EQ(reg.close_target("t", a), 1u);
  EXPECT_EQ(closed_a, 0) << "the requester closes itself after its TMF response";
  EXPECT_EQ(closed_b, 1);
  EXPECT_EQ(closed_c + closed_d, 0);
  EXPECT_EQ(reg.close_target("t", a), 0u) << "already closing";
}

}  // namespace
}  // namespace esan::iscsi
