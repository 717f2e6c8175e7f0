// esan-tui's menus as data: every menu item is an Action, either a form
// whose filled-in fields become ONE management API request, or a read-only
// view (view.h). The screens (screen.h) only draw them and collect keys.
//
// Contract:
//  * menus() is the fixed menu tree, in display order; each menu and item has
//    a hot key unique within its level.
//  * A form Action's build() is a pure function of the field values: a
//    client::Request, or an Error (kInvalidArgument) naming the field that
//    is missing or malformed. Nothing is sent for a form that does not
//    build, and every form is one request, so esand's all-or-nothing
//    change is never split (no half-applied change from the console).
//  * choices() asks esand (GET requests only) for the values a choice field
//    offers (devices, targets, "TARGET / GROUP" pairs, ...).
//  * An edit Action (System > alert setup) builds its one request from the
//    values and esand's current state: request_of() GETs Action::base just
//    before building (edit() is then a pure function of that answer and
//    the values), so the whole new alert configuration goes in ONE PUT.
//  * Actions with confirm set (removals, closing a session, a rollback,
//    a node to standby, moving the master) are asked about first; the
//    question's default answer is Cancel.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tui/api.h"

namespace esan::tui {

// Where a choice field's options come from.
enum class Source {
  kNone,          // a text field
  kFixed,         // Field::fixed
  kDevices,       // GET /v1/devices names
  kTargets,       // GET /v1/targets names
  kTargetGroups,  // "TARGET" and "TARGET / GROUP" (the LUN map a LUN goes in)
  kGroups,        // "TARGET / GROUP" only (initiator groups)
  kDeviceGroups,  // ALUA device groups
  kAluaGroups,    // "DEVICE_GROUP / TARGET_GROUP"
  kSessions,      // "TSIH: INITIATOR -> TARGET" (normal sessions)
  kClusterNodes,  // GET /v1/cluster's node names (an error when no cluster runs)
  kPromotables,   // GET /v1/cluster's promotable clones
  kAlertSinks,    // GET /v1/alerts/config's sink names
  kAlertRules,    // GET /v1/alerts/config's rule names
};

struct Field {
  std::string key;    // the name build() reads
  std::string label;  // shown left of the value
  Source source = Source::kNone;
  std::vector<std::string> fixed;  // kFixed options (the first is the default)
  std::string initial;             // a text field's initial value
  bool secret = false;             // drawn as '*'
};

using Values = std::map<std::string, std::string>;

enum class View {
  kNone,  // a form
  kDevices,
  kAttributes,
  kTargets,
  kGroups,
  kAliases,
  kAlua,
  kHistory,
  kVersion,
  kAlerts,
  kAlertSetup,  // the alert rules: settings, sinks, rules
  kCluster,
  kHelp,
  kAbout,
  kQuit,  // Interface > Quit
};

struct Action {
  char key = 0;
  std::string label;
  View view = View::kNone;
  std::vector<Field> fields;
  bool confirm = false;  // a deletion: "Really ...?" with Cancel the default
  std::function<Result<client::Request>(const Values&)> build;
  // Instead of build: a request from esand's answer to GET `base` (read
  // just before) and the values (request_of()).
  std::string base;
  std::function<Result<client::Request>(const nlohmann::json&, const Values&)> edit;
  // The line shown when esand accepted the request.
  std::function<std::string(const Values&)> done;
  // Set instead of build/done: a form that does its work here (the
  // support bundle: GET requests and a local file); its line or its error.
  std::function<Result<std::string>(Api&, const Values&)> run;
};

struct Menu {
  char key = 0;
  std::string title;
  std::vector<Action> items;
};

const std::vector<Menu>& menus();

// A form's request: build(values), or edit(GET base, values); the GET's
// error (esand's message) when it fails.
Result<client::Request> request_of(Api& api, const Action& action, const Values& values);

// The options of a choice field, asked of esand now.
Result<std::vector<std::string>> choices(Api& api, const Field& field);

// A "A / B" choice split in two (B empty when there is no " / ").
std::pair<std::string, std::string> split_pair(const std::string& value);

}  // namespace esan::tui
