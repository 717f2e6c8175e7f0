// Listings as JSON; see json_view.h.
#include "mgmt/json_view.h"

namespace esan::mgmt {

namespace {

Json attributes_json(const config::Attributes& attrs) {
  Json j = Json::object();
  for (const auto& [k, v] : attrs) j[k] = v;
  return j;
}

Json user_names(const std::vector<std::string>& users) {
  Json j = Json::array();
  for (const auto& u : users) j.push_back(config::split_user(u).name);
  return j;
}

Json outgoing_user(const std::vector<std::string>& users) {
  if (users.empty()) return nullptr;
  return config::split_user(users.front()).name;
}

}  // namespace

Json device_json(const Snapshot& s, const config::DeviceConfig& d) {
  Json mapped = Json::array();
  for (const auto& t : s.config.targets) {
    for (const auto& l : t.luns)
      if (l.device == d.name) mapped.push_back({{"target", t.name}, {"group", nullptr}, {"lun", l.lun}});
    for (const auto& g : t.groups)
      for (const auto& l : g.luns)
        if (l.device == d.name) mapped.push_back({{"target", t.name}, {"group", g.name}, {"lun", l.lun}});
  }
  auto size = s.device_bytes.find(d.name);
  return Json{{"name", d.name},
              {"handler", std::string(config::handler_name(d.handler))},
              {"attributes", attributes_json(config::device_attributes(d))},
              {"size_bytes", size == s.device_bytes.end() ? 0 : size->second},
              {"mapped_by", mapped}};
}

Json devices_json(const Snapshot& s) {
  Json j = Json::array();
  for (const auto& d : s.config.devices) j.push_back(device_json(s, d));
  return j;
}

Json luns_json(const std::vector<config::LunConfig>& luns) {
  Json j = Json::array();
  for (const auto& l : luns) j.push_back({{"lun", l.lun}, {"device", l.device}, {"read_only", l.read_only}});
  return j;
}

Json group_json(const config::GroupConfig& g) {
  return Json{{"name", g.name}, {"initiators", g.initiators}, {"luns", luns_json(g.luns)}};
}

Json target_json(const Snapshot& s, const config::TargetConfig& t) {
  Json groups = Json::array();
  for (const auto& g : t.groups) groups.push_back(group_json(g));
  auto id = s.rel_tgt_ids.find(t.name);
  auto sessions = s.target_sessions.find(t.name);
  return Json{{"name", t.name},
              {"enabled", t.enabled},
              {"rel_tgt_id", id == s.rel_tgt_ids.end() ? t.rel_tgt_id : id->second},
              {"attributes", attributes_json(config::target_attributes(t))},
              {"incoming_users", user_names(t.incoming_users)},
              {"outgoing_user", outgoing_user(t.outgoing_users)},
              {"luns", luns_json(t.luns)},
              {"groups", groups},
              {"sessions", sessions == s.target_sessions.end() ? 0 : sessions->second}};
}

Json targets_json(const Snapshot& s) {
  Json j = Json::array();
  for (const auto& t : s.config.targets) j.push_back(target_json(s, t));
  return j;
}

Json driver_json(const Snapshot& s) {
  return Json{{"name", "iscsi"},
              {"enabled", s.config.iscsi_enabled},
              {"attributes", attributes_json(config::driver_attributes(s.config))},
              {"incoming_users", user_names(s.config.iscsi_incoming_users)},
              {"outgoing_user", outgoing_user(s.config.iscsi_outgoing_users)}};
}

Json device_groups_json(const Snapshot& s) {
  Json j = Json::array();
  for (const auto& dg : s.config.device_groups) {
    Json tgs = Json::array();
    for (const auto& tg : dg.target_groups) {
      Json members = Json::array();
      for (const auto& m : tg.targets) {
        auto id = s.rel_tgt_ids.find(m.target);
        uint16_t rel = m.rel_tgt_id ? m.rel_tgt_id : (id == s.rel_tgt_ids.end() ? 0 : id->second);
        members.push_back({{"target", m.target}, {"rel_tgt_id", rel}});
      }
      tgs.push_back({{"name", tg.name}, {"group_id", tg.group_id}, {"state", tg.state}, {"targets", members}});
    }
    j.push_back({{"name", dg.name},
                 {"devices", dg.devices},
                 {"alua_access", std::string(config::alua_access_name(dg.alua_access))},
                 {"target_groups", tgs}});
  }
  return j;
}

}  // namespace esan::mgmt
