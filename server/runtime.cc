#include "server/runtime.h"

#include <fmt/format.h>

#include <set>
#include <type_traits>

#include "backend/block_device.h"
#include "backend/rbd_device.h"
#include "common/log.h"
#include "common/named.h"
#include "config/limits.h"

namespace esan::server {

scsi::LuConfig lu_config(const config::DeviceConfig& d) {
  scsi::LuConfig lc;
  lc.name = d.name;
  lc.block_size = d.blocksize;
  lc.read_only = d.read_only;
  lc.removable = d.removable;
  lc.rotational = d.rotational;
  lc.thin_provisioned = d.thin_provisioned;
  lc.write_through = d.write_through;
  lc.nv_cache = d.nv_cache;
  lc.lb_per_pb_exp = d.lb_per_pb_exp;
  lc.t10_vend_id = d.t10_vend_id;
  lc.prod_id = d.prod_id;
  lc.prod_rev_lvl = d.prod_rev_lvl;
  lc.t10_dev_id = d.t10_dev_id;
  lc.usn = d.usn;
  return lc;
}

namespace {
std::string where(const std::string& path, const config::DeviceConfig& d) {
  return path.empty() ? fmt::format("device '{}'", d.name) : fmt::format("{}:{}: device '{}'", path, d.line, d.name);
}
}  // namespace

Result<std::shared_ptr<scsi::LogicalUnit>> open_device(const config::DeviceConfig& d, const std::string& path) {
  std::unique_ptr<backend::BlockDevice> dev;
  if (d.handler == config::Handler::kNullIo) {
    dev = backend::make_null_device(d.size_bytes ? d.size_bytes : kDefaultNullSize);
  } else if (d.handler == config::Handler::kRbd) {
    backend::RbdOptions opts{.device = d.name, .pool = d.pool, .image = d.image, .ceph_conf = d.ceph_conf, .ceph_user = d.ceph_user,
                             .timeout_s = d.ceph_timeout, .size_bytes = d.size_bytes, .read_only = d.read_only,
                             .write_through = d.write_through};
    auto r = backend::open_rbd_device(opts);
    if (!r) return make_error(r.error().code, fmt::format("{}: {}", where(path, d), r.error().message));
    dev = std::move(*r);
  } else {
    backend::FileOptions opts{.path = d.filename, .size_bytes = d.size_bytes, .read_only = d.read_only,
                              .write_through = d.write_through};
    auto r = d.handler == config::Handler::kBlockIo || d.o_direct ? backend::open_block_device(opts)
                                                                  : backend::open_file_device(opts);
    if (!r) return make_error(r.error().code, fmt::format("{}: {}", where(path, d), r.error().message));
    dev = std::move(*r);
  }
  if (dev->size_bytes() < d.blocksize)
    return make_error(Errc::kInvalidArgument,
                      fmt::format("{} is smaller than one block", where(path, d)));
  auto lu = scsi::make_logical_unit(lu_config(d), std::move(dev));
  if (!lu) return make_error(lu.error().code, fmt::format("{}: {}", where(path, d), lu.error().message));
  return *lu;
}

namespace {

std::shared_ptr<const scsi::LunMap> make_map(const std::vector<config::LunConfig>& luns, const Runtime& rt) {
  auto map = std::make_shared<scsi::LunMap>();
  for (const auto& l : luns) (*map)[l.lun] = scsi::LunMapping{rt.devices.at(l.device), l.read_only};
  return map;
}

}  // namespace

// Validated "name secret" strings (config::split_user) -> CHAP accounts.
iscsi::AuthSettings auth_settings(const std::vector<std::string>& incoming,
                                  const std::vector<std::string>& outgoing) {
  iscsi::AuthSettings a;
  for (const auto& u : incoming) {
    auto c = config::split_user(u);
    a.incoming.push_back({std::move(c.name), std::move(c.secret)});
  }
  if (!outgoing.empty()) {  // the config allows one
    auto c = config::split_user(outgoing.front());
    a.outgoing = iscsi::ChapAccount{std::move(c.name), std::move(c.secret)};
  }
  return a;
}

namespace {

// Warns about local targets that map a device of the group but are in none
// of its target groups: initiators on that path see it active/optimized
// with no target port group.
void warn_unlisted_targets(const Runtime& rt, const config::DeviceGroupConfig& dg, const scsi::DeviceGroup& g) {
  for (const auto& t : rt.targets) {
    if (g.group_of_port(t.rel_tgt_id)) continue;
    auto maps = [&](const scsi::LunMap& m) {
      for (const auto& [lun, lm] : m)
        for (const auto& d : dg.devices)
          if (lm.lu == rt.devices.at(d)) return true;
      return false;
    };
    bool hit = t.luns && maps(*t.luns);
    for (const auto& grp : t.groups) hit = hit || (grp.luns && maps(*grp.luns));
    if (hit)
      ESAN_LOG_WARN("target '{}' maps a device of device group '{}' but is in none of its target groups; "
                    "that path is not subject to ALUA",
                    t.name, dg.name);
  }
}

}  // namespace

Result<std::vector<std::shared_ptr<scsi::DeviceGroup>>> make_device_groups(const config::Config& cfg,
                                                                        const std::string& path,
                                                                        const Runtime& rt) {
  std::vector<std::shared_ptr<scsi::DeviceGroup>> out;
  for (const auto& dg : cfg.device_groups) {
    std::vector<scsi::TargetPortGroupSpec> specs;
    for (const auto& tg : dg.target_groups) {
      scsi::TargetPortGroupSpec s{tg.name, tg.group_id, scsi::AluaState::kActiveOptimized, {}};
      if (auto st = scsi::alua_state_from_name(tg.state)) s.state = *st;
      for (const auto& m : tg.targets) {
        const iscsi::TargetEntry* local = find_named(rt.targets, m.target);
        s.rel_tgt_ids.push_back(local ? local->rel_tgt_id : m.rel_tgt_id);
      }
      if (!tg.peer_portal.empty()) {
        auto chap = config::split_user(tg.peer_chap);
        s.redirector = rt.forwarders->get(redirect::PeerConfig{.portal = tg.peer_portal, .target = tg.peer_target,
                                                               .chap_user = chap.name, .chap_secret = chap.secret});
      }
      specs.push_back(std::move(s));
    }
    auto policy = dg.io_policy == config::IoPolicy::kRedirect ? scsi::IoPolicy::kRedirect : scsi::IoPolicy::kLocal;
    scsi::AluaRules rules{.access = dg.alua_access == config::AluaAccess::kImplicit   ? scsi::AluaAccess::kImplicit
                                    : dg.alua_access == config::AluaAccess::kExplicit ? scsi::AluaAccess::kExplicit
                                                                                      : scsi::AluaAccess::kBoth,
                          .one_optimized = config::one_optimized(dg),
                          .redirect_hold_ms = dg.io_policy == config::IoPolicy::kRedirect ? dg.redirect_hold_ms : 0};
    auto g = scsi::make_device_group(dg.name, std::move(specs), policy, rules);
    if (!g) return make_error(g.error().code, path.empty() ? g.error().message
                                                           : fmt::format("{}:{}: {}", path, dg.line, g.error().message));
    out.push_back(std::move(*g));
  }
  return out;
}

void install_device_groups(const std::vector<config::DeviceGroupConfig>& configs,
                           std::vector<std::shared_ptr<scsi::DeviceGroup>> groups, Runtime& rt) {
  std::map<std::string, std::shared_ptr<scsi::DeviceGroup>> of_device;
  for (size_t i = 0; i < configs.size() && i < groups.size(); ++i) {
    for (const auto& d : configs[i].devices) of_device[d] = groups[i];
    warn_unlisted_targets(rt, configs[i], *groups[i]);
  }
  for (auto& [name, lu] : rt.devices) {
    auto it = of_device.find(name);
    if (it != of_device.end())
      scsi::join_device_group(it->second, lu);
    else if (lu->alua_group())
      lu->set_alua_group(nullptr);
  }
  rt.alua->replace(std::move(groups));
}

Status set_target_group_state(Runtime& rt, std::string_view device_group, std::string_view target_group,
                              std::string_view state) {
  return rt.alua->set_target_group_state(device_group, target_group, state);
}

// TARGET_DRIVER iscsi limit attributes over the built-in defaults.
iscsi::Limits driver_limits(const std::map<std::string, std::string>& attrs) {
  iscsi::Limits l;
  auto get = [&](std::string_view name, auto& field) {
    if (auto v = config::limit_value(attrs, name)) field = std::remove_reference_t<decltype(field)>(*v);
  };
  get("MaxSessions", l.max_sessions);
  get("QueuedCommands", l.queued_commands);
  get("esan_max_connections", l.max_connections);
  get("esan_max_connections_per_initiator", l.max_connections_per_initiator);
  if (auto mb = config::limit_value(attrs, "esan_max_buffered_mb")) l.max_buffered_bytes = *mb << 20;
  return l;
}

std::vector<iscsi::TargetEntry> build_targets(const config::Config& cfg, const Runtime& rt,
                                              const std::vector<iscsi::TargetEntry>& previous) {
  std::set<uint16_t> used;
  for (const auto& t : cfg.targets)
    if (t.rel_tgt_id) used.insert(t.rel_tgt_id);
  for (const auto& dg : cfg.device_groups)  // the other node's ports
    for (const auto& tg : dg.target_groups)
      for (const auto& m : tg.targets)
        if (m.rel_tgt_id && !cfg.find_target(m.target)) used.insert(m.rel_tgt_id);
  // Targets that had an assigned id keep it while nothing else claims it.
  std::map<std::string, uint16_t> kept;
  for (const auto& t : cfg.targets) {
    if (t.rel_tgt_id) continue;
    for (const auto& p : previous)
      if (p.name == t.name && !used.count(p.rel_tgt_id)) {
        kept[t.name] = p.rel_tgt_id;
        used.insert(p.rel_tgt_id);
      }
  }
  std::vector<iscsi::TargetEntry> out;
  uint16_t next_id = 1;
  for (const auto& t : cfg.targets) {
    iscsi::TargetEntry e;
    e.name = t.name;
    e.enabled = t.enabled;
    if (auto it = t.attributes.find("alias"); it != t.attributes.end()) e.alias = it->second;
    e.rel_tgt_id = t.rel_tgt_id;
    if (auto it = kept.find(t.name); !e.rel_tgt_id && it != kept.end()) e.rel_tgt_id = it->second;
    if (!e.rel_tgt_id) {
      while (used.count(next_id)) ++next_id;
      e.rel_tgt_id = next_id;
      used.insert(next_id);
    }
    e.luns = make_map(t.luns, rt);
    e.auth = auth_settings(t.incoming_users, t.outgoing_users);
    e.max_sessions = uint32_t(config::limit_value(t.attributes, "MaxSessions").value_or(0));
    e.queued_commands = uint32_t(config::limit_value(t.attributes, "QueuedCommands").value_or(0));
    e.internal = t.internal;
    e.peer_addresses = t.peer_addresses;
    for (const auto& g : t.groups)
      e.groups.push_back(iscsi::TargetEntry::Group{g.name, g.initiators, make_map(g.luns, rt)});
    out.push_back(std::move(e));
  }
  return out;
}

ClusterAssignment cluster_assignment(const config::Config& cfg) {
  ClusterAssignment a;
  for (const auto& dg : cfg.device_groups) {
    if (dg.cluster_group.empty()) continue;
    a.device_groups[dg.name] = dg.cluster_group;
    for (const auto& d : dg.devices) a.devices[d] = dg.cluster_group;
  }
  return a;
}

namespace {
// The shared state a device's changes go through.
scsi::SharedState& shared_of(Runtime& rt, const std::string& device) {
  auto it = rt.cluster_assignment.devices.find(device);
  if (it == rt.cluster_assignment.devices.end()) return *rt.shared;
  return *rt.clusters.at(it->second).state;
}

void assign_clusters(Runtime& rt, const config::Config& cfg) {
  rt.cluster_assignment = cluster_assignment(cfg);
  for (const auto& [dg, group] : rt.cluster_assignment.device_groups) {
    auto it = rt.clusters.find(group);
    if (it == rt.clusters.end()) it = rt.clusters.emplace(group, scsi::make_cluster_shared_state(group, rt.alua)).first;
    it->second.state->add_device_group(dg);
    rt.alua->set_coordinator(dg, it->second.coordinator);
  }
}
}  // namespace

void install_devices(Runtime& rt, std::map<std::string, std::shared_ptr<scsi::LogicalUnit>> devices) {
  for (const auto& [name, lu] : rt.devices) {
    auto it = devices.find(name);
    if (it == devices.end() || it->second != lu) shared_of(rt, name).remove(name);
  }
  for (const auto& [name, lu] : devices) shared_of(rt, name).add(lu);
  rt.devices = std::move(devices);
}

void start_shared_state(Runtime& rt) {
  for (auto& [group, c] : rt.clusters) c.start();
}

void stop_shared_state(Runtime& rt) {
  for (auto& [group, c] : rt.clusters) c.coordinator->stop();
  if (rt.coordinator) rt.coordinator->stop();
}

Result<Runtime> build_runtime(const config::Config& cfg, const std::string& path) {
  Runtime rt;
  auto shared = scsi::start_local_shared_state(rt.alua);
  rt.coordinator = std::move(shared.coordinator);
  rt.shared = std::move(shared.state);
  rt.iscsi_enabled = cfg.iscsi_enabled;
  rt.discovery_auth = auth_settings(cfg.iscsi_incoming_users, cfg.iscsi_outgoing_users);
  rt.limits = driver_limits(cfg.iscsi_attributes);
  for (const auto& d : cfg.devices) {
    auto lu = open_device(d, path);
    if (!lu) return std::unexpected(lu.error());
    rt.devices.emplace(d.name, std::move(*lu));
  }
  assign_clusters(rt, cfg);
  for (const auto& [name, lu] : rt.devices) shared_of(rt, name).add(lu);
  rt.targets = build_targets(cfg, rt);
  auto groups = make_device_groups(cfg, path, rt);
  if (!groups) return std::unexpected(groups.error());
  install_device_groups(cfg.device_groups, std::move(*groups), rt);
  return rt;
}

}  // namespace esan::server
