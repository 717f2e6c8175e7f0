// Printing esand's answers: tables for people, the JSON as is for scripts.
//
// Contract: pure functions of their arguments. A body that is not the shape
// a view expects is printed as indented JSON rather than dropped, so a newer
// server never makes esanctl hide what it said.
#pragma once

#include <string>
#include <vector>

#include "tools/esanctl/call.h"

namespace esan::ctl {

// An answer (client/http.h).
using Reply = client::Reply;

// stdout text for a successful (2xx) answer to call.
std::string render(const ApiCall& call, const std::string& body, bool json);

// The message of a refused answer (client/http.h).
using client::error_message;

// The views of render_views.cc (used by render()).
std::string render_alua(const ApiCall& call, const nlohmann::json& groups);
std::string render_sessions(const nlohmann::json& sessions);
// GET /v1/cluster: "cluster: not running (REASON)", or a NODE/STATE/DC
// table, "master of CLONE: NODE" lines and a FENCED table (if any).
std::string render_cluster(const nlohmann::json& cluster);
std::string render_stats(const nlohmann::json& stats);
// GET /v1/health: a DEVICE table (STATUS ok|failed, DETAIL the path or the
// error), a DEVICE GROUP table (STATUS ready|not-ready, CLUSTER GROUP "-"
// when not replicated, NODE, MEMBERS nodeid/pid,...), then "health: ok" or
// "health: failed". One word per cell but DETAIL (the last column), for
// scripts (the resource agent).
std::string render_health(const nlohmann::json& health);

// GET /v1/config/history: REV (12 digits), TIME (UTC), AUTHOR, MESSAGE,
// newest first; a last line when the last commit failed.
std::string render_history(const nlohmann::json& history);

// GET /v1/events: one line per event, "SEQ TIME SEVERITY KIND MESSAGE"
// (fields: --json), after a note when the log had dropped events the
// request asked for (missed > 0). No header: --follow appends to it.
std::string render_events(const nlohmann::json& page);
// GET /v1/alerts: a SINK table (TYPE, DELIVERED, FAILURES, DROPPED, QUEUED,
// LAST ERROR); POST /v1/alerts/test: "SINK: ok" or "SINK: failed: ERROR".
std::string render_alerts(const nlohmann::json& status);
std::string render_alert_test(const nlohmann::json& results);
// GET /v1/alerts/config: the rules file's text as esand runs it (file.text),
// or a line saying none are configured and where `alert set` would save them.
std::string render_alert_config(const nlohmann::json& cfg);

// Left-aligned columns separated by two spaces; the first row is the header.
std::string table(const std::vector<std::vector<std::string>>& rows);

}  // namespace esan::ctl
