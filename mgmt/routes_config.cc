// /v1/config endpoints and GET /v1/version; see routes.h and docs/API.md.
#include <chrono>

#include "mgmt/routes.h"

namespace esan::mgmt {

void add_config_routes(Router& r, Engine& e, std::string version) {
  r.route("GET", "/v1/config", [&e](const Request&) {
    Response res;
    res.body = e.config_text();
    res.content_type = "text/plain; charset=utf-8";
    return res;
  });
  r.route("POST", "/v1/config/write", with_body([&e](const Request& q, const Json& b) {
            auto path = string_field(b, "path", false);
            if (!path) return error_response(path.error());
            return status_response(e.write(q.author, *path));
          }));
  r.route("POST", "/v1/config/reload", with_body([&e](const Request& q, const Json& b) {
            auto path = string_field(b, "path", false);
            if (!path) return error_response(path.error());
            return status_response(e.reload(q.author, *path));
          }));
  r.route("POST", "/v1/config/apply", with_body([&e](const Request& q, const Json& b) {
            auto text = string_field(b, "text");
            if (!text) return error_response(text.error());
            return status_response(e.apply_text(q.author, *text));
          }));
  add_history_routes(r, e);
  auto started = std::chrono::steady_clock::now();
  r.route("GET", "/v1/version", [version = std::move(version), started](const Request&) {
    auto up = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started);
    return json_response(Json{{"version", version}, {"uptime_s", up.count()}});
  });
}

void add_all_routes(Router& r, Engine& e, std::string version, probes::Scheduler* probes) {
  add_device_routes(r, e, probes);
  add_target_routes(r, e);
  add_lun_routes(r, e);
  add_alua_routes(r, e);
  add_alias_routes(r, e);
  add_config_routes(r, e, std::move(version));
  add_observe_routes(r, e, e.server(), probes);
  add_health_routes(r, e, probes);
  add_cluster_routes(r, std::make_shared<const pacemaker::Cluster>());
}

}  // namespace esan::mgmt
