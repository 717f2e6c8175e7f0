#include "tools/bench/latency.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace esan::bench {

// Index layout: [0, 32) direct; then for msb m >= 5, 16 buckets per m.
unsigned LatencyHistogram::bucket_of(uint64_t ns) {
  if (ns < 32) return unsigned(ns);
  unsigned msb = 63u - unsigned(std::countl_zero(ns));
  unsigned sub = unsigned(ns >> (msb - kSubBits)) & 15u;
  return 32u + (msb - 5u) * 16u + sub;
}

uint64_t LatencyHistogram::bucket_upper(unsigned bucket) {
  if (bucket < 32) return bucket;
  unsigned msb = (bucket - 32u) / 16u + 5u;
  uint64_t sub = (bucket - 32u) % 16u;
  uint64_t lower = (uint64_t(16) + sub) << (msb - kSubBits);
  uint64_t width = uint64_t(1) << (msb - kSubBits);
  return lower + width - 1;
}

void LatencyHistogram::record(uint64_t ns) {
  ++buckets_[bucket_of(ns)];
  ++count_;
  sum_ += ns;
  max_ = std::max(max_, ns);
  min_ = std::min(min_, ns);
}

void LatencyHistogram::merge(const LatencyHistogram& o) {
  for (unsigned i = 0; i < kBuckets; ++i) buckets_[i] += o.buckets_[i];
  count_ += o.count_;
  sum_ += o.sum_;
  max_ = std::max(max_, o.max_);
  min_ = std::min(min_, o.min_);
}

uint64_t LatencyHistogram::percentile(double q) const {
  if (count_ == 0) return 0;
  uint64_t rank = uint64_t(std::ceil(q * double(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (unsigned i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::min(bucket_upper(i), max_);
  }
  return max_;
}

}  // namespace esan::bench
