// /v1/targets and /v1/driver endpoints (targets, attributes, CHAP users);
// see routes.h and docs/API.md.
#include <fmt/format.h>

#include "mgmt/edits.h"
#include "mgmt/json_view.h"
#include "mgmt/routes.h"

namespace esan::mgmt {

namespace {

Response target_or_404(Engine& e, const std::string& name) {
  Snapshot s = e.snapshot();
  if (const auto* t = s.config.find_target(name)) return json_response(target_json(s, *t));
  return error_response(Error{Errc::kNotFound, fmt::format("no target '{}'", name)});
}

// target empty = TARGET_DRIVER level.
Response add_user(Engine& e, const Request& q, const std::string& target, const Json& b) {
  auto dir = string_field(b, "direction");
  if (!dir) return error_response(dir.error());
  auto user = string_field(b, "user");
  if (!user) return error_response(user.error());
  auto secret = string_field(b, "secret");
  if (!secret) return error_response(secret.error());
  return run_change(e, q, fmt::format("add CHAP user '{}' to {}", *user, target.empty() ? "the driver" : target),
                    [&](config::Config& c) { return edits::add_user(c, target, *dir, *user, *secret); });
}

Response remove_user(Engine& e, const Request& q, const std::string& target, const std::string& user) {
  return run_change(e, q, fmt::format("remove CHAP user '{}' from {}", user, target.empty() ? "the driver" : target),
                    [&](config::Config& c) { return edits::remove_user(c, target, user); });
}

Response set_enabled(Engine& e, const Request& q, const std::string& name, bool on) {
  auto s = e.change(q.author, fmt::format("{} target '{}'", on ? "enable" : "disable", name), [&](config::Config& c) {
    return edits::set_target_attributes(c, name, {{"enabled", on ? "1" : "0"}});
  });
  if (!s) return error_response(s.error());
  return target_or_404(e, name);
}

}  // namespace

void add_target_routes(Router& r, Engine& e) {
  r.route("GET", "/v1/targets", [&e](const Request&) { return json_response(targets_json(e.snapshot())); });
  r.route("GET", "/v1/targets/{t}", [&e](const Request& q) { return target_or_404(e, q.params.at("t")); });
  r.route("POST", "/v1/targets", with_body([&e](const Request& q, const Json& b) {
            auto name = string_field(b, "name");
            if (!name) return error_response(name.error());
            auto driver = string_field(b, "driver", false);
            if (!driver) return error_response(driver.error());
            if (!driver->empty() && *driver != "iscsi")
              return error_response(Error{Errc::kInvalidArgument,
                                          fmt::format("target driver '{}' is not supported (use iscsi)", *driver)});
            auto attrs = attributes_field(b);
            if (!attrs) return error_response(attrs.error());
            auto s = e.change(q.author, fmt::format("add target '{}'", *name),
                              [&](config::Config& c) { return edits::add_target(c, *name, *attrs); });
            if (!s) return error_response(s.error());
            return target_or_404(e, *name);
          }));
  r.route("DELETE", "/v1/targets/{t}", [&e](const Request& q) {
    const std::string& name = q.params.at("t");
    bool force = q.flag("force");
    return run_change(e, q, fmt::format("remove target '{}'", name), [&](config::Config& c) -> Status {
      if (!edits::find_target(c, name)) return make_error(Errc::kNotFound, fmt::format("no target '{}'", name));
      if (size_t n = e.sessions_of(name); n && !force)
        return make_error(Errc::kBusy, fmt::format("target '{}' has {} session{}; use force to close them", name,
                                                   n, n > 1 ? "s" : ""));
      return edits::remove_target(c, name);
    });
  });
  r.route("POST", "/v1/targets/{t}/enable",
          [&e](const Request& q) { return set_enabled(e, q, q.params.at("t"), true); });
  r.route("POST", "/v1/targets/{t}/disable",
          [&e](const Request& q) { return set_enabled(e, q, q.params.at("t"), false); });
  r.route("PATCH", "/v1/targets/{t}", with_body([&e](const Request& q, const Json& b) {
            const std::string& name = q.params.at("t");
            auto attrs = attributes_field(b);
            if (!attrs) return error_response(attrs.error());
            auto s = e.change(q.author, fmt::format("set attributes of target '{}'", name),
                              [&](config::Config& c) { return edits::set_target_attributes(c, name, *attrs); });
            if (!s) return error_response(s.error());
            return target_or_404(e, name);
          }));
  r.route("POST", "/v1/targets/{t}/users",
          with_body([&e](const Request& q, const Json& b) { return add_user(e, q, q.params.at("t"), b); }));
  r.route("DELETE", "/v1/targets/{t}/users/{user}",
          [&e](const Request& q) { return remove_user(e, q, q.params.at("t"), q.params.at("user")); });

  r.route("GET", "/v1/driver", [&e](const Request&) { return json_response(driver_json(e.snapshot())); });
  r.route("PATCH", "/v1/driver", with_body([&e](const Request& q, const Json& b) {
            auto attrs = attributes_field(b);
            if (!attrs) return error_response(attrs.error());
            return run_change(
                e, q, "set TARGET_DRIVER iscsi attributes",
                [&](config::Config& c) { return edits::set_driver_attributes(c, *attrs); },
                [&e] { return driver_json(e.snapshot()); });
          }));
  r.route("POST", "/v1/driver/users",
          with_body([&e](const Request& q, const Json& b) { return add_user(e, q, "", b); }));
  r.route("DELETE", "/v1/driver/users/{user}",
          [&e](const Request& q) { return remove_user(e, q, "", q.params.at("user")); });
}

}  // namespace esan::mgmt
