// write_config(): Config -> scst.conf text; see model.h.
//
// Contract: the output parses back (parse_config) to a Config equivalent()
// to the input. One statement per line, a tab per nesting level, SCST's
// section order (HANDLER, TARGET_DRIVER iscsi, DEVICE_GROUP), then esan's
// ESAN_ALIASES. Devices keep
// their order: consecutive devices with the same handler share a HANDLER
// section. Attributes equal to their default are left out, except enabled,
// group_id and state, which are always written. Words holding blanks, '#',
// '"', '{' or '}' (or empty) are double-quoted with '"' and '\' escaped.
#include <fmt/format.h>

#include "config/lexer.h"
#include "config/model.h"

namespace esan::config {

namespace {

class Writer {
 public:
  std::string take() { return std::move(out_); }

  void line(std::string_view key, std::string_view value) {
    indent();
    fmt::format_to(std::back_inserter(out_), "{} {}\n", key, quote_word(value));
  }
  void line(std::string_view key, uint64_t value) {
    indent();
    fmt::format_to(std::back_inserter(out_), "{} {}\n", key, value);
  }
  void flag(std::string_view key, bool value) {
    if (value) line(key, uint64_t{1});
  }
  void raw(std::string_view text) {
    indent();
    out_ += text;
    out_ += '\n';
  }
  void open(std::string_view header) {
    indent();
    fmt::format_to(std::back_inserter(out_), "{} {{\n", header);
    ++depth_;
  }
  void close() {
    --depth_;
    raw("}");
  }
  void blank() { out_ += '\n'; }

 private:
  void indent() { out_.append(size_t(depth_), '\t'); }

