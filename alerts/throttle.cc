#include "alerts/throttle.h"

#include <algorithm>

namespace esan::alerts {

Throttle::Verdict Throttle::admit(const events::Event& event, int64_t now_ms) {
  while (!sent_.empty() && sent_.front() <= now_ms - 60'000) sent_.pop_front();
  std::erase_if(last_sent_, [&](const auto& kv) { return kv.second <= now_ms - dedup_ms_; });
  std::string key = std::string(events::kind_name(event.kind)) + '\n' + event.message;
  if (dedup_ms_ > 0 && last_sent_.contains(key)) {
    ++held_;
    ++duplicates_;
    return {Outcome::kDuplicate};
  }
  if (per_minute_ > 0 && sent_.size() >= per_minute_) {
    ++held_;
    ++rate_limited_;
    return {Outcome::kRateLimited};
  }
  sent_.push_back(now_ms);
  if (dedup_ms_ > 0) last_sent_[key] = now_ms;
  Verdict v{Outcome::kSend, held_};
  held_ = 0;
  return v;
}

int64_t retry_delay_ms(uint32_t attempt) {
  if (attempt == 0) return 0;
  return std::min<int64_t>(int64_t{1000} << std::min<uint32_t>(attempt - 1, 16), 60'000);
}

}  // namespace esan::alerts
