// The alerts (docs/API.md "Events and alerts"): GET /v1/alerts (status),
// POST /v1/alerts/test, GET/PUT /v1/alerts/config (the rules, through
// AlertsSetup: validated by parse_alerts, saved, then applied).
#include <fmt/format.h>

#include "alerts/alerts_json.h"
#include "mgmt/routes.h"

namespace esan::mgmt {

namespace {

constexpr const char* kNoAlerts = "no alerts are configured (PUT /v1/alerts/config, esanctl alert set FILE)";

Json config_json(const AlertsSetup::Current& c) {
  Json j = alerts::to_json(c.cfg ? *c.cfg : alerts::AlertsConfig{});
  j["configured"] = c.cfg.has_value();
  j["file"] = Json{{"path", c.path.empty() ? Json(nullptr) : Json(c.path)}, {"text", c.text}, {"version", c.version}};
  return j;
}

// PUT's "if_version" (GET's file.version the change was made on), taken
// out of the body; absent: the change is made whatever the rules are now.
Result<std::optional<std::string>> take_if_version(Json& b) {
  if (!b.is_object() || !b.contains("if_version")) return std::nullopt;
  if (!b["if_version"].is_string())
    return make_error(Errc::kInvalidArgument, "if_version must be a string (GET /v1/alerts/config's file.version)");
  std::string v = b["if_version"].get<std::string>();
  b.erase("if_version");
  return v;
}

// PUT's body: {"text": FILE TEXT}, or the structured form of GET.
Result<std::string> text_of(const Json& b) {
  if (b.is_object() && b.contains("text")) {
    if (b.size() != 1)
      return make_error(Errc::kInvalidArgument,
                        "give either \"text\" (the file) or the structured form (rate_limit, sinks, rules, ...), not both");
    if (!b["text"].is_string()) return make_error(Errc::kInvalidArgument, "text must be a string (the file's text)");
    return b["text"].get<std::string>();
  }
  return alerts::text_from_json(b);
}

}  // namespace

void add_alert_routes(Router& r, AlertsSetup* setup) {
  auto alerter = [setup]() -> std::shared_ptr<alerts::Alerter> { return setup ? setup->alerter() : nullptr; };
  r.route("GET", "/v1/alerts", [alerter](const Request&) {
    auto a = alerter();
    if (!a) return json_response(Json{{"configured", false}, {"rules", 0}, {"sinks", Json::array()}});
    auto st = a->status();
    Json sinks = Json::array();
    for (const auto& s : st.sinks) {
      Json j{{"name", s.name},
             {"type", alerts::sink_type_name(s.type)},
             {"delivered", s.delivered},
             {"failures", s.failures},
             {"dropped", s.dropped},
             {"duplicates", s.duplicates},
             {"rate_limited", s.rate_limited},
             {"queued", s.queued},
             {"last_error", s.last_error.empty() ? Json(nullptr) : Json(s.last_error)}};
      if (s.last_error_ms) j["last_error_time"] = events::format_time(s.last_error_ms);
      sinks.push_back(std::move(j));
    }
    return json_response(Json{{"configured", true},
                              {"rules", st.rules},
                              {"missed", st.missed},
                              {"dropped_on_reconfigure", st.dropped_on_reconfigure},
                              {"sinks", sinks}});
  });
  r.route("POST", "/v1/alerts/test", [alerter](const Request&) {
    auto a = alerter();
    if (!a) return error_response(Error{Errc::kUnsupported, kNoAlerts});
    Json results = Json::array();
    bool all = true;
    for (const auto& t : a->test()) {
      all = all && t.error.empty();
      results.push_back(
          Json{{"sink", t.sink}, {"ok", t.error.empty()}, {"error", t.error.empty() ? Json(nullptr) : Json(t.error)}});
    }
    Json body{{"ok", all}, {"results", results}};
    if (all) return json_response(body);
    // 502: esand is fine, a sink behind it is not (esanctl exits 1 with the message).
    std::string failed;
    for (const auto& res : results)
      if (!res["ok"].get<bool>())
        failed += fmt::format("{}{}: {}", failed.empty() ? "" : "; ", res["sink"].get<std::string>(),
                              res["error"].get<std::string>());
    body["error"] = Json{{"code", "sink_failed"}, {"message", "alert sink(s) failed: " + failed}};
    return json_response(body, 502);
  });
  r.route("GET", "/v1/alerts/config", [setup](const Request&) {
    if (!setup) return json_response(config_json(AlertsSetup::Current{}));
    return json_response(config_json(setup->current()));
  });
  r.route("PUT", "/v1/alerts/config", with_body([setup](const Request& q, const Json& body) {
            if (!setup)
              return error_response(Error{Errc::kUnsupported, "this esand cannot change its alert rules"});
            Json b = body;
            auto if_version = take_if_version(b);
            if (!if_version) return error_response(if_version.error());
            auto text = text_of(b);
            if (!text) return error_response(text.error());
            if (auto s = setup->replace(*text, q.author, *if_version); !s) return error_response(s.error());
            return json_response(config_json(setup->current()));
          }));
}

}  // namespace esan::mgmt
