// Rendering of the management plane's observability endpoints (docs/API.md,
// Sessions and Statistics). Pure functions of their inputs (thread-safe):
//
//   GET /metrics          -> metrics_text(server.observe())
//                            Content-Type: text/plain; version=0.0.4
//   GET /v1/stats         -> stats_json(server.observe())
//   GET /v1/sessions      -> sessions_json(server.list_sessions())
//   DELETE /v1/sessions/{id}
//                         -> parse_session_id(id), then server.close_session(tsih):
//                            kInvalidArgument -> 400, kNotFound -> 404, ok -> 200 {}
//
// metrics_text() is the Prometheus text exposition format 0.0.4: one HELP
// and one TYPE line per family, label values escaped (\\, \", \n), every
// family present even with no series. Histogram buckets are cumulative,
// le in seconds, and the +Inf bucket equals _count.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "probes/scheduler.h"
#include "server/observation.h"
#include "transport/iscsi/session_registry.h"

namespace esan::mgmt {

std::string metrics_text(const server::Observation& obs);
// The backend probes' families (esan_device_healthy, esan_device_probe_seconds,
// esan_device_probe_failures_total), appended to metrics_text() by GET /metrics;
// present without series when esand runs no scheduled probes.
std::string probe_metrics_text(const std::vector<probes::DeviceHealth>& health);

// {"devices":{name:{...}},"targets":{name:{...}},"sessions":N,"connections":N,
//  "reactors":[{"index","busy_seconds","busy_ratio"}]}
nlohmann::json stats_json(const server::Observation& obs);

// [{"id","tsih","initiator","isid","target","portal","peer","discovery",
//   "chap_user","params":{RFC 7143 key: value},"counters":{...}}]
nlohmann::json sessions_json(const std::vector<iscsi::SessionInfo>& sessions);
nlohmann::json session_json(const iscsi::SessionInfo& s);

// The {id} path segment of /v1/sessions/{id}: a TSIH, 1..65535 in decimal.
Result<uint16_t> parse_session_id(std::string_view id);

// Prometheus label value escaping (exposed for tests).
std::string escape_label_value(std::string_view v);

}  // namespace esan::mgmt
