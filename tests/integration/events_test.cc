// Events and alerts end to end (issue 17, label chores): logins, logouts, a
// CHAP failure (no secret anywhere in the output) and a configuration
// change appear in GET /v1/events and `esanctl events`; --since, the long
// poll and --follow; alerts reach a local webhook and, through msmtp's
// sendmail interface, a local SMTP server (alert_sinks.py, python3-aiosmtpd);
// a failing webhook is retried, reported and never holds up logins; the
// startup report says whether the previous run stopped cleanly.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <thread>

#include "tests/integration/alert_sinks.h"
#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/mgmt_util.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kOpen = "iqn.2026-12.org.esan:open";
const std::string kChap = "iqn.2026-12.org.esan:chap";
constexpr char kSecret[] = "right-secret-4711";
constexpr char kWrongSecret[] = "wrong-secret-0815";
const std::string kInitiator = "iqn.2026-12.org.esan.test:events";

std::string Config() {
  return Handler("vdisk_nullio", NullioDevice("nul0", 16) + NullioDevice("nul1", 16)) +
         IscsiDriver(Target(kOpen, "        LUN 0 nul0\n") +
                     Target(kChap, std::string("        IncomingUser joe ") + kSecret + "\n        LUN 0 nul1\n"));
}

CommandOutput Ctl(EsandProcess& esand, const std::string& args) {
  return RunCommand(std::string(ESANCTL_PATH) + " --socket " + esand.mgmt_socket() + " " + args);
}

json Events(const MgmtClient& api, uint64_t since = 0) {
  auto r = api.Get("/v1/events?since=" + std::to_string(since));
  EXPECT_TRUE(Ok(r));
  return r.json.is_object() ? r.json.value("events", json::array()) : json::array();
}

std::vector<json> OfKind(const json& evs, const std::string& kind) {
  std::vector<json> out;
  for (const auto& e : evs)
    if (e.value("kind", "") == kind) out.push_back(e);
  return out;
}

// Waits up to `timeout` until pred() holds.
template <class P>
bool WaitFor(P pred, std::chrono::milliseconds timeout = 10s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(50ms);
  }
  return true;
}

::testing::AssertionResult LoginFails(EsandProcess& esand, const std::string& target, const std::string& secret) {
  SessionOptions o;
  o.initiator = kInitiator;
  o.chap_user = "joe";
  o.chap_secret = secret;
  std::string err;
  auto ctx = Login(esand.portal(), target, 0, o, &err);
  if (ctx) return ::testing::AssertionFailure() << "login to " << target << " succeeded";
  return ::testing::AssertionSuccess();
}

