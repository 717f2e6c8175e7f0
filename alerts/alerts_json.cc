#include "alerts/alerts_json.h"

#include <fmt/format.h>

namespace esan::alerts {

using nlohmann::json;

json to_json(const AlertsConfig& cfg) {
  json sinks = json::array(), rules = json::array();
  for (const auto& s : cfg.sinks) {
    json j{{"name", s.name}, {"type", sink_type_name(s.type)}};
    switch (s.type) {
      case SinkType::kMail:
        j["to"] = s.to;
        if (!s.from.empty()) j["from"] = s.from;  // absent: esand@HOSTNAME
        j["sendmail"] = s.sendmail;
        break;
      case SinkType::kWebhook:
        j["url"] = s.url;
        break;
      case SinkType::kSyslog:
        j["facility"] = s.facility;
        break;
    }
    sinks.push_back(std::move(j));
  }
  for (const auto& r : cfg.rules) {
    json kinds = json::array();
    for (auto k : r.kinds) kinds.push_back(events::kind_name(k));
    if (kinds.empty()) kinds.push_back("*");
    rules.push_back(
        json{{"name", r.name}, {"kinds", kinds}, {"severity", events::severity_name(r.severity)}, {"sinks", r.sinks}});
  }
  return json{{"rate_limit", cfg.rate_limit},
              {"dedup_s", cfg.dedup_s},
              {"retries", cfg.retries},
              {"sinks", std::move(sinks)},
              {"rules", std::move(rules)}};
}

namespace {

std::unexpected<Error> bad(std::string why) { return std::unexpected(Error{Errc::kInvalidArgument, std::move(why)}); }

// `key value` of one attribute, or why it has no text.
Result<std::string> statement(const std::string& where, const std::string& key, const json& v) {
  std::string text;
  if (v.is_string()) {
    text = quote_value(v.get<std::string>());
  } else if (v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0)) {
    text = std::to_string(v.get<uint64_t>());
  } else if (v.is_array()) {
    std::string joined;
    for (size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string()) return bad(fmt::format("{}{}[{}] must be a string", where, key, i));
      auto e = v[i].get<std::string>();
      // sendmail's arguments are split at blanks only; names and addresses at commas too.
      if (e.empty() || e.find_first_of(key == "sendmail" ? " \t" : " \t,") != std::string::npos)
        return bad(fmt::format("{}{}[{}] '{}' must be one word (no blank{})", where, key, i, e,
                               key == "sendmail" ? "" : " or comma"));
      joined += (joined.empty() ? "" : " ") + e;
    }
    text = quote_value(joined);
  } else {
    return bad(fmt::format("{}{} must be a string, a non-negative integer or a list of strings", where, key));
  }
  return key + " " + text;
}

Status section(std::string& out, const char* keyword, const json& list) {
  std::string lower = keyword == std::string("SINK") ? "sinks" : "rules";
  if (!list.is_array()) return bad(fmt::format("{} must be a list of objects", lower));
  for (size_t i = 0; i < list.size(); ++i) {
    const json& o = list[i];
    std::string where = fmt::format("{}[{}].", lower, i);
    if (!o.is_object() || !o.contains("name") || !o["name"].is_string())
      return bad(fmt::format("{}[{}] must be an object with a string \"name\"", lower, i));
    out += fmt::format("{}{} {} {{\n", out.empty() ? "" : "\n", keyword, quote_value(o["name"].get<std::string>()));
    for (const auto& [k, v] : o.items()) {
      if (k == "name") continue;
      auto st = statement(where, k, v);
      if (!st) return std::unexpected(st.error());
      out += "    " + *st + "\n";
    }
    out += "}\n";
  }
  return {};
}

}  // namespace

Result<std::string> text_from_json(const json& j) {
  if (!j.is_object()) return bad("the alert configuration must be a JSON object");
  std::string out;
  for (const auto& [k, v] : j.items()) {
    if (k == "sinks" || k == "rules" || k == "file" || k == "configured") continue;  // GET's read-only parts
    auto st = statement("", k, v);
    if (!st) return std::unexpected(st.error());
    out += *st + "\n";
  }
  // SINKs first: RULEs name them.
  if (j.contains("sinks"))
    if (auto s = section(out, "SINK", j["sinks"]); !s) return std::unexpected(s.error());
  if (j.contains("rules"))
    if (auto s = section(out, "RULE", j["rules"]); !s) return std::unexpected(s.error());
  return out;
}

}  // namespace esan::alerts
