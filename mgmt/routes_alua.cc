// /v1/alua endpoints (DEVICE_GROUP / TARGET_GROUP); see routes.h and docs/API.md.
#include <fmt/format.h>

#include "mgmt/edits.h"
#include "mgmt/json_view.h"
#include "mgmt/routes.h"

namespace esan::mgmt {

namespace {

constexpr const char* kBase = "/v1/alua/device-groups";

std::string path(const std::string& tail) { return std::string(kBase) + tail; }

}  // namespace

void add_alua_routes(Router& r, Engine& e) {
  auto view = [&e] { return device_groups_json(e.snapshot()); };
  r.route("GET", kBase, [view](const Request&) { return json_response(view()); });
  r.route("POST", kBase, with_body([&e, view](const Request& q, const Json& b) {
            auto name = string_field(b, "name");
            if (!name) return error_response(name.error());
            return run_change(
                e, q, fmt::format("add device group '{}'", *name),
                [&](config::Config& c) { return edits::add_device_group(c, *name); }, view);
          }));
  r.route("DELETE", path("/{dg}"), [&e](const Request& q) {
    const std::string& dg = q.params.at("dg");
    return run_change(e, q, fmt::format("remove device group '{}'", dg),
                      [&](config::Config& c) { return edits::remove_device_group(c, dg); });
  });
  r.route("POST", path("/{dg}/devices"), with_body([&e, view](const Request& q, const Json& b) {
            const std::string& dg = q.params.at("dg");
            auto dev = string_field(b, "device");
            if (!dev) return error_response(dev.error());
            return run_change(
                e, q, fmt::format("add device '{}' to device group '{}'", *dev, dg),
                [&](config::Config& c) { return edits::add_device_group_device(c, dg, *dev); }, view);
          }));
  r.route("DELETE", path("/{dg}/devices/{dev}"), [&e](const Request& q) {
    const std::string &dg = q.params.at("dg"), &dev = q.params.at("dev");
    return run_change(e, q, fmt::format("remove device '{}' from device group '{}'", dev, dg),
                      [&](config::Config& c) { return edits::remove_device_group_device(c, dg, dev); });
  });
  r.route("POST", path("/{dg}/target-groups"), with_body([&e, view](const Request& q, const Json& b) {
            const std::string& dg = q.params.at("dg");
            auto name = string_field(b, "name");
            if (!name) return error_response(name.error());
            auto id = uint_field(b, "group_id");
            if (!id) return error_response(id.error());
            auto state = string_field(b, "state", false);
            if (!state) return error_response(state.error());
            return run_change(
                e, q, fmt::format("add target group '{}' to device group '{}'", *name, dg),
                [&](config::Config& c) { return edits::add_target_group(c, dg, *name, *id, *state); }, view);
          }));
  r.route("DELETE", path("/{dg}/target-groups/{tg}"), [&e](const Request& q) {
    const std::string &dg = q.params.at("dg"), &tg = q.params.at("tg");
    return run_change(e, q, fmt::format("remove target group '{}' of device group '{}'", tg, dg),
                      [&](config::Config& c) { return edits::remove_target_group(c, dg, tg); });
  });
  r.route("POST", path("/{dg}/target-groups/{tg}/targets"), with_body([&e, view](const Request& q, const Json& b) {
            const std::string &dg = q.params.at("dg"), &tg = q.params.at("tg");
            auto target = string_field(b, "target");
            if (!target) return error_response(target.error());
            auto rel = uint_field(b, "rel_tgt_id", false, 0);
            if (!rel) return error_response(rel.error());
            return run_change(
                e, q, fmt::format("add target '{}' to target group '{}' of device group '{}'", *target, tg, dg),
                [&](config::Config& c) { return edits::add_target_group_target(c, dg, tg, *target, *rel); }, view);
          }));
  r.route("DELETE", path("/{dg}/target-groups/{tg}/targets/{t}"), [&e](const Request& q) {
    const std::string &dg = q.params.at("dg"), &tg = q.params.at("tg"), &t = q.params.at("t");
    return run_change(e, q, fmt::format("remove target '{}' from target group '{}' of device group '{}'", t, tg, dg),
                      [&](config::Config& c) { return edits::remove_target_group_target(c, dg, tg, t); });
  });
  r.route("GET", path("/{dg}/target-groups/{tg}/state"), [view](const Request& q) {
    const std::string &dg = q.params.at("dg"), &tg = q.params.at("tg");
    Json groups = view();
    for (const auto& g : groups) {
      if (g.value("name", "") != dg) continue;
      for (const auto& t : g.value("target_groups", Json::array()))
        if (t.value("name", "") == tg) return json_response({{"state", t["state"]}, {"group_id", t["group_id"]}});
      return error_response(Error{Errc::kNotFound, fmt::format("device group '{}' has no target group '{}'", dg, tg)});
    }
    return error_response(Error{Errc::kNotFound, fmt::format("no device group '{}'", dg)});
  });
  r.route("PUT", path("/{dg}/target-groups/{tg}/state"), with_body([&e, view](const Request& q, const Json& b) {
            const std::string &dg = q.params.at("dg"), &tg = q.params.at("tg");
            auto state = string_field(b, "state");
            if (!state) return error_response(state.error());
            if (auto s = e.set_target_group_state(q.author, dg, tg, *state); !s) return error_response(s.error());
            return json_response(view());
          }));
}

}  // namespace esan::mgmt
