// DEVICE_GROUP / TARGET_GROUP sections (ALUA) -> DeviceGroupConfig.
//
// Contract: see builders.h. Device group names are unique; a DEVICE must
// exist (HANDLER sections are built first) and belongs to one group only;
// TARGET_GROUP names are unique in their device group, group_id is required,
// 1..65535 and unique in its device group; state is one of SCST's ALUA
// states; a TARGET_GROUP's TARGET may be a line or open a block holding
// rel_tgt_id (1..65535), and may name a target that is not configured here
// (another node's port). check_device_group_targets() then checks members
// against the TARGET sections, which may come later in the file.
// esan_alua_access is implicit, explicit or both (default: implicit with
// esan_cluster_group, both otherwise). A device group whose roles own a
// medium (config::one_optimized) has at most one target group in state
// active.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "config/builders.h"

namespace esan::config {

namespace {

constexpr std::string_view kStates[] = {"active",      "nonoptimized", "standby",
                                        "unavailable", "offline",      "transitioning"};

Status build_member(Context& ctx, const Node& n, TargetGroupConfig& tg) {
  auto name = ctx.name(n);
  if (!name) return std::unexpected(name.error());
  for (const auto& m : tg.targets)
    if (m.target == *name)
      return ctx.fail(n.line,
                      fmt::format("duplicate TARGET '{}' in target group '{}'", *name, tg.name));
  TargetGroupMember m{*name, 0, n.line};
  SeenOnce seen;
  for (const Node& a : n.children) {
    if (a.keyword != "rel_tgt_id") return ctx.unknown(a, Section::kTargetGroupTarget);
    if (auto s = seen.check(ctx, a); !s) return s;
    auto v = ctx.number(a, 65535);
    if (!v) return std::unexpected(v.error());
    if (*v == 0) return ctx.fail(a.line, "rel_tgt_id must be in 1..65535");
    m.rel_tgt_id = uint16_t(*v);
  }
  tg.targets.push_back(std::move(m));
  return ok();
}

Status build_target_group(Context& ctx, const Node& n, DeviceGroupConfig& dg) {
  auto name = ctx.name(n);
  if (!name) return std::unexpected(name.error());
  for (const auto& other : dg.target_groups)
    if (other.name == *name)
      return ctx.fail(
          n.line, fmt::format("duplicate TARGET_GROUP '{}' (first at line {})", *name, other.line));
  TargetGroupConfig tg;
  tg.name = *name;
  tg.line = n.line;
  SeenOnce seen;
  for (const Node& a : n.children) {
    if (a.keyword == "TARGET") {
      if (auto s = build_member(ctx, a, tg); !s) return s;
      continue;
    }
    if (is_unimplemented(Section::kTargetGroup, a.keyword)) {
      ctx.warn_unimplemented(a);
      continue;
    }
    if (a.keyword != "group_id" && a.keyword != "state" && !is_peer_attribute(a.keyword))
      return ctx.unknown(a, Section::kTargetGroup);
    if (auto s = seen.check(ctx, a); !s) return s;
    if (is_peer_attribute(a.keyword)) {
      if (auto s = peer_attribute(ctx, a, tg); !s) return s;
    } else if (a.keyword == "group_id") {
      auto v = ctx.number(a, 65535);
      if (!v) return std::unexpected(v.error());
      if (*v == 0) return ctx.fail(a.line, "group_id must be in 1..65535");
      for (const auto& other : dg.target_groups)
        if (other.group_id == *v)
          return ctx.fail(
              a.line, fmt::format("group_id {} already used by target group '{}'", *v, other.name));
      tg.group_id = uint16_t(*v);
    } else {
      auto v = ctx.text(a);
      if (!v) return std::unexpected(v.error());
      if (std::find(std::begin(kStates), std::end(kStates), *v) == std::end(kStates))
        return ctx.fail(a.line, fmt::format("state '{}' is invalid (use active, nonoptimized, "
                                            "standby, unavailable, offline or transitioning)",
                                            *v));
      tg.state = std::move(*v);
    }
  }
  if (tg.group_id == 0)
    return ctx.fail(n.line, fmt::format("target group '{}' needs a group_id", tg.name));
  if (auto s = check_peer(ctx, tg); !s) return s;
  dg.target_groups.push_back(std::move(tg));
  return ok();
}

// A member naming a local target: its rel_tgt_id, when given, is the target's own.
Status check_local_member(const Context& ctx, const TargetGroupMember& m, const TargetConfig& t,
                          const TargetGroupConfig& tg) {
  if (m.rel_tgt_id == 0 || m.rel_tgt_id == t.rel_tgt_id) return ok();
  if (t.rel_tgt_id == 0)
    return ctx.fail(m.line, fmt::format("target group '{}' gives rel_tgt_id {} for target '{}', which has "
                                        "no rel_tgt_id of its own (set it in the TARGET section)",
                                        tg.name, m.rel_tgt_id, t.name));
  return ctx.fail(m.line, fmt::format("rel_tgt_id {} of target '{}' in target group '{}' differs from the "
                                      "target's own rel_tgt_id {}",
                                      m.rel_tgt_id, t.name, tg.name, t.rel_tgt_id));
}

// Remote ports seen so far (all device groups): name -> rel_tgt_id and back.
struct RemotePorts {
  std::map<std::string, uint16_t> id_of;
  std::map<uint16_t, std::string> name_of;
};

Status check_remote_member(const Context& ctx, const TargetGroupMember& m, const TargetGroupConfig& tg,
                           RemotePorts& remote) {
  if (m.rel_tgt_id == 0)
    return ctx.fail(m.line, fmt::format("target '{}' in target group '{}' is not a local target and needs "
                                        "a rel_tgt_id",
                                        m.target, tg.name));
  for (const TargetConfig& t : ctx.cfg().targets)
    if (t.rel_tgt_id == m.rel_tgt_id)
      return ctx.fail(m.line, fmt::format("rel_tgt_id {} of remote target '{}' is already used by target '{}'",
                                          m.rel_tgt_id, m.target, t.name));
  if (auto it = remote.id_of.find(m.target); it != remote.id_of.end() && it->second != m.rel_tgt_id)
    return ctx.fail(m.line, fmt::format("remote target '{}' has rel_tgt_id {} here but {} elsewhere", m.target,
                                        m.rel_tgt_id, it->second));
  if (auto it = remote.name_of.find(m.rel_tgt_id); it != remote.name_of.end() && it->second != m.target)
    return ctx.fail(m.line, fmt::format("rel_tgt_id {} of remote target '{}' is already used by remote "
                                        "target '{}'",
                                        m.rel_tgt_id, m.target, it->second));
  remote.id_of[m.target] = m.rel_tgt_id;
  remote.name_of[m.rel_tgt_id] = m.target;
  return ok();
}

}  // namespace

Status check_device_group_targets(const Context& ctx) {
  RemotePorts remote;
  for (const DeviceGroupConfig& dg : ctx.cfg().device_groups) {
    std::map<std::string, const TargetGroupConfig*> group_of;  // member -> its target group
    for (const TargetGroupConfig& tg : dg.target_groups) {
      if (auto s = check_peer_members(ctx, tg); !s) return s;
      for (const TargetGroupMember& m : tg.targets) {
        if (auto [it, fresh] = group_of.emplace(m.target, &tg); !fresh)
          return ctx.fail(m.line, fmt::format("target '{}' is in both target group '{}' and target group '{}' "
                                              "of device group '{}'",
                                              m.target, it->second->name, tg.name, dg.name));
        const TargetConfig* t = ctx.cfg().find_target(m.target);
        Status s = t ? check_local_member(ctx, m, *t, tg) : check_remote_member(ctx, m, tg, remote);
        if (!s) return s;
      }
    }
  }
  return ok();
}

namespace {

// A device group whose roles own a medium has one owner at most.
Status check_one_optimized(const Context& ctx, const DeviceGroupConfig& dg) {
  if (!one_optimized(dg)) return ok();
  const TargetGroupConfig* first = nullptr;
  for (const TargetGroupConfig& tg : dg.target_groups) {
    if (tg.state != "active") continue;
    if (first)
      return ctx.fail(tg.line, fmt::format("device group '{}' has at most one target group in state active (its "
                                           "roles own the medium: esan_cluster_group or esan_peer_portal), but "
                                           "target groups '{}' and '{}' are",
                                           dg.name, first->name, tg.name));
    first = &tg;
  }
  return ok();
}

}  // namespace

// CPG group names are at most 128 bytes with the terminator (corosync's
// CPG_MAX_NAME_LENGTH).
constexpr size_t kMaxClusterGroup = 127;

Status build_device_group(Context& ctx, const Node& n) {
  auto name = ctx.name(n);
  if (!name) return std::unexpected(name.error());
  for (const auto& other : ctx.cfg().device_groups)
    if (other.name == *name)
      return ctx.fail(
          n.line, fmt::format("duplicate DEVICE_GROUP '{}' (first at line {})", *name, other.line));
  DeviceGroupConfig dg;
  dg.name = *name;
  dg.line = n.line;
  int owner_line = 0;   // where esan_alua_owner was given, if it was
  int policy_line = 0;  // where esan_io_policy was given, if it was
  int access_line = 0;  // where esan_alua_access was given, if it was
  int hold_line = 0;    // where esan_redirect_hold_ms was given, if it was
  for (const Node& c : n.children) {
    if (c.keyword == "DEVICE") {
      if (auto s = ctx.no_block(c); !s) return s;
      auto dev = ctx.name(c);
      if (!dev) return std::unexpected(dev.error());
      if (!ctx.cfg().find_device(*dev))
        return ctx.fail(
            c.line, fmt::format("device group '{}' refers to unknown device '{}'", dg.name, *dev));
      if (std::find(dg.devices.begin(), dg.devices.end(), *dev) != dg.devices.end())
        return ctx.fail(c.line,
                        fmt::format("duplicate DEVICE '{}' in device group '{}'", *dev, dg.name));
      for (const auto& other : ctx.cfg().device_groups)
        if (std::find(other.devices.begin(), other.devices.end(), *dev) != other.devices.end())
          return ctx.fail(
              c.line, fmt::format("device '{}' is already in device group '{}'", *dev, other.name));
      dg.devices.push_back(*dev);
    } else if (c.keyword == "TARGET_GROUP") {
      if (auto s = build_target_group(ctx, c, dg); !s) return s;
    } else if (c.keyword == "esan_alua_owner") {
      auto v = ctx.text(c);
      if (!v) return std::unexpected(v.error());
      if (*v != "node" && *v != "cluster")
        return ctx.fail(c.line, fmt::format("esan_alua_owner '{}' is invalid (use node or cluster)", *v));
      dg.cluster_owned = *v == "cluster";
      owner_line = c.line;
    } else if (c.keyword == "esan_io_policy") {
      if (policy_line)
        return ctx.fail(c.line, fmt::format("attribute 'esan_io_policy' given twice (first at line {})", policy_line));
      if (auto s = io_policy_attribute(ctx, c, dg); !s) return s;
      policy_line = c.line;
    } else if (c.keyword == "esan_redirect_hold_ms") {
      if (hold_line)
        return ctx.fail(c.line, fmt::format("attribute 'esan_redirect_hold_ms' given twice (first at line {})", hold_line));
      if (auto s = redirect_hold_attribute(ctx, c, dg); !s) return s;
      hold_line = c.line;
    } else if (c.keyword == "esan_alua_access") {
      if (access_line)
        return ctx.fail(c.line, fmt::format("attribute 'esan_alua_access' given twice (first at line {})", access_line));
      auto v = ctx.text(c);
      if (!v) return std::unexpected(v.error());
      if (*v == "implicit")
        dg.alua_access = AluaAccess::kImplicit;
      else if (*v == "explicit")
        dg.alua_access = AluaAccess::kExplicit;
      else if (*v == "both")
        dg.alua_access = AluaAccess::kBoth;
      else
        return ctx.fail(c.line, fmt::format("esan_alua_access '{}' is invalid (use implicit, explicit or both)", *v));
      access_line = c.line;
    } else if (c.keyword == "esan_cluster_group") {
      auto v = ctx.text(c);
      if (!v) return std::unexpected(v.error());
      if (v->empty() || v->size() > kMaxClusterGroup ||
          v->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != std::string::npos)
        return ctx.fail(c.line, fmt::format("esan_cluster_group '{}' is invalid (1 to {} letters, digits, '.', '_' "
                                            "or '-')", *v, kMaxClusterGroup));
      dg.cluster_group = *v;
    } else {
      return ctx.unknown(c, Section::kDeviceGroup);
    }
  }
  if (!dg.cluster_group.empty()) {
    // Replicated states belong to the cluster: never written back by one node.
    if (owner_line && !dg.cluster_owned)
      return ctx.fail(owner_line, fmt::format("device group '{}' is replicated (esan_cluster_group) so its ALUA "
                                              "states are owned by the cluster: esan_alua_owner node is invalid "
                                              "here", dg.name));
    dg.cluster_owned = true;
  }
  if (!access_line) dg.alua_access = default_alua_access(dg);
  if (auto s = check_io_policy(ctx, dg, policy_line); !s) return s;
  if (hold_line && dg.io_policy != IoPolicy::kRedirect)
    return ctx.fail(hold_line, fmt::format("device group '{}': esan_redirect_hold_ms applies only to esan_io_policy "
                                           "redirect", dg.name));
  if (auto s = check_one_optimized(ctx, dg); !s) return s;
  ctx.cfg().device_groups.push_back(std::move(dg));
  return ok();
}

}  // namespace esan::config
