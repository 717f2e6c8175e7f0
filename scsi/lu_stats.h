// LuStats: a logical unit's command counters and latency histograms, for
// the management plane's metrics (docs/API.md, Statistics).
//
// Contract:
//  - record() runs for every command the LU completes (dispatcher.cc), on
//    the command's reactor thread. It takes no lock: it adds to this
//    thread's shard (its own cache lines; shards picked per thread as in
//    RangeGuard) with relaxed atomic adds, so reactors never write a line
//    another reactor writes.
//  - snapshot() (any thread) sums the shards with relaxed loads. Every
//    figure is a total since the LU was created and never goes down; the
//    fields are not one consistent cut (a command being recorded may show
//    in one field and not yet in another), except that an op's `commands`
//    is by construction the sum of its histogram buckets.
//  - Classes are op_class()'s (scsi/opcodes.h). Bytes count the data of
//    reads and writes that ended GOOD; errors count commands that ended in
//    CHECK CONDITION. Latency runs from scsi::execute() to the command's
//    completion.
//  - Latency buckets: slot i < kLatencyBounds holds latencies in
//    (2^(i-1), 2^i] microseconds (slot 0: up to 1 us); the last slot holds
//    what exceeds 2^(kLatencyBounds-1) us (about 8.4 s).
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

#include "scsi/opcodes.h"

namespace esan::scsi {

inline constexpr int kLatencyBounds = 24;               // 1 us .. 2^23 us
inline constexpr int kLatencySlots = kLatencyBounds + 1;  // + beyond the last bound

// Upper bound of slot i (i < kLatencyBounds), in seconds.
inline double latency_bound_seconds(int i) { return double(uint64_t(1) << i) * 1e-6; }

inline int latency_slot(uint64_t ns) {
  uint64_t us = (ns + 999) / 1000;  // ceiling: the slot's bound is a true upper bound
  if (us <= 1) return 0;
  int i = std::bit_width(us - 1);   // smallest i with us <= 2^i
  return i < kLatencyBounds ? i : kLatencyBounds;
}

struct OpStatsSnapshot {
  uint64_t commands = 0;  // == sum of buckets
  uint64_t bytes = 0;
  uint64_t latency_sum_ns = 0;
  std::array<uint64_t, kLatencySlots> buckets{};  // per slot, not cumulative
};

struct LuStatsSnapshot {
  std::array<OpStatsSnapshot, kOpClasses> op;
  uint64_t errors = 0;
  const OpStatsSnapshot& operator[](OpClass c) const { return op[size_t(c)]; }
};

class LuStats {
 public:
  void record(OpClass c, uint64_t bytes, uint64_t latency_ns, bool error);
  LuStatsSnapshot snapshot() const;

 private:
  static constexpr int kShards = 16;
  struct OpCounters {
    std::array<std::atomic<uint64_t>, kLatencySlots> buckets{};
    std::atomic<uint64_t> bytes{0};
    std::atomic<uint64_t> latency_sum_ns{0};
  };
  struct alignas(64) Shard {
    std::array<OpCounters, kOpClasses> op;
    std::atomic<uint64_t> errors{0};
  };
  Shard shards_[kShards];
};

}  // namespace esan::scsi
