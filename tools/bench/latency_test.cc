#include "tools/bench/latency.h"

#include <gtest/gtest.h>

namespace esan::bench {
namespace {

TEST(LatencyHistogram, BucketsAreMonotonicAndTight) {
  for (uint64_t v : {0ull, 1ull, 31ull, 32ull, 33ull, 1000ull, 4095ull, 4096ull, 123456789ull, 1ull << 40}) {
    unsigned b = LatencyHistogram::bucket_of(v);
    uint64_t up = LatencyHistogram::bucket_upper(b);
    EXPECT_GE(up, v);
    EXPECT_LE(double(up - v), double(v) / 16.0 + 1) << v;  // within 1/16
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::bucket_upper(b - 1), v) << v;
    }
  }
}

TEST(LatencyHistogram, Percentiles) {
  LatencyHistogram h;
  EXPECT_EQ(h.percentile(0.5), 0u);
  for (uint64_t i = 1; i <= 1000; ++i) h.record(i * 1000);  // 1..1000 us
  EXPECT_EQ(h.count(), 1000u);
  EXPECT_EQ(h.max(), 1000000u);
  EXPECT_EQ(h.min(), 1000u);
  EXPECT_NEAR(h.mean(), 500500.0, 0.5);
  auto near = [](uint64_t got, double want) { return double(got) >= want && double(got) <= want * 1.07; };
  EXPECT_TRUE(near(h.percentile(0.5), 500000)) << h.percentile(0.5);
  EXPECT_TRUE(near(h.percentile(0.99), 990000)) << h.percentile(0.99);
  EXPECT_EQ(h.percentile(1.0), 1000000u);  // clamped to the max
}

TEST(LatencyHistogram, Merge) {
  LatencyHistogram a, b;
  a.record(10);
  b.record(5000);
  b.record(7);
  a.merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.min(), 7u);
  EXPECT_EQ(a.max(), 5000u);
  EXPECT_EQ(a.percentile(0.34), 10u);
}

}  // namespace
}  // namespace esan::bench
