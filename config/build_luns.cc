// LUN lines and GROUP sections -> LunConfig / GroupConfig.
//
// Contract: see builders.h. LUN numbers are 0..16383 and unique within their
// target or group; INITIATOR takes one pattern and may repeat, but the same
// pattern twice in one group is an error. Device existence is checked later
// by check_references().
#include <fmt/format.h>

#include "config/builders.h"
#include "config/values.h"

namespace esan::config {

namespace {
constexpr uint64_t kMaxLun = 16383;
}

Status build_lun(Context& ctx, const Node& n, std::vector<LunConfig>& luns,
                 std::string_view owner) {
  if (n.args.size() != 2 || n.args[1].empty())
    return ctx.fail(n.line, "LUN needs a number and a device name");
  auto num = parse_uint(n.args[0], kMaxLun);
  if (!num) return ctx.fail(n.line, fmt::format("LUN number {}", num.error()));
  for (const LunConfig& l : luns)
    if (l.lun == *num)
      return ctx.fail(
          n.line, fmt::format("duplicate LUN {} in {} (first at line {})", *num, owner, l.line));
  LunConfig lun{*num, n.args[1], false, n.line};
  SeenOnce seen;
  for (const Node& a : n.children) {
    if (a.keyword != "read_only") return ctx.unknown(a, Section::kLun);
    if (auto s = seen.check(ctx, a); !s) return s;
    auto v = ctx.boolean(a);
    if (!v) return std::unexpected(v.error());
    lun.read_only = *v;
  }
  luns.push_back(std::move(lun));
  return ok();
}

Status build_group(Context& ctx, const Node& n, std::vector<GroupConfig>& groups) {
  auto name = ctx.name(n);
  if (!name) return std::unexpected(name.error());
  for (const GroupConfig& g : groups)
    if (g.name == *name)
      return ctx.fail(n.line,
                      fmt::format("duplicate GROUP '{}' (first at line {})", *name, g.line));
  GroupConfig g;
  g.name = *name;
  g.line = n.line;
  const std::string owner = fmt::format("group '{}'", g.name);
  for (const Node& c : n.children) {
    if (c.keyword == "LUN") {
      if (auto s = build_lun(ctx, c, g.luns, owner); !s) return s;
    } else if (c.keyword == "INITIATOR") {
      if (auto s = ctx.no_block(c); !s) return s;
      if (c.args.size() != 1 || c.args[0].empty())
        return ctx.fail(c.line, "INITIATOR takes exactly one name or pattern");
      for (const auto& i : g.initiators)
        if (i == c.args[0])
          return ctx.fail(c.line, fmt::format("duplicate INITIATOR '{}' in {}", i, owner));
      g.initiators.push_back(c.args[0]);
    } else if (is_unimplemented(Section::kGroup, c.keyword)) {
      ctx.warn_unimplemented(c);
    } else {
      return ctx.unknown(c, Section::kGroup);
    }
  }
  groups.push_back(std::move(g));
  return ok();
}

}  // namespace esan::config
