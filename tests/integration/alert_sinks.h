// The alert sinks the integration tests deliver to: alert_sinks.py (python3,
// python3-aiosmtpd; its path is the ALERT_SINKS_PATH compile definition) in
// a process of its own, serving
//   - a webhook on 127.0.0.1:http_port(): each POST body is one line of
//     DIR/webhook.log, answered with `http_status` (200 unless told, so a
//     test can make the sink fail);
//   - an SMTP server on another free loopback port: each message is
//     DIR/mail.N, headed by "X-Envelope-To: <recipients>";
// and DIR/msmtprc, an msmtp configuration (no TLS, no authentication) that
// sends to that SMTP server. The process is killed when the object goes.
// A failure to start fails the test (ADD_FAILURE) and leaves ready() false.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace esan::it {

class AlertSinks {
 public:
  explicit AlertSinks(std::string dir, int http_status = 200);
  ~AlertSinks();
  AlertSinks(const AlertSinks&) = delete;
  AlertSinks& operator=(const AlertSinks&) = delete;

  bool ready() const { return ready_; }
  int http_port() const { return http_port_; }
  // The webhook's URL: http://127.0.0.1:PORT plus path.
  std::string webhook_url(const std::string& path = "/alerts") const;
  // The msmtp configuration file, for a mail sink's `sendmail "msmtp -C F -t"`.
  std::string msmtprc() const { return dir_ + "/msmtprc"; }

  // What has arrived so far: the webhook's bodies (one JSON value each; a
  // body that is not JSON is a discarded value) and the mails' texts.
  std::vector<nlohmann::json> Hooks() const;
  std::vector<std::string> Mails() const;
  // Whether a webhook body of `kind` (and, when text is given, holding it
  // in its message) has arrived by now.
  bool HookOfKind(const std::string& kind, const std::string& text = "") const;
  // The same, waiting up to `wait` for it to arrive.
  bool Got(const std::string& kind, const std::string& text = "",
           std::chrono::milliseconds wait = std::chrono::seconds(20)) const;
  // Whether a mail holding `words` has arrived by now.
  bool MailWith(const std::string& words) const;

 private:
  std::string dir_;
  int http_port_ = 0;
  int smtp_port_ = 0;
  pid_t pid_ = -1;
  bool ready_ = false;
};

}  // namespace esan::it
