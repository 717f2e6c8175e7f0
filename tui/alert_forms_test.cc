#include "tui/alert_forms.h"

#include <gtest/gtest.h>

#include "tui/fake_api.h"
#include "tui/view.h"

namespace esan::tui {
namespace {

using nlohmann::json;

// GET /v1/alerts/config as esand answers it.
const json kCurrent = json::parse(R"({
  "configured": true, "rate_limit": 20, "dedup_s": 300, "retries": 4,
  "sinks": [{"name": "ops", "type": "mail", "to": ["ops@example.com"], "sendmail": ["/usr/sbin/sendmail", "-t"]},
            {"name": "log", "type": "syslog", "facility": "daemon"}],
  "rules": [{"name": "all", "kinds": ["*"], "severity": "warning", "sinks": ["log"]}],
  "file": {"path": "/etc/esan/alerts.conf", "text": "...", "version": "0a1b2c3d"}})");

const Action& item(char key) {
  for (const auto& m : menus())
    if (m.key == 's')
      for (const auto& a : m.items)
        if (a.key == key) return a;
  ADD_FAILURE() << "no item " << key << " in System";
  static Action none;
  return none;
}

json put_body(const Result<client::Request>& r) {
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  if (!r) return nullptr;
  EXPECT_EQ(r->method + " " + r->path, "PUT /v1/alerts/config");
  return json::parse(r->body);
}

TEST(AlertForms, AddingASinkPutsTheWholeConfigWithoutReadOnlyParts) {
  json b = put_body(add_webhook_sink(kCurrent, {{"name", " hook "}, {"url", "http://127.0.0.1:9/x"}}));
  EXPECT_FALSE(b.contains("file"));
  EXPECT_FALSE(b.contains("configured"));
  EXPECT_EQ(b["if_version"], "0a1b2c3d");  // the version the change was made on
  EXPECT_EQ(b["rate_limit"], 20);
  ASSERT_EQ(b["sinks"].size(), 3u);
  EXPECT_EQ(b["sinks"][0], kCurrent["sinks"][0]);
  EXPECT_EQ(b["sinks"][2], json::parse(R"({"name":"hook","type":"webhook","url":"http://127.0.0.1:9/x"})"));
  EXPECT_EQ(b["rules"], kCurrent["rules"]);

  b = put_body(add_mail_sink(kCurrent, {{"name", "m"}, {"to", "a@x, b@y"}, {"from", ""}}));
  EXPECT_EQ(b["sinks"][2], json::parse(R"({"name":"m","type":"mail","to":"a@x, b@y"})"));
  b = put_body(add_mail_sink(kCurrent, {{"name", "m"}, {"to", "a@x"}, {"from", "esan@x"}}));
  EXPECT_EQ(b["sinks"][2]["from"], "esan@x");
  b = put_body(add_syslog_sink(kCurrent, {{"name", "l7"}, {"facility", "local7"}}));
  EXPECT_EQ(b["sinks"][2], json::parse(R"({"name":"l7","type":"syslog","facility":"local7"})"));

  // From nothing (esand has no rules yet).
  json none = json::parse(R"({"configured":false,"rate_limit":20,"dedup_s":300,"retries":4,"sinks":[],"rules":[],
                              "file":{"path":"/etc/esan/alerts.conf","text":""}})");
  b = put_body(add_syslog_sink(none, {{"name", "l"}, {"facility", "daemon"}}));
  EXPECT_EQ(b["sinks"].size(), 1u);
  EXPECT_FALSE(b.contains("if_version"));  // an esand that names no version: none sent
}

TEST(AlertForms, RulesRemovalsAndLimits) {
  json b = put_body(add_rule(kCurrent, {{"name", "p"}, {"kinds", "login_failed,io_error"}, {"severity", "error"},
                                        {"sinks", "ops log"}}));
  ASSERT_EQ(b["rules"].size(), 2u);
  EXPECT_EQ(b["rules"][1],
            json::parse(R"({"name":"p","kinds":"login_failed,io_error","severity":"error","sinks":"ops log"})"));
  b = put_body(remove_sink(kCurrent, {{"sink", "ops"}}));
  ASSERT_EQ(b["sinks"].size(), 1u);
  EXPECT_EQ(b["sinks"][0]["name"], "log");
  b = put_body(remove_rule(kCurrent, {{"rule", "all"}}));
  EXPECT_TRUE(b["rules"].empty());
  EXPECT_EQ(b["if_version"], "0a1b2c3d");
  b = put_body(set_alert_limits(kCurrent, {{"rate_limit", "5"}, {"dedup_s", ""}, {"retries", "x"}}));
  EXPECT_EQ(b["rate_limit"], "5");  // esand checks the numbers
  EXPECT_EQ(b["dedup_s"], 300);
  EXPECT_EQ(b["retries"], "x");
}

TEST(AlertForms, MissingValuesAreNamed) {
  struct Case {
    Result<client::Request> r;
    const char* message;
  } cases[] = {
      {add_webhook_sink(kCurrent, {{"name", "h"}}), "URL is required"},
      {add_mail_sink(kCurrent, {{"name", "m"}, {"to", " "}}), "To (addresses) is required"},
      {add_syslog_sink(kCurrent, {{"facility", "user"}}), "Name is required"},
      {add_rule(kCurrent, {{"name", "r"}, {"kinds", "*"}, {"severity", "info"}}), "Sinks is required"},
      {remove_sink(kCurrent, {{"sink", "nope"}}), "esand has no alert sink named 'nope'"},
      {remove_rule(kCurrent, {{"rule", ""}}), "Rule is required"},
      {set_alert_limits(kCurrent, {}), "nothing to change"},
  };
  for (const auto& c : cases) {
    ASSERT_FALSE(c.r) << c.message;
    EXPECT_NE(c.r.error().message.find(c.message), std::string::npos) << c.r.error().message;
  }
}

TEST(AlertForms, TheMenuFormsReadTheCurrentRulesThenPutOnce) {
  FakeApi api;
  api.on("GET /v1/alerts/config", 200, kCurrent.dump());
  const Action& add = item('k');
  EXPECT_EQ(add.label, "Add a webhook alert sink");
  auto r = request_of(api, add, {{"name", "hook"}, {"url", "http://h/"}});
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(api.calls.size(), 1u);
  EXPECT_EQ(api.calls[0].method + " " + api.calls[0].path, "GET /v1/alerts/config");
  EXPECT_EQ(json::parse(r->body)["sinks"].size(), 3u);
  EXPECT_TRUE(item('x').confirm);
  EXPECT_TRUE(item('e').confirm);
  EXPECT_FALSE(item('u').confirm);

  // Choices: the sinks and the rules.
  auto sinks = choices(api, item('x').fields[0]);
  ASSERT_TRUE(sinks);
  EXPECT_EQ(*sinks, (std::vector<std::string>{"ops", "log"}));
  auto rules = choices(api, item('e').fields[0]);
  ASSERT_TRUE(rules);
  EXPECT_EQ(*rules, (std::vector<std::string>{"all"}));

  // esand's error when the GET fails.
  FakeApi down;
  down.on("GET /v1/alerts/config", 500, R"({"error":{"code":"internal","message":"boom"}})");
  auto e = request_of(down, add, {{"name", "hook"}, {"url", "http://h/"}});
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("boom"), std::string::npos);
}

TEST(AlertForms, SetupView) {
  FakeApi api;
  api.on("GET /v1/alerts/config", 200, kCurrent.dump());
  auto lines = view_lines(api, View::kAlertSetup, 100);
  ASSERT_TRUE(lines) << lines.error().message;
  std::string all;
  for (const auto& l : *lines) all += l + "\n";
  EXPECT_NE(all.find("Rules file: /etc/esan/alerts.conf"), std::string::npos) << all;
  EXPECT_NE(all.find("to ops@example.com"), std::string::npos) << all;
  EXPECT_NE(all.find("facility daemon"), std::string::npos) << all;
  EXPECT_NE(all.find("warning"), std::string::npos) << all;
  EXPECT_EQ(view_title(View::kAlertSetup), "Alert setup");
}

}  // namespace
}  // namespace esan::tui
