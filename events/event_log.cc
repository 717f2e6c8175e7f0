#include "events/event_log.h"

#include <algorithm>
#include <atomic>

namespace esan::events {

namespace {
int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

EventLog::EventLog(size_t capacity, Clock clock)
    : capacity_(std::max<size_t>(capacity, 1)), clock_(clock ? std::move(clock) : Clock(wall_ms)) {}

uint64_t EventLog::post(Kind kind, Severity severity, std::string message, Fields fields) {
  Event e;
  e.kind = kind;
  e.severity = severity;
  e.message = std::move(message);
  e.fields = std::move(fields);
  e.time_ms = clock_();
  uint64_t seq;
  {
    std::lock_guard lock(mu_);
    seq = e.seq = next_++;
    if (ring_.size() == capacity_) ring_.pop_front();
    ring_.push_back(std::move(e));
  }
  cv_.notify_all();
  return seq;
}

EventLog::Page EventLog::page_locked(uint64_t seq, size_t limit) const {
  Page p;
  p.first = ring_.empty() ? next_ : ring_.front().seq;
  uint64_t from = std::max(seq, p.first);
  if (from < next_) {
    size_t idx = from - p.first;  // seqs in the ring are consecutive
    for (size_t i = idx; i < ring_.size() && p.events.size() < limit; ++i) p.events.push_back(ring_[i]);
  }
  p.next = p.events.empty() ? std::min(from, next_) : p.events.back().seq + 1;
  return p;
}

EventLog::Page EventLog::since(uint64_t seq, size_t limit) const {
  std::lock_guard lock(mu_);
  return page_locked(seq, limit);
}

EventLog::Page EventLog::wait_since(uint64_t seq, std::chrono::milliseconds wait, size_t limit) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, wait, [&] { return closed_ || next_ > std::max<uint64_t>(seq, 1); });
  return page_locked(seq, limit);
}

void EventLog::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

uint64_t EventLog::next_seq() const {
  std::lock_guard lock(mu_);
  return next_;
}

namespace {
std::atomic<std::shared_ptr<EventLog>> g_log;
}

void install(std::shared_ptr<EventLog> log) { g_log.store(std::move(log)); }

std::shared_ptr<EventLog> installed() { return g_log.load(); }

void post(Kind kind, Severity severity, std::string message, Fields fields) {
  if (auto log = g_log.load()) log->post(kind, severity, std::move(message), std::move(fields));
}

}  // namespace esan::events
