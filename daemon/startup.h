// The startup report (an ESOS-like "esand started" message: version,
// targets, devices, and whether the previous run ended uncleanly) and the
// run marker that tells the latter.
//
// Contract:
//  * RunMarker::claim(state_dir): reads DIR/esand.running if present (the
//    previous run did not reach a clean stop: crash, SIGKILL, power loss),
//    then writes it anew with this process' pid and start time. release()
//    removes it at a clean stop. Failures to write are returned, never
//    fatal to the caller's decision.
//  * startup_report(): the start event's message and fields (pure).
#pragma once

#include <optional>
#include <string>

#include "common/result.h"
#include "config/model.h"
#include "events/event.h"

namespace esan::daemon {

struct RunMarker {
  std::string path;
  std::optional<std::string> previous;  // the marker left by an unclean run (its text)

  static Result<RunMarker> claim(const std::string& state_dir);
  void release() const;
};

struct StartupReport {
  events::Severity severity;
  std::string message;
  events::Fields fields;
};

StartupReport startup_report(const std::string& version, const std::string& host, const config::Config& cfg,
                             const std::optional<std::string>& unclean_marker);

}  // namespace esan::daemon
