#include "transport/iscsi/session_registry.h"

#include <fmt/format.h>

namespace esan::iscsi {

namespace {
bool same_nexus(const SessionInfo& a, const SessionInfo& b) {
  return a.initiator_name == b.initiator_name && a.isid_hex == b.isid_hex && a.target_name == b.target_name;
}
}  // namespace

uint16_t SessionRegistry::add(SessionInfo info, Closer closer, uint32_t max_total, uint32_t max_target,
                              std::shared_ptr<const SessionCounters> counters, std::vector<Closer>* reinstated) {
  std::vector<Closer> to_close;
  uint16_t tsih;
  {
    std::lock_guard lk(mu_);
    // Every TSIH in use: refuse rather than search forever.
    if (sessions_.size() >= 65535) return 0;
    if (!info.discovery) {
      uint32_t total = 0, same_target = 0;
      for (const auto& [_, e] : sessions_) {
        const SessionInfo& o = e.info;
        if (o.discovery || e.closing) continue;
        if (same_nexus(o, info)) continue;  // to be reinstated
        ++total;
        if (o.target_name == info.target_name) ++same_target;
      }
      if ((max_total && total >= max_total) || (max_target && same_target >= max_target)) return 0;
      for (auto& [_, e] : sessions_) {
        if (!e.info.discovery && !e.closing && same_nexus(e.info, info)) {
          e.closing = true;
          to_close.push_back(e.closer);
        }
      }
    }
    // TSIH 0 is reserved; skip ids still in use after wrap-around.
    do {
      tsih = next_tsih_++;
      if (next_tsih_ == 0) next_tsih_ = 1;
    } while (tsih == 0 || sessions_.count(tsih));
    info.tsih = tsih;
    sessions_.emplace(tsih, Entry{std::move(info), std::move(closer), std::move(counters)});
  }
  if (reinstated) {
    for (auto& c : to_close) reinstated->push_back(std::move(c));
  } else {
    for (auto& c : to_close) c();
  }
  return tsih;
}

void SessionRegistry::remove(uint16_t tsih) {
  std::lock_guard lk(mu_);
  auto it = sessions_.find(tsih);
  if (it == sessions_.end()) return;
  const Entry& e = it->second;
  if (!e.info.discovery && e.counters) {
    SessionCountersSnapshot s = e.counters->snapshot();
    s.in_flight = 0;
    retired_[e.info.target_name] += s;
  }
  sessions_.erase(it);
}

bool SessionRegistry::exists(uint16_t tsih) const {
  std::lock_guard lk(mu_);
  auto it = sessions_.find(tsih);
  return it != sessions_.end() && !it->second.closing;
}

std::vector<SessionInfo> SessionRegistry::list() const {
  std::lock_guard lk(mu_);
  std::vector<SessionInfo> out;
  for (auto& [_, e] : sessions_) {
    if (e.closing) continue;
    out.push_back(e.info);
    if (e.counters) out.back().counters = e.counters->snapshot();
  }
  return out;
}

size_t SessionRegistry::size() const {
  std::lock_guard lk(mu_);
  size_t n = 0;
  for (auto& [_, e] : sessions_) n += !e.closing;
  return n;
}

Status SessionRegistry::close(uint16_t tsih) {
  Closer closer;
  {
    std::lock_guard lk(mu_);
    auto it = sessions_.find(tsih);
    if (it == sessions_.end() || it->second.closing)
      return make_error(Errc::kNotFound, fmt::format("no session with id {}", tsih));
    it->second.closing = true;
    closer = it->second.closer;
  }
  if (closer) closer();
  return ok();
}

size_t SessionRegistry::close_all() {
  std::vector<Closer> closers;
  {
    std::lock_guard lk(mu_);
    for (auto& [_, e] : sessions_) closers.push_back(e.closer);
  }
  for (auto& c : closers) c();
  return closers.size();
}

size_t SessionRegistry::close_target(const std::string& target, uint16_t except_tsih) {
  std::vector<Closer> closers;
  {
    std::lock_guard lk(mu_);
    for (auto& [tsih, e] : sessions_) {
      if (tsih == except_tsih || e.closing || e.info.discovery || e.info.target_name != target) continue;
      e.closing = true;
      if (e.closer) closers.push_back(e.closer);
    }
  }
  for (auto& c : closers) c();
  return closers.size();
}

std::map<std::string, TargetTotals> SessionRegistry::target_totals() const {
  std::lock_guard lk(mu_);
  std::map<std::string, TargetTotals> out;
  for (const auto& [target, s] : retired_) out[target].counters += s;
  for (const auto& [_, e] : sessions_) {
    if (e.info.discovery) continue;
    TargetTotals& t = out[e.info.target_name];
    if (e.counters) t.counters += e.counters->snapshot();
    if (!e.closing) ++t.sessions;
  }
  return out;
}

}  // namespace esan::iscsi
