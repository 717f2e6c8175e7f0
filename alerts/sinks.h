// Alert sinks: where an alert goes. Each deliver() blocks (it runs on the
// Alerter's thread, or on an API thread for `esanctl alert test`, never on
// the data path) and says whether the event was handed over.
//
// Contract:
//  * Mail: runs the configured sendmail command (default
//    `/usr/sbin/sendmail -t`, the interface msmtp and every MTA provide)
//    with mail_text() on its stdin; delivered = it exited 0 within 15 s
//    (else it is killed and the error carries its stderr).
//  * Webhook: HTTP POST of event_json() (Content-Type application/json) to
//    the url; delivered = a 2xx answer within 5 s to connect and 5 s to
//    read.
//  * Syslog: syslog(3) with ident "esand" and the sink's facility, priority
//    from the severity (info, warning, err, crit); always delivered (syslog
//    reports nothing).
//  * mail_text() and event_json() are pure: headers never carry a CR or LF
//    from the event (a hostile initiator name cannot add headers).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "alerts/alert_config.h"
#include "events/event.h"

namespace esan::alerts {

class Sink {
 public:
  virtual ~Sink() = default;
  // "" when delivered, else why not.
  virtual std::string deliver(const events::Event& event, uint64_t suppressed) = 0;
};

std::unique_ptr<Sink> make_sink(const SinkConfig& cfg, std::string host);

nlohmann::json event_json(const events::Event& e);
std::string mail_text(const SinkConfig& cfg, const std::string& host, const events::Event& e, uint64_t suppressed);

}  // namespace esan::alerts
