// The probe scheduler's state machine with a fake device: probes answer
// what the test says, or are held (hung) until the test releases them.
#include "probes/scheduler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "events/event_log.h"

namespace esan::probes {
namespace {

using namespace std::chrono_literals;
using Clock = Scheduler::Clock;

// A fake device: answer() is what its next probe returns; calls counts the
// probes started. Jobs are held by the runner until the test runs them, so
// a job not run is a probe that hangs.
struct Fake {
  std::map<std::string, std::string> answer;  // device -> "" (ok) or the error
  std::map<std::string, int> calls;
  std::vector<std::function<void()>> held;

  ProbeFn probe() {
    return [this](const Target& t) {
      ++calls[t.device];
      return answer[t.device];
    };
  }
  Runner runner() {
    return [this](std::function<void()> job) { held.push_back(std::move(job)); };
  }
  // Runs every held job (the probes answer now).
  void release() {
    auto jobs = std::move(held);
    held.clear();
    for (auto& j : jobs) j();
  }
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override { events::install(log_); }
  void TearDown() override { events::install(nullptr); }

  std::vector<events::Event> Events(events::Kind k) {
    std::vector<events::Event> out;
    for (auto& e : log_->since(1).events)
      if (e.kind == k) out.push_back(e);
    return out;
  }
  DeviceHealth Of(Scheduler& s, const std::string& dev, Clock::time_point now) {
    for (auto& h : s.health(now))
      if (h.device == dev) return h;
    ADD_FAILURE() << "no device " << dev;
    return {};
  }

  std::shared_ptr<events::EventLog> log_ = std::make_shared<events::EventLog>();
  Fake fake_;
  Settings settings_{10s, 30s};
  Clock::time_point t0_ = Clock::now();
};

TEST_F(SchedulerTest, FirstProbeHealthyThenEveryInterval) {
  Scheduler s(settings_, fake_.probe(), fake_.runner());
  s.set_targets({{"d0", "/dev/fake0", false}, {"n0", "", false}});
  EXPECT_EQ(Of(s, "d0", t0_).state, State::kPending);
  s.tick(t0_);
  ASSERT_EQ(fake_.held.size(), 1u);  // nothing to probe for n0
  EXPECT_EQ(Of(s, "n0", t0_).state, State::kHealthy);
  EXPECT_TRUE(Of(s, "d0", t0_).probing);
  fake_.release();
  s.tick(t0_ + 1s);
  auto h = Of(s, "d0", t0_ + 1s);
  EXPECT_EQ(h.state, State::kHealthy);
  EXPECT_FALSE(h.probing);
  EXPECT_EQ(h.probes, 1u);
  s.tick(t0_ + 9s);
  EXPECT_TRUE(fake_.held.empty()) << "probed again before the interval";
  s.tick(t0_ + 10s);
  EXPECT_EQ(fake_.held.size(), 1u);
  EXPECT_TRUE(Events(events::Kind::kHealthFailed).empty());
  EXPECT_TRUE(Events(events::Kind::kHealthRecovered).empty());
}

TEST_F(SchedulerTest, FailedPostsOnceThenRecovers) {
  Scheduler s(settings_, fake_.probe(), fake_.runner());
  s.set_targets({{"d0", "/dev/fake0", false}});
  fake_.answer["d0"] = "cannot read /dev/fake0: Input/output error";
  for (int i = 0; i < 3; ++i) {  // three failed probes, one event
    s.tick(t0_ + i * 10s);
    fake_.release();
    s.tick(t0_ + i * 10s + 1s);
  }
  auto h = Of(s, "d0", t0_ + 21s);
  EXPECT_EQ(h.state, State::kFailed);
  EXPECT_EQ(h.error, "cannot read /dev/fake0: Input/output error");
  EXPECT_EQ(h.failures, 3u);
  auto failed = Events(events::Kind::kHealthFailed);
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].field("device"), "d0");
  EXPECT_EQ(failed[0].field("state"), "failed");
  EXPECT_EQ(failed[0].severity, events::Severity::kError);

  fake_.answer["d0"] = "";
  s.tick(t0_ + 30s);
  fake_.release();
  s.tick(t0_ + 31s);
  EXPECT_EQ(Of(s, "d0", t0_ + 31s).state, State::kHealthy);
  EXPECT_TRUE(Of(s, "d0", t0_ + 31s).error.empty());
  auto rec = Events(events::Kind::kHealthRecovered);
  ASSERT_EQ(rec.size(), 1u);
  EXPECT_EQ(rec[0].field("was"), "failed");
  EXPECT_EQ(rec[0].severity, events::Severity::kInfo);
}

