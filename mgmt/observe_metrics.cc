// metrics_text(): Prometheus text exposition 0.0.4 of a server::Observation.
#include <fmt/format.h>

#include "mgmt/observe.h"

namespace esan::mgmt {

using scsi::OpClass;

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

namespace {

constexpr OpClass kAllOps[] = {OpClass::kRead, OpClass::kWrite, OpClass::kOther};
constexpr OpClass kDataOps[] = {OpClass::kRead, OpClass::kWrite};

class Writer {
 public:
  void family(std::string_view name, std::string_view type, std::string_view help) {
    fmt::format_to(std::back_inserter(out_), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }
  // labels: pre-rendered `k="v",...` (values already escaped), may be empty.
  template <class V>
  void sample(std::string_view name, std::string_view labels, V value) {
    if (labels.empty()) fmt::format_to(std::back_inserter(out_), "{} {}\n", name, value);
    else fmt::format_to(std::back_inserter(out_), "{}{{{}}} {}\n", name, labels, value);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string label(std::string_view k, std::string_view v) {
  return fmt::format("{}=\"{}\"", k, escape_label_value(v));
}

uint64_t op_count(const iscsi::SessionCountersSnapshot& c, OpClass op) {
  return op == OpClass::kRead ? c.read_commands : op == OpClass::kWrite ? c.write_commands : c.other_commands();
}

void devices(Writer& w, const server::Observation& obs) {
  w.family("esan_device_commands_total", "counter", "SCSI commands completed by the device, by class.");
  for (const auto& d : obs.devices)
    for (OpClass op : kAllOps)
      w.sample("esan_device_commands_total", label("device", d.name) + "," + label("op", op_class_name(op)),
               d.stats[op].commands);
  w.family("esan_device_bytes_total", "counter", "Data bytes of reads and writes that ended GOOD.");
  for (const auto& d : obs.devices)
    for (OpClass op : kDataOps)
      w.sample("esan_device_bytes_total", label("device", d.name) + "," + label("op", op_class_name(op)),
               d.stats[op].bytes);
  w.family("esan_device_errors_total", "counter", "Commands that ended in CHECK CONDITION.");
  for (const auto& d : obs.devices) w.sample("esan_device_errors_total", label("device", d.name), d.stats.errors);
  w.family("esan_device_latency_seconds", "histogram", "Command latency from dispatch to completion.");
  for (const auto& d : obs.devices)
    for (OpClass op : kAllOps) {
      const scsi::OpStatsSnapshot& s = d.stats[op];
      std::string base = label("device", d.name) + "," + label("op", op_class_name(op));
      uint64_t cumulative = 0;
      for (int i = 0; i < scsi::kLatencyBounds; ++i) {
        cumulative += s.buckets[size_t(i)];
        w.sample("esan_device_latency_seconds_bucket",
                 base + fmt::format(",le=\"{}\"", scsi::latency_bound_seconds(i)), cumulative);
      }
      cumulative += s.buckets[size_t(scsi::kLatencyBounds)];
      w.sample("esan_device_latency_seconds_bucket", base + ",le=\"+Inf\"", cumulative);
      w.sample("esan_device_latency_seconds_sum", base, double(s.latency_sum_ns) * 1e-9);
      w.sample("esan_device_latency_seconds_count", base, cumulative);
    }
}

void targets(Writer& w, const server::Observation& obs) {
  w.family("esan_target_commands_total", "counter", "SCSI commands answered on the target's sessions, by class.");
  for (const auto& [name, t] : obs.targets)
    for (OpClass op : kAllOps)
      w.sample("esan_target_commands_total", label("target", name) + "," + label("op", op_class_name(op)),
               op_count(t.counters, op));
  w.family("esan_target_bytes_total", "counter", "Data bytes of reads and writes that ended GOOD.");
  for (const auto& [name, t] : obs.targets) {
    w.sample("esan_target_bytes_total", label("target", name) + ",op=\"read\"", t.counters.read_bytes);
    w.sample("esan_target_bytes_total", label("target", name) + ",op=\"write\"", t.counters.write_bytes);
  }
  w.family("esan_target_errors_total", "counter", "Commands on the target's sessions that ended in CHECK CONDITION.");
  for (const auto& [name, t] : obs.targets) w.sample("esan_target_errors_total", label("target", name), t.counters.errors);
  w.family("esan_target_sessions", "gauge", "Normal sessions logged in to the target.");
  for (const auto& [name, t] : obs.targets) w.sample("esan_target_sessions", label("target", name), t.sessions);
}

}  // namespace

std::string probe_metrics_text(const std::vector<probes::DeviceHealth>& health) {
  Writer w;
  w.family("esan_device_healthy", "gauge",
           "1 when the device's last scheduled backend probe answered, 0 when it failed or hangs (no sample before "
           "the first probe).");
  for (const auto& h : health)
    if (h.state != probes::State::kPending)
      w.sample("esan_device_healthy", label("device", h.device), h.state == probes::State::kHealthy ? 1 : 0);
  w.family("esan_device_probe_seconds", "gauge",
           "Latency of the device's last finished backend probe; while one hangs, how long it has run.");
  for (const auto& h : health)
    if (h.state != probes::State::kPending) w.sample("esan_device_probe_seconds", label("device", h.device), h.seconds);
  w.family("esan_device_probe_failures_total", "counter", "Scheduled backend probes that failed or hung.");
  for (const auto& h : health) w.sample("esan_device_probe_failures_total", label("device", h.device), h.failures);
  return w.take();
}

std::string metrics_text(const server::Observation& obs) {
  Writer w;
  devices(w, obs);
  targets(w, obs);
  w.family("esan_sessions", "gauge", "Normal (non-discovery) iSCSI sessions.");
  w.sample("esan_sessions", "", obs.sessions);
  w.family("esan_connections", "gauge", "iSCSI TCP connections, in any phase.");
  w.sample("esan_connections", "", obs.connections);
  w.family("esan_reactor_busy_seconds_total", "counter", "Time the reactor thread spent not waiting for events.");
  for (const auto& r : obs.reactors)
    w.sample("esan_reactor_busy_seconds_total", label("reactor", std::to_string(r.index)), r.busy_seconds);
  return w.take();
}

}  // namespace esan::mgmt
