// Transport limit decisions: MaxSessions in the session registry (total,
// per target, reinstatement not counted, discovery not counted), the
// per-address connection counter, and the CmdSN window a QueuedCommands
// value advertises.
#include <gtest/gtest.h>

#include "transport/iscsi/cmdsn_window.h"
#include "transport/iscsi/limits.h"
#include "transport/iscsi/session_registry.h"

namespace esan::iscsi {
namespace {

SessionInfo Normal(const std::string& initiator, const std::string& isid, const std::string& target) {
  return SessionInfo{0, initiator, isid, target, "127.0.0.1:1", false, {}, {}, {}};
}

TEST(SessionLimits, PerTargetLimitRefusesTheExtraSessionOnly) {
  SessionRegistry reg;
  int closed = 0;
  auto closer = [&] { ++closed; };
  EXPECT_NE(reg.add(Normal("i1", "000000000001", "t"), closer, 0, 2), 0);
  EXPECT_NE(reg.add(Normal("i2", "000000000001", "t"), closer, 0, 2), 0);
  EXPECT_EQ(reg.add(Normal("i3", "000000000001", "t"), closer, 0, 2), 0);
  EXPECT_EQ(reg.size(), 2u);
  // Another target is not affected by t's limit.
  EXPECT_NE(reg.add(Normal("i3", "000000000001", "u"), closer, 0, 2), 0);
  // Reinstatement replaces a session instead of adding one.
  EXPECT_NE(reg.add(Normal("i1", "000000000001", "t"), closer, 0, 2), 0);
  EXPECT_EQ(closed, 1);
  EXPECT_EQ(reg.size(), 3u);
  EXPECT_EQ(closed, 1);
}

TEST(SessionLimits, TotalLimitCountsNormalSessionsOfAllTargets) {
  SessionRegistry reg;
  auto none = [] {};
  EXPECT_NE(reg.add(Normal("i1", "000000000001", "t"), none, 2, 0), 0);
  EXPECT_NE(reg.add(Normal("i1", "000000000001", "u"), none, 2, 0), 0);
  uint16_t refused = reg.add(Normal("i2", "000000000001", "v"), none, 2, 0);
  EXPECT_EQ(refused, 0);
  SessionInfo discovery{0, "i2", "000000000002", "", "127.0.0.1:2", true, {}, {}, {}};
  EXPECT_NE(reg.add(discovery, none, 2, 0), 0) << "discovery sessions are not limited";
  EXPECT_EQ(reg.size(), 3u);
}

TEST(SessionLimits, FreedSlotIsReusable) {
  SessionRegistry reg;
  auto none = [] {};
  uint16_t a = reg.add(Normal("i1", "000000000001", "t"), none, 1, 1);
  ASSERT_NE(a, 0);
  EXPECT_EQ(reg.add(Normal("i2", "000000000001", "t"), none, 1, 1), 0);
  reg.remove(a);
  EXPECT_NE(reg.add(Normal("i2", "000000000001", "t"), none, 1, 1), 0);
}

TEST(SessionLimits, NoLimitMeansNone) {
  SessionRegistry reg;
  auto none = [] {};
  for (int i = 0; i < 2000; ++i)
    ASSERT_NE(reg.add(Normal("i" + std::to_string(i), "000000000001", "t"), none), 0) << i;
}

TEST(PeerCounter, CountsPerAddressIgnoringThePort) {
  PeerCounter pc;
  EXPECT_EQ(peer_address("10.0.0.1:3260"), "10.0.0.1");
  EXPECT_EQ(peer_address("[fe80::1]:51000"), "[fe80::1]");
  EXPECT_EQ(pc.add(peer_address("10.0.0.1:1000")), 1u);
  EXPECT_EQ(pc.add(peer_address("10.0.0.1:1001")), 2u);
  EXPECT_EQ(pc.add(peer_address("10.0.0.2:1000")), 1u);
  pc.remove("10.0.0.1");
  EXPECT_EQ(pc.add("10.0.0.1"), 2u);
  pc.remove("10.0.0.1");
  pc.remove("10.0.0.1");
  pc.remove("10.0.0.2");
  EXPECT_EQ(pc.addresses(), 0u) << "no entry kept for addresses without connections";
}

TEST(CmdSnWindowLimits, QueuedCommandsIsTheAdvertisedRoomAndBusyTasksCloseIt) {
  CmdSnWindow w;
  w.reset(10, 1);
  w.update(0, 8);  // QueuedCommands 8, nothing in flight
  EXPECT_EQ(w.max_cmdsn() - w.exp_cmdsn() + 1, 8u);
  for (uint32_t sn = 10; sn < 18; ++sn) ASSERT_EQ(w.accept(sn), CmdSnWindow::Verdict::kInOrder);
  w.update(8, 8);  // all 8 busy: the window is closed (MaxCmdSN = ExpCmdSN - 1)
  EXPECT_EQ(w.max_cmdsn() + 1, w.exp_cmdsn());
  EXPECT_EQ(w.accept(18), CmdSnWindow::Verdict::kOutside);
  w.update(5, 8);  // 3 done: room for 3
  EXPECT_EQ(w.max_cmdsn() - w.exp_cmdsn() + 1, 3u);
}

}  // namespace
}  // namespace esan::iscsi
