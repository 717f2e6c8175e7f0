#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "alerts/alert_config.h"
#include "alerts/alerter.h"
#include "alerts/alerts_json.h"
#include "alerts/sinks.h"
#include "alerts/throttle.h"

namespace esan::alerts {
namespace {

using events::Event;
using events::Kind;
using events::Severity;

Event ev(Kind k, Severity s, std::string msg) {
  Event e;
  e.kind = k;
  e.severity = s;
  e.message = std::move(msg);
  return e;
}

constexpr const char* kGood = R"(
rate_limit 5
dedup_s 60
retries 2
SINK ops {
    type mail
    to "ops@example.com, oncall@example.com"
    sendmail "/usr/bin/msmtp -C /tmp/x -t"
}
SINK hook {
    type webhook
    url http://127.0.0.1:8080/alerts
}
SINK log {
    type syslog
    facility local3
}
RULE problems {
    kinds login_failed,health_failed
    severity warning
    sinks ops,hook
}
RULE everything {
    kinds *
    sinks log
}
RULE errors {
    severity error
    sinks hook
}
)";

TEST(AlertConfig, ParsesEverything) {
  auto c = parse_alerts(kGood, "alerts.conf");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->rate_limit, 5u);
  EXPECT_EQ(c->dedup_s, 60u);
  EXPECT_EQ(c->retries, 2u);
  ASSERT_EQ(c->sinks.size(), 3u);
  EXPECT_EQ(c->sinks[0].type, SinkType::kMail);
  EXPECT_EQ(c->sinks[0].to, (std::vector<std::string>{"ops@example.com", "oncall@example.com"}));
  EXPECT_EQ(c->sinks[0].sendmail, (std::vector<std::string>{"/usr/bin/msmtp", "-C", "/tmp/x", "-t"}));
  EXPECT_EQ(c->sinks[1].url, "http://127.0.0.1:8080/alerts");
  EXPECT_EQ(c->sinks[2].facility, "local3");
  ASSERT_EQ(c->rules.size(), 3u);
  EXPECT_EQ(c->rules[0].kinds, (std::vector<Kind>{Kind::kLoginFailed, Kind::kHealthFailed}));
  EXPECT_EQ(c->rules[0].severity, Severity::kWarning);
  EXPECT_TRUE(c->rules[1].kinds.empty());
}

TEST(AlertConfig, Defaults) {
  auto c = parse_alerts("SINK m {\n type mail\n to a@b\n}\n", "f");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->rate_limit, 20u);
  EXPECT_EQ(c->dedup_s, 300u);
  EXPECT_EQ(c->sinks[0].sendmail, (std::vector<std::string>{"/usr/sbin/sendmail", "-t"}));
}

TEST(AlertConfig, Errors) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"bogus 1\n", "f:1: unknown keyword 'bogus'"},
      {"SINK a {\n to x@y\n}\n", "f:1: SINK a needs a type"},
      {"SINK a {\n type pager\n}\n", "f:2: unknown sink type 'pager'"},
      {"SINK a {\n type mail\n}\n", "f:1: mail SINK a needs 'to'"},
      {"SINK a {\n type mail\n to nobody\n}\n", "'nobody' is not a mail address"},
      {"SINK a {\n type webhook\n url https://x/\n}\n", "needs 'url http://HOST[:PORT][/PATH]'"},
      {"SINK a {\n type webhook\n url http://x/\n to a@b\n}\n", "f:4: a webhook sink takes no 'to'"},
      {"SINK a {\n type syslog\n facility kern\n}\n", "unknown syslog facility 'kern'"},
      {"SINK a {\n type syslog\n}\nSINK a {\n type syslog\n}\n", "f:4: SINK a given twice (line 1)"},
      {"RULE r {\n sinks nowhere\n}\n", "f:2: RULE r: no SINK named 'nowhere'"},
      {"SINK a {\n type syslog\n}\nRULE r {\n kinds login,lunch\n sinks a\n}\n", "f:5: unknown event kind 'lunch'"},
      {"SINK a {\n type syslog\n}\nRULE r {\n severity loud\n sinks a\n}\n", "f:5: unknown severity 'loud'"},
      {"SINK a {\n type syslog\n}\nRULE r {\n severity error\n}\n", "f:4: RULE r needs 'sinks'"},
      {"rate_limit many\n", "f:1: rate_limit"},
      {"retries 1000\n", "f:1: retries"},
  };
  for (const auto& c : cases) {
    auto r = parse_alerts(c.text, "f");
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
    EXPECT_NE(r.error().message.find(c.message), std::string::npos) << r.error().message << " / " << c.message;
  }
}

