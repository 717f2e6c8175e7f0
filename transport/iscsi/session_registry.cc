#include "transport/iscsi/session_registry.h"

namespace esan::iscsi {

uint16_t SessionRegistry::add(SessionInfo info, Closer closer, uint32_t max_total, uint32_t max_target) {
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
        if (o.discovery) continue;
        if (o.initiator_name == info.initiator_name && o.isid_hex == info.isid_hex &&
            o.target_name == info.target_name)
          continue;  // to be reinstated
        ++total;
        if (o.target_name == info.target_name) ++same_target;
      }
      if ((max_total && total >= max_total) || (max_target && same_target >= max_target)) return 0;
      for (auto it = sessions_.begin(); it != sessions_.end();) {
        const SessionInfo& o = it->second.info;
        if (!o.discovery && o.initiator_name == info.initiator_name && o.isid_hex == info.isid_hex &&
            o.target_name == info.target_name) {
          to_close.push_back(std::move(it->second.closer));
          it = sessions_.erase(it);
        } else {
          ++it;
        }
      }
    }
    // TSIH 0 is reserved; skip ids still in use after wrap-around.
    do {
      tsih = next_tsih_++;
      if (next_tsih_ == 0) next_tsih_ = 1;
    } while (tsih == 0 || sessions_.count(tsih));
    info.tsih = tsih;
    sessions_.emplace(tsih, Entry{std::move(info), std::move(closer)});
  }
  for (auto& c : to_close) c();
  return tsih;
}

void SessionRegistry::remove(uint16_t tsih) {
  std::lock_guard lk(mu_);
  sessions_.erase(tsih);
}

bool SessionRegistry::exists(uint16_t tsih) const {
  std::lock_guard lk(mu_);
  return sessions_.count(tsih) != 0;
}

std::vector<SessionInfo> SessionRegistry::list() const {
  std::lock_guard lk(mu_);
  std::vector<SessionInfo> out;
  for (auto& [_, e] : sessions_) out.push_back(e.info);
  return out;
}

size_t SessionRegistry::size() const {
  std::lock_guard lk(mu_);
  return sessions_.size();
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

}  // namespace esan::iscsi
