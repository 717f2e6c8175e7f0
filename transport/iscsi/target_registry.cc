#include "transport/iscsi/target_registry.h"

#include <map>
#include <mutex>
#include <set>

#include <arpa/inet.h>

#include <array>
#include <cstring>

#include "common/wildcard.h"
#include "transport/iscsi/limits.h"
#include "scsi/logical_unit.h"

namespace esan::iscsi {

namespace {

// Every LU of the targets, with the relative target port ids mapping it.
std::map<scsi::LogicalUnit*, std::set<uint16_t>> ports_per_lu(const std::vector<TargetEntry>& targets) {
  std::map<scsi::LogicalUnit*, std::set<uint16_t>> out;
  auto add = [&](const scsi::LunMap* map, uint16_t port) {
    if (!map) return;
    for (const auto& [lun, m] : *map)
      if (m.lu) out[m.lu.get()].insert(port);
  };
  for (const auto& t : targets) {
    add(t.luns.get(), t.rel_tgt_id);
    for (const auto& g : t.groups) add(g.luns.get(), t.rel_tgt_id);
  }
  return out;
}

}  // namespace

void TargetRegistry::set_targets(std::vector<TargetEntry> targets, bool driver_enabled,
                                 AuthSettings discovery_auth) {
  std::unique_lock lk(mu_);
  // INQUIRY MULTIP: how many target ports export each LU. LUs that leave
  // every target go back to 0 (they are alive: the old targets hold them).
  auto now = ports_per_lu(targets);
  for (auto& [lu, ports] : ports_per_lu(targets_))
    if (!now.count(lu)) lu->set_target_ports(0);
  for (auto& [lu, ports] : now) lu->set_target_ports(uint16_t(ports.size()));
  targets_ = std::move(targets);
  driver_enabled_ = driver_enabled;
  discovery_auth_ = std::move(discovery_auth);
}

AuthSettings TargetRegistry::discovery_auth() const {
  std::shared_lock lk(mu_);
  return discovery_auth_;
}

const TargetEntry* TargetRegistry::find_locked(std::string_view name) const {
  for (const auto& t : targets_)
    if (t.name == name) return &t;
  return nullptr;
}

std::optional<TargetInfo> TargetRegistry::find(std::string_view target_name, std::string_view) const {
  std::shared_lock lk(mu_);
  const TargetEntry* t = find_locked(target_name);
  if (!t || !t->enabled || !driver_enabled_) return std::nullopt;
  return TargetInfo{t->name, t->alias, t->tpg_tag, t->auth};
}

std::vector<TargetInfo> TargetRegistry::list(std::string_view) const {
  std::shared_lock lk(mu_);
  std::vector<TargetInfo> out;
  if (!driver_enabled_) return out;
  for (const auto& t : targets_)
    if (t.enabled && !t.internal) out.push_back(TargetInfo{t.name, t.alias, t.tpg_tag, t.auth});
  return out;
}

bool TargetRegistry::internal(std::string_view target_name) const {
  std::shared_lock lk(mu_);
  const TargetEntry* t = find_locked(target_name);
  return t && t->internal;
}

namespace {
// The binary form of an IPv4 or IPv6 address text (brackets allowed).
std::optional<std::array<uint8_t, 16>> parse_ip(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  std::string s(text);
  std::array<uint8_t, 16> out{};
  in_addr v4;
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {  // as a v4-mapped v6 address
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  if (inet_pton(AF_INET6, s.c_str(), out.data()) == 1) return out;
  return std::nullopt;
}
}  // namespace

bool TargetRegistry::login_allowed_from(std::string_view target_name, std::string_view peer) const {
  std::shared_lock lk(mu_);
  const TargetEntry* t = find_locked(target_name);
  if (!t || !t->internal) return true;
  auto from = parse_ip(peer_address(peer));
  if (!from) return false;
  for (const auto& a : t->peer_addresses)
    if (parse_ip(a) == from) return true;
  return false;
}

std::shared_ptr<const scsi::LunMap> TargetRegistry::luns_for(std::string_view target_name,
                                                            std::string_view initiator_name) const {
  std::shared_lock lk(mu_);
  const TargetEntry* t = find_locked(target_name);
  if (!t) return std::make_shared<const scsi::LunMap>();
  for (const auto& g : t->groups)
    for (const auto& pat : g.initiator_patterns)
      if (wildcard_match(pat, initiator_name)) return g.luns;
  return t->luns ? t->luns : std::make_shared<const scsi::LunMap>();
}

uint16_t TargetRegistry::rel_tgt_id(std::string_view target_name) const {
  std::shared_lock lk(mu_);
  const TargetEntry* t = find_locked(target_name);
  return t ? t->rel_tgt_id : 0;
}

uint32_t TargetRegistry::max_sessions(std::string_view target_name) const {
  std::shared_lock lk(mu_);
  const TargetEntry* t = find_locked(target_name);
  return t ? t->max_sessions : 0;
}

uint32_t TargetRegistry::queued_commands(std::string_view target_name) const {
  std::shared_lock lk(mu_);
  const TargetEntry* t = find_locked(target_name);
  return t ? t->queued_commands : 0;
}

std::vector<std::string> TargetRegistry::names() const {
  std::shared_lock lk(mu_);
  std::vector<std::string> out;
  for (const auto& t : targets_) out.push_back(t.name);
  return out;
}

}  // namespace esan::iscsi
