// Target, driver, CHAP user, LUN, group and initiator edits; see edits.h.
#include <fmt/format.h>

#include <algorithm>

#include "mgmt/edits.h"

namespace esan::mgmt::edits {

config::TargetConfig* find_target(Config& c, std::string_view name) { return find_named(c.targets, name); }

namespace {

std::unexpected<Error> no_target(std::string_view name) {
  return make_error(Errc::kNotFound, fmt::format("no target '{}'", name));
}

config::GroupConfig* find_group(config::TargetConfig& t, std::string_view name) { return find_named(t.groups, name); }

// The LUN list `group` (empty: the target's own) of `target`.
Result<std::vector<config::LunConfig>*> lun_list(Config& c, std::string_view target, std::string_view group) {
  config::TargetConfig* t = find_target(c, target);
  if (!t) return no_target(target);
  if (group.empty()) return &t->luns;
  config::GroupConfig* g = find_group(*t, group);
  if (!g) return make_error(Errc::kNotFound, fmt::format("target '{}' has no group '{}'", target, group));
  return &g->luns;
}

std::string lun_owner(std::string_view target, std::string_view group) {
  return group.empty() ? fmt::format("target '{}'", target)
                       : fmt::format("group '{}' of target '{}'", group, target);
}

Result<config::LunConfig> make_lun(Config& c, uint64_t lun, std::string_view device, const Attributes& attrs) {
  if (lun > 16383) return make_error(Errc::kInvalidArgument, fmt::format("LUN number {} is out of range (max 16383)", lun));
  if (!find_device(c, device)) return make_error(Errc::kNotFound, fmt::format("no device '{}'", device));
  config::LunConfig l{lun, std::string(device), false, 0};
  if (auto s = config::set_lun_attributes(l, attrs); !s) return std::unexpected(s.error());
  return l;
}

}  // namespace

Status add_target(Config& c, std::string_view name, const Attributes& attrs) {
  if (name.empty()) return make_error(Errc::kInvalidArgument, "a target needs a name");
  if (find_target(c, name)) return make_error(Errc::kExists, fmt::format("target '{}' already exists", name));
  config::TargetConfig t;
  t.name = std::string(name);
  if (auto s = config::set_target_attributes(c, t, attrs); !s)
    return make_error(s.error().code, fmt::format("target '{}': {}", name, s.error().message));
  c.targets.push_back(std::move(t));
  return ok();
}

Status remove_target(Config& c, std::string_view name) {
  if (!find_target(c, name)) return no_target(name);
  std::erase_if(c.targets, [&](const config::TargetConfig& t) { return t.name == name; });
  for (auto& dg : c.device_groups)
    for (auto& tg : dg.target_groups)
      std::erase_if(tg.targets, [&](const config::TargetGroupMember& m) { return m.target == name; });
  return ok();
}

Status set_target_attributes(Config& c, std::string_view name, const Attributes& attrs) {
  config::TargetConfig* t = find_target(c, name);
  if (!t) return no_target(name);
  for (const auto& a : attrs)
    if (a.first == "IncomingUser" || a.first == "OutgoingUser")
      return make_error(Errc::kInvalidArgument,
                        fmt::format("target '{}': CHAP accounts are added with POST .../users", name));
  if (auto s = config::set_target_attributes(c, *t, attrs); !s)
    return make_error(s.error().code, fmt::format("target '{}': {}", name, s.error().message));
  return ok();
}

Status set_driver_attributes(Config& c, const Attributes& attrs) {
  for (const auto& a : attrs)
    if (a.first == "IncomingUser" || a.first == "OutgoingUser")
      return make_error(Errc::kInvalidArgument, "CHAP accounts are added with POST /v1/driver/users");
  if (auto s = config::set_driver_attributes(c, attrs); !s)
    return make_error(s.error().code, fmt::format("TARGET_DRIVER iscsi: {}", s.error().message));
  return ok();
}

Status add_user(Config& c, std::string_view target, std::string_view direction, std::string_view user,
                std::string_view secret) {
  std::string key;
  if (direction == "incoming") key = "IncomingUser";
  else if (direction == "outgoing") key = "OutgoingUser";
  else return make_error(Errc::kInvalidArgument, fmt::format("direction '{}' is invalid (use incoming or outgoing)", direction));
  if (user.empty() || user.find_first_of(" \t") != std::string_view::npos)
    return make_error(Errc::kInvalidArgument, "a CHAP user name must be one non-empty word");
  Attributes a{{key, fmt::format("{} {}", user, secret)}};
  if (target.empty()) {
    if (auto s = config::set_driver_attributes(c, a); !s)
      return make_error(s.error().code, fmt::format("TARGET_DRIVER iscsi: {}", s.error().message));
    return ok();
  }
  config::TargetConfig* t = find_target(c, target);
  if (!t) return no_target(target);
  if (auto s = config::set_target_attributes(c, *t, a); !s)
    return make_error(s.error().code, fmt::format("target '{}': {}", target, s.error().message));
  return ok();
}

Status remove_user(Config& c, std::string_view target, std::string_view user) {
  std::vector<std::string>* lists[2];
  if (target.empty()) {
    lists[0] = &c.iscsi_incoming_users;
    lists[1] = &c.iscsi_outgoing_users;
  } else {
    config::TargetConfig* t = find_target(c, target);
    if (!t) return no_target(target);
    lists[0] = &t->incoming_users;
    lists[1] = &t->outgoing_users;
  }
  size_t removed = 0;
  for (auto* l : lists)
    removed += std::erase_if(*l, [&](const std::string& u) { return config::split_user(u).name == user; });
  if (!removed)
    return make_error(Errc::kNotFound, fmt::format("{} has no CHAP user '{}'",
                                                   target.empty() ? std::string("TARGET_DRIVER iscsi")
                                                                  : fmt::format("target '{}'", target),
                                                   user));
  return ok();
}

Status add_lun(Config& c, std::string_view target, std::string_view group, uint64_t lun, std::string_view device,
               const Attributes& attrs) {
  auto list = lun_list(c, target, group);
  if (!list) return std::unexpected(list.error());
  for (const auto& l : **list)
    if (l.lun == lun)
      return make_error(Errc::kExists, fmt::format("LUN {} of {} is already mapped (to device '{}')", lun,
                                                   lun_owner(target, group), l.device));
  auto l = make_lun(c, lun, device, attrs);
  if (!l) return std::unexpected(l.error());
  (*list)->push_back(std::move(*l));
  return ok();
}

Status replace_lun(Config& c, std::string_view target, std::string_view group, uint64_t lun,
                   std::string_view device, const Attributes& attrs) {
  auto list = lun_list(c, target, group);
  if (!list) return std::unexpected(list.error());
  for (auto& l : **list) {
    if (l.lun != lun) continue;
    auto n = make_lun(c, lun, device, attrs);
    if (!n) return std::unexpected(n.error());
    l = std::move(*n);
    return ok();
  }
  return make_error(Errc::kNotFound, fmt::format("{} has no LUN {}", lun_owner(target, group), lun));
}

Status remove_lun(Config& c, std::string_view target, std::string_view group, uint64_t lun) {
  auto list = lun_list(c, target, group);
  if (!list) return std::unexpected(list.error());
  if (!std::erase_if(**list, [&](const config::LunConfig& l) { return l.lun == lun; }))
    return make_error(Errc::kNotFound, fmt::format("{} has no LUN {}", lun_owner(target, group), lun));
  return ok();
}

Status add_group(Config& c, std::string_view target, std::string_view group) {
  config::TargetConfig* t = find_target(c, target);
  if (!t) return no_target(target);
  if (group.empty()) return make_error(Errc::kInvalidArgument, "a group needs a name");
  if (find_group(*t, group))
    return make_error(Errc::kExists, fmt::format("target '{}' already has a group '{}'", target, group));
  config::GroupConfig g;
  g.name = std::string(group);
  t->groups.push_back(std::move(g));
  return ok();
}

Status remove_group(Config& c, std::string_view target, std::string_view group) {
  config::TargetConfig* t = find_target(c, target);
  if (!t) return no_target(target);
  if (!std::erase_if(t->groups, [&](const config::GroupConfig& g) { return g.name == group; }))
    return make_error(Errc::kNotFound, fmt::format("target '{}' has no group '{}'", target, group));
  return ok();
}

Status add_initiator(Config& c, std::string_view target, std::string_view group, std::string_view pattern) {
  config::TargetConfig* t = find_target(c, target);
  if (!t) return no_target(target);
  config::GroupConfig* g = find_group(*t, group);
  if (!g) return make_error(Errc::kNotFound, fmt::format("target '{}' has no group '{}'", target, group));
  if (pattern.empty() || pattern.find_first_of(" \t") != std::string_view::npos)
    return make_error(Errc::kInvalidArgument, "INITIATOR takes exactly one name or pattern");
  for (const auto& other : t->groups)
    for (const auto& i : other.initiators)
      if (i == pattern)
        return make_error(Errc::kExists, fmt::format("initiator '{}' is already in group '{}' of target '{}'",
                                                     pattern, other.name, target));
  g->initiators.push_back(std::string(pattern));
  return ok();
}

Status remove_initiator(Config& c, std::string_view target, std::string_view group, std::string_view pattern) {
  config::TargetConfig* t = find_target(c, target);
  if (!t) return no_target(target);
  config::GroupConfig* g = find_group(*t, group);
  if (!g) return make_error(Errc::kNotFound, fmt::format("target '{}' has no group '{}'", target, group));
  if (!std::erase(g->initiators, std::string(pattern)))
    return make_error(Errc::kNotFound, fmt::format("group '{}' of target '{}' has no initiator '{}'", group,
                                                   target, pattern));
  return ok();
}

Status move_initiator(Config& c, std::string_view target, std::string_view group, std::string_view pattern,
                      std::string_view to_group) {
  config::TargetConfig* t = find_target(c, target);
  if (!t) return no_target(target);
  if (!find_group(*t, to_group))
    return make_error(Errc::kNotFound, fmt::format("target '{}' has no group '{}'", target, to_group));
  if (auto s = remove_initiator(c, target, group, pattern); !s) return s;
  find_group(*t, to_group)->initiators.push_back(std::string(pattern));
  return ok();
}

}  // namespace esan::mgmt::edits
