// /v1/aliases: the admin's names for initiators (ESAN_ALIASES); see
// routes.h and docs/API.md.
#include <fmt/format.h>

#include "mgmt/edits.h"
#include "mgmt/routes.h"

namespace esan::mgmt {

Json aliases_json(const config::Config& c) {
  Json j = Json::array();
  for (const auto& [initiator, alias] : c.initiator_aliases) j.push_back({{"initiator", initiator}, {"alias", alias}});
  return j;
}

void add_alias_routes(Router& r, Engine& e) {
  r.route("GET", "/v1/aliases", [&e](const Request&) { return json_response(aliases_json(e.snapshot().config)); });
  r.route("PUT", "/v1/aliases/{i}", with_body([&e](const Request& q, const Json& b) {
            const std::string& initiator = q.params.at("i");
            auto alias = string_field(b, "alias");
            if (!alias) return error_response(alias.error());
            return run_change(
                e, q, fmt::format("set alias of initiator '{}' to '{}'", initiator, *alias),
                [&](config::Config& c) { return edits::set_alias(c, initiator, *alias); },
                [&] {
                  return Json{{"initiator", initiator}, {"alias", *alias}};
                });
          }));
  r.route("DELETE", "/v1/aliases/{i}", [&e](const Request& q) {
    const std::string& initiator = q.params.at("i");
    return run_change(e, q, fmt::format("clear alias of initiator '{}'", initiator),
                      [&](config::Config& c) { return edits::remove_alias(c, initiator); });
  });
}

}  // namespace esan::mgmt
