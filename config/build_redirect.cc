// The HA pair's I/O redirect in scst.conf (docs/ARCHITECTURE.md, "I/O
// redirect"): esan_io_policy in DEVICE_GROUP, esan_peer_portal /
// esan_peer_target / esan_peer_chap in a TARGET_GROUP of the other node's
// ports, esan_internal / esan_peer_address in TARGET.
//
// Contract: see builders.h. Rules:
//  - the three esan_peer_* come together, in a target group whose members
//    are all the other node's ports (checked with the TARGET sections);
//    esan_peer_portal is HOST:PORT ([v6]:PORT), port 1..65535;
//    esan_peer_chap is "USER SECRET" as IncomingUser;
//  - esan_io_policy redirect needs a target group with esan_peer_portal;
//    esan_redirect_hold_ms (0..25000) only with the redirect policy;
//    a redirect (given or by default) without esan_cluster_group is
//    accepted with a warning (the nodes then do not share reservations and
//    unit attentions), and so is one of a buffered vdisk_fileio device
//    (neither write_through nor o_direct: its acknowledged writes may sit
//    in this node's page cache when it dies);
//  - esan_internal 1 needs an IncomingUser and at least one
//    esan_peer_address; esan_peer_address needs esan_internal 1.
#include <arpa/inet.h>
#include <fmt/format.h>

#include "config/builders.h"

namespace esan::config {

namespace {

bool is_ip(const std::string& a) {
  unsigned char buf[16];
  return inet_pton(AF_INET, a.c_str(), buf) == 1 || inet_pton(AF_INET6, a.c_str(), buf) == 1;
}

// "host:port" or "[v6]:port" with a port in 1..65535.
bool is_portal(const std::string& p) {
  size_t colon = p.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == p.size() || colon + 6 < p.size()) return false;
  std::string host = p.substr(0, colon);
  if (host.front() == '[' && (host.size() < 3 || host.back() != ']')) return false;
  if (host.front() != '[' && host.find(':') != std::string::npos) return false;  // bare IPv6 needs brackets
  unsigned port = 0;
  for (char c : p.substr(colon + 1)) {
    if (c < '0' || c > '9') return false;
    port = port * 10 + unsigned(c - '0');
  }
  return port >= 1 && port <= 65535;
}

}  // namespace

bool is_peer_attribute(std::string_view keyword) {
  return keyword == "esan_peer_portal" || keyword == "esan_peer_target" || keyword == "esan_peer_chap";
}

Status peer_attribute(Context& ctx, const Node& a, TargetGroupConfig& tg) {
  if (a.keyword == "esan_peer_chap") {
    auto v = ctx.user(a);
    if (!v) return std::unexpected(v.error());
    tg.peer_chap = std::move(*v);
    return ok();
  }
  auto v = ctx.text(a);
  if (!v) return std::unexpected(v.error());
  if (v->find_first_of(" \t") != std::string::npos)
    return ctx.fail(a.line, fmt::format("{} '{}' must be one word", a.keyword, *v));
  if (a.keyword == "esan_peer_portal") {
    if (!is_portal(*v))
      return ctx.fail(a.line, fmt::format("esan_peer_portal '{}' is invalid (use HOST:PORT or [IPV6]:PORT, port "
                                          "1..65535)", *v));
    tg.peer_portal = std::move(*v);
  } else {
    tg.peer_target = std::move(*v);
  }
  return ok();
}

Status check_peer(const Context& ctx, const TargetGroupConfig& tg) {
  int given = !tg.peer_portal.empty() + !tg.peer_target.empty() + !tg.peer_chap.empty();
  if (given == 0 || given == 3) return ok();
  return ctx.fail(tg.line, fmt::format("target group '{}' needs esan_peer_portal, esan_peer_target and "
                                       "esan_peer_chap together (the other node's internal target and its "
                                       "CHAP account)", tg.name));
}

Status io_policy_attribute(Context& ctx, const Node& a, DeviceGroupConfig& dg) {
  auto v = ctx.text(a);
  if (!v) return std::unexpected(v.error());
  if (*v != "redirect" && *v != "local")
    return ctx.fail(a.line, fmt::format("esan_io_policy '{}' is invalid (use redirect or local)", *v));
  dg.io_policy = *v == "redirect" ? IoPolicy::kRedirect : IoPolicy::kLocal;
  return ok();
}