TEST(AlertConfig, Routes) {
  auto c = parse_alerts(kGood, "f");
  ASSERT_TRUE(c);
  using V = std::vector<std::string>;
  EXPECT_EQ(routes(*c, ev(Kind::kLoginFailed, Severity::kWarning, "x")), (V{"ops", "hook", "log"}));
  EXPECT_EQ(routes(*c, ev(Kind::kLoginFailed, Severity::kInfo, "x")), (V{"log"}));  // below warning
  EXPECT_EQ(routes(*c, ev(Kind::kLogin, Severity::kInfo, "x")), (V{"log"}));
  EXPECT_EQ(routes(*c, ev(Kind::kIoError, Severity::kError, "x")), (V{"hook", "log"}));  // once per sink
  EXPECT_EQ(routes(*c, ev(Kind::kAlertFailed, Severity::kError, "x")), V{});             // never routed
  EXPECT_EQ(routes(*c, ev(Kind::kAlertTest, Severity::kInfo, "x")), V{});
}

TEST(AlertConfig, PackagedExampleParses) {
  auto c = load_alerts_file(ESAN_EXAMPLE_ALERTS);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->sinks.size(), 2u);
  EXPECT_EQ(c->rules.size(), 2u);
  auto missing = load_alerts_file("/nonexistent/alerts.conf");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, Errc::kIo);
}

