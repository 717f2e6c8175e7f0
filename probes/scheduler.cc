// See scheduler.h.
#include "probes/scheduler.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>

#include "common/log.h"
#include "events/event_log.h"

namespace esan::probes {

namespace {

using Clock = Scheduler::Clock;

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct Post {
  events::Kind kind;
  events::Severity severity;
  std::string message;
  events::Fields fields;
};

std::string span(std::chrono::milliseconds d) {
  return d.count() % 1000 == 0 ? fmt::format("{} s", d.count() / 1000) : fmt::format("{} ms", d.count());
}

}  // namespace

std::string hang_error(const std::string& path, std::chrono::milliseconds limit) {
  return fmt::format("no answer from {} within {} ms", path, limit.count());
}

Status check_settings(const Settings& s) {
  if (s.interval < std::chrono::seconds(1) || s.interval > kMaxInterval)
    return make_error(Errc::kInvalidArgument,
                      fmt::format("the probe interval must be from 1 to {} seconds (0 = no scheduled probes), not {}",
                                  kMaxInterval.count(), span(s.interval)));
  if (s.hang_limit < std::chrono::seconds(1) || s.hang_limit > kMaxHangLimit)
    return make_error(Errc::kInvalidArgument, fmt::format("the probe hang limit must be from 1 to {} seconds, not {}",
                                                          kMaxHangLimit.count(), span(s.hang_limit)));
  return ok();
}

std::string_view state_name(State s) {
  switch (s) {
    case State::kPending:
      return "pending";
    case State::kHealthy:
      return "healthy";
    case State::kFailed:
      return "failed";
    case State::kHung:
      return "hung";
  }
  return "unknown";
}

void detached_runner(std::function<void()> job) { std::thread(std::move(job)).detach(); }

struct Scheduler::Shared {
  struct Slot {
    Target target;
    DeviceHealth h;
    Clock::time_point next_due{};  // epoch: at the next tick
    uint64_t answered = 0;         // probes whose answer tick() took in
    // The outstanding probe (h.probing): its id, start, and its answer once
    // the job has written it.
    uint64_t id = 0;
    Clock::time_point started{};
    bool done = false;
    std::string answer;
    Clock::time_point finished{};
  };
  mutable std::mutex mu;
  std::condition_variable cv;  // a probe answered, targets changed, stop; and (notify_all) states changed
  std::vector<Slot> slots;
  uint64_t next_id = 1;
  bool stopping = false;
  bool dirty = false;  // something for the scheduler's thread to look at now

