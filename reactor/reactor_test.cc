#include "reactor/reactor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

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

}  // namespace
}  // namespace esan::reactor
