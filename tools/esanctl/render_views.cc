// The tables of render.cc for ALUA, sessions, statistics, health and the
// configuration history.
#include <cstdio>
#include <ctime>

#include "tools/esanctl/render.h"
#include "tools/esanctl/render_cells.h"

namespace esan::ctl {
namespace {

using json = nlohmann::json;
using Rows = std::vector<std::vector<std::string>>;

// o[a][b] as a cell ("-" when absent).
std::string at(const json& o, const char* a, const char* b) {
  return o.is_object() && o.contains(a) ? field(o[a], b) : "-";
}

// Mean latency of one op: latency_seconds.<op>.mean_seconds, in microseconds.
std::string mean_latency(const json& o, const char* op) {
  if (!o.is_object() || !o.contains("latency_seconds") || !o["latency_seconds"].is_object()) return "-";
  const json& l = o["latency_seconds"];
  if (!l.contains(op) || !l[op].is_object() || !l[op].contains("mean_seconds") || !l[op]["mean_seconds"].is_number())
    return "-";
  if (l[op].value("count", 0.0) == 0) return "-";
  double us = l[op]["mean_seconds"].get<double>() * 1e6;
  char buf[32];
  std::snprintf(buf, sizeof buf, us < 10 ? "%.1f us" : "%.0f us", us);
  return buf;
}

// devices / targets: {"name": {"commands": {...}, "bytes": {...}, "errors", ...}}
std::string counters_table(const char* first, const json& objects, bool targets) {
  Rows rows{{first, "READS", "WRITES", "OTHER", "READ BYTES", "WRITE BYTES", "ERRORS"}};
  if (targets) rows[0].insert(rows[0].end(), {"IN FLIGHT", "SESSIONS"});
  else rows[0].insert(rows[0].end(), {"READ LATENCY", "WRITE LATENCY"});
  for (const auto& [name, o] : objects.items()) {
    std::vector<std::string> row{name, at(o, "commands", "read"), at(o, "commands", "write"), at(o, "commands", "other"),
                                 at(o, "bytes", "read"), at(o, "bytes", "write"), field(o, "errors")};
    if (targets) row.insert(row.end(), {field(o, "in_flight"), field(o, "sessions")});
    else row.insert(row.end(), {mean_latency(o, "read"), mean_latency(o, "write")});
    rows.push_back(row);
  }
  return table(rows);
}

}  // namespace

std::string render_alua(const ApiCall& call, const json& groups) {
  bool tgrps_only = call.view == View::kTgrpList;
  Rows dg_rows{{"DEVICE GROUP", "DEVICES", "TARGET GROUPS"}};
  Rows tg_rows{{"DEVICE GROUP", "TARGET GROUP", "GROUP ID", "STATE", "TARGETS"}};
  for (const auto& dg : groups) {
    std::string name = field(dg, "name");
    if (tgrps_only ? name != call.scope : !call.filter.empty() && name != call.filter) continue;
    json tgs = dg.value("target_groups", json::array());
    std::string tg_names;
    for (const auto& tg : tgs) {
      tg_names += (tg_names.empty() ? "" : ",") + field(tg, "name");
      if (tgrps_only && !call.filter.empty() && field(tg, "name") != call.filter) continue;
      tg_rows.push_back({name, field(tg, "name"), field(tg, "group_id"), field(tg, "state"), field(tg, "targets")});
    }
    dg_rows.push_back({name, field(dg, "devices"), tg_names.empty() ? "-" : tg_names});
  }
  if (tgrps_only) return table(tg_rows);
  return table(dg_rows) + (tg_rows.size() > 1 ? "\n" + table(tg_rows) : "");
}

std::string render_sessions(const json& sessions) {
  Rows rows{{"ID", "INITIATOR", "ISID", "TARGET", "PEER", "COMMANDS", "READ BYTES", "WRITE BYTES", "IN FLIGHT"}};
  for (const auto& s : sessions) {
    json c = s.value("counters", json::object());
    rows.push_back({field(s, "id"), field(s, "initiator"), field(s, "isid"),
                    s.value("discovery", false) ? "(discovery)" : field(s, "target"), field(s, "peer"),
                    field(c, "commands"), field(c, "read_bytes"), field(c, "write_bytes"), field(c, "in_flight")});
  }
  return table(rows);
}

std::string render_cluster(const json& c) {
  if (!c.value("running", false)) return "cluster: not running (" + field(c, "reason") + ")\n";
  Rows rows{{"NODE", "STATE", "DC"}};
  for (const auto& n : c.value("nodes", json::array()))
    rows.push_back({field(n, "name"), field(n, "state"), n.value("dc", false) ? "yes" : "-"});
  std::string out = table(rows);
  for (const auto& p : c.value("promotables", json::array())) {
    std::string on;
    for (const auto& n : p.value("promoted", json::array())) on += (on.empty() ? "" : ",") + n.get<std::string>();
    out += "master of " + field(p, "clone") + ": " + (on.empty() ? "none" : on) + "\n";
  }
  auto fencing = c.value("fencing", json::array());
  if (!fencing.empty()) {
    Rows f{{"FENCED", "ACTION", "STATUS", "COMPLETED"}};
    for (const auto& e : fencing)
      f.push_back({field(e, "target"), field(e, "action"), field(e, "status"), field(e, "completed")});
    out += table(f);
  }
  return out;
}

std::string render_stats(const json& stats) {
  std::string out;
  if (stats.contains("devices") && stats["devices"].is_object() && !stats["devices"].empty())
    out += counters_table("DEVICE", stats["devices"], false) + "\n";
  if (stats.contains("targets") && stats["targets"].is_object() && !stats["targets"].empty())
    out += counters_table("TARGET", stats["targets"], true) + "\n";
  out += "sessions: " + field(stats, "sessions") + ", connections: " + field(stats, "connections") + "\n";
  if (stats.contains("reactors") && stats["reactors"].is_array()) {
    Rows rows{{"REACTOR", "BUSY", "BUSY SECONDS"}};
    size_t i = 0;
    for (const auto& r : stats["reactors"]) {
      std::string busy = "-";
      if (r.contains("busy_ratio") && r["busy_ratio"].is_number()) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "%.0f%%", r["busy_ratio"].get<double>() * 100);
        busy = buf;
      }
      std::string secs = field(r, "busy_seconds");
      if (r.contains("busy_seconds") && r["busy_seconds"].is_number()) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f", r["busy_seconds"].get<double>());
        secs = buf;
      }
      rows.push_back({r.contains("index") ? field(r, "index") : std::to_string(i), busy, secs});
      ++i;
    }
    out += table(rows);
  }
  return out;
}

