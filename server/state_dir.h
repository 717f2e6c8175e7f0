// State directory (--state-dir, default /var/lib/esan): where esand keeps
// what must survive a restart. Today: persistent reservation state, one file
// per device in <dir>/pr/<device name> (format in scsi/pr_store.h).
//
// attach_state_dir() creates <dir>/pr (and <dir>) if needed, gives every
// logical unit its FilePrStore and loads it (scsi::Reservations::load: state
// saved with APTPL=1 is restored, other state is discarded). Any error --
// the directory cannot be created or written, a file is unreadable or
// corrupt -- is returned with the path in the message, and esand must not
// start: nothing is silently lost.
#pragma once

#include <string>

#include "common/result.h"
#include "server/runtime.h"

namespace esan::server {

inline constexpr const char* kDefaultStateDir = "/var/lib/esan";

Status attach_state_dir(Runtime& rt, const std::string& dir);

// The same for one device added at runtime (rt.state_dir; nothing when empty).
Status attach_device_state(const std::string& dir, const std::string& name, scsi::LogicalUnit& lu);

}  // namespace esan::server