TEST(EventsThroughEsand, LoginsChapFailureAndConfigChangeWithoutSecrets) {
  EsandProcess esand("events");
  esand.WriteConfig(Config());
  ASSERT_TRUE(esand.Start());
  MgmtClient api(esand.mgmt_socket());

  json evs = Events(api);
  ASSERT_GE(evs.size(), 1u);
  EXPECT_EQ(evs[0]["seq"], 1);
  EXPECT_EQ(evs[0]["kind"], "start");
  EXPECT_FALSE(evs[0].value("time", "").empty());

  {  // a login to the open target, then its logout
    SessionOptions o;
    o.initiator = kInitiator;
    std::string err;
    auto ctx = Login(esand.portal(), kOpen, 0, o, &err);
    ASSERT_TRUE(ctx) << err;
    iscsi_logout_sync(ctx.get());
  }
  ASSERT_TRUE(LoginFails(esand, kChap, kWrongSecret));
  {
    SessionOptions o;
    o.initiator = kInitiator;
    o.chap_user = "joe";
    o.chap_secret = kSecret;
    std::string err;
    auto ctx = Login(esand.portal(), kChap, 0, o, &err);
    ASSERT_TRUE(ctx) << err;
  }
  auto add = Ctl(esand, "device add nul2 --handler vdisk_nullio size_mb=8");
  ASSERT_EQ(add.exit_code, 0) << add.output;

  ASSERT_TRUE(WaitFor([&] { return OfKind(Events(api), "logout").size() >= 2; })) << Events(api).dump(1);
  evs = Events(api);
  auto logins = OfKind(evs, "login");
  ASSERT_EQ(logins.size(), 2u) << evs.dump(1);
  EXPECT_EQ(logins[0]["fields"]["initiator"], kInitiator);
  EXPECT_EQ(logins[0]["fields"]["target"], kOpen);
  EXPECT_EQ(logins[1]["fields"]["chap_user"], "joe");
  auto logouts = OfKind(evs, "logout");
  EXPECT_EQ(logouts[0]["fields"]["initiator"], kInitiator);
  EXPECT_EQ(logouts[0]["fields"]["reason"], "logout");
  auto failed = OfKind(evs, "login_failed");
  ASSERT_EQ(failed.size(), 1u) << evs.dump(1);
  EXPECT_EQ(failed[0]["severity"], "warning");
  EXPECT_EQ(failed[0]["fields"]["initiator"], kInitiator);
  EXPECT_EQ(failed[0]["fields"]["target"], kChap);
  EXPECT_EQ(failed[0]["fields"]["status"], "02/01");
  EXPECT_EQ(failed[0]["fields"]["auth"], "CHAP");
  auto changes = OfKind(evs, "config_changed");
  ASSERT_EQ(changes.size(), 1u) << evs.dump(1);
  EXPECT_NE(changes[0].value("message", "").find("nul2"), std::string::npos) << changes[0].dump();
  EXPECT_FALSE(changes[0]["fields"].value("author", "").empty());
  EXPECT_EQ(changes[0]["fields"]["revision"].get<std::string>().size(), 40u);
  for (size_t i = 1; i < evs.size(); ++i) EXPECT_EQ(evs[i]["seq"], evs[i - 1]["seq"].get<uint64_t>() + 1);

  // No secret anywhere: the API, esanctl's table and JSON, esand's log.
  auto table = Ctl(esand, "events");
  ASSERT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("login_failed"), std::string::npos) << table.output;
  auto as_json = Ctl(esand, "--json events");
  for (const std::string& text : {api.Get("/v1/events").body, table.output, as_json.output, esand.Output()}) {
    EXPECT_EQ(text.find(kSecret), std::string::npos);
    EXPECT_EQ(text.find(kWrongSecret), std::string::npos);
  }

  // --since: only the events from that seq on.
  uint64_t from = changes[0]["seq"];
  auto since = Ctl(esand, "events --since " + std::to_string(from));
  ASSERT_EQ(since.exit_code, 0) << since.output;
  EXPECT_EQ(since.output.find("login_failed"), std::string::npos) << since.output;
  EXPECT_EQ(since.output.rfind(std::to_string(from) + "  ", 0), 0u) << since.output;
  EXPECT_NE(since.output.find("config_changed"), std::string::npos) << since.output;
  EXPECT_EQ(Ctl(esand, "events --since soon").exit_code, 2);
  EXPECT_TRUE(Refused(api.Get("/v1/events?wait=600"), 400, "invalid_argument"));
}

