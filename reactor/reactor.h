// Reactor: one event loop thread owning one io_uring.
//
// Everything that touches a connection or a command runs on the reactor that
// owns it; no locks on that path. Work from other threads enters only through
// post(), which is thread-safe and wakes the loop through an eventfd.
//
// Submitting I/O: get_sqe(), fill it, set its user_data with set_op(sqe, op).
// When the kernel completes it, op->complete(res, cqe_flags) runs on this
// reactor's thread. The SQE is submitted at the latest before the loop next
// blocks, so several submissions made while handling one event go to the
// kernel in one io_uring_enter.
//
// Lifetime: an Op must stay alive until its completion has run. Call stop()
// (thread-safe) to make run() return after the current batch of events.
//
// Waiting: when the loop runs out of completions it may poll the completion
// queue for up to set_poll_us() microseconds before blocking, but only while
// it is busy (its previous block lasted less than kBusyWindow): a command
// arriving within that window is then picked up without the thread having
// gone to sleep and being woken. An idle reactor blocks at once, and so does
// one with backend I/O in flight (worker_io_started/done): file I/O may be
// completed by io_uring's worker threads, which need the CPU the poll would
// take (measured: polling then cost 4 KiB QD64 writes a third of their rate).
// The poll yields the CPU on every turn, so it only spins when nothing else
// is runnable on that core.
//
// Coalescing: handling input costs about the same per receive and per send
// whether it carries one command or twenty (the kernel's TCP work on
// loopback dominates), so when initiators keep many commands in flight it
// is cheaper to let more arrive before looking again. A connection that has
// just handled input calls ask_coalesce(ns) with how long it may wait (0 when
// its initiator has few commands outstanding and waiting would only add
// latency). Before the loop next waits, it sleeps the least that any
// connection asked this turn, capped by set_coalesce_us(), unless nobody
// asked, completions are already there, or backend I/O is in flight (its
// completion must not wait). Then it looks, and waits or polls as above.
//
// Load: busy_ns() is the CPU time the reactor's thread has used (user +
// system, read from its thread CPU clock) minus the time it spent busy-
// polling for completions: the time it was not waiting. Reading it costs
// the loop nothing (no clock reads on the default path). busy_ratio() is
// that time over wall time, measured by the loop's 1 s tick
// (busy_ratio_between()).
//
// Executor (executor.h): post() and the ticks; reactor() is this reactor.
// There is no thread-local "current reactor": code that needs one is handed
// it (a task carries its executor, a backend request its reactor).
#pragma once

#include <pthread.h>

#include <liburing.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "reactor/executor.h"

namespace esan::reactor {

// A pending io_uring operation's completion handler.
class Op {
 public:
  virtual void complete(int res, uint32_t cqe_flags) = 0;

 protected:
  ~Op() = default;
};

// The busy share of the interval between two load samples, each a wall
// clock and a busy time in nanoseconds: the busy time gained over the wall
// time passed, clamped to 0..1. nullopt when there is no interval: no
// previous sample (prev_wall_ns == 0) or a wall clock that did not advance.
std::optional<double> busy_ratio_between(uint64_t prev_wall_ns, uint64_t prev_busy_ns, uint64_t wall_ns,
                                         uint64_t busy_ns);

class Reactor final : public Executor {
 public:
  // `entries` is the submission queue depth.
  static Result<std::unique_ptr<Reactor>> create(int index, unsigned entries = 1024);
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // Runs the loop on the calling thread until stop(). REQUIRES: one caller.
  void run();
  // Starts run() on a new thread. join() waits for it.
  void start_thread();
  void join();
  void stop();

  // Busy-poll budget before blocking (0 = never poll). REQUIRES: before run().
  void set_poll_us(unsigned us) { poll_ns_ = uint64_t(us) * 1000; }

  // Longest coalescing sleep (0 = never coalesce). REQUIRES: before run().
  void set_coalesce_us(unsigned us) { coalesce_max_ns_ = uint64_t(us) * 1000; }
  // Reactor thread only: see Coalescing above.
  void ask_coalesce(uint64_t ns) { coalesce_ask_ns_ = std::min(coalesce_ask_ns_, ns); }

