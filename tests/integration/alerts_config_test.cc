// Alert setup at run time (issue 16's "alert setup", label chores): esand
// started without --alerts takes its rules from alerts.conf beside its
// config file; PUT /v1/alerts/config validates with the file's parser (a
// bad config is 400 with the line and the reason, and changes neither the
// file nor GET), saves the file atomically (a failed write changes
// nothing), then reroutes: the test alert and a real event reach a webhook
// listening on 127.0.0.1. esanctl alert config / alert set, and a restart
// reading the saved file. A PUT made on an old version (if_version) is
// refused; with --no-write-back the rules change but no file is written.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "tests/integration/alert_sinks.h"
#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/mgmt_util.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using nlohmann::json;

const std::string kTarget = "iqn.2026-12.org.esan:alerts-config";

CommandOutput Ctl(EsandProcess& esand, const std::string& args) {
  return RunCommand(std::string(ESANCTL_PATH) + " --socket " + esand.mgmt_socket() + " " + args);
}

std::string Message(const HttpResult& r) {
  return r.json.is_object() && r.json.contains("error") ? r.json["error"].value("message", "") : "";
}

size_t CountOf(const MgmtClient& api, const std::string& kind) {
  auto r = api.Get("/v1/events");
  size_t n = 0;
  for (const auto& e : r.json.value("events", json::array()))
    if (e.value("kind", "") == kind) ++n;
  return n;
}

