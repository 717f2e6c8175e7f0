// Attribute-level building blocks for the management plane; see edit.h.
#include "config/edit.h"

#include <fmt/format.h>

#include "config/builders.h"

namespace esan::config {

namespace {

Node attribute_node(const std::pair<std::string, std::string>& a) {
  Node n;
  n.keyword = a.first;
  n.args = {a.second};
  return n;
}

void take_warnings(Context& ctx, Config& scratch, std::vector<std::string>* warnings) {
  ctx.finish();
  if (warnings)
    for (auto& w : scratch.warnings) warnings->push_back(std::move(w));
}

}  // namespace

Result<Handler> handler_from_name(std::string_view name) {
  if (name == "vdisk_fileio") return Handler::kFileIo;
  if (name == "vdisk_blockio") return Handler::kBlockIo;
  if (name == "vdisk_nullio") return Handler::kNullIo;
  if (name == "vdisk_rbd") return Handler::kRbd;
  if (is_scst_handler(name))
    return make_error(Errc::kInvalidArgument, fmt::format("handler '{}' is not supported", name));
  return make_error(Errc::kInvalidArgument, fmt::format("unknown handler type '{}'", name));
}

Result<DeviceConfig> make_device(std::string_view name, Handler handler, const Attributes& attrs,
                                 std::vector<std::string>* warnings) {
  Config scratch;
  Context ctx("", scratch);
  Node n;
  n.keyword = "DEVICE";
  n.args = {std::string(name)};
  n.has_block = true;
  for (const auto& a : attrs) n.children.push_back(attribute_node(a));
  if (auto s = build_device(ctx, n, handler); !s) return std::unexpected(s.error());
  take_warnings(ctx, scratch, warnings);
  return std::move(scratch.devices.front());
}

Attributes device_attributes(const DeviceConfig& d) {
  Attributes a;
  auto flag = [&](const char* k, bool v) { a.emplace_back(k, v ? "1" : "0"); };
  if (!d.filename.empty()) a.emplace_back("filename", d.filename);
  if (d.handler == Handler::kRbd) {
    a.emplace_back("pool", d.pool);
    a.emplace_back("image", d.image);
    if (!d.ceph_conf.empty()) a.emplace_back("ceph_conf", d.ceph_conf);
    if (!d.ceph_user.empty()) a.emplace_back("ceph_user", d.ceph_user);
    a.emplace_back("ceph_timeout", std::to_string(d.ceph_timeout));
  }
  a.emplace_back("blocksize", std::to_string(d.blocksize));
  flag("read_only", d.read_only);
  flag("removable", d.removable);
  flag("rotational", d.rotational);
  flag("thin_provisioned", d.thin_provisioned);
  flag("write_through", d.write_through);
  flag("nv_cache", d.nv_cache);
  flag("o_direct", d.o_direct);
  flag("lb_per_pb_exp", d.lb_per_pb_exp);
  if (d.size_bytes) a.emplace_back("size", std::to_string(d.size_bytes));
  auto str = [&](const char* k, const std::string& v) {
    if (!v.empty()) a.emplace_back(k, v);
  };
  str("t10_dev_id", d.t10_dev_id);
  str("t10_vend_id", d.t10_vend_id);
  str("prod_id", d.prod_id);
  str("prod_rev_lvl", d.prod_rev_lvl);
  str("usn", d.usn);
  return a;
}

Status set_target_attributes(const Config& cfg, TargetConfig& t, const Attributes& attrs,
                             std::vector<std::string>* warnings) {
  Config scratch = cfg;
  scratch.warnings.clear();
  std::erase_if(scratch.targets, [&](const TargetConfig& o) { return o.name == t.name; });
  Context ctx("", scratch);
  TargetConfig out = t;
  SeenOnce seen;
  for (const auto& a : attrs)
    if (auto s = target_attribute(ctx, attribute_node(a), out, seen); !s) return s;
  take_warnings(ctx, scratch, warnings);
  t = std::move(out);
  return ok();
}

Attributes target_attributes(const TargetConfig& t) {
  Attributes a;
  a.emplace_back("enabled", t.enabled ? "1" : "0");
  if (t.rel_tgt_id) a.emplace_back("rel_tgt_id", std::to_string(t.rel_tgt_id));
  for (const auto& [k, v] : t.attributes) a.emplace_back(k, v);
  return a;
}

Status set_driver_attributes(Config& cfg, const Attributes& attrs, std::vector<std::string>* warnings) {
  Config scratch = cfg;
  scratch.warnings.clear();
  Context ctx("", scratch);
  SeenOnce seen;
  for (const auto& a : attrs)
    if (auto s = driver_attribute(ctx, attribute_node(a), seen); !s) return s;
  ctx.finish();
  if (warnings)
    for (auto& w : scratch.warnings) warnings->push_back(std::move(w));
  scratch.warnings = std::move(cfg.warnings);
  cfg = std::move(scratch);
  return ok();
}

Attributes driver_attributes(const Config& cfg) {
  Attributes a;
  a.emplace_back("enabled", cfg.iscsi_enabled ? "1" : "0");
  for (const auto& [k, v] : cfg.iscsi_attributes) a.emplace_back(k, v);
  return a;
}

Status set_lun_attributes(LunConfig& lun, const Attributes& attrs) {
  Config scratch;
  Context ctx("", scratch);
  Node n;
  n.keyword = "LUN";
  n.args = {std::to_string(lun.lun), lun.device.empty() ? std::string("-") : lun.device};
  n.has_block = !attrs.empty();
  for (const auto& a : attrs) n.children.push_back(attribute_node(a));
  std::vector<LunConfig> built;
  if (auto s = build_lun(ctx, n, built, "request"); !s) return s;
  lun.read_only = built.front().read_only;
  return ok();
}

Status check_config(const Config& cfg) {
  Config copy = cfg;
  Context ctx("", copy);
  return check_references(ctx);
}

}  // namespace esan::config
