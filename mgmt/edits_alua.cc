// ALUA device group / target group edits; see edits.h.
#include <fmt/format.h>

#include <algorithm>

#include "mgmt/edits.h"

namespace esan::mgmt::edits {

config::DeviceGroupConfig* find_device_group(Config& c, std::string_view name) {
  return find_named(c.device_groups, name);
}

namespace {

constexpr std::string_view kStates[] = {"active", "nonoptimized", "standby", "unavailable", "offline", "transitioning"};

Result<config::DeviceGroupConfig*> device_group(Config& c, std::string_view name) {
  if (auto* dg = find_device_group(c, name)) return dg;
  return make_error(Errc::kNotFound, fmt::format("no device group '{}'", name));
}

Result<config::TargetGroupConfig*> target_group(Config& c, std::string_view dg_name, std::string_view tg_name) {
  auto dg = device_group(c, dg_name);
  if (!dg) return std::unexpected(dg.error());
  if (auto* tg = find_named((*dg)->target_groups, tg_name)) return tg;
  return make_error(Errc::kNotFound, fmt::format("device group '{}' has no target group '{}'", dg_name, tg_name));
}

Status check_state(std::string_view state) {
  if (std::find(std::begin(kStates), std::end(kStates), state) != std::end(kStates)) return ok();
  return make_error(Errc::kInvalidArgument, fmt::format("state '{}' is invalid (use active, nonoptimized, standby, "
                                                        "unavailable, offline or transitioning)",
                                                        state));
}

}  // namespace

Status add_device_group(Config& c, std::string_view name) {
  if (name.empty()) return make_error(Errc::kInvalidArgument, "a device group needs a name");
  if (find_device_group(c, name)) return make_error(Errc::kExists, fmt::format("device group '{}' already exists", name));
  config::DeviceGroupConfig dg;
  dg.name = std::string(name);
  c.device_groups.push_back(std::move(dg));
  return ok();
}

Status remove_device_group(Config& c, std::string_view name) {
  if (!std::erase_if(c.device_groups, [&](const config::DeviceGroupConfig& dg) { return dg.name == name; }))
    return make_error(Errc::kNotFound, fmt::format("no device group '{}'", name));
  return ok();
}

Status add_device_group_device(Config& c, std::string_view dg_name, std::string_view device) {
  auto dg = device_group(c, dg_name);
  if (!dg) return std::unexpected(dg.error());
  if (!find_device(c, device)) return make_error(Errc::kNotFound, fmt::format("no device '{}'", device));
  for (const auto& other : c.device_groups)
    if (std::find(other.devices.begin(), other.devices.end(), device) != other.devices.end())
      return make_error(Errc::kExists, fmt::format("device '{}' is already in device group '{}'", device, other.name));
  (*dg)->devices.push_back(std::string(device));
  return ok();
}

Status remove_device_group_device(Config& c, std::string_view dg_name, std::string_view device) {
  auto dg = device_group(c, dg_name);
  if (!dg) return std::unexpected(dg.error());
  if (!std::erase((*dg)->devices, std::string(device)))
    return make_error(Errc::kNotFound, fmt::format("device group '{}' has no device '{}'", dg_name, device));
  return ok();
}

Status add_target_group(Config& c, std::string_view dg_name, std::string_view tg_name, uint64_t group_id,
                        std::string_view state) {
  auto dg = device_group(c, dg_name);
  if (!dg) return std::unexpected(dg.error());
  if (tg_name.empty()) return make_error(Errc::kInvalidArgument, "a target group needs a name");
  if (group_id == 0 || group_id > 65535) return make_error(Errc::kInvalidArgument, "group_id must be in 1..65535");
  std::string st = state.empty() ? std::string("active") : std::string(state);
  if (auto s = check_state(st); !s) return s;
  for (const auto& tg : (*dg)->target_groups) {
    if (tg.name == tg_name)
      return make_error(Errc::kExists, fmt::format("device group '{}' already has a target group '{}'", dg_name, tg_name));
    if (tg.group_id == group_id)
      return make_error(Errc::kExists, fmt::format("group_id {} already used by target group '{}'", group_id, tg.name));
  }
  config::TargetGroupConfig tg;
  tg.name = std::string(tg_name);
  tg.group_id = uint16_t(group_id);
  tg.state = std::move(st);
  (*dg)->target_groups.push_back(std::move(tg));
  return ok();
}

Status remove_target_group(Config& c, std::string_view dg_name, std::string_view tg_name) {
  auto dg = device_group(c, dg_name);
  if (!dg) return std::unexpected(dg.error());
  if (!std::erase_if((*dg)->target_groups, [&](const config::TargetGroupConfig& tg) { return tg.name == tg_name; }))
    return make_error(Errc::kNotFound, fmt::format("device group '{}' has no target group '{}'", dg_name, tg_name));
  return ok();
}

Status add_target_group_target(Config& c, std::string_view dg_name, std::string_view tg_name, std::string_view target,
                               uint64_t rel_tgt_id) {
  auto tg = target_group(c, dg_name, tg_name);
  if (!tg) return std::unexpected(tg.error());
  if (target.empty()) return make_error(Errc::kInvalidArgument, "a target group member needs a target name");
  if (rel_tgt_id > 65535) return make_error(Errc::kInvalidArgument, "rel_tgt_id must be in 1..65535");
  for (const auto& other : (*find_device_group(c, dg_name)).target_groups)
    for (const auto& m : other.targets)
      if (m.target == target)
        return make_error(Errc::kExists, fmt::format("target '{}' is already in target group '{}' of device group '{}'",
                                                     target, other.name, dg_name));
  (*tg)->targets.push_back(config::TargetGroupMember{std::string(target), uint16_t(rel_tgt_id), 0});
  return ok();
}

Status remove_target_group_target(Config& c, std::string_view dg_name, std::string_view tg_name,
                                  std::string_view target) {
  auto tg = target_group(c, dg_name, tg_name);
  if (!tg) return std::unexpected(tg.error());
  if (!std::erase_if((*tg)->targets, [&](const config::TargetGroupMember& m) { return m.target == target; }))
    return make_error(Errc::kNotFound, fmt::format("target group '{}' has no target '{}'", tg_name, target));
  return ok();
}

Status set_target_group_state(Config& c, std::string_view dg_name, std::string_view tg_name, std::string_view state) {
  auto tg = target_group(c, dg_name, tg_name);
  if (!tg) return std::unexpected(tg.error());
  if (auto s = check_state(state); !s) return s;
  // One owner (config::one_optimized): the other active groups step down in the same edit.
  config::DeviceGroupConfig& dg = *find_device_group(c, dg_name);
  if (state == "active" && config::one_optimized(dg))
    for (auto& other : dg.target_groups)
      if (&other != *tg && other.state == "active") other.state = "nonoptimized";
  (*tg)->state = std::string(state);
  return ok();
}

}  // namespace esan::mgmt::edits
