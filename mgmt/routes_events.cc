// The event log and the alerts (docs/API.md "Events and alerts"):
// GET /v1/events (with a long-poll form), POST /v1/events (an event raised
// by a tool outside esand); the alerts' routes are in routes_alerts.cc.
#include <fmt/format.h>

#include <atomic>

#include "alerts/sinks.h"
#include "config/values.h"
#include "mgmt/routes.h"

namespace esan::mgmt {

namespace {

constexpr uint64_t kDefaultLimit = 1000, kMaxLimit = 10000, kMaxWaitS = 60;
// Long polls hold an API thread each: at most this many wait at once, so
// the API keeps threads for other requests; beyond it a request with
// `wait` is answered at once.
constexpr int kMaxWaiters = 2;

Result<uint64_t> uint_query(const Request& q, const char* key, uint64_t fallback, uint64_t max) {
  auto it = q.query.find(key);
  if (it == q.query.end()) return fallback;
  auto v = config::parse_uint(it->second, max);
  if (!v) return make_error(Errc::kInvalidArgument, fmt::format("{} {}", key, v.error()));
  return *v;
}

constexpr size_t kMaxText = 1024, kMaxFields = 16, kMaxName = 64;

// One line of printable text (tabs allowed): what an alert's subject,
// syslog line or mail header may carry.
Status check_text(const std::string& what, const std::string& v) {
  if (v.size() > kMaxText) return make_error(Errc::kInvalidArgument, fmt::format("{} is longer than {} bytes", what, kMaxText));
  for (unsigned char c : v)
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return make_error(Errc::kInvalidArgument, fmt::format("{} must be one line of text (it holds a control character)", what));
  return {};
}

std::string raisable_kinds() {
  std::string out;
  for (auto k : events::kAllKinds)
    if (events::raisable(k)) out += fmt::format("{}{}", out.empty() ? "" : ", ", events::kind_name(k));
  return out;
}

// POST /v1/events' body: {"kind", "severity", "message", "fields"?}; the
// event it stands for, or the first thing wrong with it.
struct Raised {
  events::Kind kind;
  events::Severity severity;
  std::string message;
  events::Fields fields;
};
Result<Raised> parse_raised(const Json& b) {
  for (const auto& [key, _] : b.items())
    if (key != "kind" && key != "severity" && key != "message" && key != "fields")
      return make_error(Errc::kInvalidArgument,
                        fmt::format("unknown field '{}' (an event has kind, severity, message, fields)", key));
  auto kind_s = string_field(b, "kind");
  if (!kind_s) return std::unexpected(kind_s.error());
  auto kind = events::parse_kind(*kind_s);
  if (!kind || !events::raisable(*kind))
    return make_error(Errc::kInvalidArgument,
                      fmt::format("kind '{}' cannot be raised through the API (kinds that can: {})", *kind_s,
                                  raisable_kinds()));
  auto sev_s = string_field(b, "severity");
  if (!sev_s) return std::unexpected(sev_s.error());
  auto sev = events::parse_severity(*sev_s);
  if (!sev)
    return make_error(Errc::kInvalidArgument,
                      fmt::format("severity '{}' is not one of info, warning, error, critical", *sev_s));
  auto msg = string_field(b, "message");
  if (!msg) return std::unexpected(msg.error());
  if (msg->empty()) return make_error(Errc::kInvalidArgument, "message is empty");
  if (auto s = check_text("message", *msg); !s) return std::unexpected(s.error());
  Raised r{*kind, *sev, *msg, {}};
  if (b.contains("fields")) {
    const Json& f = b["fields"];
    if (!f.is_object()) return make_error(Errc::kInvalidArgument, "fields must be an object of name: string");
    if (f.size() > kMaxFields)
      return make_error(Errc::kInvalidArgument, fmt::format("more than {} fields", kMaxFields));
    for (const auto& [name, value] : f.items()) {
      bool ok = !name.empty() && name.size() <= kMaxName && name != "raised_by";
      for (char c : name) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
      if (!ok)
        return make_error(Errc::kInvalidArgument,
                          fmt::format("field name '{}' must be 1 to {} of a-z, 0-9, _ (and not raised_by)", name,
                                      kMaxName));
      if (!value.is_string()) return make_error(Errc::kInvalidArgument, fmt::format("field '{}' must be a string", name));
      if (auto s = check_text(fmt::format("field '{}'", name), value.get<std::string>()); !s)
        return std::unexpected(s.error());
      r.fields.emplace_back(name, value.get<std::string>());
    }
  }
  return r;
}

}  // namespace

void add_event_routes(Router& r, std::shared_ptr<events::EventLog> log, AlertsSetup* alerts) {
  auto waiters = std::make_shared<std::atomic<int>>(0);
  r.route("GET", "/v1/events", [log, waiters](const Request& q) {
    auto since = uint_query(q, "since", 0, UINT64_MAX);
    if (!since) return error_response(since.error());
    auto limit = uint_query(q, "limit", kDefaultLimit, kMaxLimit);
    if (!limit) return error_response(limit.error());
    auto wait = uint_query(q, "wait", 0, kMaxWaitS);
    if (!wait) return error_response(wait.error());
    if (*limit == 0) return error_response(Error{Errc::kInvalidArgument, "limit must be at least 1"});
    events::EventLog::Page page;
    if (*wait > 0 && waiters->fetch_add(1) < kMaxWaiters) {
      page = log->wait_since(*since, std::chrono::seconds(*wait), *limit);
      waiters->fetch_sub(1);
    } else {
      if (*wait > 0) waiters->fetch_sub(1);
      page = log->since(*since, *limit);
    }
    Json evs = Json::array();
    for (const auto& e : page.events) evs.push_back(alerts::event_json(e));
    uint64_t asked = std::max<uint64_t>(*since, 1);
    return json_response(Json{{"events", std::move(evs)},
                              {"next", page.next},
                              {"first", page.first},
                              {"missed", page.first > asked ? page.first - asked : 0}});
  });
  r.route("POST", "/v1/events", with_body([log](const Request& q, const Json& b) {
            auto ev = parse_raised(b);
            if (!ev) return error_response(ev.error());
            // Who raised it (the socket peer's user, or the API token's name).
            ev->fields.emplace_back("raised_by", q.author);
            uint64_t seq = log->post(ev->kind, ev->severity, std::move(ev->message), std::move(ev->fields));
            return json_response(Json{{"seq", seq}});
          }));
  add_alert_routes(r, alerts);
}

}  // namespace esan::mgmt
