// /v1/devices endpoints; see routes.h and docs/API.md.
#include <fmt/format.h>

#include "mgmt/edits.h"
#include "mgmt/json_view.h"
#include "mgmt/routes.h"

namespace esan::mgmt {

namespace {

// The device's scheduled probe state, or null without scheduled probes.
Json health_of(const std::string& name, const std::vector<probes::DeviceHealth>& health, bool scheduled) {
  if (!scheduled) return nullptr;
  for (const auto& h : health)
    if (h.device == name)
      return Json{{"state", std::string(probes::state_name(h.state))},
                  {"error", h.error.empty() ? Json(nullptr) : Json(h.error)},
                  {"probe_seconds", h.seconds},
                  {"probes", h.probes},
                  {"failures", h.failures}};
  return Json{{"state", "pending"}, {"error", nullptr}, {"probe_seconds", 0}, {"probes", 0}, {"failures", 0}};
}

std::vector<probes::DeviceHealth> health_now(probes::Scheduler* p) {
  return p ? p->health() : std::vector<probes::DeviceHealth>{};
}

Response device_or_404(Engine& e, const std::string& name, probes::Scheduler* p) {
  Snapshot s = e.snapshot();
  if (const auto* d = s.config.find_device(name)) {
    Json j = device_json(s, *d);
    j["health"] = health_of(name, health_now(p), p != nullptr);
    return json_response(j);
  }
  return error_response(Error{Errc::kNotFound, fmt::format("no device '{}'", name)});
}

}  // namespace

Response run_change(Engine& e, const Request& q, const std::string& what,
                    const std::function<Status(config::Config&)>& edit, const std::function<Json()>& view) {
  if (auto s = e.change(q.author, what, edit); !s) return error_response(s.error());
  return json_response(view ? view() : Json::object());
}

Handler with_body(std::function<Response(const Request&, const Json&)> f) {
  return [f = std::move(f)](const Request& req) {
    auto body = json_body(req);
    if (!body) return error_response(body.error());
    return f(req, *body);
  };
}

void add_device_routes(Router& r, Engine& e, probes::Scheduler* p) {
  r.route("GET", "/v1/devices", [&e, p](const Request&) {
    Json j = devices_json(e.snapshot());
    auto health = health_now(p);
    for (auto& d : j) d["health"] = health_of(d["name"].get<std::string>(), health, p != nullptr);
    return json_response(j);
  });
  r.route("GET", "/v1/devices/{dev}", [&e, p](const Request& q) { return device_or_404(e, q.params.at("dev"), p); });
  r.route("POST", "/v1/devices", with_body([&e, p](const Request& q, const Json& b) {
            auto name = string_field(b, "name");
            if (!name) return error_response(name.error());
            auto handler = string_field(b, "handler");
            if (!handler) return error_response(handler.error());
            auto attrs = attributes_field(b);
            if (!attrs) return error_response(attrs.error());
            auto s = e.change(q.author, fmt::format("open device '{}'", *name),
                              [&](config::Config& c) { return edits::add_device(c, *name, *handler, *attrs); });
            if (!s) return error_response(s.error());
            return device_or_404(e, *name, p);
          }));
  r.route("DELETE", "/v1/devices/{dev}", [&e](const Request& q) {
    const std::string& name = q.params.at("dev");
    bool force = q.flag("force");
    return run_change(e, q, fmt::format("close device '{}'", name),
                      [&](config::Config& c) { return edits::remove_device(c, name, force); });
  });
  r.route("PATCH", "/v1/devices/{dev}", with_body([&e, p](const Request& q, const Json& b) {
            const std::string& name = q.params.at("dev");
            auto attrs = attributes_field(b);
            if (!attrs) return error_response(attrs.error());
            auto s = e.change(q.author, fmt::format("set attributes of device '{}'", name),
                              [&](config::Config& c) { return edits::set_device_attributes(c, name, *attrs); });
            if (!s) return error_response(s.error());
            return device_or_404(e, name, p);
          }));
  r.route("POST", "/v1/devices/{dev}/resize", with_body([&e, p](const Request& q, const Json& b) {
            const std::string& name = q.params.at("dev");
            uint64_t bytes = 0;
            if (b.contains("size_mb")) {
              auto mb = uint_field(b, "size_mb");
              if (!mb) return error_response(mb.error());
              if (*mb > (UINT64_MAX >> 20))
                return error_response(Error{Errc::kInvalidArgument, "size_mb is out of range"});
              bytes = *mb << 20;
            } else {
              auto v = uint_field(b, "size_bytes");
              if (!v) return error_response(v.error());
              bytes = *v;
            }
            auto s = e.change(q.author, fmt::format("resize device '{}' to {} bytes", name, bytes),
                              [&](config::Config& c) { return edits::resize_device(c, name, bytes); });
            if (!s) return error_response(s.error());
            return device_or_404(e, name, p);
          }));
}

}  // namespace esan::mgmt
