// Sessions and statistics endpoints (docs/API.md "Sessions", "Statistics"):
// thin wrappers over Server's thread-safe observers and mgmt/observe.h.
#include "mgmt/observe.h"
#include "mgmt/routes.h"

namespace esan::mgmt {

void add_observe_routes(Router& r, Engine& e, server::Server& server, probes::Scheduler* probes) {
  // Each session with an admin alias (ESAN_ALIASES) for its initiator gets "alias".
  r.route("GET", "/v1/sessions", [&e, &server](const Request&) {
    Json j = sessions_json(server.list_sessions());
    auto aliases = e.snapshot().config.initiator_aliases;
    for (auto& s : j)
      if (auto it = aliases.find(s.value("initiator", "")); it != aliases.end()) s["alias"] = it->second;
    return json_response(j);
  });
  r.route("DELETE", "/v1/sessions/{id}", [&server](const Request& req) {
    auto tsih = parse_session_id(req.params.at("id"));
    if (!tsih) return error_response(tsih.error());
    return status_response(server.close_session(*tsih));
  });
  r.route("GET", "/metrics", [&e, probes](const Request&) {
    Response res;
    res.body =
        metrics_text(e.observe()) + probe_metrics_text(probes ? probes->health() : std::vector<probes::DeviceHealth>{});
    res.content_type = "text/plain; version=0.0.4";
    return res;
  });
  r.route("GET", "/v1/stats", [&e](const Request&) { return json_response(stats_json(e.observe())); });
}

}  // namespace esan::mgmt
