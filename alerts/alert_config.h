// Alert rules: which events go to which sinks (docs/ARCHITECTURE.md
// "Events and alerts"), read from their own file (esand --alerts FILE) in
// scst.conf syntax:
//
//   rate_limit 20            # alerts per sink per minute (0 = no limit)
//   dedup_s 300              # the same kind + message is sent once per window (0 = always)
//   retries 4                # deliveries retried after a failure (backoff 1 s doubling, max 60 s)
//   SINK ops {               # type mail: sendmail -t with the message on stdin
//       type mail
//       to ops@example.com   # several: to "a@x b@y"
//       from esand@example.com
//       sendmail "/usr/sbin/sendmail -t"
//   }
//   SINK hook {              # type webhook: HTTP POST of the event as JSON
//       type webhook
//       url http://HOST:PORT/PATH
//   }
//   SINK log {               # type syslog: syslog(3), ident esand
//       type syslog
//       facility daemon      # daemon (default), user, local0..local7
//   }
//   RULE problems {
//       kinds login_failed,health_failed     # or * (every kind)
//       severity warning                     # the least severity routed (default info)
//       sinks ops,hook
//   }
//
// Contract:
//  * parse_alerts() validates everything or returns kInvalidArgument
//    "file:line: reason": unknown keywords, a SINK without a type or with
//    attributes its type does not take, a mail sink without `to`, a webhook
//    url that is not http://HOST[:PORT][/PATH], names given twice, a RULE
//    naming an unknown sink, kind or severity, numbers out of range.
//  * routes(cfg, event): the names of the sinks `event` goes to (each once,
//    in the order the SINKs are written): those of every RULE whose kinds
//    hold the event's kind and whose severity is at most the event's.
//    alert_failed and alert_test events are never routed (a failing sink
//    would otherwise report itself to itself; tests go to every sink
//    through Alerter::test()).
//  * format_alerts(cfg): the file text of cfg (numbers, then each SINK with
//    the attributes of its type, then each RULE; `kinds *` for every kind;
//    a value holding a blank, '#', '"', '{' or '}' is double-quoted).
//    For every cfg parse_alerts() returns, parse_alerts(format_alerts(cfg))
//    returns an equivalent() one. A cfg built by hand may hold what the
//    syntax cannot carry (a sendmail argument, `to` address or rule's sink
//    name with a blank or comma, a name that is empty): parsing its text
//    then fails or gives a config that is not equivalent(); check with
//    both before using it (mgmt's PUT /v1/alerts/config does).
//  * equivalent(a, b): the same settings, sinks and rules in the same
//    order (the `line` members aside).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "events/event.h"

namespace esan::alerts {

enum class SinkType { kMail, kWebhook, kSyslog };
std::string_view sink_type_name(SinkType t);

struct SinkConfig {
  std::string name;
  SinkType type = SinkType::kSyslog;
  std::vector<std::string> to;                                    // mail
  std::string from;                                               // mail; "" = esand@HOSTNAME
  std::vector<std::string> sendmail{"/usr/sbin/sendmail", "-t"};  // mail: argv
  std::string url;                                                // webhook
  std::string facility = "daemon";                                // syslog: daemon, user, local0..local7
  int line = 0;
};

struct RuleConfig {
  std::string name;
  std::vector<events::Kind> kinds;  // empty = every kind
  events::Severity severity = events::Severity::kInfo;
  std::vector<std::string> sinks;
  int line = 0;
};

struct AlertsConfig {
  uint32_t rate_limit = 20;  // per sink per minute; 0 = no limit
  uint32_t dedup_s = 300;    // 0 = no de-duplication
  uint32_t retries = 4;
  std::vector<SinkConfig> sinks;
  std::vector<RuleConfig> rules;
};

Result<AlertsConfig> parse_alerts(std::string_view text, std::string_view file_name);
// `text` (optional): the file's text as read.
Result<AlertsConfig> load_alerts_file(const std::string& path, std::string* text = nullptr);

std::string format_alerts(const AlertsConfig& cfg);
// One value word of the file syntax (double-quoted when it must be).
std::string quote_value(std::string_view v);
bool equivalent(const SinkConfig& a, const SinkConfig& b);
bool equivalent(const AlertsConfig& a, const AlertsConfig& b);

std::vector<std::string> routes(const AlertsConfig& cfg, const events::Event& event);

// Splits "http://HOST[:PORT][/PATH]" into "http://HOST[:PORT]" and "/PATH"
// ("/" when absent); false for anything else.
bool split_url(std::string_view url, std::string& origin, std::string& path);

}  // namespace esan::alerts
