// Throttle: one sink's rate limit and de-duplication, a pure function of
// the events it is shown and the times it is given (tests pass a fake
// clock).
//
// Contract:
//  * admit(event, now_ms): kDuplicate when an event of the same kind and
//    message was sent less than `dedup_ms` ago (0 = never a duplicate);
//    else kRateLimited when `per_minute` events were already sent in the
//    60 s before `now_ms` (0 = no limit); else kSend, and the event counts
//    as sent at now_ms.
//  * Verdict::suppressed (with kSend): how many events this throttle held
//    back since its previous kSend, so the alert can say so.
//  * set_limits(): new limits from the next admit() on; what was sent and
//    held so far still counts (a reconfigured sink keeps its history).
//  * retry_delay_ms(attempt): the wait before retry `attempt` (1, 2, ...):
//    1 s doubling, at most 60 s.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <string>

#include "events/event.h"

namespace esan::alerts {

class Throttle {
 public:
  Throttle(uint32_t per_minute, int64_t dedup_ms) : per_minute_(per_minute), dedup_ms_(dedup_ms) {}

  enum class Outcome { kSend, kDuplicate, kRateLimited };
  struct Verdict {
    Outcome outcome;
    uint64_t suppressed = 0;
  };
  Verdict admit(const events::Event& event, int64_t now_ms);
  void set_limits(uint32_t per_minute, int64_t dedup_ms) {
    per_minute_ = per_minute;
    dedup_ms_ = dedup_ms;
  }

  uint64_t duplicates() const { return duplicates_; }
  uint64_t rate_limited() const { return rate_limited_; }

 private:
  uint32_t per_minute_;
  int64_t dedup_ms_;
  std::deque<int64_t> sent_;                  // send times within the last minute
  std::map<std::string, int64_t> last_sent_;  // kind + message -> last send time
  uint64_t held_ = 0, duplicates_ = 0, rate_limited_ = 0;
};

int64_t retry_delay_ms(uint32_t attempt);

}  // namespace esan::alerts
