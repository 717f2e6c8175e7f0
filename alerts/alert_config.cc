#include "alerts/alert_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "config/lexer.h"
#include "config/syntax.h"
#include "config/values.h"

namespace esan::alerts {

std::string_view sink_type_name(SinkType t) {
  switch (t) {
    case SinkType::kMail:
      return "mail";
    case SinkType::kWebhook:
      return "webhook";
    case SinkType::kSyslog:
      return "syslog";
  }
  return "unknown";
}

namespace {

using config::Node;

std::vector<std::string> split(std::string_view s, std::string_view seps) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = s.find_first_of(seps, i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

struct Ctx {
  std::string_view file;
  std::unexpected<Error> err(const Node& n, std::string why) const {
    return std::unexpected(Error{Errc::kInvalidArgument, fmt::format("{}:{}: {}", file, n.line, why)});
  }
};

// The one value of attribute `n` (all words joined by blanks), or an error.
Result<std::string> value_of(const Ctx& c, const Node& n) {
  if (n.has_block) return c.err(n, fmt::format("'{}' takes no block", n.keyword));
  if (n.args.empty()) return c.err(n, fmt::format("'{}' needs a value", n.keyword));
  std::string v;
  for (const auto& a : n.args) v += (v.empty() ? "" : " ") + a;
  return v;
}

Result<uint32_t> number_of(const Ctx& c, const Node& n, uint32_t max) {
  auto v = value_of(c, n);
  if (!v) return std::unexpected(v.error());
  auto u = config::parse_uint(*v, max);
  if (!u) return c.err(n, fmt::format("{} {}", n.keyword, u.error()));
  return static_cast<uint32_t>(*u);
}

constexpr std::string_view kFacilities[] = {"daemon", "user",   "local0", "local1", "local2",
                                            "local3", "local4", "local5", "local6", "local7"};

Result<SinkConfig> parse_sink(const Ctx& c, const Node& n) {
  if (n.args.size() != 1 || !n.has_block) return c.err(n, "SINK needs a name and a { } block");
  SinkConfig s;
  s.name = n.args[0];
  s.line = n.line;
  bool typed = false, has_sendmail = false;
  std::vector<const Node*> seen;
  for (const Node& a : n.children) {
    for (const Node* p : seen)
      if (p->keyword == a.keyword) return c.err(a, fmt::format("'{}' given twice in SINK {}", a.keyword, s.name));
    seen.push_back(&a);
    auto v = value_of(c, a);
    if (!v) return std::unexpected(v.error());
    if (a.keyword == "type") {
      if (*v == "mail")
        s.type = SinkType::kMail;
      else if (*v == "webhook")
        s.type = SinkType::kWebhook;
      else if (*v == "syslog")
        s.type = SinkType::kSyslog;
      else
        return c.err(a, fmt::format("unknown sink type '{}' (mail, webhook or syslog)", *v));
      typed = true;
    } else if (a.keyword == "to") {
      s.to = split(*v, " \t,");
    } else if (a.keyword == "from") {
      s.from = *v;
    } else if (a.keyword == "sendmail") {
      s.sendmail = split(*v, " \t");
      has_sendmail = true;
    } else if (a.keyword == "url") {
      s.url = *v;
    } else if (a.keyword == "facility") {
      s.facility = *v;
    } else {
      return c.err(a, fmt::format("unknown attribute '{}' in SINK {}", a.keyword, s.name));
    }
  }
  if (!typed) return c.err(n, fmt::format("SINK {} needs a type (mail, webhook or syslog)", s.name));
  auto only = [&](std::initializer_list<std::string_view> allowed) -> Status {
    for (const Node* a : seen)
      if (a->keyword != "type" && std::find(allowed.begin(), allowed.end(), a->keyword) == allowed.end())
        return c.err(*a, fmt::format("a {} sink takes no '{}'", sink_type_name(s.type), a->keyword));
    return {};
  };
  Status st;
  switch (s.type) {
    case SinkType::kMail:
      st = only({"to", "from", "sendmail"});
      if (st && s.to.empty()) return c.err(n, fmt::format("mail SINK {} needs 'to' (an address)", s.name));
      for (const auto& t : s.to)
        if (t.find('@') == std::string::npos || t.find_first_of("\r\n<>") != std::string::npos)
          return c.err(n, fmt::format("SINK {}: '{}' is not a mail address", s.name, t));
      if (st && has_sendmail && s.sendmail.empty()) return c.err(n, "sendmail needs a command");
      break;
    case SinkType::kWebhook: {
      st = only({"url"});
      std::string origin, path;
      if (st && !split_url(s.url, origin, path))
        return c.err(n, fmt::format("webhook SINK {} needs 'url http://HOST[:PORT][/PATH]'", s.name));
      break;
    }
    case SinkType::kSyslog:
      st = only({"facility"});
      if (st && std::find(std::begin(kFacilities), std::end(kFacilities), s.facility) == std::end(kFacilities))
        return c.err(n, fmt::format("unknown syslog facility '{}' (daemon, user, local0..local7)", s.facility));
      break;
  }
  if (!st) return std::unexpected(st.error());
  return s;
}

Result<RuleConfig> parse_rule(const Ctx& c, const Node& n, const std::vector<SinkConfig>& sinks) {
  if (n.args.size() != 1 || !n.has_block) return c.err(n, "RULE needs a name and a { } block");
  RuleConfig r;
  r.name = n.args[0];
  r.line = n.line;
  for (const Node& a : n.children) {
    auto v = value_of(c, a);
    if (!v) return std::unexpected(v.error());
    if (a.keyword == "kinds") {
      if (*v == "*") continue;
      for (const auto& k : split(*v, " \t,")) {
        auto kind = events::parse_kind(k);
        if (!kind) return c.err(a, fmt::format("unknown event kind '{}'", k));
        r.kinds.push_back(*kind);
      }
    } else if (a.keyword == "severity") {
      auto s = events::parse_severity(*v);
      if (!s) return c.err(a, fmt::format("unknown severity '{}' (info, warning, error, critical)", *v));
      r.severity = *s;
    } else if (a.keyword == "sinks") {
      for (const auto& name : split(*v, " \t,")) {
        if (std::none_of(sinks.begin(), sinks.end(), [&](const SinkConfig& s) { return s.name == name; }))
          return c.err(
              a, fmt::format("RULE {}: no SINK named '{}' (SINKs come before the RULEs using them)", r.name, name));
        r.sinks.push_back(name);
      }
    } else {
      return c.err(a, fmt::format("unknown attribute '{}' in RULE {}", a.keyword, r.name));
    }
  }
  if (r.sinks.empty()) return c.err(n, fmt::format("RULE {} needs 'sinks'", r.name));
  return r;
}

}  // namespace

bool split_url(std::string_view url, std::string& origin, std::string& path) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return false;
  size_t slash = url.find('/', kScheme.size());
  std::string_view host =
      url.substr(kScheme.size(), slash == std::string_view::npos ? url.npos : slash - kScheme.size());
  if (host.empty() || host.find_first_of(" \t@") != std::string_view::npos) return false;
  origin = std::string(url.substr(0, kScheme.size() + host.size()));
  path = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  return true;
}

Result<AlertsConfig> parse_alerts(std::string_view text, std::string_view file_name) {
  auto nodes = config::parse_syntax(text, file_name);
  if (!nodes) return std::unexpected(nodes.error());
  Ctx c{file_name};
  AlertsConfig cfg;
  for (const Node& n : *nodes) {
    if (n.keyword == "SINK") {
      auto s = parse_sink(c, n);
      if (!s) return std::unexpected(s.error());
      for (const auto& o : cfg.sinks)
        if (o.name == s->name) return c.err(n, fmt::format("SINK {} given twice (line {})", s->name, o.line));
      cfg.sinks.push_back(std::move(*s));
    } else if (n.keyword == "RULE") {
      auto r = parse_rule(c, n, cfg.sinks);
      if (!r) return std::unexpected(r.error());
      for (const auto& o : cfg.rules)
        if (o.name == r->name) return c.err(n, fmt::format("RULE {} given twice (line {})", r->name, o.line));
      cfg.rules.push_back(std::move(*r));
    } else if (n.keyword == "rate_limit" || n.keyword == "dedup_s" || n.keyword == "retries") {
      auto v = number_of(c, n, n.keyword == "retries" ? 100 : 1000000);
      if (!v) return std::unexpected(v.error());
      (n.keyword == "rate_limit" ? cfg.rate_limit : n.keyword == "dedup_s" ? cfg.dedup_s : cfg.retries) = *v;
    } else {
      return c.err(n, fmt::format("unknown keyword '{}' (SINK, RULE, rate_limit, dedup_s, retries)", n.keyword));
    }
  }
  return cfg;
}

Result<AlertsConfig> load_alerts_file(const std::string& path, std::string* text) {
  std::ifstream in(path);
  if (!in) return make_error(Errc::kIo, fmt::format("{}: cannot read: {}", path, std::strerror(errno)));
  std::stringstream ss;
  ss << in.rdbuf();
  if (text) *text = ss.str();
  return parse_alerts(ss.str(), path);
}

std::string quote_value(std::string_view w) { return config::quote_word(w); }

namespace {

std::string word(std::string_view w) { return quote_value(w); }

std::string joined(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : std::string(sep)) + s;
  return out;
}

}  // namespace

