// Server::apply(): one RuntimeEdit into the running server; see server.h
// for the order and runtime_edit.h for the edit.
#include <fmt/format.h>

#include "common/log.h"
#include "scsi/sense.h"
#include "server/server.h"

namespace esan::server {

namespace {

Status invalid(std::string message) { return make_error(Errc::kInvalidArgument, std::move(message)); }

// The device table after `edit`'s removals and additions (no side effects).
DeviceTable resulting_devices(const DeviceTable& running, const RuntimeEdit& edit) {
  DeviceTable out = running;
  for (const auto& name : edit.remove_devices) out.erase(name);
  for (const auto& [name, lu] : edit.add_devices) out[name] = lu;
  return out;
}

bool holds(const DeviceTable& table, const std::shared_ptr<scsi::LogicalUnit>& lu) {
  if (!lu) return false;
  auto it = table.find(lu->name());
  return it != table.end() && it->second == lu;
}

bool holds_all(const DeviceTable& table, const scsi::LunMap* map) {
  if (!map) return true;
  for (const auto& [lun, m] : *map)
    if (!holds(table, m.lu)) return false;
  return true;
}

// All resizes, or none: on a failure those done so far are undone.
Status resize_all(const std::vector<RuntimeEdit::Resize>& resizes) {
  for (size_t i = 0; i < resizes.size(); ++i) {
    if (auto s = resizes[i].lu->resize(resizes[i].to_bytes); !s) {
      for (size_t j = 0; j < i; ++j) (void)resizes[j].lu->resize(resizes[j].from_bytes);
      return make_error(s.error().code,
                        fmt::format("device '{}': resize: {}", resizes[i].lu->name(), s.error().message));
    }
  }
  return ok();
}

}  // namespace

Status Server::validate(const RuntimeEdit& edit) const {
  for (const auto& name : edit.remove_devices)
    if (!rt_.devices.count(name)) return invalid(fmt::format("edit removes device '{}', which does not run", name));
  for (const auto& [name, lu] : edit.add_devices) {
    if (!lu || lu->name() != name) return invalid(fmt::format("edit adds device '{}' without its LU", name));
    if (rt_.devices.count(name) && !edit.remove_devices.count(name))
      return invalid(fmt::format("edit adds device '{}', which already runs", name));
  }
  const DeviceTable devices = resulting_devices(rt_.devices, edit);
  for (const auto& u : edit.updates)
    if (!holds(devices, u.lu)) return invalid("edit updates an LU that is not in the device table");
  for (const auto& r : edit.resizes)
    if (!holds(devices, r.lu)) return invalid("edit resizes an LU that is not in the device table");
  for (const auto& t : edit.targets ? *edit.targets : rt_.targets) {
    bool ok = holds_all(devices, t.luns.get());
    for (const auto& g : t.groups) ok = ok && holds_all(devices, g.luns.get());
    if (!ok) return invalid(fmt::format("target '{}' maps an LU that is not in the device table", t.name));
  }
  if (edit.device_groups) {
    if (edit.device_groups->configs.size() != edit.device_groups->groups.size())
      return invalid("edit's device groups and their configurations differ in number");
    for (const auto& dg : edit.device_groups->configs)
      for (const auto& d : dg.devices)
        if (!devices.count(d)) return invalid(fmt::format("device group '{}': device '{}' does not run", dg.name, d));
  }
  for (const auto& s : edit.alua_states) {
    std::shared_ptr<scsi::DeviceGroup> g;
    if (edit.device_groups) {
      for (const auto& candidate : edit.device_groups->groups)
        if (candidate && candidate->name() == s.device_group) g = candidate;
    } else {
      g = rt_.alua->find(s.device_group);
    }
    if (!g || !g->group_by_name(s.target_group))
      return invalid(fmt::format("ALUA state of {}/{}: no such target group", s.device_group, s.target_group));
    if (!scsi::alua_state_from_name(s.state))
      return invalid(fmt::format("ALUA state of {}/{}: unknown state '{}'", s.device_group, s.target_group, s.state));
  }
  return ok();
}

void Server::install_alua(RuntimeEdit::DeviceGroups groups) {
  std::map<std::string, std::string> group_before;  // device -> device group name
  for (const auto& [name, lu] : rt_.devices) group_before[name] = lu->alua_group() ? lu->alua_group()->name() : "";
  server::install_device_groups(groups.configs, std::move(groups.groups), rt_);
  for (const auto& [name, lu] : rt_.devices) {
    std::string now = lu->alua_group() ? lu->alua_group()->name() : "";
    auto it = group_before.find(name);
    if (it != group_before.end() && it->second != now) lu->ua_queue_all(scsi::asc::kInquiryDataHasChanged);
  }
}

Result<DeviceTable> Server::apply(RuntimeEdit edit) {
  if (auto s = validate(edit); !s) return std::unexpected(s.error());
  if (auto s = resize_all(edit.resizes); !s) return std::unexpected(s.error());
  for (auto& u : edit.updates) u.lu->update(u.config);

  DeviceTable removed;
  for (const auto& name : edit.remove_devices) removed[name] = rt_.devices.at(name);
  install_devices(rt_, resulting_devices(rt_.devices, edit));  // also into the shared state directory

  const bool registry = edit.targets || edit.iscsi_enabled || edit.discovery_auth;
  if (edit.targets) rt_.targets = std::move(*edit.targets);
  if (edit.iscsi_enabled) rt_.iscsi_enabled = *edit.iscsi_enabled;
  if (edit.discovery_auth) rt_.discovery_auth = std::move(*edit.discovery_auth);
  if (edit.limits) rt_.limits = *edit.limits;

  if (edit.device_groups) install_alua(std::move(*edit.device_groups));
  for (const auto& c : edit.alua_states)
    if (auto s = rt_.alua->set_target_group_state(c.device_group, c.target_group, c.state); !s)
      ESAN_LOG_WARN("ALUA state of {}/{}: {}", c.device_group, c.target_group, s.error().message);

  if (registry) {
    ctx_.targets.set_targets(rt_.targets, rt_.iscsi_enabled, rt_.discovery_auth);
    if (!refresh_sessions()) ESAN_LOG_WARN("sessions did not all refresh within 5 s");
  }
  return removed;
}

}  // namespace esan::server