TEST_F(SchedulerTest, HungAfterTheLimitWithOneOutstandingProbe) {
  Scheduler s(settings_, fake_.probe(), fake_.runner());
  s.set_targets({{"d0", "/dev/fake0", false}});
  s.tick(t0_);
  ASSERT_EQ(fake_.held.size(), 1u);
  s.tick(t0_ + 29s);
  EXPECT_EQ(Of(s, "d0", t0_ + 29s).state, State::kPending) << "hung before the limit";
  // Past the limit and many intervals: hung, reported once, no second probe.
  for (auto t = 30s; t <= 120s; t += 5s) s.tick(t0_ + t);
  auto h = Of(s, "d0", t0_ + 120s);
  EXPECT_EQ(h.state, State::kHung);
  EXPECT_TRUE(h.probing);
  EXPECT_NEAR(h.seconds, 120.0, 0.001);
  EXPECT_EQ(fake_.held.size(), 1u) << "a second probe started while one hangs";
  EXPECT_EQ(fake_.calls["d0"], 0);
  auto hung = Events(events::Kind::kHealthFailed);
  ASSERT_EQ(hung.size(), 1u);
  EXPECT_EQ(hung[0].field("state"), "hung");

  // The read returns at last: recovered, and probes go on.
  fake_.release();
  s.tick(t0_ + 121s);
  EXPECT_EQ(Of(s, "d0", t0_ + 121s).state, State::kHealthy);
  auto rec = Events(events::Kind::kHealthRecovered);
  ASSERT_EQ(rec.size(), 1u);
  EXPECT_EQ(rec[0].field("was"), "hung");
  EXPECT_EQ(fake_.held.size(), 1u) << "the next probe is due (its interval passed while hung)";
}

TEST_F(SchedulerTest, HungThenFailedIsANewEvent) {
  Scheduler s(settings_, fake_.probe(), fake_.runner());
  s.set_targets({{"d0", "/dev/fake0", false}});
  s.tick(t0_);
  s.tick(t0_ + 31s);
  EXPECT_EQ(Of(s, "d0", t0_ + 31s).state, State::kHung);
  fake_.answer["d0"] = "cannot read: Input/output error";
  fake_.release();
  s.tick(t0_ + 32s);
  auto h = Of(s, "d0", t0_ + 32s);
  EXPECT_EQ(h.state, State::kFailed);
  EXPECT_EQ(h.failures, 1u) << "the hung probe's error was counted twice";
  auto ev = Events(events::Kind::kHealthFailed);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1].field("state"), "failed");
}

TEST_F(SchedulerTest, RemovedDeviceDropsItsAnswerAndChangedPathStartsOver) {
  Scheduler s(settings_, fake_.probe(), fake_.runner());
  s.set_targets({{"d0", "/dev/fake0", false}, {"d1", "/dev/fake1", false}});
  s.tick(t0_);
  ASSERT_EQ(fake_.held.size(), 2u);
  s.set_targets({{"d1", "/dev/other", false}});
  fake_.answer["d0"] = fake_.answer["d1"] = "boom";
  fake_.release();  // both answers belong to probes of targets that are gone
  s.tick(t0_ + 1s);
  auto all = s.health(t0_ + 1s);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].device, "d1");
  EXPECT_EQ(all[0].path, "/dev/other");
  EXPECT_TRUE(all[0].probing) << "the new target was not probed at once";
  EXPECT_EQ(all[0].state, State::kPending);
  EXPECT_TRUE(Events(events::Kind::kHealthFailed).empty());
}

// A device for the real runner: answers `answer`, or blocks while `block`.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool block = false;
  std::string answer;
  int calls = 0;
  ProbeFn probe() {
    return [this](const Target&) {
      std::unique_lock lk(mu);
      ++calls;
      cv.wait(lk, [&] { return !block; });
      return answer;
    };
  }
  void set(bool b, std::string a) {
    {
      std::lock_guard lk(mu);
      block = b;
      answer = std::move(a);
    }
    cv.notify_all();
  }
  int count() {
    std::lock_guard lk(mu);
    return calls;
  }
};

