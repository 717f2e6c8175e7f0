#include "tui/dashboard.h"

#include <fnmatch.h>

#include <algorithm>
#include <cstdio>

namespace esan::tui {
namespace {

using nlohmann::json;

std::string str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key)) return "";
  const auto& v = j[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

double num(const json& j, std::initializer_list<const char*> path) {
  const json* p = &j;
  for (const char* k : path) {
    if (!p->is_object() || !p->contains(k)) return 0;
    p = &(*p)[k];
  }
  return p->is_number() ? p->get<double>() : 0;
}

// The LUNs a session's initiator sees: its group's (first matching pattern), else the target's.
std::string session_luns(const json& targets, const std::string& target, const std::string& initiator) {
  for (const auto& t : targets) {
    if (str(t, "name") != target) continue;
    json luns = t.value("luns", json::array());
    for (const auto& g : t.value("groups", json::array())) {
      bool hit = false;
      for (const auto& pat : g.value("initiators", json::array()))
        if (pat.is_string() && ::fnmatch(pat.get<std::string>().c_str(), initiator.c_str(), 0) == 0) hit = true;
      if (hit) {
        luns = g.value("luns", json::array());
        break;
      }
    }
    std::string out;
    for (const auto& l : luns) out += (out.empty() ? "" : ",") + str(l, "lun");
    return out.empty() ? "none" : out;
  }
  return "-";
}

std::string pct(double ratio) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", ratio * 100);
  return buf;
}

std::string latency(double seconds) {
  char buf[32];
  if (seconds < 1e-3)
    std::snprintf(buf, sizeof buf, "%.0f us", seconds * 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.1f ms", seconds * 1e3);
  return buf;
}

// Sum over ops of latency_seconds.{op}.{field}.
double lat_total(const json& dev, const char* field) {
  double s = 0;
  if (dev.is_object() && dev.contains("latency_seconds") && dev["latency_seconds"].is_object())
    for (const auto& [op, h] : dev["latency_seconds"].items()) s += num(h, {field});
  return s;
}

void section(std::vector<std::string>& out, const std::string& title) {
  out.push_back("");
  out.push_back(title);
}

}  // namespace

std::string human_bytes(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (bytes >= 1024 && u < 5) {
    bytes /= 1024;
    ++u;
  }
  char buf[32];
  if (u == 0)
    std::snprintf(buf, sizeof buf, "%.0f B", bytes);
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", bytes, kUnits[u]);
  return buf;
}

