// EventLog: esand's events in memory, numbered, bounded, readable from any
// thread, and the `post()` seam through which every layer reports them.
//
// Contract:
//  * post() numbers the event (1, 2, ... in the order posts took the lock),
//    stamps it with the wall clock (the injected clock in tests) and keeps
//    it; when `capacity` events are held the oldest is dropped. It takes one
//    mutex that only posters and readers of the log share (never a lock of
//    the I/O path), does no I/O and does not wait for readers: reactors may
//    post. It wakes wait_since() callers.
//  * since(n, limit): the held events with seq >= n, oldest first, at most
//    `limit`; Page::next is the seq to ask for next (the last returned + 1,
//    or where the log stands when none was returned); Page::first is the
//    oldest seq still held, so a reader that asked for less than `first`
//    knows it missed `first - n` events.
//  * wait_since(): since(), but when nothing is there yet it waits up to
//    `wait` for a post (or close()).
//  * close(): wakes every waiter now and makes later waits return at once
//    (shutdown: no request is left hanging on the log).
//  * Global seam (for layers that cannot see the log, e.g. transport/ and
//    scsi/): install(log) makes events::post() go to `log`; with none
//    installed post() does nothing. Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "events/event.h"

namespace esan::events {

class EventLog {
 public:
  using Clock = std::function<int64_t()>;  // milliseconds since the epoch
  static constexpr size_t kDefaultCapacity = 4096;

  explicit EventLog(size_t capacity = kDefaultCapacity, Clock clock = {});

  // Returns the event's seq.
  uint64_t post(Kind kind, Severity severity, std::string message, Fields fields = {});

  struct Page {
    std::vector<Event> events;
    uint64_t next = 1;   // seq to ask for next
    uint64_t first = 1;  // oldest seq held (== next when the log is empty)
  };
  Page since(uint64_t seq, size_t limit = SIZE_MAX) const;
  Page wait_since(uint64_t seq, std::chrono::milliseconds wait, size_t limit = SIZE_MAX);
  void close();

  uint64_t next_seq() const;  // the seq the next post gets
  size_t capacity() const { return capacity_; }

 private:
  Page page_locked(uint64_t seq, size_t limit) const;

  const size_t capacity_;
  Clock clock_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> ring_;
  uint64_t next_ = 1;
  bool closed_ = false;
};

// The global seam (see the contract).
void install(std::shared_ptr<EventLog> log);
std::shared_ptr<EventLog> installed();
void post(Kind kind, Severity severity, std::string message, Fields fields = {});

}  // namespace esan::events