TEST(AlertsConfig, PutValidatesSavesAndReroutesWithoutRestart) {
  EsandProcess esand("alerts-config");
  esand.WriteConfig(Handler("vdisk_nullio", NullioDevice("nul0", 16)) + IscsiDriver(Target(kTarget, "        LUN 0 nul0\n")));
  ASSERT_TRUE(esand.Start());
  MgmtClient api(esand.mgmt_socket());
  const std::string file = esand.Path("alerts.conf");  // beside esan.conf: the default

  // No rules yet: GET says so and where they would go; no test alert.
  auto got = api.Get("/v1/alerts/config");
  ASSERT_TRUE(Ok(got));
  EXPECT_FALSE(got.json.value("configured", true));
  EXPECT_EQ(got.json["file"]["path"], file);
  EXPECT_TRUE(Refused(api.Post("/v1/alerts/test"), 409, "conflict"));

  // A bad config: 400 with the parser's line and reason; nothing on disk.
  AlertSinks hook(esand.dir());
  json bad = {{"sinks", {{{"name", "hook"}, {"type", "webhook"}, {"url", "https://127.0.0.1/x"}}}}};
  auto r = api.Put("/v1/alerts/config", bad);
  ASSERT_TRUE(Refused(r, 400, "invalid_argument"));
  EXPECT_NE(Message(r).find(file + ":1: webhook SINK hook needs 'url http://HOST[:PORT][/PATH]'"), std::string::npos)
      << Message(r);
  EXPECT_FALSE(std::filesystem::exists(file));
  EXPECT_EQ(api.Get("/v1/alerts/config").json, got.json);
  r = api.Put("/v1/alerts/config", json{{"text", "SINK h {\n type webhook\n url http://x/\n}\nRULE r {\n sinks h,nope\n}\n"}});
  ASSERT_TRUE(Refused(r, 400, "invalid_argument"));
  EXPECT_NE(Message(r).find(file + ":6: RULE r: no SINK named 'nope'"), std::string::npos) << Message(r);
  r = api.Put("/v1/alerts/config", json{{"text", "retries 2\n"}, {"retries", 3}});
  ASSERT_TRUE(Refused(r, 400, "invalid_argument"));
  EXPECT_NE(Message(r).find("not both"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(file));

  // A good config (structured form): saved, shown, applied at once.
  json good = {{"retries", 1},
               {"dedup_s", 0},
               {"sinks", {{{"name", "hook"}, {"type", "webhook"}, {"url", hook.webhook_url()}}}},
               {"rules", {{{"name", "logins"}, {"kinds", {"login"}}, {"severity", "info"}, {"sinks", {"hook"}}}}}};
  r = api.Put("/v1/alerts/config", good);
  ASSERT_TRUE(Ok(r));
  std::string text = ReadFile(file);
  EXPECT_NE(text.find("SINK hook {"), std::string::npos) << text;
  EXPECT_NE(text.find("url " + hook.webhook_url()), std::string::npos) << text;
  EXPECT_NE(text.find("kinds login\n"), std::string::npos) << text;
  got = api.Get("/v1/alerts/config");
  ASSERT_TRUE(Ok(got));
  EXPECT_TRUE(got.json.value("configured", false));
  EXPECT_EQ(got.json["retries"], 1);
  EXPECT_EQ(got.json["sinks"][0]["url"], hook.webhook_url());
  EXPECT_EQ(got.json["rules"][0]["kinds"], json::array({"login"}));
  EXPECT_EQ(got.json["file"]["text"], text);
  EXPECT_EQ(CountOf(api, "alerts_changed"), 1u);
  auto st = api.Get("/v1/alerts");
  EXPECT_TRUE(st.json.value("configured", false)) << st.Describe();

  // The test alert reaches the listener; so does a real login, by the rule.
  ASSERT_TRUE(Ok(api.Post("/v1/alerts/test")));
  EXPECT_TRUE(hook.Got("alert_test"));
  SessionOptions o;
  o.initiator = "iqn.2026-12.org.esan.test:alerts-config";
  std::string err;
  Context ctx = Login(esand.portal(), kTarget, 0, o, &err);
  ASSERT_TRUE(ctx) << err;
  EXPECT_TRUE(hook.Got("login"));
  EXPECT_FALSE(hook.HookOfKind("alerts_changed"));  // no rule routes it

  // A write that fails (the previous file cannot be kept as .bak) changes nothing.
  ASSERT_TRUE(std::filesystem::create_directories(file + ".bak/x"));
  r = api.Put("/v1/alerts/config", json{{"text", "retries 9\n"}});
  EXPECT_EQ(r.status, 500) << r.Describe();
  EXPECT_NE(Message(r).find(file), std::string::npos) << Message(r);
  EXPECT_NE(Message(r).find(".bak"), std::string::npos) << Message(r);
  EXPECT_EQ(ReadFile(file), text);
  EXPECT_EQ(api.Get("/v1/alerts/config").json, got.json);
  std::filesystem::remove_all(file + ".bak");

  // esanctl: alert set FILE (comments kept: the text is saved as given),
  // alert config prints it; a refusal prints esand's reason, exit 1.
  std::string mine = "# ours\nretries 3\nSINK hook {\n    type webhook\n    url " + hook.webhook_url() +
                     "\n}\nRULE all {\n    kinds *\n    sinks hook\n}\n";
  WriteFile(esand.Path("mine.conf"), mine);
  auto c = Ctl(esand, "alert set " + esand.Path("mine.conf"));
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("alert rules replaced"), std::string::npos) << c.output;
  EXPECT_EQ(ReadFile(file), mine);
  c = Ctl(esand, "alert config");
  EXPECT_EQ(c.exit_code, 0) << c.output;
  EXPECT_EQ(c.output, mine);
  WriteFile(esand.Path("bad.conf"), "retries 3\nSINK m {\n    type mail\n}\n");
  c = Ctl(esand, "alert set " + esand.Path("bad.conf"));
  EXPECT_NE(c.exit_code, 0);
  EXPECT_NE(c.output.find(file + ":2: mail SINK m needs 'to'"), std::string::npos) << c.output;
  EXPECT_EQ(ReadFile(file), mine);

  // A restart reads the saved rules from the default path.
  ASSERT_TRUE(esand.Stop());
  ASSERT_TRUE(esand.Start());
  got = api.Get("/v1/alerts/config");
  ASSERT_TRUE(Ok(got));
  EXPECT_TRUE(got.json.value("configured", false));
  EXPECT_EQ(got.json["retries"], 3);
  EXPECT_EQ(got.json["file"]["text"], mine);
  EXPECT_TRUE(hook.Got("start"));  // the startup report, by RULE all
}

