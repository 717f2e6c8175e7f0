#include "tui/actions.h"

#include <cctype>

#include "tui/bundle.h"

namespace esan::tui {
namespace {

using nlohmann::json;
using client::seg;
using R = Result<client::Request>;

std::string trimmed(const Values& v, const std::string& key) {
  auto it = v.find(key);
  if (it == v.end()) return "";
  std::string s = it->second;
  auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// The value of a required field, or an error naming it.
Result<std::string> need(const Values& v, const std::string& key, const std::string& label) {
  std::string s = trimmed(v, key);
  if (s.empty()) return make_error(Errc::kInvalidArgument, label + " is required");
  return s;
}

Result<unsigned long> number(const Values& v, const std::string& key, const std::string& label) {
  auto s = need(v, key, label);
  if (!s) return std::unexpected(s.error());
  unsigned long n = 0;
  for (char c : *s) {
    if (!std::isdigit(static_cast<unsigned char>(c)) || n > 100000000)
      return make_error(Errc::kInvalidArgument, label + " must be a non-negative number, got '" + *s + "'");
    n = n * 10 + static_cast<unsigned long>(c - '0');
  }
  return n;
}

client::Request req(std::string method, std::string path, const json& body = nullptr) {
  return client::Request{std::move(method), std::move(path), body.is_null() ? "" : body.dump()};
}

// {luns} of a "TARGET" or "TARGET / GROUP" choice.
std::string luns_path(const std::string& where) {
  auto [t, g] = split_pair(where);
  std::string p = "/v1/targets/" + seg(t);
  if (!g.empty()) p += "/groups/" + seg(g);
  return p + "/luns";
}

std::string group_path(const std::string& where) {
  auto [t, g] = split_pair(where);
  return "/v1/targets/" + seg(t) + "/groups/" + seg(g);
}

std::string tgrp_path(const std::string& where) {
  auto [dg, tg] = split_pair(where);
  return "/v1/alua/device-groups/" + seg(dg) + "/target-groups/" + seg(tg);
}

const std::vector<std::string> kYesNo = {"no", "yes"};
const std::vector<std::string> kNoYes = {"yes", "no"};
const std::vector<std::string> kStates = {"active", "nonoptimized", "standby", "unavailable", "offline",
                                          "transitioning"};

Field text(std::string key, std::string label, std::string initial = "") {
  return Field{std::move(key), std::move(label), Source::kNone, {}, std::move(initial)};
}
Field pick(std::string key, std::string label, Source src) { return Field{std::move(key), std::move(label), src}; }
Field fixed(std::string key, std::string label, std::vector<std::string> opts) {
  return Field{std::move(key), std::move(label), Source::kFixed, std::move(opts)};
}

// A form: label, fields, build, the done line.
Action form(char key, std::string label, std::vector<Field> fields,
            std::function<R(const Values&)> build, std::function<std::string(const Values&)> done,
            bool confirm = false) {
  Action a;
  a.key = key;
  a.label = std::move(label);
  a.fields = std::move(fields);
  a.build = std::move(build);
  a.done = std::move(done);
  a.confirm = confirm;
  return a;
}

Action view(char key, std::string label, View v) {
  Action a;
  a.key = key;
  a.label = std::move(label);
  a.view = v;
  return a;
}

#define TRY(var, expr)                                \
  auto var = (expr);                                  \
  if (!var) return std::unexpected(var.error())

R add_device(const Values& v, const std::string& handler) {
  TRY(name, need(v, "name", "Name"));
  json attrs = json::object();
  if (handler == "vdisk_nullio") {
    TRY(size, number(v, "size_mb", "Size (MiB)"));
    attrs["size_mb"] = std::to_string(*size);
  } else {
    TRY(file, need(v, "filename", "File"));
    attrs["filename"] = *file;
  }
  std::string bs = trimmed(v, "blocksize");
  if (!bs.empty()) {
    TRY(n, number(v, "blocksize", "Block size"));
    attrs["blocksize"] = std::to_string(*n);
  }
  if (trimmed(v, "read_only") == "yes") attrs["read_only"] = "1";
  return req("POST", "/v1/devices", json{{"name", *name}, {"handler", handler}, {"attributes", attrs}});
}

std::vector<Menu> build_menus() {
  std::vector<Menu> m;
  // Devices
  m.push_back(Menu{'d', "Devices", {
      view('l', "List devices", View::kDevices),
      view('v', "Device attributes", View::kAttributes),
      form('f', "Add file device (vdisk_fileio)",
           {text("name", "Name"), text("filename", "File (absolute)"), text("blocksize", "Block size", "512"),
            fixed("read_only", "Read-only", kYesNo)},
           [](const Values& v) { return add_device(v, "vdisk_fileio"); },
           [](const Values& v) { return "device " + trimmed(v, "name") + " opened"; }),
      form('b', "Add block device (vdisk_blockio)",
           {text("name", "Name"), text("filename", "Block device"), text("blocksize", "Block size", "512"),
            fixed("read_only", "Read-only", kYesNo)},
           [](const Values& v) { return add_device(v, "vdisk_blockio"); },
           [](const Values& v) { return "device " + trimmed(v, "name") + " opened"; }),
      form('n', "Add null device (vdisk_nullio)",
           {text("name", "Name"), text("size_mb", "Size (MiB)", "1024"), text("blocksize", "Block size", "512")},
           [](const Values& v) { return add_device(v, "vdisk_nullio"); },
           [](const Values& v) { return "device " + trimmed(v, "name") + " opened"; }),
      form('r', "Remove device",
           {pick("device", "Device", Source::kDevices), fixed("force", "Unmap it first", kYesNo)},
           [](const Values& v) -> R {
             TRY(d, need(v, "device", "Device"));
             std::string p = "/v1/devices/" + seg(*d);
             if (trimmed(v, "force") == "yes") p += "?force=1";
             return req("DELETE", p);
           },
           [](const Values& v) { return "device " + trimmed(v, "device") + " closed"; }, true),
      form('a', "Set device attribute",
           {pick("device", "Device", Source::kDevices), text("attr", "Attribute"), text("value", "Value")},
           [](const Values& v) -> R {
             TRY(d, need(v, "device", "Device"));
             TRY(a, need(v, "attr", "Attribute"));
             TRY(val, need(v, "value", "Value"));
             return req("PATCH", "/v1/devices/" + seg(*d), json{{"attributes", {{*a, *val}}}});
           },
           [](const Values& v) { return trimmed(v, "attr") + " of " + trimmed(v, "device") + " set"; }),
      form('m', "Map a LUN",
           {pick("where", "Target / group", Source::kTargetGroups), text("lun", "LUN", "0"),
            pick("device", "Device", Source::kDevices), fixed("read_only", "Read-only", kYesNo)},
           [](const Values& v) -> R {
             TRY(w, need(v, "where", "Target / group"));
             TRY(lun, number(v, "lun", "LUN"));
             TRY(d, need(v, "device", "Device"));
             json body{{"lun", *lun}, {"device", *d}};
             if (trimmed(v, "read_only") == "yes") body["attributes"] = {{"read_only", "1"}};
             return req("POST", luns_path(*w), body);
           },
           [](const Values& v) { return "LUN " + trimmed(v, "lun") + " of " + trimmed(v, "where") + " added"; }),
      form('u', "Unmap a LUN",
           {pick("where", "Target / group", Source::kTargetGroups), text("lun", "LUN", "0")},
           [](const Values& v) -> R {
             TRY(w, need(v, "where", "Target / group"));
             TRY(lun, number(v, "lun", "LUN"));
             return req("DELETE", luns_path(*w) + "/" + std::to_string(*lun));
           },
           [](const Values& v) { return "LUN " + trimmed(v, "lun") + " of " + trimmed(v, "where") + " removed"; },
           true),
  }});
  // Targets
  m.push_back(Menu{'t', "Targets", {
      view('l', "List targets", View::kTargets),
      form('a', "Add target",
           {text("name", "Name (IQN)"), fixed("enabled", "Enabled", kNoYes)},
           [](const Values& v) -> R {
             TRY(n, need(v, "name", "Name (IQN)"));
             json attrs = json::object();
             if (trimmed(v, "enabled") == "yes") attrs["enabled"] = "1";
             return req("POST", "/v1/targets", json{{"name", *n}, {"driver", "iscsi"}, {"attributes", attrs}});
           },
           [](const Values& v) { return "target " + trimmed(v, "name") + " added"; }),
      form('r', "Remove target",
           {pick("target", "Target", Source::kTargets), fixed("force", "Close its sessions", kYesNo)},
           [](const Values& v) -> R {
             TRY(t, need(v, "target", "Target"));
             std::string p = "/v1/targets/" + seg(*t);
             if (trimmed(v, "force") == "yes") p += "?force=1";
             return req("DELETE", p);
           },
           [](const Values& v) { return "target " + trimmed(v, "target") + " removed"; }, true),
      form('e', "Enable target", {pick("target", "Target", Source::kTargets)},
           [](const Values& v) -> R {
             TRY(t, need(v, "target", "Target"));
             return req("POST", "/v1/targets/" + seg(*t) + "/enable");
           },
           [](const Values& v) { return "target " + trimmed(v, "target") + " enabled"; }),
      form('d', "Disable target", {pick("target", "Target", Source::kTargets)},
           [](const Values& v) -> R {
             TRY(t, need(v, "target", "Target"));
             return req("POST", "/v1/targets/" + seg(*t) + "/disable");
           },
           [](const Values& v) { return "target " + trimmed(v, "target") + " disabled"; }),
      form('i', "Set rel_tgt_id", {pick("target", "Target", Source::kTargets), text("id", "rel_tgt_id")},
           [](const Values& v) -> R {
             TRY(t, need(v, "target", "Target"));
             TRY(id, number(v, "id", "rel_tgt_id"));
             return req("PATCH", "/v1/targets/" + seg(*t), json{{"attributes", {{"rel_tgt_id", std::to_string(*id)}}}});
           },
           [](const Values& v) { return "rel_tgt_id of " + trimmed(v, "target") + " set"; }),
      form('t', "Set target attribute",
           {pick("target", "Target", Source::kTargets), text("attr", "Attribute"), text("value", "Value")},
           [](const Values& v) -> R {
             TRY(t, need(v, "target", "Target"));
             TRY(a, need(v, "attr", "Attribute"));
             TRY(val, need(v, "value", "Value"));
             return req("PATCH", "/v1/targets/" + seg(*t), json{{"attributes", {{*a, *val}}}});
           },
           [](const Values& v) { return trimmed(v, "attr") + " of " + trimmed(v, "target") + " set"; }),
      form('c', "Add CHAP user",
           {pick("target", "Target", Source::kTargets), fixed("direction", "Direction", {"incoming", "outgoing"}),
            text("user", "User"), Field{"secret", "Secret", Source::kNone, {}, "", true}},
           [](const Values& v) -> R {
             TRY(t, need(v, "target", "Target"));
             TRY(u, need(v, "user", "User"));
             TRY(s, need(v, "secret", "Secret"));
             return req("POST", "/v1/targets/" + seg(*t) + "/users",
                        json{{"direction", trimmed(v, "direction")}, {"user", *u}, {"secret", *s}});
           },
           [](const Values& v) { return "CHAP user " + trimmed(v, "user") + " added"; }),
      form('u', "Remove CHAP user", {pick("target", "Target", Source::kTargets), text("user", "User")},
           [](const Values& v) -> R {
             TRY(t, need(v, "target", "Target"));
             TRY(u, need(v, "user", "User"));
             return req("DELETE", "/v1/targets/" + seg(*t) + "/users/" + seg(*u));
           },
           [](const Values& v) { return "CHAP user " + trimmed(v, "user") + " removed"; }, true),
  }});
  // Hosts
  m.push_back(Menu{'h', "Hosts", {
      view('l', "List initiator groups", View::kGroups),
      form('g', "Add initiator group", {pick("target", "Target", Source::kTargets), text("name", "Group name")},
           [](const Values& v) -> R {
             TRY(t, need(v, "target", "Target"));
             TRY(n, need(v, "name", "Group name"));
             return req("POST", "/v1/targets/" + seg(*t) + "/groups", json{{"name", *n}});
           },
           [](const Values& v) { return "group " + trimmed(v, "name") + " added"; }),
      form('r', "Remove initiator group", {pick("group", "Target / group", Source::kGroups)},
           [](const Values& v) -> R {
             TRY(g, need(v, "group", "Target / group"));
             return req("DELETE", group_path(*g));
           },
           [](const Values& v) { return "group " + trimmed(v, "group") + " removed"; }, true),
      form('i', "Add initiator", {pick("group", "Target / group", Source::kGroups), text("initiator", "Initiator")},
           [](const Values& v) -> R {
             TRY(g, need(v, "group", "Target / group"));
             TRY(i, need(v, "initiator", "Initiator"));
             return req("POST", group_path(*g) + "/initiators", json{{"initiator", *i}});
           },
           [](const Values& v) { return "initiator " + trimmed(v, "initiator") + " added"; }),
      form('d', "Remove initiator", {pick("group", "Target / group", Source::kGroups), text("initiator", "Initiator")},
           [](const Values& v) -> R {
             TRY(g, need(v, "group", "Target / group"));
             TRY(i, need(v, "initiator", "Initiator"));
             return req("DELETE", group_path(*g) + "/initiators/" + seg(*i));
           },
           [](const Values& v) { return "initiator " + trimmed(v, "initiator") + " removed"; }, true),
      form('m', "Move initiator to another group",
           {pick("group", "From target / group", Source::kGroups), text("initiator", "Initiator"),
            text("to", "To group")},
           [](const Values& v) -> R {
             TRY(g, need(v, "group", "From target / group"));
             TRY(i, need(v, "initiator", "Initiator"));
             TRY(to, need(v, "to", "To group"));
             return req("POST", group_path(*g) + "/initiators/move", json{{"initiator", *i}, {"to_group", *to}});
           },
           [](const Values& v) { return "initiator " + trimmed(v, "initiator") + " moved to " + trimmed(v, "to"); }),
      form('c', "Close a session", {pick("session", "Session", Source::kSessions)},
           [](const Values& v) -> R {
             TRY(s, need(v, "session", "Session"));
             std::string id = s->substr(0, s->find(':'));
             TRY(n, number(Values{{"id", id}}, "id", "Session"));
             return req("DELETE", "/v1/sessions/" + std::to_string(*n));
           },
           [](const Values& v) { return "session " + trimmed(v, "session") + " closed"; }, true),
  }});
  // ALUA
  m.push_back(Menu{'a', "ALUA", {
      view('l', "List device groups", View::kAlua),
      form('g', "Add device group", {text("name", "Name")},
           [](const Values& v) -> R {
             TRY(n, need(v, "name", "Name"));
             return req("POST", "/v1/alua/device-groups", json{{"name", *n}});
           },
           [](const Values& v) { return "device group " + trimmed(v, "name") + " added"; }),
      form('r', "Remove device group", {pick("dg", "Device group", Source::kDeviceGroups)},
           [](const Values& v) -> R {
             TRY(dg, need(v, "dg", "Device group"));
             return req("DELETE", "/v1/alua/device-groups/" + seg(*dg));
           },
           [](const Values& v) { return "device group " + trimmed(v, "dg") + " removed"; }, true),
      form('d', "Add device to group",
           {pick("dg", "Device group", Source::kDeviceGroups), pick("device", "Device", Source::kDevices)},
           [](const Values& v) -> R {
             TRY(dg, need(v, "dg", "Device group"));
             TRY(d, need(v, "device", "Device"));
             return req("POST", "/v1/alua/device-groups/" + seg(*dg) + "/devices", json{{"device", *d}});
           },
           [](const Values& v) { return "device " + trimmed(v, "device") + " added"; }),
      form('e', "Remove device from group",
           {pick("dg", "Device group", Source::kDeviceGroups), pick("device", "Device", Source::kDevices)},
           [](const Values& v) -> R {
             TRY(dg, need(v, "dg", "Device group"));
             TRY(d, need(v, "device", "Device"));
             return req("DELETE", "/v1/alua/device-groups/" + seg(*dg) + "/devices/" + seg(*d));
           },
           [](const Values& v) { return "device " + trimmed(v, "device") + " removed"; }, true),
      form('t', "Add target group",
           {pick("dg", "Device group", Source::kDeviceGroups), text("name", "Name"), text("id", "Group id"),
            fixed("state", "State", kStates)},
           [](const Values& v) -> R {
             TRY(dg, need(v, "dg", "Device group"));
             TRY(n, need(v, "name", "Name"));
             TRY(id, number(v, "id", "Group id"));
             return req("POST", "/v1/alua/device-groups/" + seg(*dg) + "/target-groups",
                        json{{"name", *n}, {"group_id", *id}, {"state", trimmed(v, "state")}});
           },
           [](const Values& v) { return "target group " + trimmed(v, "name") + " added"; }),
      form('x', "Remove target group", {pick("tg", "Device / target group", Source::kAluaGroups)},
           [](const Values& v) -> R {
             TRY(tg, need(v, "tg", "Device / target group"));
             return req("DELETE", tgrp_path(*tg));
           },
           [](const Values& v) { return "target group " + trimmed(v, "tg") + " removed"; }, true),
      form('a', "Add target to target group",
           {pick("tg", "Device / target group", Source::kAluaGroups), text("target", "Target (IQN)"),
            text("rel", "rel_tgt_id (remote only)")},
           [](const Values& v) -> R {
             TRY(tg, need(v, "tg", "Device / target group"));
             TRY(t, need(v, "target", "Target (IQN)"));
             json body{{"target", *t}};
             if (!trimmed(v, "rel").empty()) {
               TRY(rel, number(v, "rel", "rel_tgt_id"));
               body["rel_tgt_id"] = *rel;
             }
             return req("POST", tgrp_path(*tg) + "/targets", body);
           },
           [](const Values& v) { return "target " + trimmed(v, "target") + " added"; }),
      form('m', "Remove target from target group",
           {pick("tg", "Device / target group", Source::kAluaGroups), text("target", "Target (IQN)")},
           [](const Values& v) -> R {
             TRY(tg, need(v, "tg", "Device / target group"));
             TRY(t, need(v, "target", "Target (IQN)"));
             return req("DELETE", tgrp_path(*tg) + "/targets/" + seg(*t));
           },
           [](const Values& v) { return "target " + trimmed(v, "target") + " removed"; }, true),
      form('s', "Set target group state",
           {pick("tg", "Device / target group", Source::kAluaGroups), fixed("state", "State", kStates)},
           [](const Values& v) -> R {
             TRY(tg, need(v, "tg", "Device / target group"));
             return req("PUT", tgrp_path(*tg) + "/state", json{{"state", trimmed(v, "state")}});
           },
           [](const Values& v) { return trimmed(v, "tg") + " is " + trimmed(v, "state"); }),
  }});
  // System
  m.push_back(Menu{'s', "System", {
      view('h', "Configuration history", View::kHistory),
      form('r', "Roll back to a revision", {text("rev", "Revision")},
           [](const Values& v) -> R {
             TRY(rev, need(v, "rev", "Revision"));
             return req("POST", "/v1/config/rollback", json{{"rev", *rev}});
           },
           [](const Values& v) { return "rolled back to " + trimmed(v, "rev"); }, true),
      view('a', "Alert sinks", View::kAlerts),
      form('t', "Send a test alert", {},
           [](const Values&) -> R { return req("POST", "/v1/alerts/test", json::object()); },
           [](const Values&) { return "test alert delivered to every sink"; }),
      form('w', "Write the configuration file", {},
           [](const Values&) -> R { return req("POST", "/v1/config/write", json::object()); },
           [](const Values&) { return "configuration written"; }),
      view('v', "Version and uptime", View::kVersion),
      [] {
        Action a;
        a.key = 'b';
        a.label = "Write a support bundle";
        a.fields = {text("file", "File (absolute)", "/var/tmp/esan-support.tar.gz"),
                    fixed("force", "Replace an existing file", kYesNo)};
        a.run = write_bundle;
        return a;
      }(),
  }});
  // Cluster: what esand's API has (GET /v1/health's device groups).
  m.push_back(Menu{'c', "Cluster", {view('s', "Cluster status", View::kCluster)}});
  // Interface
  m.push_back(Menu{'i', "Interface", {
      view('h', "Help", View::kHelp),
      view('a', "About", View::kAbout),
      view('q', "Quit", View::kQuit),
  }});
  return m;
}

}  // namespace

const std::vector<Menu>& menus() {
  static const std::vector<Menu> kMenus = build_menus();
  return kMenus;
}

std::pair<std::string, std::string> split_pair(const std::string& value) {
  auto p = value.find(" / ");
  if (p == std::string::npos) return {value, ""};
  return {value.substr(0, p), value.substr(p + 3)};
}

Result<std::vector<std::string>> choices(Api& api, const Field& field) {
  std::vector<std::string> out;
  auto names = [&](const std::string& path) -> Result<json> { return api.get_json(path); };
  switch (field.source) {
    case Source::kNone: return out;
    case Source::kFixed: return field.fixed;
    case Source::kDevices:
    case Source::kTargets: {
      auto j = names(field.source == Source::kDevices ? "/v1/devices" : "/v1/targets");
      if (!j) return std::unexpected(j.error());
      for (const auto& o : *j) out.push_back(o.value("name", ""));
      return out;
    }
    case Source::kTargetGroups:
    case Source::kGroups: {
      auto j = names("/v1/targets");
      if (!j) return std::unexpected(j.error());
      for (const auto& t : *j) {
        std::string tn = t.value("name", "");
        if (field.source == Source::kTargetGroups) out.push_back(tn);
        for (const auto& g : t.value("groups", json::array()))
          out.push_back(tn + " / " + (g.is_object() ? g.value("name", "") : g.get<std::string>()));
      }
      return out;
    }
    case Source::kSessions: {
      auto j = names("/v1/sessions");
      if (!j) return std::unexpected(j.error());
      for (const auto& s : *j) {
        if (s.value("discovery", false)) continue;
        auto text = [&](const char* k) { return s.contains(k) && s[k].is_string() ? s[k].get<std::string>() : std::string(); };
        out.push_back((s.contains("id") ? s["id"].dump() : "?") + ": " + text("initiator") + " -> " + text("target"));
      }
      return out;
    }
    case Source::kDeviceGroups:
    case Source::kAluaGroups: {
      auto j = names("/v1/alua/device-groups");
      if (!j) return std::unexpected(j.error());
      for (const auto& dg : *j) {
        std::string dn = dg.value("name", "");
        if (field.source == Source::kDeviceGroups) {
          out.push_back(dn);
          continue;
        }
        for (const auto& tg : dg.value("target_groups", json::array())) out.push_back(dn + " / " + tg.value("name", ""));
      }
      return out;
    }
  }
  return out;
}

}  // namespace esan::tui
