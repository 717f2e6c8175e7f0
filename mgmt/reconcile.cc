// prepare() / commit(); see reconcile.h.
#include "mgmt/reconcile.h"

#include <sys/stat.h>

#include <algorithm>

#include "server/state_dir.h"

namespace esan::mgmt {

namespace {

// Attributes a running LU cannot change: a difference means reopening. So
// does read_only 0 on a backend opened read-only.
bool same_fixed(const config::DeviceConfig& a, const config::DeviceConfig& b, scsi::LogicalUnit& lu) {
  return a.handler == b.handler && a.filename == b.filename && a.pool == b.pool && a.image == b.image &&
         a.ceph_conf == b.ceph_conf && a.ceph_user == b.ceph_user && a.ceph_timeout == b.ceph_timeout &&
         a.blocksize == b.blocksize &&
         a.o_direct == b.o_direct && a.lb_per_pb_exp == b.lb_per_pb_exp &&
         (b.read_only || lu.device().writable());
}

// The capacity `d` asks for (bytes, whole blocks); `current` when it cannot tell.
uint64_t wanted_bytes(const config::DeviceConfig& d, uint64_t current) {
  uint64_t want = d.size_bytes;
  if (!want && d.handler == config::Handler::kNullIo) want = server::kDefaultNullSize;
  if (!want && d.handler == config::Handler::kRbd) return current;  // the image's size, followed by the backend
  if (!want) {
    struct stat st {};
    if (::stat(d.filename.c_str(), &st) == 0 && S_ISREG(st.st_mode)) want = uint64_t(st.st_size);
  }
  if (!want) return current;
  return want / d.blocksize * d.blocksize;
}

config::Config alua_structure(const config::Config& c) {
  config::Config s;
  s.device_groups = c.device_groups;
  for (auto& dg : s.device_groups)
    for (auto& tg : dg.target_groups) tg.state.clear();
  return s;
}

// The device table `next` runs on: running LUs kept (with their attribute
// updates and resizes in `e`), pooled LUs reused, the others opened.
Result<server::DeviceTable> prepare_devices(const config::Config& old, const config::Config& next,
                                            const server::Runtime& rt, const LuPool& pool, server::RuntimeEdit& e) {
  server::DeviceTable table;
  for (const auto& d : next.devices) {
    const config::DeviceConfig* od = old.find_device(d.name);
    auto running = rt.devices.find(d.name);
    if (od && running != rt.devices.end() && same_fixed(*od, d, *running->second)) {
      auto lu = running->second;
      table[d.name] = lu;
      if (*od != d) e.updates.push_back({lu, server::lu_config(d)});
      uint64_t now = lu->num_blocks() * lu->block_size();
      uint64_t want = wanted_bytes(d, now);
      if (want != now) e.resizes.push_back({lu, now, want});
      continue;
    }
    if (auto it = pool.find(d.name); it != pool.end() && it->second.first == d) {
      table[d.name] = it->second.second;
      continue;
    }
    auto lu = server::open_device(d, "");
    if (!lu) return std::unexpected(lu.error());
    if (auto s = server::attach_device_state(rt.state_dir, d.name, **lu); !s) return std::unexpected(s.error());
    table[d.name] = std::move(*lu);
  }
  return table;
}

// The difference between the running device table and `table`.
void diff_devices(const server::DeviceTable& running, const server::DeviceTable& table, server::RuntimeEdit& e) {
  for (const auto& [name, lu] : running) {
    auto it = table.find(name);
    if (it == table.end() || it->second != lu) e.remove_devices.insert(name);
  }
  for (const auto& [name, lu] : table) {
    auto it = running.find(name);
    if (it == running.end() || it->second != lu) e.add_devices[name] = lu;
  }
}

Status prepare_alua(const config::Config& old, const config::Config& next, const server::Runtime& rt,
                    const server::Runtime& after, server::RuntimeEdit& e) {
  bool rebuild = !config::equivalent(alua_structure(old), alua_structure(next));
  for (const auto& dg : next.device_groups)
    for (const auto& d : dg.devices) {
      auto it = rt.devices.find(d);
      rebuild = rebuild || it == rt.devices.end() || it->second != after.devices.at(d);
    }
  if (!next.device_groups.empty()) {
    std::map<std::string, uint16_t> before, now;
    for (const auto& t : rt.targets) before[t.name] = t.rel_tgt_id;
    for (const auto& t : after.targets) now[t.name] = t.rel_tgt_id;
    rebuild = rebuild || before != now;
  }
  if (rebuild) {
    // Cluster-owned groups keep their running states across the rebuild.
    config::Config states = next;
    overlay_live_alua_states(states, *rt.alua, true);
    auto groups = server::make_device_groups(states, "", after);
    if (!groups) return std::unexpected(groups.error());
    e.device_groups = server::RuntimeEdit::DeviceGroups{next.device_groups, std::move(*groups)};
    return ok();
  }
  for (size_t i = 0; i < next.device_groups.size(); ++i)
    for (size_t j = 0; j < next.device_groups[i].target_groups.size() && !next.device_groups[i].cluster_owned; ++j) {
      const auto& tg = next.device_groups[i].target_groups[j];
      if (old.device_groups[i].target_groups[j].state != tg.state)
        e.alua_states.push_back({next.device_groups[i].name, tg.name, tg.state});
    }
  // A group becoming active first: in a device group with one owner that
  // change also moves the previous owner (scsi/alua.h), so no moment has two.
  std::stable_partition(e.alua_states.begin(), e.alua_states.end(),
                        [](const server::RuntimeEdit::AluaState& s) { return s.state == "active"; });
  return ok();
}

}  // namespace

Result<server::RuntimeEdit> prepare(const config::Config& old, const config::Config& next,
                                    const server::Runtime& rt, const LuPool& pool) {
  // Which CPG group carries which device is fixed while esand runs: a
  // member joins its groups once, with its whole state (server/runtime.h).
  if (server::cluster_assignment(old) != server::cluster_assignment(next))
    return make_error(Errc::kInvalidArgument,
                      "esan_cluster_group, and the devices of a device group that has it, change only with a "
                      "restart of esand");
  server::RuntimeEdit e;
  auto table = prepare_devices(old, next, rt, pool, e);
  if (!table) return std::unexpected(table.error());
  // `after`: the device table and target table the edit produces (scratch).
  server::Runtime after;
  after.devices = std::move(*table);
  after.targets = server::build_targets(next, after, rt.targets);
  if (auto s = prepare_alua(old, next, rt, after, e); !s) return std::unexpected(s.error());
  diff_devices(rt.devices, after.devices, e);
  e.targets = std::move(after.targets);
  e.iscsi_enabled = next.iscsi_enabled;
  e.discovery_auth = server::auth_settings(next.iscsi_incoming_users, next.iscsi_outgoing_users);
  e.limits = server::driver_limits(next.iscsi_attributes);
  return e;
}

Result<LuPool> commit(const config::Config& old, server::RuntimeEdit edit, server::Server& server) {
  auto removed = server.apply(std::move(edit));
  if (!removed) return std::unexpected(removed.error());
  LuPool pool;
  for (auto& [name, lu] : *removed)
    if (const config::DeviceConfig* d = old.find_device(name)) pool[name] = {*d, std::move(lu)};
  return pool;
}

void overlay_live_alua_states(config::Config& c, const scsi::AluaRegistry& alua, bool cluster_owned) {
  for (auto& dg : c.device_groups) {
    if (dg.cluster_owned != cluster_owned) continue;
    auto g = alua.find(dg.name);
    if (!g) continue;
    for (auto& tg : dg.target_groups)
      if (const scsi::TargetPortGroup* live = g->group_by_name(tg.name))
        tg.state = std::string(scsi::alua_state_name(live->state()));
  }
}

}  // namespace esan::mgmt
