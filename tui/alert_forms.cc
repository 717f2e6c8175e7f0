#include "tui/alert_forms.h"

#include "tui/form_kit.h"

namespace esan::tui {

namespace {

using nlohmann::json;
using kit::need;
using kit::trimmed;

// The configuration to PUT: GET's answer without its read-only parts, and
// the version it was read at (esand refuses the PUT when the rules changed
// since: this form's change is not made over someone else's).
json editable(const json& current) {
  json c = current.is_object() ? current : json::object();
  if (c.contains("file") && c["file"].is_object() && c["file"].contains("version") && c["file"]["version"].is_string())
    c["if_version"] = c["file"]["version"];
  c.erase("file");
  c.erase("configured");
  if (!c.contains("sinks") || !c["sinks"].is_array()) c["sinks"] = json::array();
  if (!c.contains("rules") || !c["rules"].is_array()) c["rules"] = json::array();
  return c;
}

client::Request put(const json& c) { return kit::req("PUT", "/v1/alerts/config", c); }

Result<client::Request> add_sink(const json& current, json sink) {
  json c = editable(current);
  c["sinks"].push_back(std::move(sink));
  return put(c);
}

Result<client::Request> remove_named(const json& current, const char* list, const std::string& name,
                                     const std::string& what) {
  json c = editable(current);
  json& l = c[list];
  for (auto it = l.begin(); it != l.end(); ++it)
    if (it->is_object() && it->value("name", "") == name) {
      l.erase(it);
      return put(c);
    }
  return make_error(Errc::kInvalidArgument, "esand has no alert " + what + " named '" + name + "'");
}

}  // namespace

Result<client::Request> add_mail_sink(const json& current, const Values& v) {
  TRY(name, need(v, "name", "Name"));
  TRY(to, need(v, "to", "To (addresses)"));
  json s{{"name", *name}, {"type", "mail"}, {"to", *to}};
  if (!trimmed(v, "from").empty()) s["from"] = trimmed(v, "from");
  return add_sink(current, std::move(s));
}

Result<client::Request> add_webhook_sink(const json& current, const Values& v) {
  TRY(name, need(v, "name", "Name"));
  TRY(url, need(v, "url", "URL"));
  return add_sink(current, json{{"name", *name}, {"type", "webhook"}, {"url", *url}});
}

Result<client::Request> add_syslog_sink(const json& current, const Values& v) {
  TRY(name, need(v, "name", "Name"));
  TRY(facility, need(v, "facility", "Facility"));
  return add_sink(current, json{{"name", *name}, {"type", "syslog"}, {"facility", *facility}});
}

Result<client::Request> remove_sink(const json& current, const Values& v) {
  TRY(name, need(v, "sink", "Sink"));
  return remove_named(current, "sinks", *name, "sink");
}

Result<client::Request> add_rule(const json& current, const Values& v) {
  TRY(name, need(v, "name", "Name"));
  TRY(kinds, need(v, "kinds", "Event kinds"));
  TRY(severity, need(v, "severity", "Least severity"));
  TRY(sinks, need(v, "sinks", "Sinks"));
  json c = editable(current);
  c["rules"].push_back(json{{"name", *name}, {"kinds", *kinds}, {"severity", *severity}, {"sinks", *sinks}});
  return put(c);
}

Result<client::Request> remove_rule(const json& current, const Values& v) {
  TRY(name, need(v, "rule", "Rule"));
  return remove_named(current, "rules", *name, "rule");
}

Result<client::Request> set_alert_limits(const json& current, const Values& v) {
  json c = editable(current);
  bool any = false;
  for (const char* k : {"rate_limit", "dedup_s", "retries"}) {
    std::string s = trimmed(v, k);
    if (s.empty()) continue;
    c[k] = s;  // esand checks the number (the file's rules)
    any = true;
  }
  if (!any) return make_error(Errc::kInvalidArgument, "nothing to change: give at least one value");
  return put(c);
}

}  // namespace esan::tui
