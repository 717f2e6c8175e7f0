#include "events/event.h"

#include <fmt/format.h>

#include <ctime>

namespace esan::events {

std::string_view kind_name(Kind k) {
  switch (k) {
    case Kind::kStart:
      return "start";
    case Kind::kStop:
      return "stop";
    case Kind::kLogin:
      return "login";
    case Kind::kLogout:
      return "logout";
    case Kind::kLoginFailed:
      return "login_failed";
    case Kind::kConfigChanged:
      return "config_changed";
    case Kind::kAluaState:
      return "alua_state";
    case Kind::kPrChanged:
      return "pr_changed";
    case Kind::kHealthFailed:
      return "health_failed";
    case Kind::kHealthRecovered:
      return "health_recovered";
    case Kind::kIoError:
      return "io_error";
    case Kind::kLimitHit:
      return "limit_hit";
    case Kind::kAlertFailed:
      return "alert_failed";
    case Kind::kAlertTest:
      return "alert_test";
    case Kind::kConfigSyncFailed:
      return "config_sync_failed";
    case Kind::kConfigSyncRecovered:
      return "config_sync_recovered";
    case Kind::kCrashDump:
      return "crash_dump";
    case Kind::kAlertsChanged:
      return "alerts_changed";
  }
  return "unknown";
}

std::string_view severity_name(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
    case Severity::kCritical:
      return "critical";
  }
  return "unknown";
}

std::optional<Kind> parse_kind(std::string_view name) {
  for (Kind k : kAllKinds)
    if (kind_name(k) == name) return k;
  return std::nullopt;
}

std::optional<Severity> parse_severity(std::string_view name) {
  for (Severity s : {Severity::kInfo, Severity::kWarning, Severity::kError, Severity::kCritical})
    if (severity_name(s) == name) return s;
  return std::nullopt;
}

bool raisable(Kind k) {
  return k == Kind::kConfigSyncFailed || k == Kind::kConfigSyncRecovered || k == Kind::kCrashDump;
}

std::string_view Event::field(std::string_view name) const {
  for (const auto& [k, v] : fields)
    if (k == name) return v;
  return {};
}

std::string format_time(int64_t time_ms) {
  time_t secs = static_cast<time_t>(time_ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                     t.tm_min, t.tm_sec, time_ms % 1000);
}

}  // namespace esan::events
