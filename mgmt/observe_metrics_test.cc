// metrics_text(): parses its own Prometheus text output line by line (a
// small parser of the 0.0.4 format) and checks families, escaping, values,
// bucket monotonicity and +Inf == _count.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "mgmt/observe.h"

namespace esan::mgmt {
namespace {

using scsi::OpClass;

struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct Parsed {
  std::map<std::string, std::string> type;  // family -> TYPE
  std::set<std::string> help;
  std::vector<Sample> samples;
  std::vector<std::string> errors;
};

std::string family_of(const Parsed& p, const std::string& name) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    std::string s(suffix);
    if (name.size() > s.size() && name.ends_with(s)) {
      std::string base = name.substr(0, name.size() - s.size());
      auto it = p.type.find(base);
      if (it != p.type.end() && it->second == "histogram") return base;
    }
  }
  return name;
}

Parsed parse(const std::string& text) {
  Parsed p;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    auto err = [&](const std::string& what) { p.errors.push_back("line " + std::to_string(n) + ": " + what + ": " + line); };
    if (line.empty()) continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      std::istringstream ws(line.substr(7));
      std::string name, rest;
      ws >> name;
      std::getline(ws, rest);
      if (line[2] == 'H') {
        if (!p.help.insert(name).second) err("second HELP");
      } else {
        if (p.type.count(name)) err("second TYPE");
        if (!p.help.count(name)) err("TYPE before HELP");
        p.type[name] = rest.substr(rest.find_first_not_of(' '));
      }
      continue;
    }
    if (line[0] == '#') continue;
    Sample s;
    size_t i = 0;
    while (i < line.size() && (isalnum(uint8_t(line[i])) || line[i] == '_' || line[i] == ':')) ++i;
    s.name = line.substr(0, i);
    if (s.name.empty()) {
      err("no metric name");
      continue;
    }
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t k = i;
        while (i < line.size() && (isalnum(uint8_t(line[i])) || line[i] == '_')) ++i;
        std::string key = line.substr(k, i - k);
        if (line.compare(i, 2, "=\"") != 0) {
          err("bad label");
          break;
        }
        i += 2;
        std::string v;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\' && i + 1 < line.size()) {
            char e = line[++i];
            if (e == 'n') v += '\n';
            else if (e == '\\' || e == '"') v += e;
            else err("bad escape");
          } else {
            v += line[i];
          }
          ++i;
        }
        ++i;  // closing quote
        if (!s.labels.emplace(key, v).second) err("duplicate label");
        if (i < line.size() && line[i] == ',') ++i;
      }
      ++i;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') {
      err("no value");
      continue;
    }
    std::string v = line.substr(i + 1);
    size_t used = 0;
    s.value = std::stod(v, &used);
    if (used != v.size()) err("trailing garbage");
    if (!p.type.count(family_of(p, s.name))) err("sample before its TYPE");
    p.samples.push_back(std::move(s));
  }
  return p;
}

const Sample* find(const Parsed& p, const std::string& name, std::map<std::string, std::string> labels) {
  for (const auto& s : p.samples)
    if (s.name == name && s.labels == labels) return &s;
  return nullptr;
}

double value(const Parsed& p, const std::string& name, std::map<std::string, std::string> labels) {
  const Sample* s = find(p, name, labels);
  EXPECT_TRUE(s) << name << " not found";
  return s ? s->value : -1;
}

const std::string kOddName = "d\"0\\x\nq";  // quote, backslash, newline

