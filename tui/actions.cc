#include "tui/actions.h"

#include "tui/form_kit.h"

namespace esan::tui {
namespace {

using nlohmann::json;

std::vector<Menu> build_menus() {
  using namespace kit;
  std::vector<Menu> m{devices_menu(), targets_menu(), hosts_menu(), alua_menu(), system_menu()};
  m.push_back(cluster_menu());
  // Interface
  m.push_back(Menu{'i',
                   "Interface",
                   {
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

Result<client::Request> request_of(Api& api, const Action& a, const Values& values) {
  if (!a.edit) return a.build(values);
  auto base = api.get_json(a.base);
  if (!base) return std::unexpected(base.error());
  return a.edit(*base, values);
}

Result<std::vector<std::string>> choices(Api& api, const Field& field) {
  std::vector<std::string> out;
  auto names = [&](const std::string& path) -> Result<json> { return api.get_json(path); };
  switch (field.source) {
    case Source::kNone:
      return out;
    case Source::kFixed:
      return field.fixed;
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
        auto text = [&](const char* k) {
          return s.contains(k) && s[k].is_string() ? s[k].get<std::string>() : std::string();
        };
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
        for (const auto& tg : dg.value("target_groups", json::array()))
          out.push_back(dn + " / " + tg.value("name", ""));
      }
      return out;
    }
    case Source::kAlertSinks:
    case Source::kAlertRules: {
      auto j = names("/v1/alerts/config");
      if (!j) return std::unexpected(j.error());
      for (const auto& o : j->value(field.source == Source::kAlertSinks ? "sinks" : "rules", json::array()))
        out.push_back(o.value("name", ""));
      return out;
    }
    case Source::kClusterNodes:
    case Source::kPromotables: {
      auto j = names("/v1/cluster");
      if (!j) return std::unexpected(j.error());
      if (!j->value("running", false))
        return make_error(Errc::kUnsupported, "no cluster runs here: " + j->value("reason", std::string()));
      if (field.source == Source::kClusterNodes)
        for (const auto& n : j->value("nodes", json::array())) out.push_back(n.value("name", ""));
      else
        for (const auto& p : j->value("promotables", json::array())) out.push_back(p.value("clone", ""));
      return out;
    }
  }
  return out;
}

}  // namespace esan::tui
