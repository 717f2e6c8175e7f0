#include "scsi/range_guard.h"

#include "scsi/task.h"

namespace esan::scsi {
namespace {

uint8_t shard_index(int shards) {
  static std::atomic<uint32_t> next{0};
  thread_local int idx = int(next.fetch_add(1, std::memory_order_relaxed) % uint32_t(shards));
  return uint8_t(idx);
}

bool overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn) { return a < b + bn && b < a + an; }

}  // namespace

int64_t RangeGuard::fast_writes_in_flight() const {
  int64_t sum = 0;
  for (const Shard& s : shards_) sum += s.n.load(std::memory_order_seq_cst);
  return sum;
}

bool RangeGuard::begin_write(Task& t, uint64_t lba, uint64_t blocks) {
  uint8_t s = shard_index(kShards);
  shards_[s].n.fetch_add(1, std::memory_order_seq_cst);
  if (exclusive_.load(std::memory_order_seq_cst) == 0) {
    t.hold = RangeHold{RangeHold::kFast, s, 0, 0};
    return true;
  }
  shards_[s].n.fetch_sub(1, std::memory_order_seq_cst);
  wake_if_drained();  // an exclusive holder may be waiting for this shard
  std::lock_guard lk(mu_);
  for (const Held& h : held_)
    if (h.exclusive && overlaps(lba, blocks, h.lba, h.blocks)) return false;
  held_.push_back({lba, blocks, false, &t});
  t.hold = RangeHold{RangeHold::kShared, 0, lba, blocks};
  return true;
}

RangeGuard::Grant RangeGuard::begin_exclusive(Task& t, uint64_t lba, uint64_t blocks, ResumeFn resume) {
  std::lock_guard lk(mu_);
  for (const Held& h : held_)
    if (overlaps(lba, blocks, h.lba, h.blocks)) return Grant::kBusy;
  held_.push_back({lba, blocks, true, &t});
  exclusive_.fetch_add(1, std::memory_order_seq_cst);
  t.hold = RangeHold{RangeHold::kExclusive, 0, lba, blocks};
  if (fast_writes_in_flight() == 0) return Grant::kGranted;
  waiters_.push_back({&t, resume});
  return Grant::kWait;
}

void RangeGuard::release(Task& t) {
  RangeHold h = t.hold;
  t.hold = RangeHold{};
  switch (h.kind) {
    case RangeHold::kNone:
      return;
    case RangeHold::kFast:
      shards_[h.shard].n.fetch_sub(1, std::memory_order_seq_cst);
      if (exclusive_.load(std::memory_order_seq_cst) != 0) wake_if_drained();
      return;
    case RangeHold::kShared:
    case RangeHold::kExclusive: {
      std::lock_guard lk(mu_);
      for (size_t i = 0; i < held_.size(); ++i) {
        if (held_[i].task == &t) {
          held_[i] = held_.back();
          held_.pop_back();
          break;
        }
      }
      if (h.kind == RangeHold::kExclusive) exclusive_.fetch_sub(1, std::memory_order_seq_cst);
      return;
    }
  }
}

void RangeGuard::wake_if_drained() {
  std::vector<Waiter> ready;
  {
    std::lock_guard lk(mu_);
    if (waiters_.empty() || fast_writes_in_flight() != 0) return;
    ready.swap(waiters_);
  }
  for (const Waiter& w : ready) {
    Task* task = w.task;
    ResumeFn fn = w.resume;
    task->executor->post([task, fn] { fn(*task); });
  }
}

}  // namespace esan::scsi