Status redirect_hold_attribute(Context& ctx, const Node& a, DeviceGroupConfig& dg) {
  auto v = ctx.number(a, DeviceGroupConfig::kMaxRedirectHoldMs);
  if (!v) return std::unexpected(v.error());
  dg.redirect_hold_ms = uint32_t(*v);
  return ok();
}

Status check_io_policy(Context& ctx, DeviceGroupConfig& dg, int policy_line) {
  IoPolicy dflt = default_io_policy(dg);
  if (!policy_line) dg.io_policy = dflt;
  if (policy_line && dg.io_policy == IoPolicy::kRedirect && dflt != IoPolicy::kRedirect)
    return ctx.fail(policy_line, fmt::format("device group '{}': esan_io_policy redirect needs a TARGET_GROUP of "
                                             "the other node's ports with esan_peer_portal (where to forward)",
                                             dg.name));
  if (dg.io_policy == IoPolicy::kRedirect && dg.cluster_group.empty())
    ctx.warn(policy_line ? policy_line : dg.line, fmt::format("device group '{}' redirects I/O without esan_cluster_group: reservations, "
                                      "unit attentions and ALUA states are not shared with the other node",
                                      dg.name));
  if (dg.io_policy == IoPolicy::kRedirect)
    for (const auto& name : dg.devices) {
      const DeviceConfig* d = ctx.cfg().find_device(name);
      if (d && d->handler == Handler::kRbd && !d->write_through) {
        ctx.warn(policy_line ? policy_line : dg.line,
                 fmt::format("device group '{}' redirects I/O and device '{}' is a vdisk_rbd with librbd's write-back "
                             "cache: writes it acknowledged before a SYNCHRONIZE CACHE are lost if this node dies "
                             "(use write_through 1)",
                             dg.name, name));
        continue;
      }
      if (!d || d->handler != Handler::kFileIo || d->write_through || d->o_direct) continue;
      ctx.warn(policy_line ? policy_line : dg.line,
               fmt::format("device group '{}' redirects I/O and device '{}' is a buffered vdisk_fileio: on disks "
                           "shared by two machines, writes it acknowledged from its page cache are lost if this node "
                           "dies (use vdisk_blockio, write_through 1 or o_direct 1)",
                           dg.name, name));
    }
  return ok();
}

bool is_internal_attribute(std::string_view keyword) {
  return keyword == "esan_internal" || keyword == "esan_peer_address";
}

Status internal_attribute(Context& ctx, const Node& c, TargetConfig& t) {
  if (c.keyword == "esan_internal") {
    auto v = ctx.boolean(c);
    if (!v) return std::unexpected(v.error());
    t.internal = *v;
    return ok();
  }
  auto v = ctx.text(c);
  if (!v) return std::unexpected(v.error());
  if (!is_ip(*v))
    return ctx.fail(c.line, fmt::format("esan_peer_address '{}' is not an IPv4 or IPv6 address", *v));
  for (const auto& a : t.peer_addresses)
    if (a == *v) return ctx.fail(c.line, fmt::format("esan_peer_address '{}' given twice", *v));
  t.peer_addresses.push_back(std::move(*v));
  return ok();
}

Status check_internal(const Context& ctx, const TargetConfig& t) {
  if (!t.internal) {
    if (t.peer_addresses.empty()) return ok();
    return ctx.fail(t.line, fmt::format("target '{}' has esan_peer_address but is not esan_internal 1", t.name));
  }
  if (t.incoming_users.empty())
    return ctx.fail(t.line, fmt::format("internal target '{}' needs an IncomingUser (the other node logs in "
                                        "with CHAP)", t.name));
  if (t.peer_addresses.empty())
    return ctx.fail(t.line, fmt::format("internal target '{}' needs at least one esan_peer_address (the address "
                                        "the other node logs in from)", t.name));
  return ok();
}

Status check_peer_members(const Context& ctx, const TargetGroupConfig& tg) {
  if (tg.peer_portal.empty()) return ok();
  if (tg.targets.empty())
    return ctx.fail(tg.line, fmt::format("target group '{}' has esan_peer_portal but no TARGET (the other "
                                         "node's ports)", tg.name));
  for (const auto& m : tg.targets)
    if (ctx.cfg().find_target(m.target))
      return ctx.fail(m.line, fmt::format("target group '{}' has esan_peer_portal, so it describes the other "
                                          "node's ports, but target '{}' is local", tg.name, m.target));
  return ok();
}

}  // namespace esan::config
