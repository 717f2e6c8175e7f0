// The management API's endpoints (docs/API.md), registered on a Router.
// Each handler parses its body, runs one Engine operation and answers with
// the resulting object (or {}), or the error (api_json.h).
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "alerts/alerter.h"
#include "events/event_log.h"
#include "mgmt/alerts_setup.h"
#include "mgmt/api_json.h"
#include "mgmt/engine.h"
#include "mgmt/router.h"
#include "pacemaker/cluster.h"
#include "probes/scheduler.h"

namespace esan::mgmt {

// `probes` (may be null: no scheduled probes) adds each device's "health".
void add_device_routes(Router& r, Engine& e, probes::Scheduler* probes = nullptr);
void add_target_routes(Router& r, Engine& e);
void add_lun_routes(Router& r, Engine& e);
void add_alua_routes(Router& r, Engine& e);
// GET /v1/aliases, PUT/DELETE /v1/aliases/{initiator} (routes_aliases.cc).
void add_alias_routes(Router& r, Engine& e);
// The aliases as [{"initiator","alias"}] in initiator order.
Json aliases_json(const config::Config& c);
// /v1/config/* and GET /v1/version.
void add_config_routes(Router& r, Engine& e, std::string version);
// The configuration history: /v1/config/history, /v1/config/diff,
// /v1/config/rollback (routes_history.cc; added by add_config_routes).
void add_history_routes(Router& r, Engine& e);
// GET /v1/sessions, DELETE /v1/sessions/{id}, GET /metrics, GET /v1/stats
// (routes_observe.cc, rendering in observe.h).
void add_observe_routes(Router& r, Engine& e, server::Server& server, probes::Scheduler* probes = nullptr);
// GET /v1/health (routes_health.cc, probing in health.h): from the
// scheduled probes when `probes` is set, else probing on demand.
void add_health_routes(Router& r, Engine& e, probes::Scheduler* probes = nullptr);
// GET /v1/events (?since=N&limit=L&wait=S), POST /v1/events (kinds that
// events::raisable() allows, from tools outside esand) (routes_events.cc),
// and add_alert_routes. Not part of add_all_routes: the daemon owns the log.
void add_event_routes(Router& r, std::shared_ptr<events::EventLog> log, AlertsSetup* alerts);
// GET /v1/alerts, POST /v1/alerts/test, GET/PUT /v1/alerts/config
// (routes_alerts.cc); `alerts` may be null (the rules cannot change: GET
// says none are configured, PUT is refused).
void add_alert_routes(Router& r, AlertsSetup* alerts);
// GET /v1/cluster and the standby / move actions (routes_cluster.cc):
// Pacemaker's tools through `cluster`.
void add_cluster_routes(Router& r, std::shared_ptr<const pacemaker::Cluster> cluster);
Json cluster_json(const pacemaker::ClusterStatus& s);
// All of the above (cluster: a default pacemaker::Cluster) but add_event_routes.
void add_all_routes(Router& r, Engine& e, std::string version, probes::Scheduler* probes = nullptr);

// Shared by the route files: runs `edit` through Engine::change (authored by q.author) and answers
// with `view()` (evaluated after the change) or the error.
Response run_change(Engine& e, const Request& q, const std::string& what,
                    const std::function<Status(config::Config&)>& edit, const std::function<Json()>& view = {});
// A handler that needs the parsed JSON body.
Handler with_body(std::function<Response(const Request&, const Json&)> f);

}  // namespace esan::mgmt
