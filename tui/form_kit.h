// Internal to tui/: the pieces the menu tables (menus_*.cc) are built
// from: field and form constructors, value checks, request paths.
#pragma once

#include <string>
#include <vector>

#include "tui/actions.h"

namespace esan::tui::kit {

using nlohmann::json;
using R = Result<client::Request>;

// A field's value without surrounding blanks ("" when absent).
std::string trimmed(const Values& v, const std::string& key);
// The value of a required field, or an error naming it by label.
Result<std::string> need(const Values& v, const std::string& key, const std::string& label);
// A non-negative decimal number, or an error naming the field.
Result<unsigned long> number(const Values& v, const std::string& key, const std::string& label);
client::Request req(std::string method, std::string path, const json& body = nullptr);

// {luns} of a "TARGET" or "TARGET / GROUP" choice; a group's path; an ALUA target group's.
std::string luns_path(const std::string& where);
std::string group_path(const std::string& where);
std::string tgrp_path(const std::string& where);

extern const std::vector<std::string> kYesNo, kNoYes, kStates, kSeverities, kFacilities;

Field text(std::string key, std::string label, std::string initial = "");
Field pick(std::string key, std::string label, Source src);
Field fixed(std::string key, std::string label, std::vector<std::string> opts);
// A form: label, fields, build, the done line; confirm for removals.
Action form(char key, std::string label, std::vector<Field> fields, std::function<R(const Values&)> build,
            std::function<std::string(const Values&)> done, bool confirm = false);
Action view(char key, std::string label, View v);
// An alert setup form: ONE PUT /v1/alerts/config built by `edit` from the
// current rules (alert_forms.h).
Action alert_form(char key, std::string label, std::vector<Field> fields,
                  std::function<R(const nlohmann::json&, const Values&)> edit,
                  std::function<std::string(const Values&)> done, bool confirm = false);

// The menus, one function each (menus_storage.cc, menus_system.cc).
Menu devices_menu();
Menu targets_menu();
Menu hosts_menu();
Menu alua_menu();
Menu system_menu();
Menu cluster_menu();  // menus_cluster.cc

}  // namespace esan::tui::kit

// The first error of a Result-returning step returns it from the build.
#define TRY(var, expr) \
  auto var = (expr);   \
  if (!var) return std::unexpected(var.error())
