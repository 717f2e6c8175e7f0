#include "reactor/reactor.h"

#include "reactor/reactor_thread.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>
#include <vector>

namespace esan::reactor {
namespace {

// A NOP that re-arms itself `left` times: keeps the reactor busy with
// back-to-back completions, the pattern the busy-poll path serves.
class ChainOp : public Op {
 public:
  ChainOp(Reactor& r, int left) : r_(r), left_(left) {}
  void arm() {
    io_uring_sqe* sqe = r_.get_sqe();
    io_uring_prep_nop(sqe);
    Reactor::set_op(sqe, this);
  }
  void complete(int res, uint32_t) override {
    EXPECT_EQ(res, 0);
    ++done;
    if (--left_ > 0) arm();
  }
  std::atomic<int> done{0};

 private:
  Reactor& r_;
  int left_;
};

void RunChainAndPosts(unsigned poll_us) {
  auto r = Reactor::create(0);
  ASSERT_TRUE(r) << r.error().message;
  Reactor& reactor = **r;
  reactor.set_poll_us(poll_us);
  ChainOp chain(reactor, 1000);
  std::atomic<int> posted{0};
  reactor.post([&] { chain.arm(); });
  reactor.start_thread();
  // Work posted from another thread while the reactor is busy or polling
  // still runs, and promptly.
  for (int i = 0; i < 100; ++i) {
    reactor.post([&] { posted++; });
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while ((chain.done < 1000 || posted < 100) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(chain.done.load(), 1000);
  EXPECT_EQ(posted.load(), 100);
  // stop() ends run() even while the loop would otherwise poll.
  auto t0 = std::chrono::steady_clock::now();
  reactor.stop();
  reactor.join();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

TEST(Reactor, CompletionsPostsAndStopWithoutPolling) { RunChainAndPosts(0); }
TEST(Reactor, CompletionsPostsAndStopWithBusyPolling) { RunChainAndPosts(50); }
TEST(Reactor, CompletionsPostsAndStopWithLongBusyPolling) { RunChainAndPosts(1000); }

// Burns the calling thread's CPU for `ms` of its own CPU time.
void burn_cpu_ms(int ms) {
  timespec ts;
  auto cpu_ns = [&] {
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
  };
  uint64_t until = cpu_ns() + uint64_t(ms) * 1'000'000u;
  while (cpu_ns() < until) {
  }
}

// post_after(): runs once, on the reactor's thread, no earlier than asked
// and never inline; what is still waiting when the reactor goes is dropped
// (ASan checks nothing leaks).
TEST(Reactor, PostAfterRunsLaterOnItsThread) {
  ReactorThread rt;
  std::promise<std::pair<std::thread::id, std::chrono::steady_clock::time_point>> ran;
  std::thread::id reactor_thread;
  bool inline_run = false;
  bool returned = false;
  auto t0 = std::chrono::steady_clock::now();
  rt.call([&] {
    reactor_thread = std::this_thread::get_id();
    rt.reactor().post_after(60, [&] {
      inline_run = !returned;
      ran.set_value({std::this_thread::get_id(), std::chrono::steady_clock::now()});
    });
    returned = true;
  });
  auto f = ran.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  auto [thread, at] = f.get();
  EXPECT_EQ(thread, reactor_thread);
  EXPECT_FALSE(inline_run);
  EXPECT_GE(at - t0, std::chrono::milliseconds(55));
  EXPECT_LT(at - t0, std::chrono::milliseconds(1000)) << "not paced by the 1 s tick";
  bool late_ran = false;
  rt.call([&] { rt.reactor().post_after(60000, [&] { late_ran = true; }); });
  EXPECT_FALSE(late_ran);
}

TEST(Reactor, BusyTimeCountsWorkNotWaiting) {
  auto r = Reactor::create(0);
  ASSERT_TRUE(r) << r.error().message;
  Reactor& reactor = **r;
  EXPECT_EQ(reactor.busy_ns(), 0u) << "not running yet";
  reactor.start_thread();
  std::atomic<bool> done{false};
  reactor.post([&] {
    burn_cpu_ms(200);
    done = true;
  });
  while (!done) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  uint64_t after_work = reactor.busy_ns();
  EXPECT_GE(after_work, 200'000'000u);
  // Idle: waiting in the kernel adds (almost) nothing.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  uint64_t after_idle = reactor.busy_ns();
  EXPECT_GE(after_idle, after_work) << "a total never goes down";
  EXPECT_LT(after_idle - after_work, 50'000'000u);
  reactor.stop();
  reactor.join();
  EXPECT_GE(reactor.busy_ns(), after_idle) << "kept after the thread ended";
}

TEST(Reactor, BusyRatioOfAnInterval) {
  constexpr uint64_t kS = 1'000'000'000;
  // The first sample of a run has nothing to measure against.
  EXPECT_EQ(busy_ratio_between(0, 0, 5 * kS, kS), std::nullopt);
  // Busy time gained over wall time passed.
  EXPECT_DOUBLE_EQ(*busy_ratio_between(10 * kS, 2 * kS, 11 * kS, 2 * kS + kS / 4), 0.25);
  EXPECT_DOUBLE_EQ(*busy_ratio_between(10 * kS, 2 * kS, 12 * kS, 3 * kS), 0.5);
  EXPECT_DOUBLE_EQ(*busy_ratio_between(10 * kS, 2 * kS, 11 * kS, 2 * kS), 0.0);  // idle
  // Never above 1 (CPU time read a little after the wall clock), never
  // negative (a busy figure that went back: the thread ended).
  EXPECT_DOUBLE_EQ(*busy_ratio_between(10 * kS, 2 * kS, 11 * kS, 4 * kS), 1.0);
  EXPECT_DOUBLE_EQ(*busy_ratio_between(10 * kS, 2 * kS, 11 * kS, kS), 0.0);
  // No interval: the previous ratio stands.
  EXPECT_EQ(busy_ratio_between(10 * kS, 2 * kS, 10 * kS, 3 * kS), std::nullopt);
  EXPECT_EQ(busy_ratio_between(10 * kS, 2 * kS, 9 * kS, 3 * kS), std::nullopt);
}

TEST(Reactor, BusyRatioIsZeroBeforeTheFirstTick) {
  auto r = Reactor::create(0);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ((*r)->busy_ratio(), 0.0);
}

// A NOP whose completion records when it ran.
class StampOp : public Op {
 public:
  void arm(Reactor& r) {
    io_uring_sqe* sqe = r.get_sqe();
    io_uring_prep_nop(sqe);
    Reactor::set_op(sqe, this);
  }
  void complete(int, uint32_t) override {
    at = std::chrono::steady_clock::now();
    done = true;
  }
  std::chrono::steady_clock::time_point at;
  std::atomic<bool> done{false};
};

// From the reactor thread: `asks` (as connections would) and a NOP already
// complete in the kernel; returns how long until the loop handled the NOP.
std::chrono::milliseconds HandledAfter(unsigned cap_us, std::vector<uint64_t> asks, bool backend_io = false) {
  auto r = Reactor::create(0);
  EXPECT_TRUE(r);
  Reactor& reactor = **r;
  reactor.set_coalesce_us(cap_us);
  reactor.start_thread();
  StampOp op;
  std::chrono::steady_clock::time_point t0;
  reactor.post([&] {
    if (backend_io) reactor.worker_io_started();
    for (uint64_t ns : asks) reactor.ask_coalesce(ns);
    t0 = std::chrono::steady_clock::now();
    op.arm(reactor);
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!op.done && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_TRUE(op.done);
  reactor.stop();
  reactor.join();
  return std::chrono::duration_cast<std::chrono::milliseconds>(op.at - t0);
}

constexpr uint64_t kMs = 1'000'000;

TEST(Reactor, CoalescingSleepsTheLeastAskedBeforeLooking) {
  // A completion already there waits out the sleep: it is not a wake-up.
  EXPECT_GE(HandledAfter(500'000, {300 * kMs}).count(), 290);
  EXPECT_GE(HandledAfter(500'000, {400 * kMs, 300 * kMs}).count(), 290);
  EXPECT_LT(HandledAfter(500'000, {400 * kMs, 300 * kMs}).count(), 390) << "the least asked";
}

TEST(Reactor, CoalescingIsCappedAndVetoed) {
  EXPECT_LT(HandledAfter(100'000, {2000 * kMs}).count(), 1000) << "capped at 100 ms";
  EXPECT_GE(HandledAfter(100'000, {2000 * kMs}).count(), 95);
  EXPECT_LT(HandledAfter(0, {300 * kMs}).count(), 200) << "off";
  EXPECT_LT(HandledAfter(500'000, {300 * kMs, 0}).count(), 200) << "one connection asking for none";
  EXPECT_LT(HandledAfter(500'000, {}).count(), 200) << "nobody asked";
  EXPECT_LT(HandledAfter(500'000, {300 * kMs}, true).count(), 200) << "backend I/O in flight";
}

}  // namespace
}  // namespace esan::reactor