std::string format_alerts(const AlertsConfig& cfg) {
  std::string out = fmt::format("rate_limit {}\ndedup_s {}\nretries {}\n", cfg.rate_limit, cfg.dedup_s, cfg.retries);
  for (const auto& s : cfg.sinks) {
    out += fmt::format("\nSINK {} {{\n    type {}\n", word(s.name), sink_type_name(s.type));
    switch (s.type) {
      case SinkType::kMail:
        out += fmt::format("    to {}\n", word(joined(s.to, " ")));
        if (!s.from.empty()) out += fmt::format("    from {}\n", word(s.from));
        out += fmt::format("    sendmail {}\n", word(joined(s.sendmail, " ")));
        break;
      case SinkType::kWebhook:
        out += fmt::format("    url {}\n", word(s.url));
        break;
      case SinkType::kSyslog:
        out += fmt::format("    facility {}\n", word(s.facility));
        break;
    }
    out += "}\n";
  }
  for (const auto& r : cfg.rules) {
    std::vector<std::string> kinds;
    for (auto k : r.kinds) kinds.emplace_back(events::kind_name(k));
    out += fmt::format("\nRULE {} {{\n    kinds {}\n    severity {}\n    sinks {}\n}}\n", word(r.name),
                       kinds.empty() ? "*" : word(joined(kinds, ",")), events::severity_name(r.severity),
                       word(joined(r.sinks, ",")));
  }
  return out;
}