TEST_F(SchedulerTest, ProbeNowProbesAtOnceWithoutASecondOutstandingProbe) {
  auto gate = std::make_shared<Gate>();
  Scheduler s(Settings{3600s, 2s}, [gate](const Target& t) { return gate->probe()(t); });
  s.set_targets({{"d0", "/dev/fake0", false}, {"n0", "", false}});
  s.start();
  auto h = s.probe_now(Clock::now() + 30s);
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].state, State::kHealthy);
  EXPECT_TRUE(h[0].fresh);
  EXPECT_TRUE(h[1].fresh);
  // The scheduler's own first probe, and one more if it had finished before probe_now asked.
  const int c1 = gate->count();
  EXPECT_GE(c1, 1);
  EXPECT_LE(c1, 2);
  // A fresh probe although the interval (an hour) has not passed.
  gate->set(false, "cannot read /dev/fake0: Input/output error");
  h = s.probe_now(Clock::now() + 30s);
  EXPECT_EQ(h[0].state, State::kFailed);
  EXPECT_TRUE(h[0].fresh);
  EXPECT_EQ(gate->count(), c1 + 1);
  // A read that blocks: not fresh at the deadline, and asking again starts no second probe.
  gate->set(true, "");
  h = s.probe_now(Clock::now() + 200ms);
  EXPECT_FALSE(h[0].fresh);
  EXPECT_EQ(h[0].state, State::kFailed) << "the scheduler's state turns hung only at its hang limit";
  h = s.probe_now(Clock::now() + 200ms);
  EXPECT_FALSE(h[0].fresh);
  EXPECT_EQ(gate->count(), c1 + 2);
  // At the hang limit: hung, and a hung device answers at once.
  h = s.probe_now(Clock::now() + 30s);
  EXPECT_EQ(h[0].state, State::kHung);
  EXPECT_TRUE(h[0].fresh);
  auto t = Clock::now();
  h = s.probe_now(Clock::now() + 30s);
  EXPECT_LT(Clock::now() - t, 10s) << "waited for a hung device";
  EXPECT_EQ(gate->count(), c1 + 2);
  // Released: the hung read's answer makes it healthy (the scheduler's thread takes it in).
  gate->set(false, "");
  auto deadline = Clock::now() + 30s;
  while (s.health()[0].state != State::kHealthy && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(s.health()[0].state, State::kHealthy);
  s.stop();
  ASSERT_EQ(Events(events::Kind::kHealthRecovered).size(), 1u);
}

TEST_F(SchedulerTest, ThreadProbesOffTheCallerAndStopsWithAProbeHanging) {
  // The real runner (detached threads) and a probe that blocks until released.
  auto gate = std::make_shared<std::promise<void>>();
  std::shared_future<void> opened = gate->get_future().share();
  auto calls = std::make_shared<std::atomic<int>>(0);
  Settings fast{1s, 1s};
  auto s = std::make_unique<Scheduler>(fast, [opened, calls](const Target&) {
    ++*calls;
    opened.wait();
    return std::string();
  });
  s->set_targets({{"d0", "/dev/fake0", false}});
  s->start();
  auto h = s->probe_now(Clock::now() + 30s);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].state, State::kHung);
  EXPECT_EQ(*calls, 1);
  s->stop();  // returns although the probe still hangs
  s.reset();
  gate->set_value();  // the detached probe ends on its own
  EXPECT_EQ(*calls, 1);
}

TEST(ProbeSettings, Checked) {
  EXPECT_TRUE(check_settings(Settings{}));
  EXPECT_TRUE(check_settings(Settings{1s, 600s}));
  auto bad = check_settings(Settings{0s, 10s});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("probe interval"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(check_settings(Settings{3601s, 10s}));
  bad = check_settings(Settings{5s, 601s});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("hang limit"), std::string::npos) << bad.error().message;
  EXPECT_FALSE(check_settings(Settings{5s, 999ms}));
}

TEST(ReadProbe, AnswersForAFileAndSaysWhyNotForAMissingOne) {
  char path[] = "/tmp/esan-probe-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, "data", 4), 4);
  ::close(fd);
  EXPECT_EQ(read_probe({"f", path, false}), "");
  EXPECT_EQ(read_probe({"f", path, true}), "");  // O_DIRECT, or buffered where refused
  ::unlink(path);
  EXPECT_NE(read_probe({"f", path, false}).find("cannot open"), std::string::npos);
  EXPECT_EQ(read_probe({"n", "", false}), "");
}

}  // namespace
}  // namespace esan::probes
