// The ALUA and System menus (contract: actions.h).
#include "tui/alert_forms.h"
#include "tui/bundle.h"
#include "tui/form_kit.h"

namespace esan::tui::kit {

using client::seg;

Menu alua_menu() {
  return Menu{'a',
              "ALUA",
              {
                  view('l', "List device groups", View::kAlua),
                  form(
                      'g', "Add device group", {text("name", "Name")},
                      [](const Values& v) -> R {
                        TRY(n, need(v, "name", "Name"));
                        return req("POST", "/v1/alua/device-groups", json{{"name", *n}});
                      },
                      [](const Values& v) { return "device group " + trimmed(v, "name") + " added"; }),
                  form(
                      'r', "Remove device group", {pick("dg", "Device group", Source::kDeviceGroups)},
                      [](const Values& v) -> R {
                        TRY(dg, need(v, "dg", "Device group"));
                        return req("DELETE", "/v1/alua/device-groups/" + seg(*dg));
                      },
                      [](const Values& v) { return "device group " + trimmed(v, "dg") + " removed"; }, true),
                  form(
                      'd', "Add device to group",
                      {pick("dg", "Device group", Source::kDeviceGroups), pick("device", "Device", Source::kDevices)},
                      [](const Values& v) -> R {
                        TRY(dg, need(v, "dg", "Device group"));
                        TRY(d, need(v, "device", "Device"));
                        return req("POST", "/v1/alua/device-groups/" + seg(*dg) + "/devices", json{{"device", *d}});
                      },
                      [](const Values& v) { return "device " + trimmed(v, "device") + " added"; }),
                  form(
                      'e', "Remove device from group",
                      {pick("dg", "Device group", Source::kDeviceGroups), pick("device", "Device", Source::kDevices)},
                      [](const Values& v) -> R {
                        TRY(dg, need(v, "dg", "Device group"));
                        TRY(d, need(v, "device", "Device"));
                        return req("DELETE", "/v1/alua/device-groups/" + seg(*dg) + "/devices/" + seg(*d));
                      },
                      [](const Values& v) { return "device " + trimmed(v, "device") + " removed"; }, true),
                  form(
                      't', "Add target group",
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
                  form(
                      'x', "Remove target group", {pick("tg", "Device / target group", Source::kAluaGroups)},
                      [](const Values& v) -> R {
                        TRY(tg, need(v, "tg", "Device / target group"));
                        return req("DELETE", tgrp_path(*tg));
                      },
                      [](const Values& v) { return "target group " + trimmed(v, "tg") + " removed"; }, true),
                  form(
                      'a', "Add target to target group",
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
                  form(
                      'm', "Remove target from target group",
                      {pick("tg", "Device / target group", Source::kAluaGroups), text("target", "Target (IQN)")},
                      [](const Values& v) -> R {
                        TRY(tg, need(v, "tg", "Device / target group"));
                        TRY(t, need(v, "target", "Target (IQN)"));
                        return req("DELETE", tgrp_path(*tg) + "/targets/" + seg(*t));
                      },
                      [](const Values& v) { return "target " + trimmed(v, "target") + " removed"; }, true),
                  form(
                      's', "Set target group state",
                      {pick("tg", "Device / target group", Source::kAluaGroups), fixed("state", "State", kStates)},
                      [](const Values& v) -> R {
                        TRY(tg, need(v, "tg", "Device / target group"));
                        return req("PUT", tgrp_path(*tg) + "/state", json{{"state", trimmed(v, "state")}});
                      },
                      [](const Values& v) { return trimmed(v, "tg") + " is " + trimmed(v, "state"); }),
              }};
}

Menu system_menu() {
  return Menu{'s',
              "System",
              {
                  view('h', "Configuration history", View::kHistory),
                  form(
                      'r', "Roll back to a revision", {text("rev", "Revision")},
                      [](const Values& v) -> R {
                        TRY(rev, need(v, "rev", "Revision"));
                        return req("POST", "/v1/config/rollback", json{{"rev", *rev}});
                      },
                      [](const Values& v) { return "rolled back to " + trimmed(v, "rev"); }, true),
                  view('a', "Alert sinks", View::kAlerts),
                  form(
                      't', "Send a test alert", {},
                      [](const Values&) -> R { return req("POST", "/v1/alerts/test", json::object()); },
                      [](const Values&) { return "test alert delivered to every sink"; }),
                  // Alert setup: each form is ONE PUT of the whole new rules (alert_forms.h).
                  view('l', "Alert setup: sinks and rules", View::kAlertSetup),
                  alert_form(
                      'm', "Add a mail alert sink",
                      {text("name", "Name"), text("to", "To (addresses)"), text("from", "From (optional)")},
                      add_mail_sink, [](const Values& v) { return "mail sink " + trimmed(v, "name") + " added"; }),
                  alert_form(
                      'k', "Add a webhook alert sink",
                      {text("name", "Name"), text("url", "URL", "http://")}, add_webhook_sink,
                      [](const Values& v) { return "webhook sink " + trimmed(v, "name") + " added"; }),
                  alert_form(
                      'y', "Add a syslog alert sink",
                      {text("name", "Name"), fixed("facility", "Facility", kFacilities)}, add_syslog_sink,
                      [](const Values& v) { return "syslog sink " + trimmed(v, "name") + " added"; }),
                  alert_form(
                      'x', "Remove an alert sink", {pick("sink", "Sink", Source::kAlertSinks)}, remove_sink,
                      [](const Values& v) { return "alert sink " + trimmed(v, "sink") + " removed"; }, true),
                  alert_form(
                      'u', "Add an alert rule",
                      {text("name", "Name"), text("kinds", "Event kinds (or *)", "*"),
                       fixed("severity", "Least severity", kSeverities), text("sinks", "Sinks (names)")},
                      add_rule, [](const Values& v) { return "alert rule " + trimmed(v, "name") + " added"; }),
                  alert_form(
                      'e', "Remove an alert rule", {pick("rule", "Rule", Source::kAlertRules)}, remove_rule,
                      [](const Values& v) { return "alert rule " + trimmed(v, "rule") + " removed"; }, true),
                  alert_form(
                      'n', "Set alert limits",
                      {text("rate_limit", "Per sink per minute"), text("dedup_s", "Same alert once per (s)"),
                       text("retries", "Retries")},
                      set_alert_limits, [](const Values&) { return "alert limits set"; }),
                  form(
                      'w', "Write the configuration file", {},
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
              }};
}

}  // namespace esan::tui::kit