bool equivalent(const SinkConfig& a, const SinkConfig& b) {
  return a.name == b.name && a.type == b.type && a.to == b.to && a.from == b.from && a.sendmail == b.sendmail &&
         a.url == b.url && a.facility == b.facility;
}

bool equivalent(const AlertsConfig& a, const AlertsConfig& b) {
  if (a.rate_limit != b.rate_limit || a.dedup_s != b.dedup_s || a.retries != b.retries ||
      a.sinks.size() != b.sinks.size() || a.rules.size() != b.rules.size())
    return false;
  for (size_t i = 0; i < a.sinks.size(); ++i)
    if (!equivalent(a.sinks[i], b.sinks[i])) return false;
  for (size_t i = 0; i < a.rules.size(); ++i) {
    const auto &x = a.rules[i], &y = b.rules[i];
    if (x.name != y.name || x.kinds != y.kinds || x.severity != y.severity || x.sinks != y.sinks) return false;
  }
  return true;
}

std::vector<std::string> routes(const AlertsConfig& cfg, const events::Event& event) {
  std::vector<std::string> out;
  if (event.kind == events::Kind::kAlertFailed || event.kind == events::Kind::kAlertTest) return out;
  for (const auto& sink : cfg.sinks) {
    for (const auto& r : cfg.rules) {
      if (event.severity < r.severity) continue;
      if (!r.kinds.empty() && std::find(r.kinds.begin(), r.kinds.end(), event.kind) == r.kinds.end()) continue;
      if (std::find(r.sinks.begin(), r.sinks.end(), sink.name) == r.sinks.end()) continue;
      out.push_back(sink.name);
      break;
    }
  }
  return out;
}

}  // namespace esan::alerts