TEST(AlertConfig, FormatRoundTrips) {
  auto c = parse_alerts(kGood, "f");
  ASSERT_TRUE(c) << c.error().message;
  c->sinks[0].from = "Esan \"ops\" <esand@example.com>";  // blanks and quotes
  SinkConfig hash;
  hash.name = "hash";
  hash.type = SinkType::kWebhook;
  hash.url = "http://h:1/p#x{y}";
  c->sinks.push_back(hash);
  std::string text = format_alerts(*c);
  auto back = parse_alerts(text, "formatted");
  ASSERT_TRUE(back) << back.error().message << "\n" << text;
  EXPECT_TRUE(equivalent(*c, *back)) << text;
  EXPECT_NE(text.find("to \"ops@example.com oncall@example.com\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("sendmail \"/usr/bin/msmtp -C /tmp/x -t\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("kinds *\n"), std::string::npos) << text;
  EXPECT_EQ(back->sinks[0].from, "Esan \"ops\" <esand@example.com>");
  EXPECT_EQ(back->sinks[0].sendmail, (std::vector<std::string>{"/usr/bin/msmtp", "-C", "/tmp/x", "-t"}));
  EXPECT_EQ(back->sinks[3].url, "http://h:1/p#x{y}");
  EXPECT_EQ(format_alerts(*back), text);  // a fixed point

  // The packaged example and an empty config round-trip too.
  auto ex = load_alerts_file(ESAN_EXAMPLE_ALERTS);
  ASSERT_TRUE(ex);
  auto ex_back = parse_alerts(format_alerts(*ex), "f");
  ASSERT_TRUE(ex_back) << ex_back.error().message;
  EXPECT_TRUE(equivalent(*ex, *ex_back));
  auto empty = parse_alerts(format_alerts(AlertsConfig{}), "f");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(equivalent(AlertsConfig{}, *empty));
}

TEST(AlertConfig, FormatOfWhatTheSyntaxCannotCarry) {
  AlertsConfig c;
  SinkConfig m;
  m.name = "m";
  m.type = SinkType::kMail;
  m.to = {"a@x b@y"};
  c.sinks.push_back(m);
  auto back = parse_alerts(format_alerts(c), "f");
  ASSERT_TRUE(back);  // it parses, as two addresses: not the same config
  EXPECT_EQ(back->sinks[0].to, (std::vector<std::string>{"a@x", "b@y"}));
  EXPECT_FALSE(equivalent(c, *back));
  c.sinks[0].to = {"a@x"};
  c.sinks[0].from = "two\nlines";
  EXPECT_FALSE(parse_alerts(format_alerts(c), "f"));  // a quote cannot span lines
}

TEST(AlertsJson, BothWaysGiveTheSameConfig) {
  auto c = parse_alerts(kGood, "f");
  ASSERT_TRUE(c);
  auto j = to_json(*c);
  EXPECT_EQ(j["sinks"][0]["to"], (nlohmann::json{"ops@example.com", "oncall@example.com"}));
  EXPECT_EQ(j["sinks"][1]["url"], "http://127.0.0.1:8080/alerts");
  EXPECT_FALSE(j["sinks"][1].contains("to"));
  EXPECT_EQ(j["rules"][1]["kinds"], (nlohmann::json{"*"}));
  j["file"] = {{"path", "/x"}, {"text", "ignored"}};  // GET's read-only part
  auto text = text_from_json(j);
  ASSERT_TRUE(text) << text.error().message;
  auto back = parse_alerts(*text, "f");
  ASSERT_TRUE(back) << back.error().message << "\n" << *text;
  EXPECT_TRUE(equivalent(*c, *back));
}

TEST(AlertsJson, ErrorsComeFromTheParser) {
  auto parsed = [](const char* body) -> std::string {
    auto text = text_from_json(nlohmann::json::parse(body));
    if (!text) return "json: " + text.error().message;
    auto c = parse_alerts(*text, "f");
    return c ? "" : c.error().message;
  };
  EXPECT_NE(parsed(R"({"sinks":[{"name":"h","type":"webhook","url":"https://x"}]})")
                .find("webhook SINK h needs 'url http://HOST[:PORT][/PATH]'"),
            std::string::npos);
  EXPECT_NE(parsed(R"({"sinks":[{"name":"h","type":"webhook","url":"http://x/","to":["a@b"]}]})")
                .find("a webhook sink takes no 'to'"),
            std::string::npos);
  EXPECT_NE(parsed(R"({"rules":[{"name":"r","sinks":["nowhere"]}]})").find("no SINK named 'nowhere'"),
            std::string::npos);
  EXPECT_NE(parsed(R"({"rate_limit":"lots"})").find("rate_limit"), std::string::npos);
  EXPECT_NE(parsed(R"({"bogus":1})").find("unknown keyword 'bogus'"), std::string::npos);
  EXPECT_EQ(parsed(R"([1])"), "json: the alert configuration must be a JSON object");
  EXPECT_EQ(parsed(R"({"sinks":[{"type":"syslog"}]})"), "json: sinks[0] must be an object with a string \"name\"");
  EXPECT_EQ(parsed(R"({"sinks":[{"name":"m","type":"mail","to":["a@b c@d"]}]})"),
            "json: sinks[0].to[0] 'a@b c@d' must be one word (no blank or comma)");
  EXPECT_EQ(parsed(R"({"retries":-1})"), "json: retries must be a string, a non-negative integer or a list of strings");
  EXPECT_EQ(parsed(R"({"sinks":[{"name":"m","type":"mail","to":"a@b, c@d","sendmail":["/bin/x","-a,b"]}]})"), "");
}

TEST(SplitUrl, Forms) {
  std::string o, p;
  ASSERT_TRUE(split_url("http://127.0.0.1:9000/a/b?c", o, p));
  EXPECT_EQ(o, "http://127.0.0.1:9000");
  EXPECT_EQ(p, "/a/b?c");
  ASSERT_TRUE(split_url("http://host", o, p));
  EXPECT_EQ(p, "/");
  EXPECT_FALSE(split_url("http:///x", o, p));
  EXPECT_FALSE(split_url("ftp://host/", o, p));
}

TEST(Throttle, DeduplicatesWithinTheWindow) {
  Throttle t(0, 60'000);
  auto a = ev(Kind::kLoginFailed, Severity::kWarning, "iqn.a: CHAP failed");
  auto b = ev(Kind::kLoginFailed, Severity::kWarning, "iqn.b: CHAP failed");
  EXPECT_EQ(t.admit(a, 0).outcome, Throttle::Outcome::kSend);
  EXPECT_EQ(t.admit(a, 1'000).outcome, Throttle::Outcome::kDuplicate);
  auto vb = t.admit(b, 2'000);  // another message
  EXPECT_EQ(vb.outcome, Throttle::Outcome::kSend);
  EXPECT_EQ(vb.suppressed, 1u);  // the duplicate at 1 s
  auto other_kind = a;
  other_kind.kind = Kind::kLimitHit;
  EXPECT_EQ(t.admit(other_kind, 2'500).outcome, Throttle::Outcome::kSend);
  EXPECT_EQ(t.admit(a, 59'999).outcome, Throttle::Outcome::kDuplicate);
  auto v = t.admit(a, 60'000);  // the window has passed
  EXPECT_EQ(v.outcome, Throttle::Outcome::kSend);
  EXPECT_EQ(v.suppressed, 1u);  // the duplicate at 59.999 s, held back since the last send
  EXPECT_EQ(t.duplicates(), 2u);
  Throttle none(0, 0);
  EXPECT_EQ(none.admit(a, 0).outcome, Throttle::Outcome::kSend);
  EXPECT_EQ(none.admit(a, 0).outcome, Throttle::Outcome::kSend);
}

TEST(Throttle, RateLimitsPerMinute) {
  Throttle t(3, 0);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(t.admit(ev(Kind::kLogin, Severity::kInfo, std::to_string(i)), i * 1000).outcome,
              Throttle::Outcome::kSend);
  EXPECT_EQ(t.admit(ev(Kind::kLogin, Severity::kInfo, "x"), 10'000).outcome, Throttle::Outcome::kRateLimited);
  EXPECT_EQ(t.admit(ev(Kind::kLogin, Severity::kInfo, "y"), 59'999).outcome, Throttle::Outcome::kRateLimited);
  auto v = t.admit(ev(Kind::kLogin, Severity::kInfo, "z"), 60'000);  // the first send left the minute
  EXPECT_EQ(v.outcome, Throttle::Outcome::kSend);
  EXPECT_EQ(v.suppressed, 2u);
  EXPECT_EQ(t.admit(ev(Kind::kLogin, Severity::kInfo, "w"), 60'001).outcome, Throttle::Outcome::kRateLimited);
  EXPECT_EQ(t.rate_limited(), 3u);
}

TEST(Throttle, RetryBackoff) {
  EXPECT_EQ(retry_delay_ms(1), 1000);
  EXPECT_EQ(retry_delay_ms(2), 2000);
  EXPECT_EQ(retry_delay_ms(4), 8000);
  EXPECT_EQ(retry_delay_ms(7), 60000);
  EXPECT_EQ(retry_delay_ms(100), 60000);
}

TEST(Sinks, MailTextHasNoInjectedHeaders) {
  SinkConfig s;
  s.type = SinkType::kMail;
  s.to = {"ops@example.com"};
  auto e = ev(Kind::kLoginFailed, Severity::kWarning, "login of iqn.evil\r\nBcc: victim@x refused");
  e.seq = 7;
  e.time_ms = 1765000000123;
  e.fields = {{"initiator", "iqn.evil"}};
  std::string m = mail_text(s, "node1", e, 3);
  std::string headers = m.substr(0, m.find("\n\n"));
  EXPECT_EQ(headers.find("\nBcc:"), std::string::npos) << headers;
  EXPECT_NE(headers.find("To: ops@example.com\n"), std::string::npos);
  EXPECT_NE(headers.find("From: esand@node1\n"), std::string::npos);
  EXPECT_NE(headers.find("Subject: [esan node1] warning login_failed: login of iqn.evil  Bcc"), std::string::npos);
  EXPECT_NE(m.find("event: 7\n"), std::string::npos);
  EXPECT_NE(m.find("initiator: iqn.evil\n"), std::string::npos);
  EXPECT_NE(m.find("3 earlier alert(s)"), std::string::npos);
}

TEST(Sinks, EventJson) {
  auto e = ev(Kind::kConfigChanged, Severity::kInfo, "changed");
  e.seq = 12;
  e.time_ms = 1765000000123;
  e.fields = {{"author", "root"}};
  auto j = event_json(e);
  EXPECT_EQ(j["seq"], 12);
  EXPECT_EQ(j["kind"], "config_changed");
  EXPECT_EQ(j["severity"], "info");
  EXPECT_EQ(j["time"], "2025-12-06T05:46:40.123Z");
  EXPECT_EQ(j["fields"]["author"], "root");
}

TEST(Sinks, MailCommandFailureIsReported) {
  SinkConfig s;
  s.type = SinkType::kMail;
  s.to = {"a@b"};
  s.sendmail = {"/bin/sh", "-c", "cat >/dev/null; echo refused >&2; exit 3"};
  auto sink = make_sink(s, "h");
  std::string err = sink->deliver(ev(Kind::kStart, Severity::kInfo, "x"), 0);
  EXPECT_NE(err.find("exit status 3"), std::string::npos) << err;
  EXPECT_NE(err.find("refused"), std::string::npos) << err;
  s.sendmail = {"/bin/sh", "-c", "cat >/dev/null"};
  EXPECT_EQ(make_sink(s, "h")->deliver(ev(Kind::kStart, Severity::kInfo, "x"), 0), "");
  s.sendmail = {"/nonexistent/sendmail", "-t"};
  EXPECT_NE(make_sink(s, "h")->deliver(ev(Kind::kStart, Severity::kInfo, "x"), 0).find("cannot run"),
            std::string::npos);
}

// A mail sink whose "sendmail" appends the message to a file, or fails.
SinkConfig file_sink(const std::string& name, const std::string& file, bool fail = false) {
  SinkConfig s;
  s.name = name;
  s.type = SinkType::kMail;
  s.to = {"ops@example.com"};
  s.sendmail = {"/bin/sh", "-c", fail ? "cat >/dev/null; exit 1" : "cat >>" + file};
  return s;
}

RuleConfig rule(const std::string& name, std::vector<Kind> kinds, std::vector<std::string> sinks) {
  RuleConfig r;
  r.name = name;
  r.kinds = std::move(kinds);
  r.sinks = std::move(sinks);
  return r;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class Reconfigure : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/alerts_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }
  std::string file(const std::string& n) const { return dir_ + "/" + n; }
  // Waits (up to 20 s) for `pred` over the status.
  template <class P>
  bool wait_for(Alerter& a, P pred) {
    for (int i = 0; i < 400; ++i) {
      if (pred(a.status())) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  static const SinkStatus* sink(const AlertsStatus& st, const std::string& n) {
    for (const auto& s : st.sinks)
      if (s.name == n) return &s;
    return nullptr;
  }
  std::string dir_;
};

TEST_F(Reconfigure, KeepsUnchangedSinksDropsRemovedOnesAndRoutesByTheNewRules) {
  AlertsConfig c;
  c.dedup_s = 0;
  c.retries = 100;  // the failing sink keeps its alert queued
  c.sinks = {file_sink("keep", file("keep")), file_sink("gone", "", true)};
  c.rules = {rule("all", {}, {"keep", "gone"})};
  auto log = std::make_shared<events::EventLog>();
  Alerter a(c, log, "h");
  a.start();
  log->post(Kind::kLogin, Severity::kInfo, "first");
  ASSERT_TRUE(wait_for(a, [](const AlertsStatus& st) {
    auto k = sink(st, "keep");
    auto g = sink(st, "gone");
    return k && k->delivered == 1 && g && g->failures >= 1 && g->queued == 1;
  }));

  AlertsConfig n = c;
  n.sinks = {file_sink("keep", file("keep")), file_sink("fresh", file("fresh"))};
  n.rules = {rule("logins", {Kind::kLogin}, {"fresh"})};
  a.reconfigure(n);
  auto st = a.status();  // at once, before any new event
  ASSERT_EQ(st.sinks.size(), 2u);
  EXPECT_EQ(st.sinks[0].name, "keep");
  EXPECT_EQ(st.sinks[0].delivered, 1u);  // kept with its counters
  EXPECT_EQ(st.sinks[1].name, "fresh");
  EXPECT_EQ(st.sinks[1].delivered, 0u);
  EXPECT_EQ(st.dropped_on_reconfigure, 1u);  // gone's queued alert
  EXPECT_EQ(st.rules, 1u);
  EXPECT_EQ(a.test().size(), 2u);  // test() sees the new sinks

  log->post(Kind::kLogin, Severity::kInfo, "second");
  ASSERT_TRUE(wait_for(a, [](const AlertsStatus& s) { return sink(s, "fresh") && sink(s, "fresh")->delivered == 2; }));
  a.stop();
  EXPECT_NE(slurp(file("fresh")).find("second"), std::string::npos);
  std::string kept = slurp(file("keep"));
  EXPECT_NE(kept.find("first"), std::string::npos);
  EXPECT_EQ(kept.find("second"), std::string::npos);  // the new rule routes logins to fresh only
  EXPECT_EQ(a.status().sinks[0].delivered, 2u);       // first, and the test alert
}

TEST_F(Reconfigure, EventsPostedBeforeTheSwapFollowTheOldRules) {
  AlertsConfig c;
  c.dedup_s = 0;
  c.sinks = {file_sink("a", file("a")), file_sink("b", file("b"))};
  c.rules = {rule("r", {Kind::kLogin}, {"a"})};
  auto log = std::make_shared<events::EventLog>();
  Alerter al(c, log, "h");  // not started: nothing is routed yet
  log->post(Kind::kLogin, Severity::kInfo, "before-one");
  AlertsConfig mid = c;
  mid.rules = {rule("r", {Kind::kLogin}, {"b"})};
  al.reconfigure(mid);
  log->post(Kind::kLogin, Severity::kInfo, "between");
  AlertsConfig last = c;
  last.sinks = {file_sink("a", file("a")), file_sink("b", file("b")), file_sink("c", file("c"))};
  last.rules = {rule("r", {Kind::kLogin}, {"a", "c"})};
  al.reconfigure(last);
  log->post(Kind::kLogin, Severity::kInfo, "after");
  al.start();
  al.stop();  // routes everything in the log and delivers it
  std::string a = slurp(file("a")), b = slurp(file("b")), cc = slurp(file("c"));
  EXPECT_NE(a.find("before-one"), std::string::npos);
  EXPECT_EQ(a.find("between"), std::string::npos);
  EXPECT_NE(a.find("after"), std::string::npos);
  EXPECT_EQ(b.find("before-one"), std::string::npos);
  EXPECT_NE(b.find("between"), std::string::npos);
  EXPECT_EQ(b.find("after"), std::string::npos);
  EXPECT_NE(cc.find("after"), std::string::npos);
  EXPECT_EQ(cc.find("between"), std::string::npos);
}

TEST_F(Reconfigure, RacesWithDeliveryAndStatus) {
  // Reconfigure over and over while events flow and status()/test() read:
  // nothing crashes (ASan/TSan builds check the rest) and the final config holds.
  AlertsConfig c;
  c.dedup_s = 0;
  c.rate_limit = 0;
  c.sinks = {file_sink("a", file("a"))};
  c.rules = {rule("r", {}, {"a"})};
  auto log = std::make_shared<events::EventLog>();
  Alerter al(c, log, "h");
  al.start();
  std::atomic<bool> done{false};
  std::thread poster([&] {
    for (int i = 0; !done; ++i) {
      log->post(Kind::kLogin, Severity::kInfo, "e" + std::to_string(i));
      (void)al.status();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  for (int i = 0; i <= 50; ++i) {  // ends with i even: sink a alone
    AlertsConfig n = c;
    if (i % 2) n.sinks.push_back(file_sink("b" + std::to_string(i), file("b")));
    if (i % 2) n.rules[0].sinks.push_back(n.sinks.back().name);
    al.reconfigure(n);
    if (i % 10 == 0) (void)al.test();
  }
  done = true;
  poster.join();
  al.stop();
  auto st = al.status();
  ASSERT_EQ(st.sinks.size(), 1u);
  EXPECT_EQ(st.sinks[0].name, "a");
  EXPECT_GT(st.sinks[0].delivered, 0u);
}

}  // namespace
}  // namespace esan::alerts