  std::string out_;
  int depth_ = 0;
};

void write_device(Writer& w, const DeviceConfig& d) {
  w.open(fmt::format("DEVICE {}", quote_word(d.name)));
  if (!d.filename.empty()) w.line("filename", d.filename);
  if (d.handler == Handler::kRbd) {
    w.line("pool", d.pool);
    w.line("image", d.image);
    if (!d.ceph_conf.empty()) w.line("ceph_conf", d.ceph_conf);
    if (!d.ceph_user.empty()) w.line("ceph_user", d.ceph_user);
    if (d.ceph_timeout != 30) w.line("ceph_timeout", uint64_t{d.ceph_timeout});
  }
  if (d.blocksize != 512) w.line("blocksize", uint64_t{d.blocksize});
  w.flag("read_only", d.read_only);
  w.flag("removable", d.removable);
  w.flag("rotational", d.rotational);
  w.flag("thin_provisioned", d.thin_provisioned);
  w.flag("write_through", d.write_through);
  w.flag("nv_cache", d.nv_cache);
  w.flag("o_direct", d.o_direct);
  if (!d.lb_per_pb_exp) w.line("lb_per_pb_exp", uint64_t{0});  // default 1
  if (d.size_bytes != 0) w.line("size", d.size_bytes);
  if (!d.t10_dev_id.empty()) w.line("t10_dev_id", d.t10_dev_id);
  if (!d.t10_vend_id.empty()) w.line("t10_vend_id", d.t10_vend_id);
  if (!d.prod_id.empty()) w.line("prod_id", d.prod_id);
  if (!d.prod_rev_lvl.empty()) w.line("prod_rev_lvl", d.prod_rev_lvl);
  if (!d.usn.empty()) w.line("usn", d.usn);
  w.close();
}

void write_devices(Writer& w, const std::vector<DeviceConfig>& devices) {
  for (size_t i = 0; i < devices.size();) {
    Handler h = devices[i].handler;
    w.open(fmt::format("HANDLER {}", handler_name(h)));
    for (; i < devices.size() && devices[i].handler == h; ++i) write_device(w, devices[i]);
    w.close();
    w.blank();
  }
}

void write_users(Writer& w, const std::vector<std::string>& in,
                 const std::vector<std::string>& out) {
  for (const auto& u : in) w.line("IncomingUser", u);
  for (const auto& u : out) w.line("OutgoingUser", u);
}

void write_lun(Writer& w, const LunConfig& l) {
  std::string head = fmt::format("LUN {} {}", l.lun, quote_word(l.device));
  if (!l.read_only) return w.raw(head);
  w.open(head);
  w.line("read_only", uint64_t{1});
  w.close();
}

void write_target(Writer& w, const TargetConfig& t) {
  w.open(fmt::format("TARGET {}", quote_word(t.name)));
  w.line("enabled", uint64_t{t.enabled});
  if (t.rel_tgt_id != 0) w.line("rel_tgt_id", uint64_t{t.rel_tgt_id});
  write_users(w, t.incoming_users, t.outgoing_users);
  if (t.internal) w.line("esan_internal", uint64_t{1});
  for (const auto& a : t.peer_addresses) w.line("esan_peer_address", a);
  for (const auto& [k, v] : t.attributes) w.line(k, v);
  for (const auto& l : t.luns) write_lun(w, l);
  for (const auto& g : t.groups) {
    w.open(fmt::format("GROUP {}", quote_word(g.name)));
    for (const auto& l : g.luns) write_lun(w, l);
    for (const auto& i : g.initiators) w.line("INITIATOR", i);
    w.close();
  }
  w.close();
}

void write_iscsi(Writer& w, const Config& c) {
  if (!c.iscsi_enabled && c.targets.empty() && c.iscsi_incoming_users.empty() &&
      c.iscsi_outgoing_users.empty() && c.iscsi_attributes.empty())
    return;
  w.open("TARGET_DRIVER iscsi");
  w.line("enabled", uint64_t{c.iscsi_enabled});
  write_users(w, c.iscsi_incoming_users, c.iscsi_outgoing_users);
  for (const auto& [k, v] : c.iscsi_attributes) w.line(k, v);
  for (const auto& t : c.targets) {
    w.blank();
    write_target(w, t);
  }
  w.close();
  w.blank();
}

void write_device_group(Writer& w, const DeviceGroupConfig& dg) {
  w.open(fmt::format("DEVICE_GROUP {}", quote_word(dg.name)));
  if (!dg.cluster_group.empty()) w.line("esan_cluster_group", dg.cluster_group);
  if (dg.cluster_owned) w.line("esan_alua_owner", std::string("cluster"));
  if (dg.io_policy != default_io_policy(dg))
    w.line("esan_io_policy", std::string(dg.io_policy == IoPolicy::kRedirect ? "redirect" : "local"));
  if (dg.io_policy == IoPolicy::kRedirect && dg.redirect_hold_ms != DeviceGroupConfig::kDefaultRedirectHoldMs)
    w.line("esan_redirect_hold_ms", std::to_string(dg.redirect_hold_ms));
  if (dg.alua_access != default_alua_access(dg)) w.line("esan_alua_access", std::string(alua_access_name(dg.alua_access)));
  for (const auto& d : dg.devices) w.line("DEVICE", d);
  for (const auto& tg : dg.target_groups) {
    w.open(fmt::format("TARGET_GROUP {}", quote_word(tg.name)));
    w.line("group_id", uint64_t{tg.group_id});
    w.line("state", tg.state);
    if (!tg.peer_portal.empty()) {
      w.line("esan_peer_portal", tg.peer_portal);
      w.line("esan_peer_target", tg.peer_target);
      w.line("esan_peer_chap", tg.peer_chap);
    }
    for (const auto& m : tg.targets) {
      if (m.rel_tgt_id == 0) {
        w.line("TARGET", m.target);
        continue;
      }
      w.open(fmt::format("TARGET {}", quote_word(m.target)));
      w.line("rel_tgt_id", uint64_t{m.rel_tgt_id});
      w.close();
    }
    w.close();
  }
  w.close();
  w.blank();
}

}  // namespace

std::string write_config(const Config& cfg) {
  Writer w;
  w.raw("# Written by esand.");
  w.blank();
  write_devices(w, cfg.devices);
  write_iscsi(w, cfg);
  for (const auto& dg : cfg.device_groups) write_device_group(w, dg);
  if (!cfg.initiator_aliases.empty()) {
    w.open("ESAN_ALIASES");
    for (const auto& [initiator, alias] : cfg.initiator_aliases) w.raw(fmt::format("{} {}", initiator, alias));
    w.close();
  }
  return w.take();
}

}  // namespace esan::config
