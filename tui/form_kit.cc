#include "tui/form_kit.h"

#include <cctype>

namespace esan::tui::kit {

using client::seg;

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

client::Request req(std::string method, std::string path, const json& body) {
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
const std::vector<std::string> kSeverities = {"info", "warning", "error", "critical"};
const std::vector<std::string> kFacilities = {"daemon", "user",   "local0", "local1", "local2",
                                              "local3", "local4", "local5", "local6", "local7"};
const std::vector<std::string> kStates = {"active",      "nonoptimized", "standby",
                                          "unavailable", "offline",      "transitioning"};

Field text(std::string key, std::string label, std::string initial) {
  return Field{std::move(key), std::move(label), Source::kNone, {}, std::move(initial)};
}
Field pick(std::string key, std::string label, Source src) { return Field{std::move(key), std::move(label), src}; }
Field fixed(std::string key, std::string label, std::vector<std::string> opts) {
  return Field{std::move(key), std::move(label), Source::kFixed, std::move(opts)};
}

// A form: label, fields, build, the done line.
Action form(char key, std::string label, std::vector<Field> fields, std::function<R(const Values&)> build,
            std::function<std::string(const Values&)> done, bool confirm) {
  Action a;
  a.key = key;
  a.label = std::move(label);
  a.fields = std::move(fields);
  a.build = std::move(build);
  a.done = std::move(done);
  a.confirm = confirm;
  return a;
}

Action alert_form(char key, std::string label, std::vector<Field> fields,
                  std::function<R(const nlohmann::json&, const Values&)> edit,
                  std::function<std::string(const Values&)> done, bool confirm) {
  Action a = form(key, std::move(label), std::move(fields), nullptr, std::move(done), confirm);
  a.base = "/v1/alerts/config";
  a.edit = std::move(edit);
  return a;
}

Action view(char key, std::string label, View v) {
  Action a;
  a.key = key;
  a.label = std::move(label);
  a.view = v;
  return a;
}

}  // namespace esan::tui::kit
