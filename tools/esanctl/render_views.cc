// The tables of render.cc for ALUA, sessions and statistics.
#include <set>

#include "tools/esanctl/render.h"

namespace esan::ctl {
namespace {

using json = nlohmann::json;
using Rows = std::vector<std::vector<std::string>>;

std::string cell(const json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "yes" : "no";
  if (v.is_array()) {
    std::string s;
    for (const auto& e : v) s += (s.empty() ? "" : ",") + (e.is_object() ? e.value("target", e.dump()) : cell(e));
    return s.empty() ? "-" : s;
  }
  return v.dump();
}
std::string field(const json& o, const char* key) { return o.is_object() && o.contains(key) ? cell(o[key]) : "-"; }

// {"name": {"k": v, ...}, ...} as one row per name, a column per scalar key.
std::string keyed_table(const char* first, const json& objects) {
  std::vector<std::string> keys;
  std::set<std::string> seen;
  for (const auto& [name, o] : objects.items())
    if (o.is_object())
      for (const auto& [k, v] : o.items())
        if (!v.is_structured() && seen.insert(k).second) keys.push_back(k);
  Rows rows{{first}};
  for (const auto& k : keys) rows[0].push_back(k);
  for (const auto& [name, o] : objects.items()) {
    std::vector<std::string> row{name};
    for (const auto& k : keys) row.push_back(o.is_object() && o.contains(k) ? cell(o[k]) : "-");
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

std::string render_stats(const json& stats) {
  std::string out;
  if (stats.contains("devices") && stats["devices"].is_object() && !stats["devices"].empty())
    out += keyed_table("DEVICE", stats["devices"]) + "\n";
  if (stats.contains("targets") && stats["targets"].is_object() && !stats["targets"].empty())
    out += keyed_table("TARGET", stats["targets"]) + "\n";
  out += "sessions: " + field(stats, "sessions") + "\n";
  if (stats.contains("reactors") && stats["reactors"].is_array()) {
    Rows rows{{"REACTOR", "BUSY"}};
    size_t i = 0;
    for (const auto& r : stats["reactors"]) rows.push_back({std::to_string(i++), field(r, "busy_ratio")});
    out += table(rows);
  }
  return out;
}

}  // namespace esan::ctl
