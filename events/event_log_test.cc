#include "events/event_log.h"

#include <gtest/gtest.h>

#include <thread>

namespace esan::events {
namespace {

TEST(EventNames, RoundTrip) {
  for (Kind k : kAllKinds) EXPECT_EQ(parse_kind(kind_name(k)), k) << kind_name(k);
  EXPECT_EQ(parse_kind("login_failed"), Kind::kLoginFailed);
  EXPECT_FALSE(parse_kind("Login"));
  EXPECT_EQ(parse_severity("warning"), Severity::kWarning);
  EXPECT_FALSE(parse_severity("fatal"));
  EXPECT_LT(Severity::kInfo, Severity::kCritical);
  EXPECT_EQ(format_time(1765000000123), "2025-12-06T05:46:40.123Z");
}

TEST(EventLog, NumbersAndStamps) {
  int64_t now = 1000;
  EventLog log(8, [&] { return now; });
  EXPECT_EQ(log.next_seq(), 1u);
  EXPECT_EQ(log.post(Kind::kStart, Severity::kInfo, "a"), 1u);
  now = 2000;
  EXPECT_EQ(log.post(Kind::kLogin, Severity::kInfo, "b", {{"initiator", "iqn.x"}}), 2u);
  auto p = log.since(0);
  ASSERT_EQ(p.events.size(), 2u);
  EXPECT_EQ(p.events[0].seq, 1u);
  EXPECT_EQ(p.events[0].time_ms, 1000);
  EXPECT_EQ(p.events[1].time_ms, 2000);
  EXPECT_EQ(p.events[1].kind, Kind::kLogin);
  EXPECT_EQ(p.events[1].field("initiator"), "iqn.x");
  EXPECT_EQ(p.events[1].field("none"), "");
  EXPECT_EQ(p.next, 3u);
  EXPECT_EQ(p.first, 1u);
}

TEST(EventLog, SinceAndLimit) {
  EventLog log(100);
  for (int i = 0; i < 10; ++i) log.post(Kind::kLogin, Severity::kInfo, std::to_string(i));
  auto p = log.since(4, 3);
  ASSERT_EQ(p.events.size(), 3u);
  EXPECT_EQ(p.events[0].seq, 4u);
  EXPECT_EQ(p.events[2].seq, 6u);
  EXPECT_EQ(p.next, 7u);
  auto rest = log.since(p.next);
  ASSERT_EQ(rest.events.size(), 4u);
  EXPECT_EQ(rest.next, 11u);
  auto none = log.since(11);
  EXPECT_TRUE(none.events.empty());
  EXPECT_EQ(none.next, 11u);
  // A reader ahead of the log (esand restarted) is told where it stands.
  auto ahead = log.since(500);
  EXPECT_TRUE(ahead.events.empty());
  EXPECT_EQ(ahead.next, 11u);
}

TEST(EventLog, BoundedDropsOldest) {
  EventLog log(4);
  for (int i = 0; i < 10; ++i) log.post(Kind::kLogin, Severity::kInfo, std::to_string(i));
  auto p = log.since(1);
  ASSERT_EQ(p.events.size(), 4u);
  EXPECT_EQ(p.first, 7u);  // 1..6 were dropped: the reader missed 6
  EXPECT_EQ(p.events.front().seq, 7u);
  EXPECT_EQ(p.events.front().message, "6");
  EXPECT_EQ(p.events.back().seq, 10u);
  EXPECT_EQ(p.next, 11u);
}

TEST(EventLog, WaitReturnsOnPostAndTimesOut) {
  EventLog log(16);
  auto t0 = std::chrono::steady_clock::now();
  auto p = log.wait_since(1, std::chrono::milliseconds(100));
  EXPECT_TRUE(p.events.empty());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(90));
  std::thread poster([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    log.post(Kind::kStop, Severity::kInfo, "bye");
  });
  t0 = std::chrono::steady_clock::now();
  p = log.wait_since(1, std::chrono::seconds(10));
  poster.join();
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].message, "bye");
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(EventLog, CloseWakesWaiters) {
  EventLog log(16);
  std::thread closer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    log.close();
  });
  auto t0 = std::chrono::steady_clock::now();
  auto p = log.wait_since(1, std::chrono::seconds(30));
  closer.join();
  EXPECT_TRUE(p.events.empty());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(EventLog, ConcurrentPostsGetDistinctSeqs) {
  EventLog log(100000);
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) log.post(Kind::kLogin, Severity::kInfo, "x");
    });
  for (auto& t : ts) t.join();
  auto p = log.since(0);
  ASSERT_EQ(p.events.size(), 4000u);
  for (size_t i = 0; i < p.events.size(); ++i) EXPECT_EQ(p.events[i].seq, i + 1);
}

TEST(EventLog, GlobalSeam) {
  post(Kind::kStart, Severity::kInfo, "nowhere");  // nothing installed: no effect, no crash
  auto log = std::make_shared<EventLog>(16);
  install(log);
  post(Kind::kIoError, Severity::kError, "disk", {{"device", "d1"}});
  install(nullptr);
  post(Kind::kIoError, Severity::kError, "gone");
  auto p = log->since(0);
  ASSERT_EQ(p.events.size(), 1u);
  EXPECT_EQ(p.events[0].field("device"), "d1");
}

}  // namespace
}  // namespace esan::events
