#include "reactor/queue_executor.h"

#include <gtest/gtest.h>

#include <thread>

namespace esan::reactor {
namespace {

TEST(QueueExecutor, PostedWorkRunsOnlyWhenTheOwnerRunsIt) {
  QueueExecutor ex;
  int ran = 0;
  ex.post([&] {
    ++ran;
    ex.post([&] { ++ran; });  // posted by posted work: the same drain runs it
  });
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(ex.drain(), 2u);
  EXPECT_EQ(ran, 2);
  EXPECT_EQ(ex.drain(), 0u) << "drain never waits";
  EXPECT_EQ(ex.reactor(), nullptr);
}

TEST(QueueExecutor, RunUntilWaitsForWorkPostedFromAnotherThread) {
  QueueExecutor ex;
  bool done = false;
  std::thread other([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ex.post([&] { done = true; });
  });
  EXPECT_TRUE(ex.run_until([&] { return done; }));
  other.join();
  EXPECT_FALSE(ex.run_until([] { return false; }, std::chrono::milliseconds(10))) << "times out with nothing posted";
}

TEST(QueueExecutor, TicksRunOncePerTickUntilCancelled) {
  QueueExecutor ex;
  int a = 0, b = 0;
  uint64_t ta = ex.add_tick([&] { ++a; });
  ex.add_tick([&] { ++b; });
  EXPECT_TRUE(ex.tick());
  ex.cancel_tick(ta);
  EXPECT_TRUE(ex.tick());
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 2);
}

}  // namespace
}  // namespace esan::reactor
