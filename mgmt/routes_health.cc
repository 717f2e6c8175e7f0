// GET /v1/health (docs/API.md "Health"): the resource agent's monitor.
// The device list comes from the running configuration (under the engine's
// lock); the replication status from the runtime's cluster states, which
// are fixed while esand runs (a reload that changes them is refused), so
// reading them needs no lock.
#include <charconv>
#include <map>
#include <mutex>

#include <fmt/format.h>

#include "events/event_log.h"
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

// A probe that fails where it answered before (or the first time it is
// run) is an event; one that keeps failing is not posted again, so a
// monitor asking every few seconds does not fill the log. With scheduled
// probes only device groups are posted here: the scheduler posts devices.
void post_failures(const std::vector<BackendProbe>& probes, const std::vector<GroupHealth>& groups) {
  static std::mutex mu;
  static std::map<std::string, bool> last_ok;  // "device NAME" / "group NAME" -> ok at the last probe
  std::lock_guard lock(mu);
  for (const auto& p : probes) {
    bool& was = last_ok.try_emplace("device " + p.device, true).first->second;
    if (!p.ok && was)
      events::post(events::Kind::kHealthFailed, events::Severity::kError,
                   fmt::format("health: device {} does not answer: {}", p.device, p.error),
                   {{"device", p.device}, {"path", p.path}, {"error", p.error}});
    was = p.ok;
  }
  for (const auto& g : groups) {
    bool& was = last_ok.try_emplace("group " + g.name, true).first->second;
    if (!g.ready && was)
      events::post(
          events::Kind::kHealthFailed, events::Severity::kError,
          fmt::format("health: device group {} is not ready (cluster group {}: {}, {})", g.name, g.cluster_group,
                      g.joined ? "joined" : "not joined", g.quorate ? "quorate" : "not quorate"),
          {{"device_group", g.name}, {"cluster_group", g.cluster_group}});
    was = g.ready;
  }
}

}  // namespace

void add_health_routes(Router& r, Engine& e, probes::Scheduler* scheduled) {
  r.route("GET", "/v1/health", [&e, scheduled](const Request& q) {
    auto timeout = timeout_of(q);
    if (!timeout) return error_response(timeout.error());
    config::Config cfg = e.snapshot().config;
    std::chrono::milliseconds limit(*timeout);
    // Scheduled: a fresh probe of each device that is not being probed,
    // waited for up to the timeout; a hung one answers at once.
    auto probes = scheduled ? scheduled_backends(cfg.devices,
                                                 scheduled->probe_now(std::chrono::steady_clock::now() + limit), limit)
                            : probe_backends(cfg.devices, limit);
    auto groups = group_health(cfg, e.server().runtime());
    post_failures(scheduled ? std::vector<BackendProbe>{} : probes, groups);
    return json_response(health_json(probes, groups));
  });
}

}  // namespace esan::mgmt
