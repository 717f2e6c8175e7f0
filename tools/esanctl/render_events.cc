// The views of render.cc for the event log and the alerts.
#include "tools/esanctl/render.h"
#include "tools/esanctl/render_cells.h"

namespace esan::ctl {

using json = nlohmann::json;

std::string render_events(const json& page) {
  std::string out;
  if (page.contains("missed") && page["missed"].is_number_unsigned() && page["missed"].get<uint64_t>() > 0)
    out += "(" + field(page, "missed") + " earlier event(s) were dropped from esand's log)\n";
  for (const auto& e : page.value("events", json::array()))
    out += field(e, "seq") + "  " + field(e, "time") + "  " + field(e, "severity") + "  " + field(e, "kind") + "  " +
           field(e, "message") + "\n";
  return out;
}

std::string render_alerts(const json& st) {
  if (!st.value("configured", false)) return "no alerts configured (esanctl alert set FILE)\n";
  std::vector<std::vector<std::string>> rows{
      {"SINK", "TYPE", "DELIVERED", "FAILURES", "DROPPED", "SUPPRESSED", "QUEUED", "LAST ERROR"}};
  for (const auto& s : st.value("sinks", json::array())) {
    uint64_t suppressed = s.value("duplicates", uint64_t{0}) + s.value("rate_limited", uint64_t{0});
    rows.push_back({field(s, "name"), field(s, "type"), field(s, "delivered"), field(s, "failures"),
                    field(s, "dropped"), std::to_string(suppressed), field(s, "queued"), field(s, "last_error")});
  }
  return table(rows) + field(st, "rules") + " rule(s)\n";
}

std::string render_alert_test(const json& r) {
  std::string out;
  for (const auto& t : r.value("results", json::array()))
    out += field(t, "sink") + ": " + (t.value("ok", false) ? std::string("ok") : "failed: " + field(t, "error")) + "\n";
  return out.empty() ? "no alert sinks\n" : out;
}

std::string render_alert_config(const json& cfg) {
  json file = cfg.value("file", json::object());
  std::string path = file.contains("path") && file["path"].is_string() ? file["path"].get<std::string>() : "";
  if (!cfg.value("configured", false))
    return "# no alert rules configured" + (path.empty() ? std::string() : "; esanctl alert set FILE saves them to " + path) +
           "\n";
  std::string text = file.value("text", std::string());
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

}  // namespace esan::ctl
