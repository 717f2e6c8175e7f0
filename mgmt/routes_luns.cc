// LUN, group and initiator endpoints under /v1/targets/{t}; see routes.h
// and docs/API.md. {luns} is /v1/targets/{t}/luns (no group) or
// /v1/targets/{t}/groups/{g}/luns.
#include <fmt/format.h>

#include "config/values.h"
#include "mgmt/edits.h"
#include "mgmt/json_view.h"
#include "mgmt/routes.h"

namespace esan::mgmt {

namespace {

std::string group_of(const Request& q) {
  auto it = q.params.find("g");
  return it == q.params.end() ? std::string() : it->second;
}

std::string owner(const std::string& t, const std::string& g) {
  return g.empty() ? fmt::format("target '{}'", t) : fmt::format("group '{}' of target '{}'", g, t);
}

Result<uint64_t> lun_number(const Request& q) {
  auto v = config::parse_uint(q.params.at("n"), 16383);
  if (!v) return make_error(Errc::kInvalidArgument, fmt::format("LUN number {}", v.error()));
  return *v;
}

Result<Json> luns_of(Engine& e, const std::string& t, const std::string& g) {
  Snapshot s = e.snapshot();
  const config::TargetConfig* tc = s.config.find_target(t);
  if (!tc) return make_error(Errc::kNotFound, fmt::format("no target '{}'", t));
  if (g.empty()) return luns_json(tc->luns);
  if (const auto* gc = find_named(tc->groups, g)) return luns_json(gc->luns);
  return make_error(Errc::kNotFound, fmt::format("target '{}' has no group '{}'", t, g));
}

Response list_luns(Engine& e, const Request& q) {
  auto j = luns_of(e, q.params.at("t"), group_of(q));
  return j ? json_response(*j) : error_response(j.error());
}

// POST {luns} (replace = false) and PUT {luns}/{n} (replace = true).
Response put_lun(Engine& e, const Request& q, const Json& b, bool replace) {
  const std::string& t = q.params.at("t");
  std::string g = group_of(q);
  Result<uint64_t> lun = replace ? lun_number(q) : uint_field(b, "lun");
  if (!lun) return error_response(lun.error());
  auto device = string_field(b, "device");
  if (!device) return error_response(device.error());
  auto attrs = attributes_field(b);
  if (!attrs) return error_response(attrs.error());
  return run_change(
      e, q, fmt::format("{} LUN {} of {} -> device '{}'", replace ? "replace" : "add", *lun, owner(t, g), *device),
      [&](config::Config& c) {
        return replace ? edits::replace_lun(c, t, g, *lun, *device, *attrs)
                       : edits::add_lun(c, t, g, *lun, *device, *attrs);
      },
      [&] { return luns_of(e, t, g).value_or(Json::array()); });
}

Response delete_lun(Engine& e, const Request& q) {
  const std::string& t = q.params.at("t");
  std::string g = group_of(q);
  auto lun = lun_number(q);
  if (!lun) return error_response(lun.error());
  return run_change(e, q, fmt::format("remove LUN {} of {}", *lun, owner(t, g)),
                    [&](config::Config& c) { return edits::remove_lun(c, t, g, *lun); });
}

void add_lun_set(Router& r, Engine& e, const std::string& base) {
  r.route("GET", base, [&e](const Request& q) { return list_luns(e, q); });
  r.route("POST", base, with_body([&e](const Request& q, const Json& b) { return put_lun(e, q, b, false); }));
  r.route("PUT", base + "/{n}", with_body([&e](const Request& q, const Json& b) { return put_lun(e, q, b, true); }));
  r.route("DELETE", base + "/{n}", [&e](const Request& q) { return delete_lun(e, q); });
}

Response list_groups(Engine& e, const std::string& t) {
  Snapshot s = e.snapshot();
  for (const auto& tc : s.config.targets) {
    if (tc.name != t) continue;
    Json j = Json::array();
    for (const auto& g : tc.groups) j.push_back(group_json(g));
    return json_response(j);
  }
  return error_response(Error{Errc::kNotFound, fmt::format("no target '{}'", t)});
}

}  // namespace

void add_lun_routes(Router& r, Engine& e) {
  add_lun_set(r, e, "/v1/targets/{t}/luns");
  add_lun_set(r, e, "/v1/targets/{t}/groups/{g}/luns");
  r.route("GET", "/v1/targets/{t}/groups", [&e](const Request& q) { return list_groups(e, q.params.at("t")); });
  r.route("POST", "/v1/targets/{t}/groups", with_body([&e](const Request& q, const Json& b) {
            const std::string& t = q.params.at("t");
            auto name = string_field(b, "name");
            if (!name) return error_response(name.error());
            return run_change(e, q, fmt::format("add group '{}' to target '{}'", *name, t),
                              [&](config::Config& c) { return edits::add_group(c, t, *name); });
          }));
  r.route("DELETE", "/v1/targets/{t}/groups/{g}", [&e](const Request& q) {
    const std::string &t = q.params.at("t"), &g = q.params.at("g");
    return run_change(e, q, fmt::format("remove group '{}' of target '{}'", g, t),
                      [&](config::Config& c) { return edits::remove_group(c, t, g); });
  });
  r.route("POST", "/v1/targets/{t}/groups/{g}/initiators", with_body([&e](const Request& q, const Json& b) {
            const std::string &t = q.params.at("t"), &g = q.params.at("g");
            auto pattern = string_field(b, "initiator");
            if (!pattern) return error_response(pattern.error());
            return run_change(e, q, fmt::format("add initiator '{}' to {}", *pattern, owner(t, g)),
                              [&](config::Config& c) { return edits::add_initiator(c, t, g, *pattern); });
          }));
  r.route("DELETE", "/v1/targets/{t}/groups/{g}/initiators/{pattern}", [&e](const Request& q) {
    const std::string &t = q.params.at("t"), &g = q.params.at("g"), &p = q.params.at("pattern");
    return run_change(e, q, fmt::format("remove initiator '{}' from {}", p, owner(t, g)),
                      [&](config::Config& c) { return edits::remove_initiator(c, t, g, p); });
  });
  r.route("POST", "/v1/targets/{t}/groups/{g}/initiators/move", with_body([&e](const Request& q, const Json& b) {
            const std::string &t = q.params.at("t"), &g = q.params.at("g");
            auto pattern = string_field(b, "initiator");
            if (!pattern) return error_response(pattern.error());
            auto to = string_field(b, "to_group");
            if (!to) return error_response(to.error());
            return run_change(e, q,
                              fmt::format("move initiator '{}' from {} to group '{}'", *pattern, owner(t, g), *to),
                              [&](config::Config& c) { return edits::move_initiator(c, t, g, *pattern, *to); });
          }));
}

}  // namespace esan::mgmt
