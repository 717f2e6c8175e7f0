// LuStats: latency slots and what scsi::execute() records per
// command (sync and async completions, errors, bytes, threads).
#include "scsi/lu_stats.h"

#include <gtest/gtest.h>

#include <thread>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

TEST(LuStats, LatencySlotBoundsAreTrueUpperBounds) {
  EXPECT_EQ(latency_slot(0), 0);
  EXPECT_EQ(latency_slot(1000), 0);     // 1 us <= 1 us
  EXPECT_EQ(latency_slot(1001), 1);     // just above 1 us -> (1, 2] us
  EXPECT_EQ(latency_slot(2000), 1);
  EXPECT_EQ(latency_slot(2001), 2);
  EXPECT_EQ(latency_slot(1'000'000), 10);  // 1 ms <= 1024 us
  EXPECT_EQ(latency_slot(uint64_t(1) << 40), kLatencyBounds);  // beyond 8.4 s
  for (uint64_t ns : {1ull, 999ull, 1500ull, 77'777ull, 5'000'000'000ull}) {
    int i = latency_slot(ns);
    ASSERT_LT(i, kLatencyBounds);
    EXPECT_LE(double(ns) * 1e-9, latency_bound_seconds(i) * (1 + 1e-12)) << ns;
    if (i > 0) {
      EXPECT_GT(double(ns) * 1e-9, latency_bound_seconds(i - 1)) << ns;
    }
  }
}

TEST(LuStats, RecordsAcrossThreadsSumExactly) {
  LuStats s;
  std::vector<std::thread> th;
  for (int k = 0; k < 4; ++k)
    th.emplace_back([&s] {
      for (int i = 0; i < 10000; ++i) s.record(OpClass::kRead, 4096, 3000, i % 100 == 0);
    });
  for (auto& t : th) t.join();
  LuStatsSnapshot snap = s.snapshot();
  EXPECT_EQ(snap[OpClass::kRead].commands, 40000u);
  EXPECT_EQ(snap[OpClass::kRead].bytes, 40000u * 4096);
  EXPECT_EQ(snap[OpClass::kRead].latency_sum_ns, 40000u * 3000);
  EXPECT_EQ(snap[OpClass::kRead].buckets[size_t(latency_slot(3000))], 40000u);
  EXPECT_EQ(snap.errors, 400u);
  EXPECT_EQ(snap[OpClass::kWrite].commands, 0u);
}

TEST(LuStats, ExecuteCountsReadsWritesOthersAndErrors) {
  Fixture f;
  auto data = pattern(8 * 512, 5);
  for (int i = 0; i < 3; ++i)
    expect_good(f.run(cdb10(op::kWrite10, 0, 8), DataDir::kOut, data, 4096));
  for (int i = 0; i < 10; ++i) expect_good(f.run(cdb10(op::kRead10, 0, 8), DataDir::kIn, {}, 4096));
  // A read that asks for less than the command produces: only what is sent counts.
  expect_good(f.run(cdb10(op::kRead10, 0, 8), DataDir::kIn, {}, 1024));
  expect_good(f.run({op::kTestUnitReady, 0, 0, 0, 0, 0}));
  // Beyond the end of the LU: CHECK CONDITION, no bytes.
  expect_sense(f.run(cdb10(op::kRead10, 4096, 8), DataDir::kIn, {}, 4096), SenseKey::kIllegalRequest,
               asc::kLbaOutOfRange);

  LuStatsSnapshot s = f.lu->stats().snapshot();
  EXPECT_EQ(s[OpClass::kWrite].commands, 3u);
  EXPECT_EQ(s[OpClass::kWrite].bytes, 3u * 4096);
  EXPECT_EQ(s[OpClass::kRead].commands, 12u);
  EXPECT_EQ(s[OpClass::kRead].bytes, 10u * 4096 + 1024);
  EXPECT_EQ(s[OpClass::kOther].commands, 1u);
  EXPECT_EQ(s.errors, 1u);
  uint64_t in_buckets = 0;
  for (uint64_t b : s[OpClass::kRead].buckets) in_buckets += b;
  EXPECT_EQ(in_buckets, 12u);
}

TEST(LuStats, AsyncCompletionCountedOnceWithItsLatency) {
  Fixture f;
  f.dev->deferred = true;
  Task t;
  f.prepare(t, cdb10(op::kRead10, 0, 8), DataDir::kIn, {}, 4096);
  execute(*f.nexus, t);
  EXPECT_EQ(f.lu->stats().snapshot()[OpClass::kRead].commands, 0u) << "not complete yet";
  std::this_thread::sleep_for(std::chrono::milliseconds(3));  // a latency to measure, not a sync
  f.dev->run_pending();
  ASSERT_EQ(f.owner.done, 1);
  LuStatsSnapshot s = f.lu->stats().snapshot();
  EXPECT_EQ(s[OpClass::kRead].commands, 1u);
  EXPECT_EQ(s[OpClass::kRead].bytes, 4096u);
  EXPECT_GE(s[OpClass::kRead].latency_sum_ns, 3'000'000u);
  EXPECT_GE(latency_slot(s[OpClass::kRead].latency_sum_ns), 12) << "3 ms lands at or above (2048, 4096] us";
}

TEST(LuStats, UnmappedLunCountsNowhere) {
  Fixture f;
  Task t = f.run(cdb10(op::kRead10, 0, 8), DataDir::kIn, {}, 4096, nullptr, 5);
  EXPECT_EQ(t.status, kCheckCondition);
  LuStatsSnapshot s = f.lu->stats().snapshot();
  EXPECT_EQ(s[OpClass::kRead].commands + s[OpClass::kOther].commands, 0u);
  EXPECT_EQ(s.errors, 0u);
}

}  // namespace
}  // namespace esan::scsi
