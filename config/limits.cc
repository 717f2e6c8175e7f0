// Resource-limit attributes; see limits.h for the contract.
#include "config/limits.h"

#include <fmt/format.h>

#include "common/named.h"
#include "config/context.h"
#include "config/values.h"

namespace esan::config {

namespace {

struct LimitSpec {
  std::string_view name;
  uint64_t min, max;
  bool driver_only;
};

constexpr LimitSpec kLimits[] = {
    {"MaxSessions", 0, 65535, false},
    {"QueuedCommands", 1, 2048, false},
    {"esan_max_connections", 0, 1000000, true},
    {"esan_max_connections_per_initiator", 0, 1000000, true},
    {"esan_max_buffered_mb", 1, 65536, true},
};

const LimitSpec* find_spec(std::string_view name) { return find_named(kLimits, name); }

}  // namespace

bool is_limit_attribute(Section s, std::string_view name) {
  const LimitSpec* spec = find_spec(name);
  if (!spec) return false;
  return s == Section::kDriver || (s == Section::kTarget && !spec->driver_only);
}

Status limit_attribute(Context& ctx, const Node& n, std::map<std::string, std::string>& attrs) {
  const LimitSpec* spec = find_spec(n.keyword);
  if (!spec) return ctx.fail(n.line, fmt::format("attribute '{}' is not a limit", n.keyword));
  auto v = ctx.number(n, spec->max);
  if (!v) return std::unexpected(v.error());
  if (*v < spec->min)
    return ctx.fail(n.line, fmt::format("attribute '{}': {} is below the minimum {}", n.keyword, *v,
                                        spec->min));
  attrs[n.keyword] = std::to_string(*v);
  return ok();
}

std::optional<uint64_t> limit_value(const std::map<std::string, std::string>& attrs,
                                    std::string_view name) {
  auto it = attrs.find(std::string(name));
  if (it == attrs.end()) return std::nullopt;
  auto v = parse_uint(it->second, UINT64_MAX);
  if (!v) return std::nullopt;
  return *v;
}

}  // namespace esan::config