TEST(EventsThroughEsand, LongPollAndFollow) {
  EsandProcess esand("events-follow");
  esand.WriteConfig(Config());
  ASSERT_TRUE(esand.Start());
  MgmtClient api(esand.mgmt_socket());
  auto first = api.Get("/v1/events");
  ASSERT_TRUE(Ok(first));
  uint64_t next = first.json["next"];

  // A long poll returns as soon as an event is posted, not at its end.
  auto t0 = std::chrono::steady_clock::now();
  auto poll =
      std::async(std::launch::async, [&] { return api.Get("/v1/events?wait=20&since=" + std::to_string(next)); });
  auto follow = std::async(std::launch::async, [&] {
    return RunCommand("timeout 4 " + std::string(ESANCTL_PATH) + " --socket " + esand.mgmt_socket() +
                      " events --follow --since " + std::to_string(next));
  });
  std::this_thread::sleep_for(700ms);
  ASSERT_EQ(Ctl(esand, "device add nul9 --handler vdisk_nullio size_mb=8").exit_code, 0);
  auto r = poll.get();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 10s);
  ASSERT_TRUE(Ok(r));
  ASSERT_EQ(r.json["events"].size(), 1u) << r.body;
  EXPECT_EQ(r.json["events"][0]["kind"], "config_changed");
  EXPECT_EQ(r.json["next"], next + 1);
  auto f = follow.get();
  EXPECT_EQ(f.exit_code, 124) << f.output;  // still following when timeout ended it
  EXPECT_NE(f.output.find("config_changed"), std::string::npos) << f.output;
  EXPECT_NE(f.output.find("nul9"), std::string::npos) << f.output;
}

TEST(AlertsThroughEsand, WebhookAndMailThroughMsmtp) {
  EsandProcess esand("alerts");
  AlertSinks sinks(esand.dir());
  esand.WriteConfig(Config());
  WriteFile(esand.Path("alerts.conf"),
            "SINK hook {\n    type webhook\n    url " + sinks.webhook_url() +
                "\n}\n"
                "SINK ops {\n    type mail\n    to ops@example.com\n    sendmail \"/usr/bin/msmtp -C " +
                sinks.msmtprc() +
                " -t\"\n}\n"
                "RULE problems {\n    kinds start,login_failed,config_changed\n    sinks hook,ops\n}\n");
  EsandProcess::Options opts;
  opts.extra_args = {"--alerts", esand.Path("alerts.conf")};
  ASSERT_TRUE(esand.Start(opts));

  // The startup report reaches both sinks.
  ASSERT_TRUE(sinks.Got("start")) << ReadFile(esand.Path("webhook.log"));
  ASSERT_TRUE(WaitFor([&] { return sinks.MailWith("Subject: [esan "); }))
      << ReadFile(esand.Path("msmtp.log")) << esand.Output();
  EXPECT_TRUE(sinks.MailWith("X-Envelope-To: ops@example.com"));
  EXPECT_TRUE(sinks.MailWith("unclean_shutdown: no"));

  // Three failed logins of one initiator: one alert (de-duplicated), no secret.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(LoginFails(esand, kChap, kWrongSecret));
  ASSERT_TRUE(WaitFor([&] { return sinks.HookOfKind("login_failed") && sinks.MailWith("login_failed"); }));
  ASSERT_TRUE(Ok(MgmtClient(esand.mgmt_socket()).Get("/v1/alerts")));
  std::this_thread::sleep_for(500ms);
  int hooks = 0;
  for (const auto& h : sinks.Hooks())
    if (h.value("kind", "") == "login_failed") {
      ++hooks;
      EXPECT_EQ(h["fields"]["initiator"], kInitiator);
      EXPECT_FALSE(h.value("host", "").empty());
    }
  EXPECT_EQ(hooks, 1);
  auto status = MgmtClient(esand.mgmt_socket()).Get("/v1/alerts");
  EXPECT_EQ(status.json["sinks"][0]["duplicates"], 2) << status.body;
  // Logins and logouts are not routed by this rule.
  EXPECT_FALSE(sinks.HookOfKind("login"));

  // A change: routed.
  ASSERT_EQ(Ctl(esand, "device add nul3 --handler vdisk_nullio size_mb=8").exit_code, 0);
  ASSERT_TRUE(WaitFor([&] { return sinks.HookOfKind("config_changed") && sinks.MailWith("config_changed"); }));

  // esanctl alert test: through every sink, rules aside.
  auto t = Ctl(esand, "alert test");
  EXPECT_EQ(t.exit_code, 0) << t.output;
  EXPECT_NE(t.output.find("hook: ok"), std::string::npos) << t.output;
  EXPECT_NE(t.output.find("ops: ok"), std::string::npos) << t.output;
  EXPECT_TRUE(sinks.HookOfKind("alert_test"));
  EXPECT_TRUE(sinks.MailWith("alert_test"));
  auto st = Ctl(esand, "alert status");
  EXPECT_EQ(st.exit_code, 0) << st.output;
  EXPECT_NE(st.output.find("hook"), std::string::npos) << st.output;

  std::string all = ReadFile(esand.Path("webhook.log"));
  for (const auto& m : sinks.Mails()) all += m;
  EXPECT_EQ(all.find(kWrongSecret), std::string::npos);
  EXPECT_EQ(all.find(kSecret), std::string::npos);
}