  // Backends count their I/O in flight on this reactor (reactor thread only).
  void worker_io_started() { ++worker_io_; }
  void worker_io_done() { --worker_io_; }

  // Thread-safe: queues `fn` to run on this reactor's thread.
  void post(std::function<void()> fn) override;

  // Returns a free SQE, flushing the queue to the kernel when it is full.
  // REQUIRES: called on this reactor's thread.
  io_uring_sqe* get_sqe();
  static void set_op(io_uring_sqe* sqe, Op* op) { io_uring_sqe_set_data(sqe, op); }

  // Runs fn on this thread after the current batch of completions has been
  // handled and before the loop blocks again (e.g. to flush a socket once per
  // batch). REQUIRES: called on this reactor's thread.
  void defer(std::function<void()> fn) { deferred_.push_back(std::move(fn)); }

  // Calls fn about once per second on this reactor's thread (idle timers,
  // NOP-In pings, login timeouts, SANITIZE pacing). Returns an id for
  // cancel_tick(). REQUIRES: called on this reactor's thread.
  uint64_t add_tick(std::function<void()> fn) override;
  void cancel_tick(uint64_t id) override;
  // An io_uring timeout per call (executor.h). REQUIRES: this reactor's thread.
  void post_after(uint32_t ms, std::function<void()> fn) override;

  int index() const { return index_; }
  // Thread-safe (see Load above): nanoseconds busy since run() began, and
  // the busy share of the last tick interval (0..1; 0 before the first).
  uint64_t busy_ns() const;
  double busy_ratio() const { return busy_ratio_.load(std::memory_order_relaxed); }

 private:
  Reactor(int index);
  void arm_wakeup();
  void arm_timer();
  void drain_posted();
  void run_ticks();
  void run_deferred();
  void submit_poll_or_wait();
  bool coalesce();

  class WakeOp;
  class TimerOp;
  class AfterOp;

  int index_;
  io_uring ring_{};
  int event_fd_ = -1;
  uint64_t wake_value_ = 0;
  bool deferred_taskrun_ = false;  // ring set up with SINGLE_ISSUER | DEFER_TASKRUN (disabled until run())
  std::atomic<bool> stopping_{false};
  std::mutex post_mu_;
  std::vector<std::function<void()>> posted_;
  std::thread thread_;
  std::unique_ptr<WakeOp> wake_op_;
  std::unique_ptr<TimerOp> timer_op_;
  __kernel_timespec tick_ts_{1, 0};
  uint64_t poll_ns_ = 0;
  uint64_t coalesce_max_ns_ = 0;
  uint64_t coalesce_ask_ns_ = UINT64_MAX;  // UINT64_MAX: nobody asked this turn
  uint64_t coalesce_late_ns_ = 0;          // running mean of how late its sleeps ended
  uint64_t worker_io_ = 0;
  uint64_t last_block_ns_ = UINT64_MAX;  // how long the last blocking wait took (polling only)
  // Load accounting (busy_ns): the run() thread's CPU clock while it runs,
  // the time spent polling, and the busy total once run() has returned.
  void sample_load();
  std::atomic<bool> running_{false};
  std::atomic<clockid_t> cpu_clock_{0};
  std::atomic<uint64_t> poll_spent_ns_{0};  // written by the loop thread only
  std::atomic<uint64_t> final_busy_ns_{0};
  std::atomic<double> busy_ratio_{0};
  uint64_t sample_wall_ns_ = 0, sample_busy_ns_ = 0;
  static constexpr uint64_t kBusyWindowNs = 1'000'000;  // 1 ms
  struct Tick {
    uint64_t id;
    std::function<void()> fn;
  };
  std::vector<Tick> ticks_;
  std::vector<std::function<void()>> deferred_;
  uint64_t next_tick_id_ = 1;
  std::unordered_set<AfterOp*> after_ops_;  // post_after() waits not yet run
};

}  // namespace esan::reactor
