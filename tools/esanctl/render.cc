#include "tools/esanctl/render.h"
#include "tools/esanctl/render_cells.h"

#include <algorithm>

namespace esan::ctl {
namespace {

using json = nlohmann::json;

std::string count(const json& o, const char* key) {
  return o.is_object() && o.contains(key) && o[key].is_array() ? std::to_string(o[key].size()) : field(o, key);
}
bool wanted(const json& o, const std::string& filter) { return filter.empty() || field(o, "name") == filter; }

std::string human_size(const json& v) {
  if (!v.is_number_unsigned() && !v.is_number_integer()) return cell(v);
  auto b = v.get<unsigned long long>();
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  double x = static_cast<double>(b);
  while (x >= 1024 && u < 5) x /= 1024, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", x, units[u]);
  return buf;
}

std::string mappings(const json& d) {
  std::string s;
  if (!d.contains("mapped_by") || !d["mapped_by"].is_array()) return "-";
  for (const auto& m : d["mapped_by"]) {
    std::string g = field(m, "group");
    s += (s.empty() ? "" : ", ") + field(m, "target") + (g == "-" || g.empty() ? "" : "/" + g) + " LUN " + field(m, "lun");
  }
  return s.empty() ? "-" : s;
}

std::string attributes(const json& attrs) {
  std::vector<std::vector<std::string>> rows{{"ATTRIBUTE", "VALUE"}};
  if (attrs.is_object())
    for (const auto& [k, v] : attrs.items()) rows.push_back({k, cell(v)});
  return table(rows);
}

// The scheduled backend probe's state ("healthy", "failed", "hung",
// "pending"), "-" when esand runs no scheduled probes.
std::string health_state(const json& d) {
  if (!d.contains("health") || !d["health"].is_object()) return "-";
  return field(d["health"], "state");
}

std::string device_list(const json& j, const std::string& filter) {
  std::vector<std::vector<std::string>> rows{{"DEVICE", "HANDLER", "HEALTH", "SIZE", "FILENAME", "MAPPED BY"}};
  for (const auto& d : j)
    if (wanted(d, filter))
      rows.push_back({field(d, "name"), field(d, "handler"), health_state(d), human_size(d.value("size_bytes", json())),
                      d.contains("attributes") ? field(d["attributes"], "filename") : "-", mappings(d)});
  return table(rows);
}

std::string device(const json& d) {
  std::string health = health_state(d);
  const json& h = d.contains("health") ? d["health"] : json();
  if (h.is_object() && h.contains("error") && h["error"].is_string()) health += ": " + h["error"].get<std::string>();
  return table({{"device", field(d, "name")},
                {"handler", field(d, "handler")},
                {"health", health},
                {"size", human_size(d.value("size_bytes", json()))},
                {"mapped by", mappings(d)}}) +
         "\n" + attributes(d.value("attributes", json::object()));
}

std::string lun_rows(const json& luns) {
  std::vector<std::vector<std::string>> rows{{"LUN", "DEVICE", "READ ONLY"}};
  if (luns.is_array())
    for (const auto& l : luns) rows.push_back({field(l, "lun"), field(l, "device"), field(l, "read_only")});
  return table(rows);
}

std::string target_list(const json& j, const std::string& filter) {
  std::vector<std::vector<std::string>> rows{{"TARGET", "ENABLED", "REL TGT ID", "LUNS", "GROUPS", "SESSIONS"}};
  for (const auto& t : j)
    if (wanted(t, filter))
      rows.push_back({field(t, "name"), field(t, "enabled"), field(t, "rel_tgt_id"), count(t, "luns"),
                      count(t, "groups"), field(t, "sessions")});
  return table(rows);
}

using Rows = std::vector<std::vector<std::string>>;
const std::vector<std::string> kGroupHeader{"TARGET", "GROUP", "INITIATORS", "LUNS"};

void add_group_rows(Rows& rows, const json& groups, const std::string& target, const std::string& filter) {
  if (!groups.is_array()) return;
  for (const auto& g : groups) {
    if (!wanted(g, filter)) continue;
    std::string luns;
    if (g.contains("luns") && g["luns"].is_array())
      for (const auto& l : g["luns"]) luns += (luns.empty() ? "" : ",") + field(l, "lun") + "=" + field(l, "device");
    rows.push_back({target, field(g, "name"), field(g, "initiators"), luns.empty() ? "-" : luns});
  }
}

std::string target(const json& t) {
  std::string out = table({{"target", field(t, "name")}, {"enabled", field(t, "enabled")},
                           {"rel_tgt_id", field(t, "rel_tgt_id")}, {"sessions", field(t, "sessions")},
                           {"incoming users", field(t, "incoming_users")}, {"outgoing user", field(t, "outgoing_user")}});
  out += "\n" + attributes(t.value("attributes", json::object()));
  out += "\n" + lun_rows(t.value("luns", json::array()));
  json groups = t.value("groups", json::array());
  if (groups.is_array() && !groups.empty()) {
    Rows rows{kGroupHeader};
    add_group_rows(rows, groups, field(t, "name"), "");
    out += "\n" + table(rows);
  }
  return out;
}

std::string target_groups(const json& targets, const std::string& filter) {
  Rows rows{kGroupHeader};
  for (const auto& t : targets) add_group_rows(rows, t.value("groups", json::array()), field(t, "name"), filter);
  return table(rows);
}

}  // namespace

std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string render(const ApiCall& call, const std::string& body, bool as_json) {
  if (call.view == View::kText) return body.empty() || body.back() == '\n' ? body : body + "\n";
  json j = json::parse(body, nullptr, false);
  if (as_json) return body.empty() ? "{}\n" : (j.is_discarded() ? body : j.dump(2)) + "\n";
  if (call.view == View::kDone) return call.done.empty() ? "" : call.done + "\n";
  if (j.is_discarded()) return body + (body.empty() || body.back() == '\n' ? "" : "\n");
  bool list = j.is_array();
  switch (call.view) {
    case View::kDeviceList: if (list) return device_list(j, call.filter); break;
    case View::kDevice: if (j.is_object()) return device(j); break;
    case View::kTargetList: if (list) return target_list(j, call.filter); break;
    case View::kTarget: if (j.is_object()) return target(j); break;
    case View::kAttributes: if (j.is_object()) return attributes(j.value("attributes", j)); break;
    case View::kLunList: if (list) return lun_rows(j); break;
    case View::kGroupList:
      if (list) {
        Rows rows{kGroupHeader};
        add_group_rows(rows, j, call.scope.empty() ? "-" : call.scope, call.filter);
        return table(rows);
      }
      break;
    case View::kTargetGroups: if (list) return target_groups(j, call.filter); break;
    case View::kAluaList: case View::kTgrpList: if (list) return render_alua(call, j); break;
    case View::kSessionList: if (list) return render_sessions(j); break;
    case View::kCluster: if (j.is_object()) return render_cluster(j); break;
    case View::kAliasList:
      if (list) {
        Rows rows{{"INITIATOR", "ALIAS"}};
        for (const auto& a : j) rows.push_back({field(a, "initiator"), field(a, "alias")});
        return table(rows);
      }
      break;
    case View::kStats: if (j.is_object()) return render_stats(j); break;
    case View::kState: if (j.is_object()) return field(j, "state") + "\n"; break;
    case View::kHealth: if (j.is_object()) return render_health(j); break;
    case View::kHistory: if (j.is_object()) return render_history(j); break;
    case View::kEvents:
      if (j.is_object()) return render_events(j);
      break;
    case View::kAlerts:
      if (j.is_object()) return render_alerts(j);
      break;
    case View::kAlertTest:
      if (j.is_object()) return render_alert_test(j);
      break;
    case View::kAlertConfig:
      if (j.is_object()) return render_alert_config(j);
      break;
    case View::kVersion:
      if (j.is_object()) return "esand " + field(j, "version") + ", up " + field(j, "uptime_s") + " s\n";
      break;
    default: break;
  }
  return j.dump(2) + "\n";
}


}  // namespace esan::ctl
