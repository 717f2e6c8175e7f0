// Small Config helpers: lookups, handler names and line-insensitive equality.
#include "config/model.h"

#include "common/named.h"

namespace esan::config {

std::string_view handler_name(Handler h) {
  switch (h) {
    case Handler::kFileIo: return "vdisk_fileio";
    case Handler::kBlockIo: return "vdisk_blockio";
    case Handler::kNullIo: return "vdisk_nullio";
    case Handler::kRbd: return "vdisk_rbd";
  }
  return "vdisk_fileio";
}

const DeviceConfig* Config::find_device(std::string_view name) const { return find_named(devices, name); }

const TargetConfig* Config::find_target(std::string_view name) const { return find_named(targets, name); }

namespace {

void clear_lines(std::vector<LunConfig>& luns) {
  for (auto& l : luns) l.line = 0;
}

Config without_lines(Config c) {
  c.warnings.clear();
  for (auto& d : c.devices) d.line = 0;
  for (auto& t : c.targets) {
    t.line = 0;
    clear_lines(t.luns);
    for (auto& g : t.groups) {
      g.line = 0;
      clear_lines(g.luns);
    }
  }
  for (auto& dg : c.device_groups) {
    dg.line = 0;
    for (auto& tg : dg.target_groups) {
      tg.line = 0;
      for (auto& m : tg.targets) m.line = 0;
    }
  }
  return c;
}

}  // namespace

UserCredential split_user(std::string_view raw) {
  auto space = raw.find(' ');
  if (space == std::string_view::npos) return {std::string(raw), {}};
  return {std::string(raw.substr(0, space)), std::string(raw.substr(space + 1))};
}

IoPolicy default_io_policy(const DeviceGroupConfig& dg) {
  for (const auto& tg : dg.target_groups)
    if (!tg.peer_portal.empty()) return IoPolicy::kRedirect;
  return IoPolicy::kLocal;
}

AluaAccess default_alua_access(const DeviceGroupConfig& dg) {
  return dg.cluster_group.empty() ? AluaAccess::kBoth : AluaAccess::kImplicit;
}

std::string_view alua_access_name(AluaAccess a) {
  switch (a) {
    case AluaAccess::kImplicit: return "implicit";
    case AluaAccess::kExplicit: return "explicit";
    case AluaAccess::kBoth: return "both";
  }
  return "both";
}

bool one_optimized(const DeviceGroupConfig& dg) {
  if (!dg.cluster_group.empty()) return true;
  for (const auto& tg : dg.target_groups)
    if (!tg.peer_portal.empty()) return true;
  return false;
}

bool equivalent(const Config& a, const Config& b) { return without_lines(a) == without_lines(b); }

}  // namespace esan::config
