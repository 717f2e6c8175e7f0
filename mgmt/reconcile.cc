// prepare() / commit(); see reconcile.h.
#include "mgmt/reconcile.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include "common/log.h"
#include "config/limits.h"
#include "server/state_dir.h"
#include "scsi/sense.h"

namespace esan::mgmt {

namespace {

// Attributes a running LU cannot change: a difference means reopening. So
// does read_only 0 on a backend opened read-only.
bool same_fixed(const config::DeviceConfig& a, const config::DeviceConfig& b, scsi::LogicalUnit& lu) {
  return a.handler == b.handler && a.filename == b.filename && a.blocksize == b.blocksize &&
         a.o_direct == b.o_direct && a.lb_per_pb_exp == b.lb_per_pb_exp &&
         (b.read_only || lu.device().writable());
}

// The capacity `d` asks for (bytes, whole blocks); `current` when it cannot tell.
uint64_t wanted_bytes(const config::DeviceConfig& d, uint64_t current) {
  uint64_t want = d.size_bytes;
  if (!want && d.handler == config::Handler::kNullIo) want = server::kDefaultNullSize;
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

Status prepare_devices(const config::Config& old, const config::Config& next, const server::Runtime& rt,
                       const LuPool& pool, Plan& p) {
  for (const auto& d : next.devices) {
    const config::DeviceConfig* od = old.find_device(d.name);
    auto running = rt.devices.find(d.name);
    if (od && running != rt.devices.end() && same_fixed(*od, d, *running->second)) {
      auto lu = running->second;
      p.devices[d.name] = lu;
      if (*od != d) p.updates.emplace_back(lu, server::lu_config(d));
      uint64_t now = lu->num_blocks() * lu->block_size();
      uint64_t want = wanted_bytes(d, now);
      if (want != now) p.resizes.push_back(Plan::Resize{lu, now, want});
      continue;
    }
    if (auto it = pool.find(d.name); it != pool.end() && it->second.first == d) {
      p.devices[d.name] = it->second.second;
      continue;
    }
    auto lu = server::open_device(d, "");
    if (!lu) return std::unexpected(lu.error());
    if (auto s = server::attach_device_state(rt.state_dir, d.name, **lu); !s) return s;
    p.devices[d.name] = std::move(*lu);
  }
  return ok();
}

Status prepare_alua(const config::Config& old, const config::Config& next, const server::Runtime& rt, Plan& p) {
  bool rebuild = !config::equivalent(alua_structure(old), alua_structure(next));
  for (const auto& dg : next.device_groups)
    for (const auto& d : dg.devices) {
      auto it = rt.devices.find(d);
      rebuild = rebuild || it == rt.devices.end() || it->second != p.devices.at(d);
    }
  if (!next.device_groups.empty()) {
    std::map<std::string, uint16_t> before, after;
    for (const auto& t : rt.targets) before[t.name] = t.rel_tgt_id;
    for (const auto& t : p.targets) after[t.name] = t.rel_tgt_id;
    rebuild = rebuild || before != after;
  }
  if (rebuild) {
    server::Runtime scratch;
    scratch.devices = p.devices;
    scratch.targets = p.targets;
    auto groups = server::make_device_groups(next, "", scratch);
    if (!groups) return std::unexpected(groups.error());
    p.alua_groups = std::move(*groups);
    return ok();
  }
  for (size_t i = 0; i < next.device_groups.size(); ++i)
    for (size_t j = 0; j < next.device_groups[i].target_groups.size(); ++j) {
      const auto& tg = next.device_groups[i].target_groups[j];
      if (old.device_groups[i].target_groups[j].state != tg.state)
        p.states.push_back(Plan::StateChange{next.device_groups[i].name, tg.name, tg.state});
    }
  return ok();
}

void install_alua(Plan& p, server::Runtime& rt) {
  std::map<std::string, std::string> group_before;  // device -> device group name
  for (const auto& [name, lu] : rt.devices) group_before[name] = lu->alua_group() ? lu->alua_group()->name() : "";
  server::install_device_groups(p.next, std::move(*p.alua_groups), rt);
  for (const auto& [name, lu] : rt.devices) {
    std::string now = lu->alua_group() ? lu->alua_group()->name() : "";
    auto it = group_before.find(name);
    if (it != group_before.end() && it->second != now) lu->ua_queue_all(scsi::asc::kInquiryDataHasChanged);
  }
}

}  // namespace

Result<Plan> prepare(const config::Config& old, const config::Config& next, const server::Runtime& rt,
                     const LuPool& pool) {
  Plan p;
  p.old = old;
  p.next = next;
  if (auto s = prepare_devices(old, next, rt, pool, p); !s) return std::unexpected(s.error());
  server::Runtime scratch;
  scratch.devices = p.devices;
  p.targets = server::build_targets(next, scratch, rt.targets);
  if (auto s = prepare_alua(old, next, rt, p); !s) return std::unexpected(s.error());
  return p;
}

Result<LuPool> commit(Plan& p, server::Server& server) {
  for (size_t i = 0; i < p.resizes.size(); ++i) {
    if (auto s = p.resizes[i].lu->resize(p.resizes[i].to_bytes); !s) {
      for (size_t j = 0; j < i; ++j) (void)p.resizes[j].lu->resize(p.resizes[j].from_bytes);
      return make_error(s.error().code, fmt::format("device '{}': resize: {}", p.resizes[i].lu->name(),
                                                    s.error().message));
    }
  }
  for (auto& [lu, lc] : p.updates) lu->update(lc);

  server::Runtime& rt = server.runtime();
  LuPool removed;
  for (const auto& [name, lu] : rt.devices) {
    auto it = p.devices.find(name);
    if (it != p.devices.end() && it->second == lu) continue;
    if (const config::DeviceConfig* d = p.old.find_device(name)) removed[name] = {*d, lu};
  }
  rt.devices = p.devices;
  rt.targets = p.targets;
  rt.iscsi_enabled = p.next.iscsi_enabled;
  rt.discovery_auth = server::auth_settings(p.next.iscsi_incoming_users, p.next.iscsi_outgoing_users);
  rt.limits = server::driver_limits(p.next.iscsi_attributes);
  if (p.alua_groups) {
    install_alua(p, rt);
  } else {
    for (const auto& c : p.states)
      if (auto s = rt.alua->set_target_group_state(c.device_group, c.target_group, c.state); !s)
        ESAN_LOG_WARN("ALUA state of {}/{}: {}", c.device_group, c.target_group, s.error().message);
  }
  server.context().targets.set_targets(rt.targets, rt.iscsi_enabled, rt.discovery_auth);
  if (!server.refresh_sessions()) ESAN_LOG_WARN("management: sessions did not all refresh within 5 s");
  return removed;
}

}  // namespace esan::mgmt