// Two admins change the rules: the second one's change, made on the
// version both read, is refused (409) instead of silently undoing the
// first; without if_version a PUT replaces whatever is there.
TEST(AlertsConfig, AChangeMadeOnAnOlderVersionIsRefused) {
  EsandProcess esand("alerts-version");
  esand.WriteConfig(Handler("vdisk_nullio", NullioDevice("nul0", 16)) +
                    IscsiDriver(Target(kTarget, "        LUN 0 nul0\n")));
  ASSERT_TRUE(esand.Start());
  MgmtClient api(esand.mgmt_socket());
  const std::string file = esand.Path("alerts.conf");

  auto got = api.Get("/v1/alerts/config");
  ASSERT_TRUE(Ok(got));
  std::string v0 = got.json["file"].value("version", "");
  ASSERT_EQ(v0.size(), 8u) << got.Describe();

  // The first admin's change, made on v0: accepted, a new version.
  auto r = api.Put("/v1/alerts/config", json{{"text", "retries 2\n"}, {"if_version", v0}});
  ASSERT_TRUE(Ok(r)) << r.Describe();
  std::string v1 = r.json["file"].value("version", "");
  EXPECT_NE(v1, v0);
  EXPECT_EQ(api.Get("/v1/alerts/config").json["file"]["version"], v1);

  // The second admin's, also made on v0 (structured form): refused, nothing changes.
  got = api.Get("/v1/alerts/config");
  r = api.Put("/v1/alerts/config", json{{"retries", 7}, {"if_version", v0}});
  ASSERT_TRUE(Refused(r, 409, "conflict"));
  EXPECT_NE(Message(r).find("changed since version " + v0 + " was read (now " + v1 + ")"), std::string::npos)
      << Message(r);
  EXPECT_EQ(ReadFile(file), "retries 2\n");
  EXPECT_EQ(api.Get("/v1/alerts/config").json, got.json);
  EXPECT_EQ(CountOf(api, "alerts_changed"), 1u);

  // A version that is not a string is a bad request; no if_version: replaced.
  ASSERT_TRUE(Refused(api.Put("/v1/alerts/config", json{{"retries", 7}, {"if_version", 1}}), 400, "invalid_argument"));
  r = api.Put("/v1/alerts/config", json{{"retries", 7}});
  ASSERT_TRUE(Ok(r)) << r.Describe();
  EXPECT_EQ(r.json["retries"], 7);
  r = api.Put("/v1/alerts/config", json{{"text", "retries 3\n"}, {"if_version", r.json["file"]["version"]}});
  ASSERT_TRUE(Ok(r)) << r.Describe();
  EXPECT_EQ(ReadFile(file), "retries 3\n");
}

// esand --no-write-back writes no file of its own: the new rules run, the
// file keeps what it had, the event says so, and a restart reads the file.
TEST(AlertsConfig, NoWriteBackRunsTheRulesWithoutSavingThem) {
  EsandProcess esand("alerts-nowb");
  esand.WriteConfig(Handler("vdisk_nullio", NullioDevice("nul0", 16)) +
                    IscsiDriver(Target(kTarget, "        LUN 0 nul0\n")));
  const std::string file = esand.Path("alerts.conf");
  WriteFile(file, "retries 2\n");
  EsandProcess::Options opts;
  opts.extra_args = {"--no-write-back"};
  ASSERT_TRUE(esand.Start(opts));
  MgmtClient api(esand.mgmt_socket());
  ASSERT_EQ(api.Get("/v1/alerts/config").json["retries"], 2);

  auto r = api.Put("/v1/alerts/config", json{{"text", "retries 5\n"}});
  ASSERT_TRUE(Ok(r)) << r.Describe();
  auto got = api.Get("/v1/alerts/config");
  EXPECT_EQ(got.json["retries"], 5);
  EXPECT_EQ(got.json["file"]["text"], "retries 5\n");
  EXPECT_EQ(ReadFile(file), "retries 2\n");
  EXPECT_FALSE(std::filesystem::exists(file + ".bak"));
  bool said = false;
  for (const auto& e : api.Get("/v1/events").json.value("events", json::array()))
    if (e.value("kind", "") == "alerts_changed") {
      said = e.value("message", "").find("not saved (esand --no-write-back)") != std::string::npos;
      EXPECT_EQ(e["fields"].value("file", "?"), "") << e.dump();
    }
  EXPECT_TRUE(said);

  ASSERT_TRUE(esand.Stop());
  ASSERT_TRUE(esand.Start(opts));
  EXPECT_EQ(api.Get("/v1/alerts/config").json["retries"], 2);
}

}  // namespace
}  // namespace esan::it
