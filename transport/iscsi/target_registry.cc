#include "transport/iscsi/target_registry.h"

#include <mutex>

#include "common/wildcard.h"

namespace esan::iscsi {

void TargetRegistry::set_targets(std::vector<TargetEntry> targets, bool driver_enabled,
                                 AuthSettings discovery_auth) {
  std::unique_lock lk(mu_);
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
    if (t.enabled) out.push_back(TargetInfo{t.name, t.alias, t.tpg_tag, t.auth});
  return out;
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
