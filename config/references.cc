// Checks between sections once the model is built; see builders.h.
#include <fmt/format.h>

#include "config/builders.h"

namespace esan::config {

namespace {

Status check_luns(const Context& ctx, const Config& cfg, const std::vector<LunConfig>& luns,
                  std::string_view owner) {
  for (const LunConfig& l : luns)
    if (!cfg.find_device(l.device))
      return ctx.fail(l.line, fmt::format("LUN {} of {} refers to unknown device '{}'", l.lun,
                                          owner, l.device));
  return ok();
}

}  // namespace

Status check_references(const Context& ctx) {
  const Config& cfg = ctx.cfg();
  for (size_t i = 0; i < cfg.targets.size(); ++i) {
    const TargetConfig& t = cfg.targets[i];
    if (auto s = check_luns(ctx, cfg, t.luns, fmt::format("target '{}'", t.name)); !s) return s;
    for (const GroupConfig& g : t.groups)
      if (auto s = check_luns(ctx, cfg, g.luns, fmt::format("group '{}'", g.name)); !s) return s;
    if (t.rel_tgt_id == 0) continue;
    for (size_t j = 0; j < i; ++j)
      if (cfg.targets[j].rel_tgt_id == t.rel_tgt_id)
        return ctx.fail(t.line, fmt::format("rel_tgt_id {} of target '{}' is already used by "
                                            "target '{}'",
                                            t.rel_tgt_id, t.name, cfg.targets[j].name));
  }
  return check_device_group_targets(ctx);
}

}  // namespace esan::config
