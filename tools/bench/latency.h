// LatencyHistogram: log-linear histogram of durations in nanoseconds.
//
// Values below 32 ns have a bucket each; above, every power of two is split
// into 16 buckets, so a reported percentile is within 1/16 (6.25%) of the
// true value. percentile() returns the upper bound of the bucket holding the
// requested rank (never less than the true value), clamped to max().
// Not thread-safe; merge() combines per-thread histograms.
#pragma once

#include <array>
#include <cstdint>

namespace esan::bench {

class LatencyHistogram {
 public:
  void record(uint64_t ns);
  void merge(const LatencyHistogram& other);
  uint64_t count() const { return count_; }
  uint64_t max() const { return max_; }
  uint64_t min() const { return count_ ? min_ : 0; }
  double mean() const { return count_ ? double(sum_) / double(count_) : 0; }
  // q in (0, 1]: e.g. 0.5, 0.99, 0.999. 0 when empty.
  uint64_t percentile(double q) const;

  static unsigned bucket_of(uint64_t ns);
  static uint64_t bucket_upper(unsigned bucket);

 private:
  static constexpr unsigned kSubBits = 4;
  static constexpr unsigned kBuckets = 64 * 16;
  std::array<uint64_t, kBuckets> buckets_{};
  uint64_t count_ = 0, sum_ = 0, max_ = 0, min_ = UINT64_MAX;
};

}  // namespace esan::bench
