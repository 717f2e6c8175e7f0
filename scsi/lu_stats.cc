#include "scsi/lu_stats.h"

namespace esan::scsi {
namespace {
constexpr auto kRelaxed = std::memory_order_relaxed;

int shard_index(int shards) {
  static std::atomic<uint32_t> next{0};
  thread_local int idx = int(next.fetch_add(1, kRelaxed) % uint32_t(shards));
  return idx;
}
}  // namespace

void LuStats::record(OpClass c, uint64_t bytes, uint64_t latency_ns, bool error) {
  Shard& s = shards_[shard_index(kShards)];
  OpCounters& o = s.op[size_t(c)];
  o.buckets[size_t(latency_slot(latency_ns))].fetch_add(1, kRelaxed);
  o.latency_sum_ns.fetch_add(latency_ns, kRelaxed);
  if (bytes) o.bytes.fetch_add(bytes, kRelaxed);
  if (error) s.errors.fetch_add(1, kRelaxed);
}

LuStatsSnapshot LuStats::snapshot() const {
  LuStatsSnapshot out;
  for (const Shard& s : shards_) {
    for (size_t k = 0; k < size_t(kOpClasses); ++k) {
      const OpCounters& o = s.op[k];
      OpStatsSnapshot& d = out.op[k];
      for (size_t i = 0; i < o.buckets.size(); ++i) {
        uint64_t n = o.buckets[i].load(kRelaxed);
        d.buckets[i] += n;
        d.commands += n;
      }
      d.bytes += o.bytes.load(kRelaxed);
      d.latency_sum_ns += o.latency_sum_ns.load(kRelaxed);
    }
    out.errors += s.errors.load(kRelaxed);
  }
  return out;
}

}  // namespace esan::scsi
