// ALUA model: see alua.h.
#include "scsi/alua.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "common/log.h"
#include "events/event_log.h"
#include "scsi/logical_unit.h"
#include "scsi/sense.h"
#include "scsi/shared_state.h"

namespace esan::scsi {

namespace {

struct StateName {
  AluaState state;
  std::string_view name;
};
constexpr StateName kStateNames[] = {
    {AluaState::kActiveOptimized, "active"}, {AluaState::kActiveNonOptimized, "nonoptimized"},
    {AluaState::kStandby, "standby"},        {AluaState::kUnavailable, "unavailable"},
    {AluaState::kOffline, "offline"},        {AluaState::kTransitioning, "transitioning"},
};

}  // namespace

std::optional<AluaState> alua_state_from_name(std::string_view name) {
  for (const auto& s : kStateNames)
    if (s.name == name) return s.state;
  return std::nullopt;
}

std::string_view alua_state_name(AluaState state) {
  for (const auto& s : kStateNames)
    if (s.state == state) return s.name;
  return "unknown";
}

TargetPortGroup::TargetPortGroup(TargetPortGroupSpec spec)
    : name_(std::move(spec.name)),
      group_id_(spec.group_id),
      ports_(std::move(spec.rel_tgt_ids)),
      redirector_(std::move(spec.redirector)),
      state_(uint8_t(spec.state)) {}

DeviceGroup::DeviceGroup(std::string name, std::vector<TargetPortGroupSpec> groups, IoPolicy io_policy,
                         AluaRules rules)
    : name_(std::move(name)), io_policy_(io_policy), rules_(rules) {
  groups_.reserve(groups.size());
  for (auto& g : groups) groups_.push_back(std::make_unique<TargetPortGroup>(std::move(g)));
}

Redirector* DeviceGroup::optimized_redirector() const {
  for (const auto& g : groups_)
    if (g->redirector_ && g->state() == AluaState::kActiveOptimized) return g->redirector_.get();
  return nullptr;
}

const TargetPortGroup* DeviceGroup::group_of_port(uint16_t rel_tgt_id) const {
  for (const auto& g : groups_)
    for (uint16_t p : g->ports_)
      if (p == rel_tgt_id) return g.get();
  return nullptr;
}

const TargetPortGroup* DeviceGroup::group_by_id(uint16_t group_id) const {
  for (const auto& g : groups_)
    if (g->group_id_ == group_id) return g.get();
  return nullptr;
}

const TargetPortGroup* DeviceGroup::group_by_name(std::string_view name) const {
  for (const auto& g : groups_)
    if (g->name_ == name) return g.get();
  return nullptr;
}

Status DeviceGroup::apply(std::span<const Change> changes, Cause cause, std::optional<ItNexusId> requester) {
  std::lock_guard lk(mu_);
  // What each named group becomes (the last change naming it wins).
  struct Step {
    TargetPortGroup* group;
    AluaState state;
    bool implicit;  // added by the one-owner rule, not requested
  };
  std::vector<Step> steps;
  steps.reserve(changes.size());
  for (const Change& c : changes) {
    auto it = std::find_if(groups_.begin(), groups_.end(), [&](const auto& g) { return g->group_id_ == c.group_id; });
    TargetPortGroup* g = it == groups_.end() ? nullptr : it->get();
    if (!g)
      return make_error(Errc::kNotFound, fmt::format("device group '{}' has no target group {}", name_, c.group_id));
    if (cause == Cause::kExplicit && g->state() == AluaState::kTransitioning)
      return make_error(Errc::kBusy, fmt::format("target group '{}' is transitioning", g->name_));
    auto same = std::find_if(steps.begin(), steps.end(), [&](const Step& s) { return s.group == g; });
    if (same != steps.end())
      same->state = c.state;
    else
      steps.push_back({g, c.state, false});
  }
  if (rules_.one_optimized) {
    const TargetPortGroup* optimized = nullptr;
    for (const Step& s : steps) {
      if (s.state != AluaState::kActiveOptimized) continue;
      if (optimized)
        return make_error(Errc::kInvalidArgument,
                          fmt::format("device group '{}' has at most one active/optimized target group: target "
                                      "groups '{}' and '{}' cannot both be",
                                      name_, optimized->name_, s.group->name_));
      optimized = s.group;
    }
    // The new owner's peers that are active/optimized now step down.
    size_t named = steps.size();
    if (optimized)
      for (const auto& g : groups_) {
        bool is_named = std::any_of(steps.begin(), steps.begin() + ptrdiff_t(named),
                                    [&](const Step& s) { return s.group == g.get(); });
        if (!is_named && g->state() == AluaState::kActiveOptimized)
          steps.push_back({g.get(), AluaState::kActiveNonOptimized, true});
      }
  }
  bool changed = false, owner_changed = false, implicit_changed = false;
  for (const Step& s : steps) {
    TargetPortGroup& g = *s.group;
    if (g.state() == s.state) continue;
    // This node's ports gain or lose the medium (scsi/redirect.h).
    if (!g.redirector_ && (g.state() == AluaState::kActiveOptimized) != (s.state == AluaState::kActiveOptimized))
      owner_changed = true;
    bool implicit = cause == Cause::kImplicit || s.implicit;
    ESAN_LOG_INFO("ALUA: device group '{}' target group '{}' (id {}): {} -> {} ({})", name_, g.name_, g.group_id_,
                  alua_state_name(g.state()), alua_state_name(s.state),
                  !implicit ? "SET TARGET PORT GROUPS"
                  : s.implicit ? "implicit: another target group became active/optimized"
                               : "implicit");
    events::post(events::Kind::kAluaState, events::Severity::kWarning,
                 fmt::format("ALUA: device group {} target group {} (id {}): {} -> {}", name_, g.name_, g.group_id_,
                             alua_state_name(g.state()), alua_state_name(s.state)),
                 {{"device_group", name_},
                  {"target_group", g.name_},
                  {"group_id", std::to_string(g.group_id_)},
                  {"from", std::string(alua_state_name(g.state()))},
                  {"to", std::string(alua_state_name(s.state))},
                  {"cause", !implicit    ? "stpg"
                            : s.implicit ? "one_optimized"
                                         : "implicit"}});
    g.status_.store(uint8_t(implicit ? AluaStatusCode::kImplicit : AluaStatusCode::kSetByStpg),
                    std::memory_order_release);
    g.state_.store(uint8_t(s.state), std::memory_order_release);
    changed = true;
    implicit_changed = implicit_changed || s.implicit;
  }
  // An implicit transition is news to the requester too.
  if (implicit_changed) requester.reset();
  if (!changed) return ok();
  for (auto it = lus_.begin(); it != lus_.end();) {
    auto lu = it->lock();
    if (!lu) {
      it = lus_.erase(it);
      continue;
    }
    // With the I/O redirect the other node may have written the medium
    // while this one forwarded: flush what this node cached and drop it.
    if (owner_changed && io_policy_ == IoPolicy::kRedirect) lu->device().drop_cache();
    if (requester)
      lu->ua_queue_others(*requester, asc::kAsymmetricAccessStateChanged);
    else
      lu->ua_queue_all(asc::kAsymmetricAccessStateChanged);
    ++it;
  }
  return ok();
}

void DeviceGroup::add_lu(const std::shared_ptr<LogicalUnit>& lu) {
  std::lock_guard lk(mu_);
  lus_.push_back(lu);
}

Result<std::shared_ptr<DeviceGroup>> make_device_group(std::string name, std::vector<TargetPortGroupSpec> groups,
                                                       IoPolicy io_policy, AluaRules rules) {
  if (name.empty()) return make_error(Errc::kInvalidArgument, "device group without a name");
  std::set<uint16_t> ids, ports;
  std::set<std::string> names;
  const TargetPortGroupSpec* optimized = nullptr;
  for (const auto& g : groups) {
    auto where = fmt::format("device group '{}', target group '{}'", name, g.name);
    if (rules.one_optimized && g.state == AluaState::kActiveOptimized) {
      if (optimized)
        return make_error(Errc::kInvalidArgument,
                          where + fmt::format(": target group '{}' is already active/optimized and the device group's "
                                              "roles own a medium (at most one active/optimized target group)",
                                              optimized->name));
      optimized = &g;
    }
    if (g.name.empty() || !names.insert(g.name).second)
      return make_error(Errc::kInvalidArgument, where + ": empty or duplicate name");
    if (g.group_id == 0 || !ids.insert(g.group_id).second)
      return make_error(Errc::kInvalidArgument, where + fmt::format(": group id {} is zero or duplicate", g.group_id));
    for (uint16_t p : g.rel_tgt_ids)
      if (p == 0 || !ports.insert(p).second)
        return make_error(Errc::kInvalidArgument,
                          where + fmt::format(": relative target port {} is zero or in two groups", p));
  }
  return std::make_shared<DeviceGroup>(std::move(name), std::move(groups), io_policy, rules);
}

void join_device_group(const std::shared_ptr<DeviceGroup>& dg, const std::shared_ptr<LogicalUnit>& lu) {
  dg->add_lu(lu);
  lu->set_alua_group(dg);
}

Status AluaRegistry::add(std::shared_ptr<DeviceGroup> dg) {
  std::unique_lock lk(mu_);
  std::string key = dg->name();
  if (!groups_.emplace(std::move(key), std::move(dg)).second)
    return make_error(Errc::kExists, "device group already registered");
  return ok();
}

void AluaRegistry::replace(std::vector<std::shared_ptr<DeviceGroup>> groups) {
  std::map<std::string, std::shared_ptr<DeviceGroup>, std::less<>> next;
  for (auto& g : groups) {
    std::string key = g->name();
    next.emplace(std::move(key), std::move(g));
  }
  std::unique_lock lk(mu_);
  groups_.swap(next);
}

std::shared_ptr<DeviceGroup> AluaRegistry::find(std::string_view name) const {
  std::shared_lock lk(mu_);
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second;
}

std::vector<std::string> AluaRegistry::names() const {
  std::shared_lock lk(mu_);
  std::vector<std::string> out;
  for (const auto& [n, g] : groups_) out.push_back(n);
  return out;
}

Status AluaRegistry::set_target_group_state(std::string_view dg_name, std::string_view tg_name,
                                                  std::string_view state) {
  auto s = alua_state_from_name(state);
  if (!s)
    return make_error(Errc::kInvalidArgument,
                      fmt::format("state '{}' is invalid (use active, nonoptimized, standby, unavailable, offline "
                                  "or transitioning)",
                                  state));
  return set_target_group_state(dg_name, tg_name, *s);
}

Status AluaRegistry::set_target_group_state(std::string_view dg_name, std::string_view tg_name,
                                                  AluaState state) {
  if (!alua_state_from_name(alua_state_name(state)))
    return make_error(Errc::kInvalidArgument, fmt::format("ALUA state {} is invalid", unsigned(state)));
  auto dg = find(dg_name);
  if (!dg) return make_error(Errc::kNotFound, fmt::format("no device group '{}'", dg_name));
  const TargetPortGroup* tg = dg->group_by_name(tg_name);
  if (!tg)
    return make_error(Errc::kNotFound, fmt::format("device group '{}' has no target group '{}'", dg_name, tg_name));
  std::shared_ptr<cluster::Coordinator> co = coordinator_of(dg_name);
  if (!co) return make_error(Errc::kInternal, "ALUA states cannot change: no shared state coordinator");
  DeviceGroup::Change c{tg->group_id(), state};
  SharedReply r = decode_reply(
      co->propose_and_wait(alua_change(dg_name, std::span(&c, 1), DeviceGroup::Cause::kImplicit, std::nullopt)));
  if (r.error) return std::unexpected(*r.error);
  return ok();
}

void AluaRegistry::set_coordinator(std::shared_ptr<cluster::Coordinator> co) {
  std::unique_lock lk(mu_);
  co_ = std::move(co);
}

void AluaRegistry::set_coordinator(std::string_view device_group, std::shared_ptr<cluster::Coordinator> co) {
  std::unique_lock lk(mu_);
  if (co)
    group_co_[std::string(device_group)] = std::move(co);
  else if (auto it = group_co_.find(device_group); it != group_co_.end())
    group_co_.erase(it);
}

std::shared_ptr<cluster::Coordinator> AluaRegistry::coordinator_of(std::string_view device_group) const {
  std::shared_lock lk(mu_);
  auto it = group_co_.find(device_group);
  return it != group_co_.end() ? it->second : co_;
}

}  // namespace esan::scsi
