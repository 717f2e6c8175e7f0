// GET /v1/health (docs/API.md "Health"): the resource agent's monitor.
// The device list comes from the running configuration (under the engine's
// lock); the replication status from the runtime's cluster states, which
// are fixed while esand runs (a reload that changes them is refused), so
// reading them needs no lock.
#include <charconv>

#include <fmt/format.h>

#include "mgmt/health.h"
#include "mgmt/routes.h"

namespace esan::mgmt {

namespace {

constexpr long kDefaultTimeoutMs = 5000, kMaxTimeoutMs = 60000;

Result<long> timeout_of(const Request& q) {
  auto it = q.query.find("timeout_ms");
  if (it == q.query.end()) return kDefaultTimeoutMs;
  long v = 0;
  const std::string& s = it->second;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 1 || v > kMaxTimeoutMs)
    return make_error(Errc::kInvalidArgument,
                      fmt::format("timeout_ms must be a number of milliseconds from 1 to {}, not '{}'",
                                  kMaxTimeoutMs, s));
  return v;
}

}  // namespace

void add_health_routes(Router& r, Engine& e) {
  r.route("GET", "/v1/health", [&e](const Request& q) {
    auto timeout = timeout_of(q);
    if (!timeout) return error_response(timeout.error());
    config::Config cfg = e.snapshot().config;
    auto probes = probe_backends(cfg.devices, std::chrono::milliseconds(*timeout));
    auto groups = group_health(cfg, e.server().runtime());
    return json_response(health_json(probes, groups));
  });
}

}  // namespace esan::mgmt
