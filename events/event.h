// Event: one thing that happened in esand that an operator may want to know
// (a login, a failed login, a configuration change, an ALUA state change,
// ...), as recorded by the EventLog (event_log.h) and routed by alerts/.
//
// Contract:
//  * Kind and Severity have one name each (kind_name, severity_name), the
//    spelling of the API, the alert rules and the log; parse_kind and
//    parse_severity accept exactly those names.
//  * Severities are ordered: info < warning < error < critical.
//  * An event never carries a secret (CHAP secrets, challenges, responses):
//    whoever builds one leaves them out.
//  * raisable(k): the kinds that tools outside esand (the appliance's
//    config sync, its crash dump check) report through POST /v1/events;
//    every other kind is esand's own and cannot be raised from outside.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace esan::events {

enum class Kind {
  kStart,            // esand started: the startup report (version, targets, devices, unclean end)
  kStop,             // esand stops (clean shutdown)
  kLogin,            // a session logged in (initiator, target, peer, CHAP user)
  kLogout,           // a session ended (logout, connection loss, closed)
  kLoginFailed,      // a login was refused (CHAP failures among them)
  kConfigChanged,    // a configuration change was applied (author, operation, revision)
  kAluaState,        // a target port group's asymmetric access state changed
  kPrChanged,        // a persistent reservation or SPC-2 reservation changed
  kHealthFailed,     // a health probe found a backend that does not answer (failed or hung)
  kHealthRecovered,  // a backend that had failed or hung answers its probe again
  kIoError,          // a backend I/O request failed
  kLimitHit,         // a resource limit refused a login or a connection
  kAlertFailed,      // an alert sink failed to deliver (retried, or given up)
  kAlertTest,        // esanctl alert test
  kConfigSyncFailed,     // raised: the appliance could not save its configuration to the boot drive
  kConfigSyncRecovered,  // raised: a save succeeded after a failure
  kCrashDump,            // raised: a kernel crash dump was found at boot
  kAlertsChanged,        // the alert rules were replaced (PUT /v1/alerts/config: author, file, sinks, rules)
};
inline constexpr Kind kAllKinds[] = {
    Kind::kStart,         Kind::kStop,      Kind::kLogin,       Kind::kLogout,       Kind::kLoginFailed,
    Kind::kConfigChanged, Kind::kAluaState, Kind::kPrChanged,   Kind::kHealthFailed, Kind::kHealthRecovered,
    Kind::kIoError,       Kind::kLimitHit,  Kind::kAlertFailed, Kind::kAlertTest,   Kind::kConfigSyncFailed,
    Kind::kConfigSyncRecovered, Kind::kCrashDump, Kind::kAlertsChanged};

enum class Severity { kInfo, kWarning, kError, kCritical };

std::string_view kind_name(Kind k);          // "login_failed", ...
std::string_view severity_name(Severity s);  // "info", "warning", "error", "critical"
std::optional<Kind> parse_kind(std::string_view name);
std::optional<Severity> parse_severity(std::string_view name);
bool raisable(Kind k);  // see the contract

using Fields = std::vector<std::pair<std::string, std::string>>;

struct Event {
  uint64_t seq = 0;     // 1, 2, ... in the order the log took them (set by EventLog)
  int64_t time_ms = 0;  // wall clock, milliseconds since the epoch (set by EventLog)
  Kind kind = Kind::kStart;
  Severity severity = Severity::kInfo;
  std::string message;  // one line, for people
  Fields fields;        // name/value details (initiator, target, device, ...)

  // The value of field `name`, or "".
  std::string_view field(std::string_view name) const;
};

// "2026-12-06T04:18:38.123Z" for `time_ms`.
std::string format_time(int64_t time_ms);

}  // namespace esan::events