TEST(AlertsThroughEsand, FailingWebhookIsRetriedAndReported) {
  EsandProcess esand("alerts-fail");
  esand.WriteConfig(Config());
  int dead_port = FreeLoopbackPort();  // nothing listens there
  WriteFile(esand.Path("alerts.conf"),
            "retries 2\nSINK hook {\n    type webhook\n    url http://127.0.0.1:" + std::to_string(dead_port) +
                "/x\n}\nRULE all {\n    kinds *\n    sinks hook\n}\n");
  EsandProcess::Options opts;
  opts.extra_args = {"--alerts", esand.Path("alerts.conf")};
  ASSERT_TRUE(esand.Start(opts));
  MgmtClient api(esand.mgmt_socket());

  // Logins go on while the sink fails.
  for (int i = 0; i < 3; ++i) {
    SessionOptions o;
    o.initiator = kInitiator;
    std::string err;
    auto t0 = std::chrono::steady_clock::now();
    auto ctx = Login(esand.portal(), kOpen, 0, o, &err);
    ASSERT_TRUE(ctx) << err;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  }
  // The start event's delivery: attempt 1 and 2 retried (1 s, 2 s), 3 gives up.
  ASSERT_TRUE(WaitFor(
      [&] {
        for (const auto& e : OfKind(Events(api), "alert_failed"))
          if (e.value("message", "").find("giving up") != std::string::npos && e["fields"]["event"] == "1") return true;
        return false;
      },
      20s))
      << Events(api).dump(1);
  auto fails = OfKind(Events(api), "alert_failed");
  std::vector<json> of_start;
  for (const auto& e : fails)
    if (e["fields"]["event"] == "1") of_start.push_back(e);
  ASSERT_EQ(of_start.size(), 3u) << json(fails).dump(1);
  EXPECT_EQ(of_start[0]["fields"]["attempt"], "1");
  EXPECT_EQ(of_start[0]["fields"]["retry_in_ms"], "1000");
  EXPECT_EQ(of_start[0]["severity"], "warning");
  EXPECT_EQ(of_start[1]["fields"]["retry_in_ms"], "2000");
  EXPECT_EQ(of_start[2]["severity"], "error");
  EXPECT_EQ(of_start[2]["fields"]["sink"], "hook");
  auto st = api.Get("/v1/alerts");
  ASSERT_TRUE(Ok(st));
  EXPECT_GE(st.json["sinks"][0]["failures"].get<int>(), 3) << st.body;
  EXPECT_GE(st.json["sinks"][0]["dropped"].get<int>(), 1) << st.body;
  EXPECT_FALSE(st.json["sinks"][0]["last_error"].is_null()) << st.body;

  // esanctl alert test fails and says which sink.
  auto t = Ctl(esand, "alert test");
  EXPECT_EQ(t.exit_code, 1) << t.output;
  EXPECT_NE(t.output.find("hook"), std::string::npos) << t.output;

  // A failing sink does not hold up the stop: the stop event gets one last try.
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(esand.Stop(20s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 15s);
}

// POST /v1/events / esanctl event raise: the appliance's tools report
// through esand (issue 18: a config sync failure is an alert). Only the
// raisable kinds, every field checked, nothing logged on a refusal.
TEST(EventsThroughEsand, RaisedFromOutsideAreLoggedAndRouted) {
  EsandProcess esand("events-raise");
  AlertSinks sinks(esand.dir());
  esand.WriteConfig(Config());
  WriteFile(esand.Path("alerts.conf"),
            "SINK hook {\n    type webhook\n    url " + sinks.webhook_url() +
                "\n}\nRULE appliance {\n    kinds config_sync_failed,crash_dump\n    severity warning\n"
                "    sinks hook\n}\n");
  EsandProcess::Options opts;
  opts.extra_args = {"--alerts", esand.Path("alerts.conf")};
  ASSERT_TRUE(esand.Start(opts));
  MgmtClient api(esand.mgmt_socket());
  uint64_t before = api.Get("/v1/events").json["next"];

  const std::pair<json, std::string> refused[] = {
      {json{{"severity", "error"}, {"message", "m"}}, "kind"},
      {json{{"kind", "login"}, {"severity", "error"}, {"message", "m"}}, "kind 'login' cannot be raised"},
      {json{{"kind", "nonsense"}, {"severity", "error"}, {"message", "m"}}, "config_sync_failed, config_sync_recovered"},
      {json{{"kind", "crash_dump"}, {"severity", "fatal"}, {"message", "m"}}, "severity 'fatal'"},
      {json{{"kind", "crash_dump"}, {"message", "m"}}, "severity"},
      {json{{"kind", "crash_dump"}, {"severity", "error"}, {"message", ""}}, "message is empty"},
      {json{{"kind", "crash_dump"}, {"severity", "error"}, {"message", "a\nSubject: spoof"}}, "one line"},
      {json{{"kind", "crash_dump"}, {"severity", "error"}, {"message", std::string(2000, 'x')}}, "longer than 1024"},
      {json{{"kind", "crash_dump"}, {"severity", "error"}, {"message", "m"}, {"fields", "x"}}, "fields must be"},
      {json{{"kind", "crash_dump"}, {"severity", "error"}, {"message", "m"}, {"fields", {{"Bad-Name", "1"}}}},
       "field name 'Bad-Name'"},
      {json{{"kind", "crash_dump"}, {"severity", "error"}, {"message", "m"}, {"fields", {{"raised_by", "me"}}}},
       "raised_by"},
      {json{{"kind", "crash_dump"}, {"severity", "error"}, {"message", "m"}, {"fields", {{"size", 4096}}}},
       "field 'size' must be a string"},
      {json{{"kind", "crash_dump"}, {"severity", "error"}, {"message", "m"}, {"fields", {{"path", "a\rb"}}}},
       "field 'path' must be one line"},
      {json{{"kind", "crash_dump"}, {"severity", "error"}, {"message", "m"}, {"seq", "7"}}, "unknown field 'seq'"},
  };
  for (const auto& [body, words] : refused) {
    auto r = api.Post("/v1/events", body);
    EXPECT_TRUE(Refused(r, 400, "invalid_argument")) << body.dump();
    EXPECT_NE(r.body.find(words), std::string::npos) << body.dump() << " -> " << r.body;
  }
  EXPECT_TRUE(Events(api, before).empty()) << Events(api, before).dump(1);

  // Raised through the API: logged with its fields and who raised it, routed.
  auto r = api.Post("/v1/events", json{{"kind", "config_sync_failed"},
                                       {"severity", "error"},
                                       {"message", "configuration not saved: esan-config is not mounted"},
                                       {"fields", {{"partition", "/dev/disk/by-partlabel/esan-config"}}}});
  ASSERT_TRUE(Ok(r)) << r.body;
  uint64_t seq = r.json["seq"];
  auto evs = OfKind(Events(api, before), "config_sync_failed");
  ASSERT_EQ(evs.size(), 1u);
  EXPECT_EQ(evs[0]["seq"], seq);
  EXPECT_EQ(evs[0]["severity"], "error");
  EXPECT_EQ(evs[0]["message"], "configuration not saved: esan-config is not mounted");
  EXPECT_EQ(evs[0]["fields"]["partition"], "/dev/disk/by-partlabel/esan-config");
  EXPECT_FALSE(evs[0]["fields"].value("raised_by", "").empty()) << evs[0].dump();
  ASSERT_TRUE(sinks.Got("config_sync_failed")) << ReadFile(esand.Path("webhook.log"));

  // esanctl: the message may hold '=', fields follow it; refusals exit 1
  // with esand's message, usage errors 2.
  auto ok = Ctl(esand, "event raise 'dump found: vmcore size=12' --kind crash_dump --severity critical "
                       "path=/var/log/crash/202612061500");
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("event crash_dump raised"), std::string::npos) << ok.output;
  auto dumps = OfKind(Events(api, before), "crash_dump");
  ASSERT_EQ(dumps.size(), 1u);
  EXPECT_EQ(dumps[0]["message"], "dump found: vmcore size=12");
  EXPECT_EQ(dumps[0]["fields"]["path"], "/var/log/crash/202612061500");
  ASSERT_TRUE(sinks.Got("crash_dump"));
  auto bad = Ctl(esand, "event raise x --kind stop --severity info");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("kind 'stop' cannot be raised"), std::string::npos) << bad.output;
  EXPECT_EQ(Ctl(esand, "event raise x --kind crash_dump").exit_code, 2);

  // A recovery at info: logged, not routed by a rule from warning up.
  ASSERT_EQ(Ctl(esand, "event raise 'configuration saved again' --kind config_sync_recovered --severity info")
                .exit_code,
            0);
  EXPECT_EQ(OfKind(Events(api, before), "config_sync_recovered").size(), 1u);
  EXPECT_EQ(Events(api, before).size(), 3u) << Events(api, before).dump(1);
  ASSERT_TRUE(esand.Stop());  // the alerter routes what is left before it exits
  EXPECT_FALSE(sinks.HookOfKind("config_sync_recovered"));
}

