// The configuration history's endpoints (Engine::history(), rollback());
// see routes.h and docs/API.md.
#include <fmt/format.h>

#include "config/values.h"
#include "mgmt/routes.h"

namespace esan::mgmt {

namespace {

Response text_response(std::string text) {
  Response res;
  res.body = std::move(text);
  res.content_type = "text/plain; charset=utf-8";
  return res;
}

std::string query_or(const Request& q, const std::string& key, const std::string& fallback) {
  auto it = q.query.find(key);
  return it == q.query.end() || it->second.empty() ? fallback : it->second;
}

}  // namespace

void add_history_routes(Router& r, Engine& e) {
  r.route("GET", "/v1/config/history", [&e](const Request& q) {
    auto h = e.history();
    if (!h) return error_response(h.error());
    uint64_t limit = 0;
    if (q.has_query("limit")) {
      auto v = config::parse_uint(q.query.at("limit"), UINT32_MAX);
      if (!v) return error_response(Error{Errc::kInvalidArgument, fmt::format("limit {}", v.error())});
      limit = *v;
    }
    auto log = (*h)->log(limit);
    if (!log) return error_response(log.error());
    Json revs = Json::array();
    for (const auto& en : *log)
      revs.push_back(Json{{"rev", en.rev}, {"time", en.time}, {"author", en.author}, {"message", en.message}});
    Json body{{"repository", (*h)->dir()}, {"revisions", std::move(revs)}};
    if (std::string err = e.history_error(); !err.empty()) body["error"] = err;
    return json_response(body);
  });
  r.route("GET", "/v1/config/history/{rev}", [&e](const Request& q) {
    auto h = e.history();
    if (!h) return error_response(h.error());
    auto text = (*h)->show(q.params.at("rev"));
    return text ? text_response(std::move(*text)) : error_response(text.error());
  });
  r.route("GET", "/v1/config/diff", [&e](const Request& q) {
    auto h = e.history();
    if (!h) return error_response(h.error());
    if (!q.has_query("from") || q.query.at("from").empty())
      return error_response(Error{Errc::kInvalidArgument, "from is required (a revision)"});
    auto d = (*h)->diff(q.query.at("from"), query_or(q, "to", "HEAD"));
    return d ? text_response(std::move(*d)) : error_response(d.error());
  });
  r.route("POST", "/v1/config/rollback", with_body([&e](const Request& q, const Json& b) {
            auto rev = string_field(b, "rev");
            if (!rev) return error_response(rev.error());
            auto to = e.rollback(q.author, *rev);
            if (!to) return error_response(to.error());
            auto h = e.history();
            Json body{{"rev", *to}};
            if (h) body["head"] = (*h)->head().value_or("");
            if (std::string err = e.history_error(); !err.empty()) body["history_error"] = err;
            return json_response(body);
          }));
}

}  // namespace esan::mgmt
