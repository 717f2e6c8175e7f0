// The alert rules as JSON (GET/PUT /v1/alerts/config, docs/API.md), both
// ways, with the file syntax (alert_config.h) as the one set of rules.
//
// Contract:
//  * to_json(cfg): {"rate_limit", "dedup_s", "retries", "sinks": [{"name",
//    "type", and the attributes of the type: "to" [..], "from" (absent when
//    not set), "sendmail" [argv] | "url" | "facility"}], "rules": [{"name", "kinds"
//    ([..] or ["*"]), "severity", "sinks" [..]}]}.
//  * text_from_json(j): the file text the object stands for, without
//    judging it: every key of the object, of each sink and of each rule
//    becomes the keyword of the same name ("name" the SINK's or RULE's
//    name), a string its value, a number its decimal text, a list of
//    strings its elements joined. "file" and "configured" (GET's read-only
//    parts) are skipped, so GET's answer can be PUT back. Errors (kInvalidArgument) only for what has no text: not an
//    object, sinks/rules not a list of objects with a string "name", a
//    value that is not a string, non-negative integer or list of strings, a
//    list element that is empty or holds a blank or comma. Everything else
//    (unknown keys, wrong types of sink, bad addresses, ...) is left to
//    parse_alerts() on the result, so the JSON and the file obey the same
//    rules and give the same errors.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "alerts/alert_config.h"
#include "common/result.h"

namespace esan::alerts {

nlohmann::json to_json(const AlertsConfig& cfg);
Result<std::string> text_from_json(const nlohmann::json& j);

}  // namespace esan::alerts