server::Observation make_observation() {
  scsi::LuStats lu;
  for (int i = 0; i < 10; ++i) lu.record(OpClass::kRead, 4096, 3'000, false);        // 3 us
  for (int i = 0; i < 2; ++i) lu.record(OpClass::kRead, 4096, 5'000'000, false);     // 5 ms
  lu.record(OpClass::kRead, 0, uint64_t(20) * 1'000'000'000, true);                 // 20 s, beyond the last bound
  for (int i = 0; i < 3; ++i) lu.record(OpClass::kWrite, 8192, 40'000, false);
  lu.record(OpClass::kOther, 0, 1'000, true);
  server::Observation o;
  o.devices.push_back({kOddName, lu.snapshot()});
  o.devices.push_back({"idle", scsi::LuStats().snapshot()});
  iscsi::TargetTotals t;
  t.counters.commands = 20;
  t.counters.read_commands = 12;
  t.counters.write_commands = 5;
  t.counters.read_bytes = 49152;
  t.counters.write_bytes = 40960;
  t.counters.errors = 2;
  t.sessions = 3;
  o.targets["iqn.2026-01.org.esan:t1"] = t;
  o.targets["iqn.2026-01.org.esan:idle"] = {};
  o.sessions = 3;
  o.connections = 4;
  o.reactors.push_back({0, 1.5, 0.25});
  o.reactors.push_back({1, 0.0, 0.0});
  return o;
}

TEST(ObserveMetrics, WellFormedWithEveryFamilyTyped) {
  std::string text = metrics_text(make_observation());
  Parsed p = parse(text);
  EXPECT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
  std::map<std::string, std::string> want = {
      {"esan_device_commands_total", "counter"},   {"esan_device_bytes_total", "counter"},
      {"esan_device_errors_total", "counter"},     {"esan_device_latency_seconds", "histogram"},
      {"esan_target_commands_total", "counter"},   {"esan_target_bytes_total", "counter"},
      {"esan_target_errors_total", "counter"},     {"esan_target_sessions", "gauge"},
      {"esan_sessions", "gauge"},                  {"esan_connections", "gauge"},
      {"esan_reactor_busy_seconds_total", "counter"}};
  EXPECT_EQ(p.type, want);
  EXPECT_EQ(text.back(), '\n');
}

TEST(ObserveMetrics, ProbeFamiliesGaugeHealthAndLatency) {
  std::vector<probes::DeviceHealth> h(3);
  h[0] = {"ok0", "/a", probes::State::kHealthy, "", 0.25, 4, 0, false};
  h[1] = {"hung0", "/b", probes::State::kHung, "no answer", 12.0, 2, 1, true};
  h[2] = {"new0", "/c", probes::State::kPending, "", 0, 0, 0, true};
  std::string text = probe_metrics_text(h);
  Parsed p = parse(text);
  EXPECT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
  std::map<std::string, std::string> want = {{"esan_device_healthy", "gauge"},
                                             {"esan_device_probe_seconds", "gauge"},
                                             {"esan_device_probe_failures_total", "counter"}};
  EXPECT_EQ(p.type, want);
  EXPECT_EQ(value(p, "esan_device_healthy", {{"device", "ok0"}}), 1);
  EXPECT_EQ(value(p, "esan_device_healthy", {{"device", "hung0"}}), 0);
  EXPECT_EQ(find(p, "esan_device_healthy", {{"device", "new0"}}), nullptr) << "pending devices have no sample";
  EXPECT_EQ(value(p, "esan_device_probe_seconds", {{"device", "ok0"}}), 0.25);
  EXPECT_EQ(value(p, "esan_device_probe_seconds", {{"device", "hung0"}}), 12.0);
  EXPECT_EQ(value(p, "esan_device_probe_failures_total", {{"device", "hung0"}}), 1);
  // Without scheduled probes: the families, no series; together with metrics_text still well-formed.
  Parsed both = parse(metrics_text(make_observation()) + probe_metrics_text({}));
  EXPECT_TRUE(both.errors.empty()) << ::testing::PrintToString(both.errors);
  EXPECT_EQ(both.type.count("esan_device_healthy"), 1u);
}

TEST(ObserveMetrics, LabelValuesAreEscaped) {
  std::string text = metrics_text(make_observation());
  EXPECT_NE(text.find("device=\"d\\\"0\\\\x\\nq\""), std::string::npos) << text.substr(0, 600);
  Parsed p = parse(text);
  EXPECT_EQ(value(p, "esan_device_errors_total", {{"device", kOddName}}), 2);
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

TEST(ObserveMetrics, DeviceCountersAndBytes) {
  Parsed p = parse(metrics_text(make_observation()));
  EXPECT_EQ(value(p, "esan_device_commands_total", {{"device", kOddName}, {"op", "read"}}), 13);
  EXPECT_EQ(value(p, "esan_device_commands_total", {{"device", kOddName}, {"op", "write"}}), 3);
  EXPECT_EQ(value(p, "esan_device_commands_total", {{"device", kOddName}, {"op", "other"}}), 1);
  EXPECT_EQ(value(p, "esan_device_bytes_total", {{"device", kOddName}, {"op", "read"}}), 12 * 4096);
  EXPECT_EQ(value(p, "esan_device_bytes_total", {{"device", kOddName}, {"op", "write"}}), 3 * 8192);
  EXPECT_EQ(find(p, "esan_device_bytes_total", {{"device", kOddName}, {"op", "other"}}), nullptr);
  EXPECT_EQ(value(p, "esan_device_commands_total", {{"device", "idle"}, {"op", "read"}}), 0);
}

TEST(ObserveMetrics, HistogramBucketsAreCumulativeAndEndInCount) {
  Parsed p = parse(metrics_text(make_observation()));
  for (const std::string& dev : {kOddName, std::string("idle")})
    for (const char* op : {"read", "write", "other"}) {
      std::vector<std::pair<double, double>> buckets;  // le, count in output order
      bool inf = false;
      double inf_count = -1;
      for (const auto& s : p.samples) {
        if (s.name != "esan_device_latency_seconds_bucket" || s.labels.at("device") != dev || s.labels.at("op") != op)
          continue;
        ASSERT_FALSE(inf) << "+Inf must be the last bucket";
        if (s.labels.at("le") == "+Inf") {
          inf = true;
          inf_count = s.value;
        } else {
          buckets.emplace_back(std::stod(s.labels.at("le")), s.value);
        }
      }
      ASSERT_TRUE(inf) << dev << " " << op;
      ASSERT_EQ(buckets.size(), size_t(scsi::kLatencyBounds));
      for (size_t i = 1; i < buckets.size(); ++i) {
        EXPECT_GT(buckets[i].first, buckets[i - 1].first);
        EXPECT_GE(buckets[i].second, buckets[i - 1].second);
      }
      EXPECT_GE(inf_count, buckets.back().second);
      EXPECT_EQ(inf_count, value(p, "esan_device_latency_seconds_count", {{"device", dev}, {"op", op}}));
      EXPECT_EQ(inf_count, value(p, "esan_device_commands_total", {{"device", dev}, {"op", op}}));
    }
  // The reads: 10 at 3 us land in le=4e-06, 2 more by 8.192 ms, the 20 s one only in +Inf.
  std::map<std::string, std::string> rd = {{"device", kOddName}, {"op", "read"}};
  auto bucket = [&](const std::string& le) {
    auto l = rd;
    l["le"] = le;
    return value(p, "esan_device_latency_seconds_bucket", l);
  };
  EXPECT_EQ(bucket("2e-06"), 0);
  EXPECT_EQ(bucket("4e-06"), 10);
  EXPECT_EQ(bucket("0.004096"), 10);
  EXPECT_EQ(bucket("0.008192"), 12);
  EXPECT_EQ(bucket("8.388608"), 12);
  EXPECT_EQ(bucket("+Inf"), 13);
  EXPECT_NEAR(value(p, "esan_device_latency_seconds_sum", rd), 10 * 3e-6 + 2 * 5e-3 + 20, 1e-9);
}

TEST(ObserveMetrics, TargetsSessionsConnectionsReactors) {
  Parsed p = parse(metrics_text(make_observation()));
  std::string t = "iqn.2026-01.org.esan:t1";
  EXPECT_EQ(value(p, "esan_target_commands_total", {{"target", t}, {"op", "read"}}), 12);
  EXPECT_EQ(value(p, "esan_target_commands_total", {{"target", t}, {"op", "write"}}), 5);
  EXPECT_EQ(value(p, "esan_target_commands_total", {{"target", t}, {"op", "other"}}), 3);
  EXPECT_EQ(value(p, "esan_target_bytes_total", {{"target", t}, {"op", "read"}}), 49152);
  EXPECT_EQ(value(p, "esan_target_bytes_total", {{"target", t}, {"op", "write"}}), 40960);
  EXPECT_EQ(value(p, "esan_target_errors_total", {{"target", t}}), 2);
  EXPECT_EQ(value(p, "esan_target_sessions", {{"target", t}}), 3);
  EXPECT_EQ(value(p, "esan_target_sessions", {{"target", "iqn.2026-01.org.esan:idle"}}), 0);
  EXPECT_EQ(value(p, "esan_sessions", {}), 3);
  EXPECT_EQ(value(p, "esan_connections", {}), 4);
  EXPECT_EQ(value(p, "esan_reactor_busy_seconds_total", {{"reactor", "0"}}), 1.5);
  EXPECT_EQ(value(p, "esan_reactor_busy_seconds_total", {{"reactor", "1"}}), 0);
}

TEST(ObserveMetrics, EmptyServerStillDeclaresFamilies) {
  Parsed p = parse(metrics_text(server::Observation{}));
  EXPECT_TRUE(p.errors.empty()) << ::testing::PrintToString(p.errors);
  EXPECT_EQ(p.type.size(), 11u);
  EXPECT_EQ(value(p, "esan_sessions", {}), 0);
}

}  // namespace
}  // namespace esan::mgmt
