// QueueExecutor: an Executor for a thread that is not a reactor but waits
// for completions -- a management caller in Coordinator::propose_and_wait,
// a unit test, a fuzz harness. Work posted to it waits in a queue until its
// owner runs it on the owner's thread.
//
// Contract:
//  - post() is thread-safe (a coordinator's apply thread posts to it) and
//    never runs fn inline.
//  - drain() runs what is queued, and what that work posts, until the queue
//    is empty, without waiting; returns how many functions ran.
//  - run_until(pred) runs posted work, waiting for more, until pred()
//    holds; false when nothing was posted for `timeout`.
//  - Ticks are kept, not timed: tick() runs each once (a reactor runs them
//    about once a second). add_tick/cancel_tick/tick: the owner's thread.
//  - post_after() work is kept, not timed, too: tick() also runs what was
//    posted after a delay before it (the test plays the clock).
//  - It is no Reactor (reactor() is null): only inline backends can serve
//    tasks submitted on it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "reactor/executor.h"

namespace esan::reactor {

class QueueExecutor final : public Executor {
 public:
  void post(std::function<void()> fn) override {
    std::lock_guard lk(mu_);
    queue_.push_back(std::move(fn));
    cv_.notify_all();
  }
  uint64_t add_tick(std::function<void()> fn) override {
    ticks.push_back({next_tick_++, std::move(fn)});
    return ticks.back().first;
  }
  void cancel_tick(uint64_t id) override {
    std::erase_if(ticks, [id](const auto& t) { return t.first == id; });
  }
  void post_after(uint32_t, std::function<void()> fn) override { later.push_back(std::move(fn)); }

  size_t drain() {
    size_t n = 0;
    for (std::function<void()> fn; take(fn, std::chrono::milliseconds(0)); ++n) fn();
    return n;
  }
  bool run_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    for (std::function<void()> fn; !pred();) {
      if (!take(fn, timeout)) return false;
      fn();
    }
    return true;
  }
  // Runs every tick once, then what post_after() queued before; false when
  // there was nothing.
  bool tick() {
    auto now = ticks;  // a tick may cancel ticks
    for (auto& [id, fn] : now) fn();
    auto due = std::move(later);
    later.clear();
    for (auto& fn : due) fn();
    return !now.empty() || !due.empty();
  }

  std::vector<std::pair<uint64_t, std::function<void()>>> ticks;  // (id, fn), owner's thread
  std::vector<std::function<void()>> later;                        // post_after(), owner's thread

 private:
  bool take(std::function<void()>& fn, std::chrono::milliseconds wait) {
    std::unique_lock lk(mu_);
    if (!cv_.wait_for(lk, wait, [&] { return !queue_.empty(); })) return false;
    fn = std::move(queue_.front());
    queue_.pop_front();
    return true;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  uint64_t next_tick_ = 1;
};

}  // namespace esan::reactor
