// Device edits; see edits.h.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "mgmt/edits.h"

namespace esan::mgmt::edits {

config::DeviceConfig* find_device(Config& c, std::string_view name) { return find_named(c.devices, name); }

namespace {

// The builder's message, naming the device once.
std::unexpected<Error> about(std::string_view name, const Error& e) {
  std::string who = fmt::format("device '{}'", name);
  if (e.message.find(who) != std::string::npos) return make_error(e.code, e.message);
  return make_error(e.code, fmt::format("{}: {}", who, e.message));
}

std::unexpected<Error> no_device(std::string_view name) {
  return make_error(Errc::kNotFound, fmt::format("no device '{}'", name));
}

// Every place a LUN maps `device`: "target 't' LUN 0", "target 't' group 'g' LUN 1".
std::vector<std::string> mappings_of(const Config& c, std::string_view device) {
  std::vector<std::string> out;
  for (const auto& t : c.targets) {
    for (const auto& l : t.luns)
      if (l.device == device) out.push_back(fmt::format("target '{}' LUN {}", t.name, l.lun));
    for (const auto& g : t.groups)
      for (const auto& l : g.luns)
        if (l.device == device) out.push_back(fmt::format("target '{}' group '{}' LUN {}", t.name, g.name, l.lun));
  }
  return out;
}

}  // namespace

Status add_device(Config& c, std::string_view name, std::string_view handler, const Attributes& attrs) {
  if (name.empty()) return make_error(Errc::kInvalidArgument, "a device needs a name");
  if (find_device(c, name)) return make_error(Errc::kExists, fmt::format("device '{}' already exists", name));
  auto h = config::handler_from_name(handler);
  if (!h) return std::unexpected(h.error());
  auto d = config::make_device(name, *h, attrs);
  if (!d) return about(name, d.error());
  c.devices.push_back(std::move(*d));
  return ok();
}

Status remove_device(Config& c, std::string_view name, bool force) {
  if (!find_device(c, name)) return no_device(name);
  auto maps = mappings_of(c, name);
  if (!maps.empty() && !force)
    return make_error(Errc::kBusy, fmt::format("device '{}' is mapped by {}; remove the LUN{} first or use force",
                                               name, fmt::join(maps, ", "), maps.size() > 1 ? "s" : ""));
  for (const auto& dg : c.device_groups)
    if (std::find(dg.devices.begin(), dg.devices.end(), name) != dg.devices.end() && !force)
      return make_error(Errc::kBusy, fmt::format("device '{}' is in device group '{}'; remove it from the group "
                                                 "first or use force",
                                                 name, dg.name));
  auto maps_it = [&](const config::LunConfig& l) { return l.device == name; };
  for (auto& t : c.targets) {
    std::erase_if(t.luns, maps_it);
    for (auto& g : t.groups) std::erase_if(g.luns, maps_it);
  }
  for (auto& dg : c.device_groups) std::erase(dg.devices, std::string(name));
  std::erase_if(c.devices, [&](const config::DeviceConfig& d) { return d.name == name; });
  return ok();
}

Status set_device_attributes(Config& c, std::string_view name, const Attributes& attrs) {
  config::DeviceConfig* d = find_device(c, name);
  if (!d) return no_device(name);
  Attributes merged = config::device_attributes(*d);
  for (const auto& a : attrs) {
    std::erase_if(merged, [&](const auto& m) { return m.first == a.first; });
    merged.push_back(a);
  }
  auto next = config::make_device(name, d->handler, merged);
  if (!next) return about(name, next.error());
  for (const auto& a : attrs)
    if (std::find(std::begin(kRuntimeDeviceAttributes), std::end(kRuntimeDeviceAttributes), a.first) ==
        std::end(kRuntimeDeviceAttributes))
      return make_error(Errc::kUnsupported,
                        fmt::format("attribute '{}' of device '{}' cannot be changed while it runs (remove the "
                                    "device and add it again; size: use resize)",
                                    a.first, name));
  next->line = d->line;
  *d = std::move(*next);
  return ok();
}

Status resize_device(Config& c, std::string_view name, uint64_t size_bytes) {
  config::DeviceConfig* d = find_device(c, name);
  if (!d) return no_device(name);
  if (size_bytes == 0 || size_bytes % d->blocksize != 0)
    return make_error(Errc::kInvalidArgument,
                      fmt::format("device '{}': size {} is not a positive multiple of blocksize {}", name, size_bytes,
                                  d->blocksize));
  d->size_bytes = size_bytes;
  return ok();
}

}  // namespace esan::mgmt::edits
