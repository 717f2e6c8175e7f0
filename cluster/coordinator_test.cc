#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "cluster/change.h"
#include "cluster/local_coordinator.h"

namespace esan::cluster {
namespace {

// Collects posted work; the test runs it when it chooses (a reactor runs it
// after its current batch).
class QueueExecutor final : public reactor::Executor {
 public:
  void post(std::function<void()> fn) override {
    std::lock_guard lk(mu);
    fns.push_back(std::move(fn));
  }
  uint64_t add_tick(std::function<void()>) override { return 0; }
  void cancel_tick(uint64_t) override {}
  void post_after(uint32_t, std::function<void()> fn) override { post(std::move(fn)); }
  size_t run() {
    std::vector<std::function<void()>> now;
    {
      std::lock_guard lk(mu);
      now.swap(fns);
    }
    for (auto& f : now) f();
    return now.size();
  }
  std::mutex mu;
  std::vector<std::function<void()>> fns;
};

Change make(uint8_t kind, std::string subject, std::vector<uint8_t> body) { return Change{kind, std::move(subject), std::move(body)}; }

TEST(Change, RoundTripsThroughItsWireForm) {
  Change c = make(7, "disk0", {1, 2, 3, 0, 255});
  auto w = encode(c);
  auto back = decode(w);
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, c);
  Change empty = make(0, "", {});
  EXPECT_EQ(*decode(encode(empty)), empty);
}

TEST(Change, DecodeRefusesWhatEncodeNeverWrites) {
  auto w = encode(make(3, "lu", {9, 9}));
  for (size_t n = 0; n < w.size(); ++n)
    EXPECT_FALSE(decode(std::span(w.data(), n)).has_value()) << "prefix of " << n << " bytes";
  auto longer = w;
  longer.push_back(0);
  EXPECT_EQ(decode(longer).error().code, Errc::kProtocol);
  auto version = w;
  version[0] = 2;
  EXPECT_EQ(decode(version).error().code, Errc::kProtocol);
  auto huge = w;
  huge[3] = 0x7f;  // body length far beyond kMaxBody
  EXPECT_EQ(decode(huge).error().code, Errc::kProtocol);
}

TEST(LocalCoordinator, AppliesInProposalOrderOffTheProposingThreadAndCompletesOnTheExecutor) {
  LocalCoordinator co;
  std::vector<std::pair<uint64_t, uint8_t>> seen;  // applier thread only until joined
  std::atomic<bool> applier_on_caller{false};
  auto caller = std::this_thread::get_id();
  co.start([&](uint64_t seq, const Change& c) {
    if (std::this_thread::get_id() == caller) applier_on_caller = true;
    seen.emplace_back(seq, c.kind);
    return Reply{uint8_t(c.kind * 2)};
  });
  QueueExecutor ex;
  std::vector<int> replies;
  for (uint8_t k = 1; k <= 50; ++k)
    co.propose(make(k, "lu", {}), &ex, [&replies](Result<Reply> r) {
      ASSERT_TRUE(r.has_value());
      replies.push_back((*r)[0]);
    });
  // Nothing completes inline or on another thread: only when the executor runs.
  while (co.applied() < 50) std::this_thread::yield();
  EXPECT_TRUE(replies.empty());
  EXPECT_EQ(ex.run(), 50u);
  co.stop();
  ASSERT_EQ(seen.size(), 50u);
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].first, i + 1);
    EXPECT_EQ(seen[i].second, i + 1);
    EXPECT_EQ(replies[i], int(2 * (i + 1)));
  }
  EXPECT_FALSE(applier_on_caller);
}

TEST(LocalCoordinator, StopAppliesWhatWasProposedThenRefusesWithBusy) {
  LocalCoordinator co;
  std::atomic<int> applied{0};
  co.start([&](uint64_t, const Change&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ++applied;
    return Reply{};
  });
  QueueExecutor ex;
  int good = 0, busy = 0;
  auto count = [&](Result<Reply> r) { r ? ++good : (r.error().code == Errc::kBusy ? ++busy : 0); };
  for (int i = 0; i < 5; ++i) co.propose(make(1, "lu", {}), &ex, count);
  co.stop();
  co.propose(make(1, "lu", {}), &ex, count);
  ex.run();
  EXPECT_EQ(applied, 5);
  EXPECT_EQ(good, 5);
  EXPECT_EQ(busy, 1);
  EXPECT_EQ(co.applied(), 5u);
}

TEST(LocalCoordinator, NeverStartedCompletesItsProposalsWithBusyAtStop) {
  LocalCoordinator co;
  QueueExecutor ex;
  int busy = 0;
  co.propose(make(1, "lu", {}), &ex, [&](Result<Reply> r) { busy += !r && r.error().code == Errc::kBusy; });
  co.stop();
  ex.run();
  EXPECT_EQ(busy, 1);
}

TEST(LocalCoordinator, ProposeAndWaitReturnsTheApplierReply) {
  LocalCoordinator co;
  co.start([](uint64_t seq, const Change& c) { return Reply{uint8_t(seq), uint8_t(c.body.size())}; });
  auto r = co.propose_and_wait(make(1, "dg", {1, 2, 3}));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, (Reply{1, 3}));
  co.propose(make(1, "dg", {}), nullptr, nullptr);  // nobody waits
  auto r2 = co.propose_and_wait(make(1, "dg", {}));
  EXPECT_EQ((*r2)[0], 3);
}

TEST(LocalCoordinator, BarrierCompletesAfterEverythingProposedBeforeIt) {
  LocalCoordinator co;
  std::atomic<int> applied{0};
  co.start([&](uint64_t, const Change&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    ++applied;
    return Reply{};
  });
  QueueExecutor ex;
  std::vector<char> order;
  for (int i = 0; i < 3; ++i) co.propose(make(1, "lu", {}), &ex, [&](Result<Reply>) { order.push_back('c'); });
  bool flushed = false;
  co.barrier(&ex, [&](Result<Reply> r) {
    EXPECT_TRUE(r.has_value());
    flushed = true;
    order.push_back('b');
  });
  while (!flushed) ex.run();
  EXPECT_EQ(applied, 3);
  EXPECT_EQ(co.applied(), 3u);  // a barrier takes no sequence number
  EXPECT_EQ(std::string(order.begin(), order.end()), "cccb");
}

}  // namespace
}  // namespace esan::cluster
