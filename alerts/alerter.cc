#include "alerts/alerter.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "common/log.h"

namespace esan::alerts {

namespace {
constexpr size_t kMaxQueued = 256;
int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Alerter::Alerter(AlertsConfig cfg, std::shared_ptr<events::EventLog> log, std::string host)
    : log_(std::move(log)), host_(std::move(host)), cfg_(std::make_shared<const AlertsConfig>(std::move(cfg))) {
  for (const auto& s : cfg_->sinks) sinks_.push_back(make_state(s, *cfg_));
}

std::shared_ptr<Alerter::SinkState> Alerter::make_state(const SinkConfig& s, const AlertsConfig& cfg) const {
  auto st = std::make_shared<SinkState>(
      SinkState{s, make_sink(s, host_), Throttle(cfg.rate_limit, int64_t{cfg.dedup_s} * 1000), {}, {}});
  st->st.name = s.name;
  st->st.type = s.type;
  return st;
}

Alerter::SinkList Alerter::sinks_now() const {
  std::lock_guard lock(mu_);
  return sinks_;
}

void Alerter::reconfigure(AlertsConfig cfg) {
  auto next = std::make_shared<const AlertsConfig>(std::move(cfg));
  std::lock_guard lock(mu_);
  SinkList kept;
  for (const auto& s : next->sinks) {
    auto it = std::find_if(sinks_.begin(), sinks_.end(),
                           [&](const auto& o) { return o->cfg.name == s.name && equivalent(o->cfg, s); });
    if (it != sinks_.end()) {
      (*it)->throttle.set_limits(next->rate_limit, int64_t{next->dedup_s} * 1000);
      kept.push_back(*it);
    } else {
      kept.push_back(make_state(s, *next));
    }
  }
  for (auto& o : sinks_) {
    if (std::find(kept.begin(), kept.end(), o) != kept.end()) continue;
    o->removed = true;
    dropped_on_reconfigure_ += o->queue.size();
    o->queue.clear();
    o->st.queued = 0;
  }
  sinks_ = std::move(kept);
  // Events numbered before now keep the rules they were posted under.
  earlier_.emplace_back(log_->next_seq(), cfg_);
  cfg_ = std::move(next);
}

Alerter::~Alerter() { stop(); }

void Alerter::start(uint64_t from_seq) {
  if (thread_.joinable()) return;
  cursor_ = from_seq;
  thread_ = std::thread([this] { run(); });
}

void Alerter::stop() {
  if (stopping_.exchange(true)) {
    if (thread_.joinable()) thread_.join();
    return;
  }
  log_->close();  // wakes the thread (and any API long-poll)
  if (thread_.joinable()) thread_.join();
}

void Alerter::route(const events::Event& e, int64_t now) {
  std::lock_guard lock(mu_);
  const AlertsConfig* cfg = cfg_.get();
  for (const auto& [until, c] : earlier_)
    if (e.seq < until) {
      cfg = c.get();
      break;
    }
  auto names = routes(*cfg, e);
  for (auto& s : sinks_) {
    if (std::find(names.begin(), names.end(), s->cfg.name) == names.end()) continue;
    auto v = s->throttle.admit(e, now);
    s->st.duplicates = s->throttle.duplicates();
    s->st.rate_limited = s->throttle.rate_limited();
    if (v.outcome != Throttle::Outcome::kSend) continue;
    if (s->queue.size() >= kMaxQueued) {
      s->queue.erase(s->queue.begin());
      ++s->st.dropped;
    }
    s->queue.push_back(Queued{e, v.suppressed, 0, now});
    s->st.queued = s->queue.size();
  }
}

int64_t Alerter::deliver_due(int64_t now, bool last_chance) {
  int64_t next = 0;
  for (auto& s : sinks_now()) {
    for (;;) {
      Queued q;
      {
        std::lock_guard lock(mu_);
        if (s->removed || s->queue.empty()) break;
        if (last_chance && std::chrono::steady_clock::now() > last_chance_until_) {
          s->st.dropped += s->queue.size();  // out of time: what is left is lost
          s->queue.clear();
          s->st.queued = 0;
          break;
        }
        if (!last_chance && s->queue.front().next_try_ms > now) {
          next = next ? std::min(next, s->queue.front().next_try_ms) : s->queue.front().next_try_ms;
          break;
        }
        q = s->queue.front();
      }
      std::string err = s->sink->deliver(q.event, q.suppressed);  // no lock held: status() stays answerable
      std::lock_guard lock(mu_);
      if (s->removed) break;  // reconfigure() dropped the sink meanwhile
      if (err.empty()) {
        s->queue.erase(s->queue.begin());
        ++s->st.delivered;
        s->st.queued = s->queue.size();
        continue;
      }
      ++s->st.failures;
      s->st.last_error = err;
      s->st.last_error_ms = now_ms();
      uint32_t attempt = ++s->queue.front().attempts;
      bool give_up = attempt > cfg_->retries || last_chance;
      events::Fields f{{"sink", s->cfg.name},
                       {"type", std::string(sink_type_name(s->cfg.type))},
                       {"event", std::to_string(q.event.seq)},
                       {"attempt", std::to_string(attempt)},
                       {"error", err}};
      std::string msg;
      if (give_up) {
        s->queue.erase(s->queue.begin());
        ++s->st.dropped;
        msg = fmt::format("alert sink {} failed to deliver event {} ({} attempts), giving up: {}", s->cfg.name,
                          q.event.seq, attempt, err);
      } else {
        int64_t delay = retry_delay_ms(attempt);
        s->queue.front().next_try_ms = now + delay;
        f.emplace_back("retry_in_ms", std::to_string(delay));
        msg = fmt::format("alert sink {} failed to deliver event {} (attempt {}), retrying in {} ms: {}", s->cfg.name,
                          q.event.seq, attempt, delay, err);
      }
      s->st.queued = s->queue.size();
      ESAN_LOG_WARN("{}", msg);
      log_->post(events::Kind::kAlertFailed, give_up ? events::Severity::kError : events::Severity::kWarning, msg,
                 std::move(f));
      if (!give_up) {
        next = next ? std::min(next, s->queue.front().next_try_ms) : s->queue.front().next_try_ms;
        break;  // in order: the rest of this sink waits for the retry
      }
    }
  }
  return next;
}

void Alerter::run() {
  for (;;) {
    bool stopping = stopping_.load();
    int64_t now = now_ms();
    int64_t next = deliver_due(now, false);
    std::chrono::milliseconds wait(1000);
    if (next) wait = std::chrono::milliseconds(std::clamp<int64_t>(next - now, 0, 1000));
    auto page = stopping ? log_->since(cursor_, 1024) : log_->wait_since(cursor_, wait, 1024);
    if (page.first > cursor_) {
      std::lock_guard lock(mu_);
      missed_ += page.first - cursor_;
    }
    cursor_ = page.next;
    now = now_ms();
    for (const auto& e : page.events) route(e, now);
    {
      std::lock_guard lock(mu_);
      std::erase_if(earlier_, [&](const auto& p) { return p.first <= cursor_; });  // all its events are routed
    }
    if (stopping && page.events.empty()) break;
  }
  // Stopping: one last attempt for what is queued, bounded in time.
  last_chance_until_ = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  deliver_due(now_ms(), true);
}

std::vector<TestResult> Alerter::test() {
  uint64_t seq = log_->post(events::Kind::kAlertTest, events::Severity::kInfo,
                            fmt::format("test alert from esand on {}", host_), {{"host", host_}});
  auto page = log_->since(seq, 1);
  events::Event e = page.events.empty() ? events::Event{} : page.events.front();
  if (page.events.empty()) {  // a burst pushed it out already: send a copy
    e.seq = seq;
    e.kind = events::Kind::kAlertTest;
    e.message = fmt::format("test alert from esand on {}", host_);
    e.time_ms = now_ms();
  }
  std::vector<TestResult> out;
  for (auto& s : sinks_now()) {
    std::string err = s->sink->deliver(e, 0);
    std::lock_guard lock(mu_);
    if (err.empty()) {
      ++s->st.delivered;
    } else {
      ++s->st.failures;
      s->st.last_error = err;
      s->st.last_error_ms = now_ms();
    }
    out.push_back({s->cfg.name, err});
  }
  return out;
}

AlertsStatus Alerter::status() const {
  std::lock_guard lock(mu_);
  AlertsStatus st;
  st.rules = cfg_->rules.size();
  st.missed = missed_;
  st.dropped_on_reconfigure = dropped_on_reconfigure_;
  for (const auto& s : sinks_) st.sinks.push_back(s->st);
  return st;
}

}  // namespace esan::alerts
