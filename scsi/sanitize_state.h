// SanitizeState: a logical unit's sanitize status (SBC-4 4.11), read by the
// dispatcher on every command with one atomic load.
//
// Contract:
//  - phase(): kIdle, kRunning (a sanitize operation is in progress), or
//    kFailed (the last one failed: sanitize failure mode). Any thread.
//  - try_start() moves idle/failed -> running (false when already running);
//    finish() moves running -> idle (success) or failed (remembering AUSE);
//    exit_failure_mode() leaves failure mode when the failed operation had
//    AUSE=1. The running operation itself (scsi/sanitize.cc) is the only
//    caller of finish().
//  - The waiter is the SANITIZE command (IMMED=0) that completes when the
//    operation ends; take_waiter_of(nexus) detaches it early (task
//    management on its nexus) -- the operation continues. All waiter calls
//    run on the thread of the waiter's nexus, which is also the thread the
//    operation runs on.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>

namespace esan::scsi {

class Task;

class SanitizeState {
 public:
  enum Phase : uint8_t { kIdle, kRunning, kFailed };

  Phase phase() const { return phase_.load(std::memory_order_acquire); }
  // Fraction done while running, 0..65535 (sense progress indication).
  uint16_t progress() const { return progress_.load(std::memory_order_relaxed); }
  void set_progress(uint16_t p) { progress_.store(p, std::memory_order_relaxed); }

  bool try_start() {
    std::lock_guard lk(mu_);
    if (phase_.load() == kRunning) return false;
    progress_.store(0);
    phase_.store(kRunning, std::memory_order_release);
    return true;
  }
  void finish(bool ok, bool ause) {
    std::lock_guard lk(mu_);
    ause_ = ause;
    phase_.store(ok ? kIdle : kFailed, std::memory_order_release);
  }
  // False when in failure mode after an operation with AUSE=0 (only a
  // successful sanitize ends that); true otherwise (idle afterwards).
  bool exit_failure_mode() {
    std::lock_guard lk(mu_);
    if (phase_.load() == kRunning) return false;
    if (phase_.load() == kFailed && !ause_) return false;
    phase_.store(kIdle, std::memory_order_release);
    return true;
  }

  void set_waiter(Task* t, uint64_t nexus_id) {
    std::lock_guard lk(mu_);
    waiter_ = t;
    waiter_nexus_ = nexus_id;
  }
  Task* take_waiter() {
    std::lock_guard lk(mu_);
    Task* t = waiter_;
    waiter_ = nullptr;
    return t;
  }
  Task* take_waiter_of(uint64_t nexus_id) {
    std::lock_guard lk(mu_);
    if (!waiter_ || waiter_nexus_ != nexus_id) return nullptr;
    Task* t = waiter_;
    waiter_ = nullptr;
    return t;
  }

 private:
  std::atomic<Phase> phase_{kIdle};
  std::atomic<uint16_t> progress_{0};
  std::mutex mu_;
  bool ause_ = false;        // guarded by mu_
  Task* waiter_ = nullptr;   // guarded by mu_
  uint64_t waiter_nexus_ = 0;
};

}  // namespace esan::scsi
