#include <gtest/gtest.h>

#include "alerts/alert_config.h"
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

}  // namespace
}  // namespace esan::alerts