TEST(EventsThroughEsand, StartupReportTellsAnUncleanStop) {
  EsandProcess esand("events-start");
  esand.WriteConfig(Config());
  ASSERT_TRUE(esand.Start());
  auto start = [&] {
    auto evs = Events(MgmtClient(esand.mgmt_socket()));
    return evs.empty() ? json() : evs[0];
  };
  json s = start();
  ASSERT_EQ(s.value("kind", ""), "start") << s.dump();
  EXPECT_EQ(s["severity"], "info");
  EXPECT_EQ(s["fields"]["unclean_shutdown"], "no");
  EXPECT_EQ(s["fields"]["version"], "0.1.0");
  EXPECT_NE(s["fields"]["targets"].get<std::string>().find(kChap), std::string::npos);
  EXPECT_EQ(s["fields"]["devices"], "nul0, nul1");
  EXPECT_TRUE(std::filesystem::exists(esand.state_dir() + "/esand.running"));

  esand.Signal(SIGKILL);
  ASSERT_TRUE(esand.WaitExit(10s).exited);
  ASSERT_TRUE(esand.Start());
  s = start();
  EXPECT_EQ(s["severity"], "warning") << s.dump();
  EXPECT_EQ(s["fields"]["unclean_shutdown"], "yes");
  EXPECT_NE(s.value("message", "").find("did not stop cleanly"), std::string::npos) << s.dump();
  EXPECT_NE(s["fields"].value("previous_run", "").find("pid "), std::string::npos) << s.dump();

  ASSERT_TRUE(esand.Stop());
  EXPECT_FALSE(std::filesystem::exists(esand.state_dir() + "/esand.running"));
  ASSERT_TRUE(esand.Start());
  s = start();
  EXPECT_EQ(s["fields"]["unclean_shutdown"], "no") << s.dump();
  EXPECT_EQ(s["seq"], 1);
}

}  // namespace
}  // namespace esan::it
