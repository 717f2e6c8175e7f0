// System > alert setup (esan-tui): the forms that change esand's alert
// rules. Each reads the current rules (GET /v1/alerts/config, the
// Action's base) and builds ONE PUT /v1/alerts/config of the whole new
// configuration in its structured form, so a change is never half-applied
// and a refusal is esand's (parse_alerts's) own message. The PUT carries
// the rules' version as read (if_version: GET's file.version), so esand
// refuses it when someone else changed the rules in between.
//
// Contract: every function is pure: (GET's answer, field values) -> the PUT,
// or an Error (kInvalidArgument) naming a required field left empty or a
// sink/rule to remove that is not there. Everything else (a name given
// twice, a bad address or URL, a rule naming a missing sink, numbers out of
// range) is left to esand, which checks it with the rules of the file.
#pragma once

#include <nlohmann/json.hpp>

#include "tui/actions.h"

namespace esan::tui {

// Values: name, to, from (may be empty).
Result<client::Request> add_mail_sink(const nlohmann::json& current, const Values& v);
// Values: name, url.
Result<client::Request> add_webhook_sink(const nlohmann::json& current, const Values& v);
// Values: name, facility.
Result<client::Request> add_syslog_sink(const nlohmann::json& current, const Values& v);
// Values: sink.
Result<client::Request> remove_sink(const nlohmann::json& current, const Values& v);
// Values: name, kinds ("*" or names), severity, sinks (names).
Result<client::Request> add_rule(const nlohmann::json& current, const Values& v);
// Values: rule.
Result<client::Request> remove_rule(const nlohmann::json& current, const Values& v);
// Values: rate_limit, dedup_s, retries; an empty one keeps its value.
Result<client::Request> set_alert_limits(const nlohmann::json& current, const Values& v);

}  // namespace esan::tui
