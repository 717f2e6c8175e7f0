// stats_json(), sessions_json(), parse_session_id(): the JSON side of the
// observability endpoints.
#include <charconv>

#include <fmt/format.h>

#include "mgmt/observe.h"

namespace esan::mgmt {

using nlohmann::json;
using scsi::OpClass;

namespace {

json latency_json(const scsi::OpStatsSnapshot& s) {
  json buckets = json::array();
  uint64_t cumulative = 0;
  for (int i = 0; i < scsi::kLatencyBounds; ++i) {
    cumulative += s.buckets[size_t(i)];
    buckets.push_back({{"le", scsi::latency_bound_seconds(i)}, {"count", cumulative}});
  }
  double sum = double(s.latency_sum_ns) * 1e-9;
  return {{"count", s.commands},
          {"sum_seconds", sum},
          {"mean_seconds", s.commands ? sum / double(s.commands) : 0.0},
          {"buckets", std::move(buckets)}};  // cumulative; the count is the +Inf bucket
}

json device_json(const scsi::LuStatsSnapshot& s) {
  json commands, latency;
  for (OpClass op : {OpClass::kRead, OpClass::kWrite, OpClass::kOther}) {
    commands[op_class_name(op)] = s[op].commands;
    latency[op_class_name(op)] = latency_json(s[op]);
  }
  return {{"commands", std::move(commands)},
          {"bytes", {{"read", s[OpClass::kRead].bytes}, {"write", s[OpClass::kWrite].bytes}}},
          {"errors", s.errors},
          {"latency_seconds", std::move(latency)}};
}

json counters_json(const iscsi::SessionCountersSnapshot& c) {
  return {{"commands", c.commands},       {"read_commands", c.read_commands}, {"write_commands", c.write_commands},
          {"read_bytes", c.read_bytes},   {"write_bytes", c.write_bytes},     {"errors", c.errors},
          {"in_flight", c.in_flight},     {"read_spliced_bytes", c.read_spliced_bytes}};
}

json params_json(const iscsi::SessionParams& p) {
  auto yes = [](bool b) { return b ? "Yes" : "No"; };
  auto digest = [](bool b) { return b ? "CRC32C" : "None"; };
  return {{"HeaderDigest", digest(p.header_digest)},
          {"DataDigest", digest(p.data_digest)},
          {"MaxRecvDataSegmentLength", p.max_recv_dsl},   // what esand receives (declared by us)
          {"MaxXmitDataSegmentLength", p.max_xmit_dsl},   // what esand sends (the initiator's declaration)
          {"MaxBurstLength", p.max_burst},
          {"FirstBurstLength", p.first_burst},
          {"ImmediateData", yes(p.immediate_data)},
          {"InitialR2T", yes(p.initial_r2t)},
          {"MaxOutstandingR2T", p.max_outstanding_r2t},
          {"MaxConnections", p.max_connections},
          {"DataPDUInOrder", yes(p.data_pdu_in_order)},
          {"DataSequenceInOrder", yes(p.data_seq_in_order)},
          {"ErrorRecoveryLevel", p.error_recovery_level},
          {"DefaultTime2Wait", p.default_time2wait},
          {"DefaultTime2Retain", p.default_time2retain},
          {"InitiatorAlias", p.initiator_alias}};
}

}  // namespace

json stats_json(const server::Observation& obs) {
  json devices = json::object(), targets = json::object(), reactors = json::array();
  for (const auto& d : obs.devices) devices[d.name] = device_json(d.stats);
  for (const auto& [name, t] : obs.targets) {
    const auto& c = t.counters;
    targets[name] = {{"commands", {{"read", c.read_commands}, {"write", c.write_commands}, {"other", c.other_commands()}}},
                     {"bytes", {{"read", c.read_bytes}, {"write", c.write_bytes}}},
                     {"errors", c.errors},
                     {"in_flight", c.in_flight},
                     {"sessions", t.sessions}};
  }
  for (const auto& r : obs.reactors)
    reactors.push_back({{"index", r.index}, {"busy_seconds", r.busy_seconds}, {"busy_ratio", r.busy_ratio}});
  return {{"devices", std::move(devices)},
          {"targets", std::move(targets)},
          {"sessions", obs.sessions},
          {"connections", obs.connections},
          {"reactors", std::move(reactors)}};
}

json session_json(const iscsi::SessionInfo& s) {
  return {{"id", s.tsih},
          {"tsih", s.tsih},
          {"initiator", s.initiator_name},
          {"isid", s.isid_hex},
          {"target", s.target_name},
          {"portal", s.portal},
          {"peer", s.peer},
          {"discovery", s.discovery},
          {"chap_user", s.params.auth_user.empty() ? json(nullptr) : json(s.params.auth_user)},
          {"params", params_json(s.params)},
          {"counters", counters_json(s.counters)}};
}

json sessions_json(const std::vector<iscsi::SessionInfo>& sessions) {
  json out = json::array();
  for (const auto& s : sessions) out.push_back(session_json(s));
  return out;
}

Result<uint16_t> parse_session_id(std::string_view id) {
  unsigned v = 0;
  auto [end, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
  if (id.empty() || ec != std::errc() || end != id.data() + id.size() || v == 0 || v > 65535)
    return make_error(Errc::kInvalidArgument,
                      fmt::format("bad session id '{}': expected a TSIH, 1..65535", id));
  return uint16_t(v);
}

}  // namespace esan::mgmt
