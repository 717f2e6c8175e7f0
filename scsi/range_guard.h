// RangeGuard: per-LU write ordering between the commands that must not
// interleave with other writes (COMPARE AND WRITE, ORWRITE, WRITE ATOMIC:
// "exclusive" ranges) and plain writes (WRITE*, WRITE AND VERIFY, WRITE SAME,
// UNMAP), across every session and reactor.
//
// Contract:
//  - begin_write() is on the WRITE fast path. While no exclusive range is
//    held it takes no lock: it bumps this thread's shard of an in-flight
//    counter (a cache line of its own) and checks an atomic count of
//    exclusive holds. Only while that count is non-zero does it lock, and
//    then it either records the write's range ("shared") or -- when the
//    range overlaps an exclusive one -- returns false: the command ends with
//    BUSY status and the initiator retries (SAM-5 BUSY; Linux and ESXi retry
//    it). BUSY rather than queueing: no cross-thread wait lists on the write
//    path, and an exclusive command holds its range for one read + one write.
//  - begin_exclusive() returns kBusy when the range overlaps any held range
//    (exclusive, or a shared in-flight write); otherwise it holds the range.
//    Writes that started on the fast path before it may still be in flight:
//    then it returns kWait and calls `resume(task)` once they have all
//    finished -- posted to the task's executor (Task::executor), never
//    inline: the last of those writes may finish on another reactor, or
//    inside another command's completion. New fast-path writes cannot
//    start while an exclusive range is held, so the wait is bounded by the
//    I/O already in flight. kGranted: run now.
//  - release() ends whatever the task holds (no-op when nothing); complete()
//    calls it, so every command path releases exactly once. REQUIRES: called
//    on the thread that began the hold.
//  - Reads are not ordered against exclusive ranges (a READ racing a
//    COMPARE AND WRITE of the same blocks may see the old or the new data).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace esan::scsi {

class Task;

class RangeGuard {
 public:
  enum class Grant : uint8_t { kGranted, kBusy, kWait };
  using ResumeFn = void (*)(Task&);

  bool begin_write(Task& t, uint64_t lba, uint64_t blocks);
  Grant begin_exclusive(Task& t, uint64_t lba, uint64_t blocks, ResumeFn resume);
  void release(Task& t);

  // For tests and logs.
  uint32_t exclusive_held() const { return exclusive_.load(); }
  int64_t fast_writes_in_flight() const;

 private:
  static constexpr int kShards = 16;
  struct alignas(64) Shard {
    std::atomic<int64_t> n{0};
  };
  struct Held {
    uint64_t lba, blocks;
    bool exclusive;
    Task* task;
  };
  struct Waiter {
    Task* task;  // resumed on task->executor
    ResumeFn resume;
  };
  void wake_if_drained();

  Shard shards_[kShards];
  std::atomic<uint32_t> exclusive_{0};
  std::mutex mu_;
  std::vector<Held> held_;        // guarded by mu_
  std::vector<Waiter> waiters_;   // guarded by mu_
};

}  // namespace esan::scsi
