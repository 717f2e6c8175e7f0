// The cells of esanctl's tables (render.cc, render_views.cc): any JSON value
// as one cell. Strings bare, booleans yes/no, arrays comma-joined (an object
// in an array shows its "target", else its JSON), null or missing "-".
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace esan::ctl {

inline std::string cell(const nlohmann::json& v) {
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

// o[key] as a cell ("-" when o is no object or has no key).
inline std::string field(const nlohmann::json& o, const char* key) {
  return o.is_object() && o.contains(key) ? cell(o[key]) : "-";
}

}  // namespace esan::ctl