std::string render_health(const json& h) {
  Rows devs{{"DEVICE", "HANDLER", "STATUS", "DETAIL"}};
  for (const auto& d : h.value("devices", json::array())) {
    bool ok = d.value("ok", false);
    // STATUS stays ok/failed (the resource agent reads it); a hung backend says so in DETAIL.
    std::string detail = ok ? field(d, "path") : field(d, "error");
    if (!ok && d.value("state", "") == "hung") detail = "hung: " + detail;
    devs.push_back({field(d, "name"), field(d, "handler"), ok ? "ok" : "failed", detail});
  }
  Rows groups{{"DEVICE GROUP", "STATUS", "CLUSTER GROUP", "NODE", "MEMBERS"}};
  for (const auto& g : h.value("device_groups", json::array())) {
    std::string members;
    for (const auto& m : g.value("members", json::array()))
      members += (members.empty() ? "" : ",") + field(m, "nodeid") + "/" + field(m, "pid");
    groups.push_back({field(g, "name"), g.value("ready", false) ? "ready" : "not-ready", field(g, "cluster_group"),
                      field(g, "nodeid"), members.empty() ? "-" : members});
  }
  return table(devs) + "\n" + table(groups) + "\nhealth: " + (h.value("ok", false) ? "ok" : "failed") + "\n";
}

std::string render_history(const json& h) {
  Rows rows{{"REV", "TIME (UTC)", "AUTHOR", "MESSAGE"}};
  for (const auto& r : h.value("revisions", json::array())) {
    std::string rev = field(r, "rev").substr(0, 12);
    std::string when = "-";
    if (r.contains("time") && r["time"].is_number_integer()) {
      std::time_t t = r["time"].get<std::time_t>();
      std::tm tm{};
      char buf[32];
      if (gmtime_r(&t, &tm) && std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm)) when = buf;
    }
    rows.push_back({rev, when, field(r, "author"), field(r, "message")});
  }
  std::string out = table(rows);
  if (h.contains("error") && h["error"].is_string())
    out += "history: the last change was applied but not recorded: " + h["error"].get<std::string>() + "\n";
  return out;
}

}  // namespace esan::ctl