  Slot* find(const std::string& device) {
    for (auto& s : slots)
      if (s.target.device == device) return &s;
    return nullptr;
  }
  // A slot's health as callers see it: while hung, seconds is how long the
  // probe has run by `now`.
  static DeviceHealth view(const Slot& s, Clock::time_point now) {
    DeviceHealth h = s.h;
    if (h.state == State::kHung) h.seconds = seconds_between(s.started, now);
    return h;
  }
};

Scheduler::Scheduler(Settings settings, ProbeFn probe, Runner runner)
    : settings_(settings), probe_(std::move(probe)), runner_(std::move(runner)), sh_(std::make_shared<Shared>()) {}

Scheduler::~Scheduler() { stop(); }

void Scheduler::set_targets(std::vector<Target> targets) {
  {
    std::lock_guard lk(sh_->mu);
    std::vector<Shared::Slot> next;
    for (auto& t : targets) {
      Shared::Slot* old = sh_->find(t.device);
      if (old && old->target == t) {
        next.push_back(std::move(*old));
        continue;
      }
      Shared::Slot s;
      s.target = std::move(t);
      s.h.device = s.target.device;
      s.h.path = s.target.path;
      next.push_back(std::move(s));
    }
    sh_->slots = std::move(next);
    sh_->dirty = true;
  }
  sh_->cv.notify_all();
}

void Scheduler::tick(Clock::time_point now) {
  std::vector<Post> posts;
  std::vector<std::function<void()>> jobs;
  {
    std::lock_guard lk(sh_->mu);
    sh_->dirty = false;
    for (auto& s : sh_->slots) {
      DeviceHealth& h = s.h;
      const std::string& name = s.target.device;
      if (h.probing && s.done) {
        h.probing = false;
        ++s.answered;
        h.seconds = seconds_between(s.started, s.finished);
        State was = h.state;
        if (was != State::kHung) ++h.probes;  // a hung probe was counted when found hung
        if (s.answer.empty()) {
          if (was == State::kFailed || was == State::kHung)
            posts.push_back({events::Kind::kHealthRecovered,
                             events::Severity::kInfo,
                             fmt::format("probe: device {} answers again (was {})", name, state_name(was)),
                             {{"device", name}, {"path", s.target.path}, {"was", std::string(state_name(was))}}});
          h.state = State::kHealthy;
          h.error.clear();
        } else {
          // A hung probe that ends in an error was already counted.
          if (was != State::kHung) ++h.failures;
          h.error = std::move(s.answer);
          if (was != State::kFailed)
            posts.push_back({events::Kind::kHealthFailed,
                             events::Severity::kError,
                             fmt::format("probe: device {} failed: {}", name, h.error),
                             {{"device", name}, {"path", s.target.path}, {"state", "failed"}, {"error", h.error}}});
          h.state = State::kFailed;
        }
        s.answer.clear();
        s.next_due = s.started + settings_.interval;
      }
      if (h.probing && h.state != State::kHung && now - s.started >= settings_.hang_limit) {
        h.state = State::kHung;
        ++h.failures;
        ++h.probes;
        h.error = hang_error(s.target.path, settings_.hang_limit);
        posts.push_back({events::Kind::kHealthFailed,
                         events::Severity::kError,
                         fmt::format("probe: device {} hung: {}", name, h.error),
                         {{"device", name}, {"path", s.target.path}, {"state", "hung"}, {"error", h.error}}});
      }
      if (!h.probing && now >= s.next_due) {
        if (s.target.path.empty()) {  // nothing to probe
          h.state = State::kHealthy;
          s.next_due = Clock::time_point::max();
          continue;
        }
        h.probing = true;
        s.done = false;
        s.started = now;
        s.id = sh_->next_id++;
        // The job keeps only the shared state alive; it finds its slot again
        // by name and id (the device may be gone or replaced by then).
        jobs.push_back([sh = sh_, probe = probe_, target = s.target, id = s.id] {
          std::string answer = probe(target);
          auto finished = Clock::now();
          {
            std::lock_guard lk(sh->mu);
            Shared::Slot* slot = sh->find(target.device);
            if (!slot || slot->id != id || !slot->h.probing) return;
            slot->done = true;
            slot->answer = std::move(answer);
            slot->finished = finished;
            sh->dirty = true;
          }
          sh->cv.notify_all();
        });
      }
    }
  }
  sh_->cv.notify_all();  // probe_now() callers
  for (auto& p : posts) {
    if (p.severity >= events::Severity::kError)
      ESAN_LOG_ERROR("{}", p.message);
    else
      ESAN_LOG_INFO("{}", p.message);
    events::post(p.kind, p.severity, std::move(p.message), std::move(p.fields));
  }
  for (auto& j : jobs) runner_(std::move(j));
}

std::vector<DeviceHealth> Scheduler::health(Clock::time_point now) const {
  std::lock_guard lk(sh_->mu);
  std::vector<DeviceHealth> out;
  for (const auto& s : sh_->slots) out.push_back(Shared::view(s, now));
  return out;
}

std::vector<DeviceHealth> Scheduler::probe_now(Clock::time_point until) {
  std::map<std::string, uint64_t> before;  // device -> answers taken in so far
  std::unique_lock lk(sh_->mu);
  for (auto& s : sh_->slots) {
    before[s.target.device] = s.answered;
    if (!s.h.probing && !s.target.path.empty()) s.next_due = {};
  }
  sh_->dirty = true;
  sh_->cv.notify_all();
  auto answered = [&](const Shared::Slot& s) {
    auto b = before.find(s.target.device);
    return s.target.path.empty() || s.h.state == State::kHung || b == before.end() || s.answered > b->second;
  };
  sh_->cv.wait_until(lk, until, [&] { return std::all_of(sh_->slots.begin(), sh_->slots.end(), answered); });
  std::vector<DeviceHealth> out;
  auto now = Clock::now();
  for (const auto& s : sh_->slots) {
    out.push_back(Shared::view(s, now));
    out.back().fresh = answered(s);
  }
  return out;
}

Clock::time_point Scheduler::next_wake(Clock::time_point now) const {
  // Never sleep more than a second: a cheap guard against a missed wake-up.
  Clock::time_point wake = now + std::chrono::seconds(1);
  for (const auto& s : sh_->slots) {
    if (s.h.probing && s.h.state != State::kHung) wake = std::min(wake, s.started + settings_.hang_limit);
    if (!s.h.probing) wake = std::min(wake, s.next_due);
  }
  return wake;
}

void Scheduler::run() {
  std::unique_lock lk(sh_->mu);
  while (!sh_->stopping) {
    lk.unlock();
    tick(Clock::now());
    lk.lock();
    if (sh_->stopping) break;
    auto wake = next_wake(Clock::now());
    sh_->cv.wait_until(lk, wake, [&] { return sh_->stopping || sh_->dirty; });
  }
}

void Scheduler::start() {
  if (thread_.joinable()) return;
  {
    std::lock_guard lk(sh_->mu);
    sh_->stopping = false;
  }
  thread_ = std::thread([this] { run(); });
}

void Scheduler::stop() {
  {
    std::lock_guard lk(sh_->mu);
    sh_->stopping = true;
  }
  sh_->cv.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace esan::probes
