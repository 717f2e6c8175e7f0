#include "daemon/runtime.h"

#include <fmt/format.h>

#include <set>

#include "backend/block_device.h"

namespace esan::daemon {

namespace {

Result<std::shared_ptr<scsi::LogicalUnit>> open_device(const config::DeviceConfig& d, const std::string& path) {
  std::unique_ptr<backend::BlockDevice> dev;
  if (d.handler == config::Handler::kNullIo) {
    dev = backend::make_null_device(d.size_bytes ? d.size_bytes : kDefaultNullSize);
  } else {
    backend::FileOptions opts{.path = d.filename, .size_bytes = d.size_bytes, .read_only = d.read_only,
                              .write_through = d.write_through};
    auto r = d.handler == config::Handler::kBlockIo || d.o_direct ? backend::open_block_device(opts)
                                                                  : backend::open_file_device(opts);
    if (!r) return make_error(r.error().code, fmt::format("{}:{}: device '{}': {}", path, d.line, d.name, r.error().message));
    dev = std::move(*r);
  }
  if (dev->size_bytes() < d.blocksize)
    return make_error(Errc::kInvalidArgument,
                      fmt::format("{}:{}: device '{}' is smaller than one block", path, d.line, d.name));
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
  auto lu = scsi::make_logical_unit(std::move(lc), std::move(dev));
  if (!lu) return make_error(lu.error().code, fmt::format("{}:{}: device '{}': {}", path, d.line, d.name, lu.error().message));
  return *lu;
}

std::shared_ptr<const scsi::LunMap> make_map(const std::vector<config::LunConfig>& luns, const Runtime& rt) {
  auto map = std::make_shared<scsi::LunMap>();
  for (const auto& l : luns) (*map)[l.lun] = scsi::LunMapping{rt.devices.at(l.device), l.read_only};
  return map;
}

}  // namespace

Result<Runtime> build_runtime(const config::Config& cfg, const std::string& path) {
  Runtime rt;
  rt.iscsi_enabled = cfg.iscsi_enabled;
  for (const auto& d : cfg.devices) {
    auto lu = open_device(d, path);
    if (!lu) return std::unexpected(lu.error());
    rt.devices.emplace(d.name, std::move(*lu));
  }
  std::set<uint16_t> used;
  for (const auto& t : cfg.targets)
    if (t.rel_tgt_id) used.insert(t.rel_tgt_id);
  uint16_t next_id = 1;
  for (const auto& t : cfg.targets) {
    iscsi::TargetEntry e;
    e.name = t.name;
    e.enabled = t.enabled;
    if (auto it = t.attributes.find("alias"); it != t.attributes.end()) e.alias = it->second;
    e.rel_tgt_id = t.rel_tgt_id;
    if (!e.rel_tgt_id) {
      while (used.count(next_id)) ++next_id;
      e.rel_tgt_id = next_id;
      used.insert(next_id);
    }
    e.luns = make_map(t.luns, rt);
    for (const auto& g : t.groups)
      e.groups.push_back(iscsi::TargetEntry::Group{g.name, g.initiators, make_map(g.luns, rt)});
    rt.targets.push_back(std::move(e));
  }
  return rt;
}

}  // namespace esan::daemon
