#include "transport/iscsi/coalesce.h"

#include <gtest/gtest.h>

namespace esan::iscsi {
namespace {

TEST(Coalesce, QueueIsUnseenStatusPlusOpenCommands) {
  // QD1: the initiator saw every status; only the new command is open.
  EXPECT_EQ(initiator_queue(100, 100, 1, 128), 1u);
  // 40 statuses on their way back, 24 commands (with this one) open here.
  EXPECT_EQ(initiator_queue(140, 100, 24, 128), 64u);
  // StatSN wrapped past 2^32.
  EXPECT_EQ(initiator_queue(5, 0xfffffffbu, 3, 128), 13u);
}

TEST(Coalesce, ImplausibleExpStatSnCountsAsUnknown) {
  // ExpStatSN ahead of anything sent.
  EXPECT_EQ(initiator_queue(100, 101, 5, 128), 0u);
  // Further back than the session could have outstanding.
  EXPECT_EQ(initiator_queue(1000, 100, 5, 128), 0u);
  EXPECT_EQ(initiator_queue(228, 100, 5, 128), 133u) << "exactly the limit is still plausible";
}

TEST(Coalesce, OnlyDeepQueuesAskForAWait) {
  EXPECT_EQ(coalesce_wait_ns(0), 0u);
  EXPECT_EQ(coalesce_wait_ns(1), 0u);
  EXPECT_EQ(coalesce_wait_ns(kCoalesceMinQueue - 1), 0u);
  EXPECT_EQ(coalesce_wait_ns(kCoalesceMinQueue), kCoalesceMinQueue * kCoalescePerCommandNs);
  EXPECT_EQ(coalesce_wait_ns(64), 64 * kCoalescePerCommandNs);
  EXPECT_GT(coalesce_wait_ns(64), coalesce_wait_ns(32)) << "a deeper queue may wait longer";
}

}  // namespace
}  // namespace esan::iscsi
