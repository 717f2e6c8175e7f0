#include "tui/view.h"

#include <ctime>

#include "tui/dashboard.h"

namespace esan::tui {
namespace {

using nlohmann::json;
using Lines = std::vector<std::string>;

std::string str(const json& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || j[key].is_null()) return "";
  return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

std::string luns_text(const json& luns) {
  std::string s;
  for (const auto& l : luns) s += (s.empty() ? "" : " ") + str(l, "lun") + "=" + str(l, "device");
  return s.empty() ? "-" : s;
}

Result<Lines> devices(Api& api, int width) {
  auto j = api.get_json("/v1/devices");
  if (!j) return std::unexpected(j.error());
  std::vector<std::vector<std::string>> rows{{"DEVICE", "HANDLER", "SIZE", "FILE", "MAPPED BY"}};
  for (const auto& d : *j) {
    std::string mapped;
    for (const auto& m : d.value("mapped_by", json::array()))
      mapped += (mapped.empty() ? "" : " ") + str(m, "target") +
                (str(m, "group").empty() ? "" : "/" + str(m, "group")) + ":" + str(m, "lun");
    rows.push_back({str(d, "name"), str(d, "handler"), human_bytes(d.value("size_bytes", 0.0)),
                    d.contains("attributes") ? str(d["attributes"], "filename") : "", mapped.empty() ? "-" : mapped});
  }
  return table(rows, width);
}

Result<Lines> attributes(Api& api, int width) {
  auto j = api.get_json("/v1/devices");
  if (!j) return std::unexpected(j.error());
  std::vector<std::vector<std::string>> rows{{"DEVICE", "ATTRIBUTE", "VALUE"}};
  for (const auto& d : *j) {
    bool first = true;
    const json attrs = d.value("attributes", json::object());
    for (const auto& [k, v] : attrs.items()) {
      rows.push_back({first ? str(d, "name") : "", k, v.is_string() ? v.get<std::string>() : v.dump()});
      first = false;
    }
  }
  Lines out = table(rows, width);
  out.push_back("");
  out.push_back("Devices > Set device attribute changes the ones esand can change at run time.");
  return out;
}

Result<Lines> targets(Api& api, int width) {
  auto j = api.get_json("/v1/targets");
  if (!j) return std::unexpected(j.error());
  std::vector<std::vector<std::string>> rows{{"TARGET", "ENABLED", "REL_TGT_ID", "SESSIONS", "CHAP", "LUNS"}};
  for (const auto& t : *j) {
    std::string users;
    for (const auto& u : t.value("incoming_users", json::array()))
      users += (users.empty() ? "" : ",") + u.get<std::string>();
    rows.push_back({str(t, "name"), t.value("enabled", false) ? "yes" : "no", str(t, "rel_tgt_id"), str(t, "sessions"),
                    users.empty() ? "-" : users, luns_text(t.value("luns", json::array()))});
  }
  return table(rows, width);
}

Result<Lines> groups(Api& api, int width) {
  auto j = api.get_json("/v1/targets");
  if (!j) return std::unexpected(j.error());
  std::vector<std::vector<std::string>> rows{{"TARGET", "GROUP", "INITIATORS", "LUNS"}};
  for (const auto& t : *j)
    for (const auto& g : t.value("groups", json::array())) {
      std::string inits;
      for (const auto& i : g.value("initiators", json::array()))
        inits += (inits.empty() ? "" : " ") + i.get<std::string>();
      rows.push_back(
          {str(t, "name"), str(g, "name"), inits.empty() ? "-" : inits, luns_text(g.value("luns", json::array()))});
    }
  return table(rows, width);
}

Result<Lines> aliases(Api& api, int width) {
  auto j = api.get_json("/v1/aliases");
  if (!j) return std::unexpected(j.error());
  std::vector<std::vector<std::string>> rows{{"ALIAS", "INITIATOR"}};
  for (const auto& a : *j) rows.push_back({str(a, "alias"), str(a, "initiator")});
  if (rows.size() == 1) return Lines{"No initiator has an alias (Hosts > Set initiator alias)."};
  return table(rows, width);
}

Result<Lines> alua(Api& api, int width) {
  auto j = api.get_json("/v1/alua/device-groups");
  if (!j) return std::unexpected(j.error());
  std::vector<std::vector<std::string>> rows{{"DEVICE GROUP", "DEVICES", "TARGET GROUP", "ID", "STATE", "TARGETS"}};
  for (const auto& dg : *j) {
    std::string devs;
    for (const auto& d : dg.value("devices", json::array())) devs += (devs.empty() ? "" : ",") + d.get<std::string>();
    if (devs.empty()) devs = "-";
    bool first = true;
    for (const auto& tg : dg.value("target_groups", json::array())) {
      std::string ts;
      for (const auto& t : tg.value("targets", json::array())) ts += (ts.empty() ? "" : " ") + str(t, "target");
      rows.push_back({first ? str(dg, "name") : "", first ? devs : "", str(tg, "name"), str(tg, "group_id"),
                      str(tg, "state"), ts.empty() ? "-" : ts});
      first = false;
    }
    if (first) rows.push_back({str(dg, "name"), devs, "-", "-", "-", "-"});
  }
  return table(rows, width);
}

Result<Lines> history(Api& api, int width) {
  auto j = api.get_json("/v1/config/history?limit=200");
  if (!j) return std::unexpected(j.error());
  std::vector<std::vector<std::string>> rows{{"REV", "TIME (UTC)", "AUTHOR", "MESSAGE"}};
  for (const auto& r : j->value("revisions", json::array())) {
    std::time_t t = static_cast<std::time_t>(r.value("time", 0.0));
    char buf[32];
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
    rows.push_back({str(r, "rev").substr(0, 12), buf, str(r, "author"), str(r, "message")});
  }
  Lines out = table(rows, width);
  if (!str(*j, "error").empty()) out.push_back("last commit failed: " + str(*j, "error"));
  out.push_back("");
  out.push_back("System > Roll back takes a REV from this list.");
  return out;
}

Result<Lines> version(Api& api) {
  auto j = api.get_json("/v1/version");
  if (!j) return std::unexpected(j.error());
  return Lines{"esand version " + str(*j, "version"),
               "uptime        " + human_duration(static_cast<uint64_t>(j->value("uptime_s", 0.0)))};
}

Result<Lines> alerts(Api& api, int width) {
  auto j = api.get_json("/v1/alerts");
  if (!j) return std::unexpected(j.error());
  if (!j->value("configured", false))
    return Lines{"No alert rules configured: System > Add a ... alert sink, then Add an alert rule."};
  std::vector<std::vector<std::string>> rows{{"SINK", "TYPE", "DELIVERED", "FAILURES", "QUEUED", "LAST ERROR"}};
  for (const auto& s : j->value("sinks", json::array()))
    rows.push_back({str(s, "name"), str(s, "type"), str(s, "delivered"), str(s, "failures"), str(s, "queued"),
                    str(s, "last_error").empty() ? "-" : str(s, "last_error")});
  return table(rows, width);
}

// GET /v1/alerts/config: where the rules live, the limits, the sinks, the rules.
Result<Lines> alert_setup(Api& api, int width) {
  auto j = api.get_json("/v1/alerts/config");
  if (!j) return std::unexpected(j.error());
  const json file = j->value("file", json::object());
  Lines out;
  std::string path = str(file, "path");
  if (!j->value("configured", false))
    out.push_back("No alert rules yet" + (path.empty() ? std::string(".") : "; a change saves them to " + path + "."));
  else
    out.push_back("Rules file: " + path);
  out.push_back("At most " + str(*j, "rate_limit") + " alerts per sink per minute (0: no limit); the same alert once per " +
                str(*j, "dedup_s") + " s; " + str(*j, "retries") + " retries.");
  out.push_back("");
  auto joined = [](const json& l) {
    std::string s;
    if (l.is_string()) return l.get<std::string>();
    for (const auto& e : l) s += (s.empty() ? "" : ",") + (e.is_string() ? e.get<std::string>() : e.dump());
    return s;
  };
  std::vector<std::vector<std::string>> sinks{{"SINK", "TYPE", "WHERE"}};
  for (const auto& s : j->value("sinks", json::array())) {
    std::string type = str(s, "type"), where;
    if (type == "mail")
      where = "to " + joined(s.value("to", json::array())) + (str(s, "from").empty() ? "" : " from " + str(s, "from"));
    else if (type == "webhook")
      where = str(s, "url");
    else
      where = "facility " + str(s, "facility");
    sinks.push_back({str(s, "name"), type, where});
  }
  if (sinks.size() == 1) out.push_back("No sinks.");
  else
    for (auto& l : table(sinks, width)) out.push_back(l);
  out.push_back("");
  std::vector<std::vector<std::string>> rules{{"RULE", "KINDS", "LEAST SEVERITY", "SINKS"}};
  for (const auto& r : j->value("rules", json::array()))
    rules.push_back({str(r, "name"), joined(r.value("kinds", json::array())), str(r, "severity"),
                     joined(r.value("sinks", json::array()))});
  if (rules.size() == 1) out.push_back("No rules: no event is sent anywhere.");
  else
    for (auto& l : table(rules, width)) out.push_back(l);
  return out;
}

// Pacemaker's view (GET /v1/cluster: crm_mon on this node), then the
// replicated device groups of GET /v1/health.
Result<Lines> cluster(Api& api, int width) {
  Lines out;
  auto c = api.get_json("/v1/cluster");
  if (!c) {
    out.push_back("Pacemaker: esand did not say (" + c.error().message + ").");
  } else if (!c->value("running", false)) {
    out.push_back("Pacemaker: not running here (" + str(*c, "reason") + ").");
  } else {
    out.push_back("Pacemaker (crm_mon): stack " + str(*c, "stack") + ", DC " +
                  (str(*c, "dc").empty() ? "none" : str(*c, "dc")) + ", " +
                  (c->value("quorum", false) ? "partition with quorum" : "partition WITHOUT quorum"));
    std::vector<std::vector<std::string>> rows{{"NODE", "STATE", "DC"}};
    for (const auto& n : c->value("nodes", json::array()))
      rows.push_back({str(n, "name"), str(n, "state"), n.value("dc", false) ? "yes" : ""});
    for (auto& l : table(rows, width)) out.push_back(l);
    out.push_back("");
    rows = {{"RESOURCE", "CLONE", "AGENT", "ROLE", "NODE"}};
    for (const auto& r : c->value("resources", json::array()))
      rows.push_back({str(r, "id") + (r.value("failed", false) ? " FAILED" : ""),
                      str(r, "clone").empty() ? "-" : str(r, "clone"), str(r, "agent"), str(r, "role"),
                      str(r, "node").empty() ? "-" : str(r, "node")});
    for (auto& l : table(rows, width)) out.push_back(l);
    for (const auto& p : c->value("promotables", json::array())) {
      std::string on;
      for (const auto& n : p.value("promoted", json::array())) on += (on.empty() ? "" : ", ") + n.get<std::string>();
      out.push_back("Master of " + str(p, "clone") + ": " + (on.empty() ? "none" : on));
    }
    out.push_back("");
    auto fencing = c->value("fencing", json::array());
    if (fencing.empty()) {
      out.push_back("Fencing: no events.");
    } else {
      rows = {{"FENCED", "ACTION", "STATUS", "BY", "COMPLETED"}};
      for (const auto& f : fencing)
        rows.push_back({str(f, "target"), str(f, "action"), str(f, "status"), str(f, "delegate"), str(f, "completed")});
      for (auto& l : table(rows, width)) out.push_back(l);
    }
  }
  out.push_back("");
  auto j = api.get_json("/v1/health?timeout_ms=2000");
  if (!j) return std::unexpected(j.error());
  std::vector<std::vector<std::string>> rows{
      {"DEVICE GROUP", "CLUSTER GROUP", "READY", "JOINED", "QUORATE", "NODE", "MEMBERS"}};
  for (const auto& g : j->value("device_groups", json::array())) {
    if (str(g, "cluster_group").empty()) continue;
    std::string members;
    for (const auto& m : g.value("members", json::array()))
      members += (members.empty() ? "" : " ") + str(m, "nodeid") + "/" + str(m, "pid");
    auto yn = [&](const char* k) { return g.value(k, false) ? std::string("yes") : std::string("no"); };
    rows.push_back({str(g, "name"), str(g, "cluster_group"), yn("ready"), yn("joined"), yn("quorate"), str(g, "nodeid"),
                    members.empty() ? "-" : members});
  }
  if (rows.size() == 1)
    out.push_back("No replicated device group (esan_cluster_group): this esand runs alone.");
  else
    for (auto& l : table(rows, width)) out.push_back(l);
  return out;
}

Lines help() {
  return {
      "Keys on the main screen:",
      "  d Devices  t Targets  h Hosts  a ALUA  s System  c Cluster  i Interface",
      "  Left/Right and Enter choose a menu from the bar; q quits.",
      "In a menu: Up/Down or the item's letter, Enter to open, Esc to go back.",
      "In a form: Tab/Down next field, Shift-Tab/Up previous, Left/Right change",
      "  a choice, Enter applies the form, Esc cancels it.",
      "Deletions ask first; the answer selected at first is Cancel.",
      "A refused change shows esand's own message; nothing was changed.",
      "The main screen is refreshed every 2 seconds.",
  };
}

}  // namespace

std::string view_title(View view) {
  switch (view) {
    case View::kDevices:
      return "Devices";
    case View::kAttributes:
      return "Device attributes";
    case View::kTargets:
      return "Targets";
    case View::kGroups:
      return "Initiator groups";
    case View::kAliases:
      return "Initiator aliases";
    case View::kAlua:
      return "ALUA device groups";
    case View::kHistory:
      return "Configuration history";
    case View::kVersion:
      return "Version";
    case View::kAlerts:
      return "Alert sinks";
    case View::kAlertSetup:
      return "Alert setup";
    case View::kCluster:
      return "Cluster status";
    case View::kHelp:
      return "Help";
    case View::kAbout:
      return "About";
    default:
      return "";
  }
}

Result<std::vector<std::string>> view_lines(Api& api, View view, int width) {
  switch (view) {
    case View::kDevices:
      return devices(api, width);
    case View::kAttributes:
      return attributes(api, width);
    case View::kTargets:
      return targets(api, width);
    case View::kGroups:
      return groups(api, width);
    case View::kAliases:
      return aliases(api, width);
    case View::kAlua:
      return alua(api, width);
    case View::kHistory:
      return history(api, width);
    case View::kVersion:
      return version(api);
    case View::kAlerts:
      return alerts(api, width);
    case View::kAlertSetup:
      return alert_setup(api, width);
    case View::kCluster:
      return cluster(api, width);
    case View::kHelp:
      return help();
    case View::kAbout:
      return Lines{"esan-tui " ESAN_VERSION ": the esan appliance console.",
                   "A client of esand's management API (docs/API.md), like esanctl."};
    default:
      return Lines{};
  }
}

}  // namespace esan::tui
