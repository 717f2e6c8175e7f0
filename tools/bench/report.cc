#include "tools/bench/report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace esan::bench {

namespace {

double us(uint64_t ns) { return double(ns) / 1000.0; }

struct Rates {
  double iops, mbps, read_iops, write_iops;
};

Rates rates(const Totals& t) {
  double s = t.seconds > 0 ? t.seconds : 1;
  return {double(t.reads + t.writes) / s, double(t.read_bytes + t.write_bytes) / s / 1e6,
          double(t.reads) / s, double(t.writes) / s};
}

}  // namespace

std::string progress_line(unsigned second, uint64_t ios, uint64_t bytes) {
  return fmt::format("{:>4}s {:>10} IOPS {:>10.1f} MB/s", second, ios, double(bytes) / 1e6);
}

std::string summary_text(const Options& o, const Totals& t) {
  Rates r = rates(t);
  const LatencyHistogram& h = t.latency;
  std::string s = fmt::format("{} bs={} qd={} sessions={} time={:.2f}s\n", workload_name(o.rw), o.block_bytes,
                              o.queue_depth, o.sessions, t.seconds);
  s += fmt::format("  IOPS {:.0f} (read {:.0f}, write {:.0f})  {:.1f} MB/s\n", r.iops, r.read_iops, r.write_iops,
                   r.mbps);
  s += fmt::format("  latency us: mean {:.1f}  p50 {:.1f}  p99 {:.1f}  p99.9 {:.1f}  max {:.1f}\n", h.mean() / 1000,
                   us(h.percentile(0.5)), us(h.percentile(0.99)), us(h.percentile(0.999)), us(h.max()));
  s += fmt::format("  errors {}  miscompares {}{}\n", t.errors, t.miscompares,
                   o.verify ? "" : " (not verifying)");
  if (!t.first_error.empty()) s += "  first error: " + t.first_error + "\n";
  return s;
}

std::string summary_json(const Options& o, const Totals& t) {
  Rates r = rates(t);
  const LatencyHistogram& h = t.latency;
  nlohmann::json j = {
      {"workload", std::string(workload_name(o.rw))},
      {"block_bytes", o.block_bytes},
      {"queue_depth", o.queue_depth},
      {"sessions", o.sessions},
      {"seconds", t.seconds},
      {"iops", r.iops},
      {"read_iops", r.read_iops},
      {"write_iops", r.write_iops},
      {"mb_per_s", r.mbps},
      {"reads", t.reads},
      {"writes", t.writes},
      {"errors", t.errors},
      {"miscompares", t.miscompares},
      {"verified", o.verify},
      {"latency_us",
       {{"mean", h.mean() / 1000},
        {"p50", us(h.percentile(0.5))},
        {"p99", us(h.percentile(0.99))},
        {"p99_9", us(h.percentile(0.999))},
        {"max", us(h.max())}}},
  };
  if (!t.first_error.empty()) j["first_error"] = t.first_error;
  return j.dump(2) + "\n";
}

}  // namespace esan::bench