std::string human_duration(uint64_t s) {
  char buf[48];
  uint64_t d = s / 86400;
  if (d)
    std::snprintf(buf, sizeof buf, "%llud %02llu:%02llu:%02llu", (unsigned long long)d,
                  (unsigned long long)(s / 3600 % 24), (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%02llu:%02llu:%02llu", (unsigned long long)(s / 3600),
                  (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
  return buf;
}

std::vector<std::string> table(const std::vector<std::vector<std::string>>& rows, int width) {
  std::vector<size_t> w;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (w.size() <= i) w.push_back(0);
      w[i] = std::max(w[i], r[i].size());
    }
  std::vector<std::string> out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(w[i] - r[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    if (width > 0 && line.size() > size_t(width)) line.resize(size_t(width));
    out.push_back(line);
  }
  return out;
}

Result<Sample> sample(Api& api, double time_s, bool with_health, std::optional<uint64_t> events_since) {
  Sample s;
  s.time_s = time_s;
  struct Get {
    const char* path;
    json* into;
  } gets[] = {{"/v1/version", &s.version},
              {"/v1/sessions", &s.sessions},
              {"/v1/stats", &s.stats},
              {"/v1/targets", &s.targets},
              {"/v1/alua/device-groups", &s.alua}};
  for (auto& g : gets) {
    auto j = api.get_json(g.path);
    if (!j) return std::unexpected(j.error());
    *g.into = std::move(*j);
  }
  if (!events_since) {
    // A seq past the end answers nothing but the next seq: start a few before it.
    auto j = api.get_json("/v1/events?since=18446744073709551615&limit=1");
    if (!j) return std::unexpected(j.error());
    uint64_t next = j->value("next", uint64_t{1});
    events_since = next > kRecentEvents ? next - kRecentEvents : 1;
  }
  auto page = api.get_json("/v1/events?since=" + std::to_string(*events_since) + "&limit=1000");
  if (!page) return std::unexpected(page.error());
  s.events = page->value("events", json::array());
  s.events_next = page->value("next", *events_since);
  if (auto c = api.get_json("/v1/cluster")) s.cluster = std::move(*c);
  if (with_health) {
    auto j = api.get_json("/v1/health?timeout_ms=1000");
    if (!j) return std::unexpected(j.error());
    s.health = std::move(*j);
  }
  return s;
}

void keep_recent(Sample& cur, const Sample* prev) {
  json all = prev ? prev->events : json::array();
  for (const auto& e : cur.events) all.push_back(e);
  json out = json::array();
  for (size_t i = all.size() > kRecentEvents ? all.size() - kRecentEvents : 0; i < all.size(); ++i)
    out.push_back(all[i]);
  cur.events = std::move(out);
}

std::vector<std::string> dashboard(const Sample& cur, const Sample* prev, int width) {
  std::vector<std::string> out;
  auto cut = [&](std::string line) {
    if (width > 0 && line.size() > size_t(width)) line.resize(size_t(width));
    out.push_back(std::move(line));
  };
  std::string head = "esand " + str(cur.version, "version") + "  up " +
                     human_duration(uint64_t(num(cur.version, {"uptime_s"}))) + "  sessions " +
                     str(cur.stats, "sessions") + "  connections " + str(cur.stats, "connections");
  std::string load = "reactor load:";
  for (const auto& r : cur.stats.value("reactors", json::array()))
    load += " r" + str(r, "index") + " " + pct(num(r, {"busy_ratio"}));
  cut(head);
  cut(load);

  // Sessions.
  section(out, "SESSIONS");
  std::vector<std::vector<std::string>> rows{{"ID", "INITIATOR", "TARGET", "LUNS", "CMDS", "READ", "WRITTEN"}};
  for (const auto& s : cur.sessions) {
    if (s.value("discovery", false)) continue;
    std::string init = str(s, "initiator");
    // The admin's alias (ESAN_ALIASES), else the one the initiator sent (InitiatorAlias).
    std::string alias = str(s, "alias");
    if (alias.empty() && s.contains("params")) alias = str(s["params"], "InitiatorAlias");
    std::string who = alias.empty() ? init : alias + " (" + init + ")";
    const json& c = s.value("counters", json::object());
    rows.push_back({str(s, "id"), who, str(s, "target"), session_luns(cur.targets, str(s, "target"), init),
                    str(c, "commands"), human_bytes(num(c, {"read_bytes"})), human_bytes(num(c, {"write_bytes"}))});
  }
  if (rows.size() == 1)
    cut("  (no sessions)");
  else
    for (auto& l : table(rows, width)) out.push_back(l);

  // Devices: rates over the interval since prev.
  section(out, "DEVICES");
  rows = {{"DEVICE", "READ/s", "WRITE/s", "IOPS", "LATENCY", "ERRORS"}};
  const json devs = cur.stats.value("devices", json::object());
  double dt = prev ? cur.time_s - prev->time_s : 0;
  for (const auto& [name, d] : devs.items()) {
    std::vector<std::string> r{name, "-", "-", "-", "-", str(d, "errors")};
    if (prev && dt > 0 && prev->stats.contains("devices") && prev->stats["devices"].contains(name)) {
      const json& p = prev->stats["devices"][name];
      auto rate = [&](std::initializer_list<const char*> path) {
        return std::max(0.0, (num(d, path) - num(p, path)) / dt);
      };
      r[1] = human_bytes(rate({"bytes", "read"})) + "/s";
      r[2] = human_bytes(rate({"bytes", "write"})) + "/s";
      double iops = rate({"commands", "read"}) + rate({"commands", "write"}) + rate({"commands", "other"});
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.0f", iops);
      r[3] = buf;
      double n = lat_total(d, "count") - lat_total(p, "count");
      double sum = lat_total(d, "sum_seconds") - lat_total(p, "sum_seconds");
      r[4] = n > 0 ? latency(sum / n) : "idle";
    }
    rows.push_back(r);
  }
  if (rows.size() == 1)
    cut("  (no devices)");
  else
    for (auto& l : table(rows, width)) out.push_back(l);

  // ALUA: this node's target groups are those holding a target it serves.
  if (cur.alua.is_array() && !cur.alua.empty()) {
    section(out, "ALUA");
    rows = {{"DEVICE GROUP", "THIS NODE", "STATE", "OTHER GROUPS"}};
    std::vector<std::string> local;
    for (const auto& t : cur.targets) local.push_back(str(t, "name"));
    for (const auto& dg : cur.alua) {
      std::string mine = "-", state = "-", others;
      for (const auto& tg : dg.value("target_groups", json::array())) {
        bool is_local = false;
        for (const auto& t : tg.value("targets", json::array()))
          if (std::find(local.begin(), local.end(), str(t, "target")) != local.end()) is_local = true;
        if (is_local && mine == "-") {
          mine = str(tg, "name");
          state = str(tg, "state");
        } else {
          others += (others.empty() ? "" : " ") + str(tg, "name") + "=" + str(tg, "state");
        }
      }
      rows.push_back({str(dg, "name"), mine, state, others.empty() ? "-" : others});
    }
    for (auto& l : table(rows, width)) out.push_back(l);
  }

  // Pacemaker's summary, when a cluster runs.
  if (cur.cluster && cur.cluster->value("running", false)) {
    section(out, "PACEMAKER");
    const json& c = *cur.cluster;
    std::string nodes = "  nodes:";
    size_t online = 0, all = 0;
    for (const auto& n : c.value("nodes", json::array())) {
      ++all;
      online += str(n, "state") == "online";
      nodes += " " + str(n, "name") + " " + str(n, "state") + (n.value("dc", false) ? " (DC)" : "") + ",";
    }
    if (nodes.back() == ',') nodes.pop_back();
    cut(nodes + "  [" + std::to_string(online) + "/" + std::to_string(all) + " online" +
        (c.value("quorum", false) ? "" : ", NO QUORUM") + "]");
    for (const auto& p : c.value("promotables", json::array())) {
      std::string on;
      for (const auto& n : p.value("promoted", json::array())) on += (on.empty() ? "" : ", ") + n.get<std::string>();
      cut("  master: " + str(p, "clone") + " on " + (on.empty() ? "no node" : on));
    }
    auto fencing = c.value("fencing", json::array());
    if (fencing.empty()) cut("  fencing: none");
    for (size_t i = 0; i < fencing.size() && i < 3; ++i)
      cut("  fencing: " + str(fencing[i], "target") + " " + str(fencing[i], "action") + " " +
          str(fencing[i], "status") + " " + str(fencing[i], "completed"));
  }

  // Cluster: the replicated device groups of GET /v1/health.
  if (cur.health) {
    rows = {{"DEVICE GROUP", "CLUSTER GROUP", "READY", "JOINED", "QUORATE", "NODE", "MEMBERS"}};
    for (const auto& g : cur.health->value("device_groups", json::array())) {
      if (str(g, "cluster_group").empty()) continue;
      std::string members;
      for (const auto& m : g.value("members", json::array()))
        members += (members.empty() ? "" : ",") + str(m, "nodeid");
      auto yn = [&](const char* k) { return g.value(k, false) ? std::string("yes") : std::string("no"); };
      rows.push_back({str(g, "name"), str(g, "cluster_group"), yn("ready"), yn("joined"), yn("quorate"),
                      str(g, "nodeid"), members.empty() ? "-" : members});
    }
    if (rows.size() > 1) {
      section(out, "CLUSTER");
      for (auto& l : table(rows, width)) out.push_back(l);
    }
  }
  // The newest events (logins, failures, ALUA changes, health), newest last.
  if (!cur.events.empty()) {
    section(out, "EVENTS");
    rows.clear();
    for (const auto& e : cur.events) {
      std::string t = str(e, "time");
      rows.push_back({t.size() >= 19 ? t.substr(11, 8) : t, str(e, "severity"), str(e, "kind"), str(e, "message")});
    }
    for (auto& l : table(rows, width)) out.push_back(l);
  }
  return out;
}

}  // namespace esan::tui
