// TARGET_DRIVER and TARGET sections -> Config / TargetConfig.
//
// Contract: see builders.h. Only TARGET_DRIVER iscsi is built; other real
// SCST drivers (copy_manager, qla2x00t, ...) leave the warning
// "target driver 'x' not supported, section ignored" and their content is
// not looked at; any other driver name is an error. Target names are unique;
// rel_tgt_id is 1..65535; an initiator pattern belongs to one GROUP only.
#include <fmt/format.h>

#include "config/builders.h"
#include "config/limits.h"

namespace esan::config {

namespace {

constexpr uint64_t kMaxRelTgtId = 65535;

// True if `secret` is configured in the other direction anywhere so far
// (driver level, finished targets, the target being built).
bool secret_in_other_direction(const Config& cfg, const TargetConfig* current, bool incoming,
                               std::string_view secret) {
  auto in = [&](const std::vector<std::string>& users) {
    for (const auto& u : users)
      if (split_user(u).secret == secret) return true;
    return false;
  };
  auto other = [&](const std::vector<std::string>& i, const std::vector<std::string>& o) {
    return in(incoming ? o : i);
  };
  if (other(cfg.iscsi_incoming_users, cfg.iscsi_outgoing_users)) return true;
  for (const auto& t : cfg.targets)
    if (other(t.incoming_users, t.outgoing_users)) return true;
  return current && other(current->incoming_users, current->outgoing_users);
}

// IncomingUser/OutgoingUser -> the matching list of `scope` (the driver or
// the target `current`). User names are unique per list, OutgoingUser is
// given at most once per scope, and no secret serves both directions
// (RFC 7143 §12.1.3). Messages never contain a secret.
Status add_user(Context& ctx, const Node& n, std::vector<std::string>& incoming,
                std::vector<std::string>& outgoing, const TargetConfig* current) {
  auto v = ctx.user(n);
  if (!v) return std::unexpected(v.error());
  const bool is_in = n.keyword == "IncomingUser";
  const std::string scope =
      current ? fmt::format("target '{}'", current->name) : std::string("TARGET_DRIVER iscsi");
  UserCredential cred = split_user(*v);
  if (is_in) {
    for (const auto& u : incoming)
      if (split_user(u).name == cred.name)
        return ctx.fail(n.line, fmt::format("IncomingUser '{}' given twice in {}", cred.name, scope));
  } else if (!outgoing.empty()) {
    return ctx.fail(n.line,
                    fmt::format("OutgoingUser given twice in {} (only one is allowed)", scope));
  }
  if (secret_in_other_direction(ctx.cfg(), current, is_in, cred.secret))
    return ctx.fail(n.line, fmt::format("{} '{}' has the same secret as an {}; a CHAP secret may "
                                        "authenticate one direction only",
                                        n.keyword, cred.name,
                                        is_in ? "OutgoingUser" : "IncomingUser"));
  (is_in ? incoming : outgoing).push_back(std::move(*v));
  return ok();
}

Status check_initiators_unique(const Context& ctx, const TargetConfig& t) {
  for (size_t i = 0; i < t.groups.size(); ++i)
    for (size_t j = i + 1; j < t.groups.size(); ++j)
      for (const auto& name : t.groups[j].initiators)
        for (const auto& earlier : t.groups[i].initiators)
          if (name == earlier)
            return ctx.fail(t.groups[j].line,
                            fmt::format("INITIATOR '{}' is in both group '{}' and group '{}' of "
                                        "target '{}'",
                                        name, t.groups[i].name, t.groups[j].name, t.name));
  return ok();
}

}  // namespace

Status target_attribute(Context& ctx, const Node& c, TargetConfig& t, SeenOnce& seen) {
  if (c.keyword == "IncomingUser" || c.keyword == "OutgoingUser")
    return add_user(ctx, c, t.incoming_users, t.outgoing_users, &t);
  if (is_unimplemented(Section::kTarget, c.keyword)) {
    ctx.warn_unimplemented(c);
    return ok();
  }
  bool limit = is_limit_attribute(Section::kTarget, c.keyword);
  if (c.keyword == "esan_peer_address") return internal_attribute(ctx, c, t);  // repeatable
  bool known = c.keyword == "enabled" || c.keyword == "rel_tgt_id" || limit || is_iscsi_param(c.keyword) ||
               is_internal_attribute(c.keyword);
  if (!known) return ctx.unknown(c, Section::kTarget);
  if (auto s = seen.check(ctx, c); !s) return s;
  if (is_internal_attribute(c.keyword)) return internal_attribute(ctx, c, t);
  if (limit) return limit_attribute(ctx, c, t.attributes);
  if (c.keyword == "enabled") {
    auto v = ctx.boolean(c);
    if (!v) return std::unexpected(v.error());
    t.enabled = *v;
  } else if (c.keyword == "rel_tgt_id") {
    auto v = ctx.number(c, kMaxRelTgtId);
    if (!v) return std::unexpected(v.error());
    if (*v == 0) return ctx.fail(c.line, "rel_tgt_id must be in 1..65535");
    t.rel_tgt_id = uint16_t(*v);
  } else {
    auto v = ctx.text(c);
    if (!v) return std::unexpected(v.error());
    t.attributes[c.keyword] = std::move(*v);
  }
  return ok();
}

namespace {

Status build_target(Context& ctx, const Node& n) {
  auto name = ctx.name(n);
  if (!name) return std::unexpected(name.error());
  if (const TargetConfig* prev = ctx.cfg().find_target(*name))
    return ctx.fail(
        n.line, fmt::format("duplicate target '{}' (first defined at line {})", *name, prev->line));
  TargetConfig t;
  t.name = *name;
  t.line = n.line;
  const std::string owner = fmt::format("target '{}'", t.name);
  SeenOnce seen;
  for (const Node& c : n.children) {
    Status s;
    if (c.keyword == "LUN")
      s = build_lun(ctx, c, t.luns, owner);
    else if (c.keyword == "GROUP")
      s = build_group(ctx, c, t.groups);
    else
      s = target_attribute(ctx, c, t, seen);
    if (!s) return s;
  }
  if (auto s = check_initiators_unique(ctx, t); !s) return s;
  if (auto s = check_internal(ctx, t); !s) return s;
  ctx.cfg().targets.push_back(std::move(t));
  return ok();
}

Status build_iscsi_driver(Context& ctx, const Node& n) {
  SeenOnce seen;
  for (const Node& c : n.children) {
    Status s = c.keyword == "TARGET" ? build_target(ctx, c) : driver_attribute(ctx, c, seen);
    if (!s) return s;
  }
  return ok();
}

}  // namespace

Status driver_attribute(Context& ctx, const Node& c, SeenOnce& seen) {
  Config& cfg = ctx.cfg();
  if (c.keyword == "IncomingUser" || c.keyword == "OutgoingUser")
    return add_user(ctx, c, cfg.iscsi_incoming_users, cfg.iscsi_outgoing_users, nullptr);
  if (is_unimplemented(Section::kDriver, c.keyword)) {
    ctx.warn_unimplemented(c);
    return ok();
  }
  if (c.keyword == "enabled") {
    if (auto s = seen.check(ctx, c); !s) return s;
    auto v = ctx.boolean(c);
    if (!v) return std::unexpected(v.error());
    cfg.iscsi_enabled = *v;
    return ok();
  }
  if (is_limit_attribute(Section::kDriver, c.keyword)) {
    if (auto s = seen.check(ctx, c); !s) return s;
    return limit_attribute(ctx, c, cfg.iscsi_attributes);
  }
  if (is_iscsi_param(c.keyword)) {
    if (auto s = seen.check(ctx, c); !s) return s;
    auto v = ctx.text(c);
    if (!v) return std::unexpected(v.error());
    cfg.iscsi_attributes[c.keyword] = std::move(*v);
    return ok();
  }
  return ctx.unknown(c, Section::kDriver);
}

Status build_target_driver(Context& ctx, const Node& n) {
  auto name = ctx.name(n);
  if (!name) return std::unexpected(name.error());
  if (*name == "iscsi") return build_iscsi_driver(ctx, n);
  if (is_scst_target_driver(*name)) {
    ctx.warn(n.line, fmt::format("target driver '{}' not supported, section ignored", *name));
    return ok();
  }
  return ctx.fail(n.line,
                  fmt::format("unknown target driver '{}' (esand supports 'iscsi')", *name));
}

}  // namespace esan::config
