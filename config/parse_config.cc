// parse_config(): syntax tree -> validated Config; see model.h.
//
// Contract: HANDLER sections are built first (so later sections can refer to
// devices wherever they appear), then TARGET_DRIVER and DEVICE_GROUP in file
// order, then cross-section references are checked. Top-level SCST keys esand
// ignores (setup_id, max_tasklet_cmd, suspend, trace_level) only warn.
#include <fmt/format.h>

#include "config/builders.h"

namespace esan::config {

namespace {

struct Nesting {
  std::string_view keyword, parent;
};
constexpr Nesting kNested[] = {{"DEVICE", "HANDLER"},  {"TARGET", "TARGET_DRIVER"},
                               {"LUN", "TARGET"},      {"GROUP", "TARGET"},
                               {"INITIATOR", "GROUP"}, {"TARGET_GROUP", "DEVICE_GROUP"}};

Status build_top_level(Context& ctx, const Node& n) {
  if (n.keyword == "HANDLER") return ok();  // built in the first pass
  if (n.keyword == "TARGET_DRIVER") return build_target_driver(ctx, n);
  if (n.keyword == "DEVICE_GROUP") return build_device_group(ctx, n);
  if (n.keyword == "ESAN_ALIASES") return build_aliases(ctx, n);
  if (is_unimplemented(Section::kTop, n.keyword)) {
    ctx.warn_unimplemented(n);
    return ok();
  }
  for (auto [kw, parent] : kNested)
    if (n.keyword == kw)
      return ctx.fail(n.line, fmt::format("'{}' must be inside a {} section", kw, parent));
  return ctx.fail(n.line, fmt::format("unknown keyword '{}' at top level", n.keyword));
}

}  // namespace

Result<Config> parse_config(std::string_view text, std::string_view file_name) {
  auto tree = parse_syntax(text, file_name);
  if (!tree) return std::unexpected(tree.error());
  Config cfg;
  Context ctx(file_name, cfg);
  for (const Node& n : *tree)
    if (n.keyword == "HANDLER")
      if (auto s = build_handler(ctx, n); !s) return std::unexpected(s.error());
  for (const Node& n : *tree)
    if (auto s = build_top_level(ctx, n); !s) return std::unexpected(s.error());
  if (auto s = check_references(ctx); !s) return std::unexpected(s.error());
  ctx.finish();
  return cfg;
}

}  // namespace esan::config
