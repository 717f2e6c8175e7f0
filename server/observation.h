// Observation: one reading of the running server's figures for the
// management plane's GET /metrics and GET /v1/stats (docs/API.md,
// Statistics), taken by Server::observe() from any thread without
// stopping the data path (every source is read with relaxed atomics or
// under a registry mutex; see scsi/lu_stats.h, transport/iscsi/
// session_counters.h, reactor/reactor.h). Plain data: rendering lives in
// mgmt/observe.h.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "scsi/lu_stats.h"
#include "transport/iscsi/session_registry.h"

namespace esan::server {

struct Observation {
  struct Device {
    std::string name;
    scsi::LuStatsSnapshot stats;
  };
  struct Reactor {
    int index = 0;
    double busy_seconds = 0;  // total time not waiting since the reactor started
    double busy_ratio = 0;    // busy share of the last second (0..1)
  };
  std::vector<Device> devices;  // by name
  // Every configured target (zeros when idle) and any target that had
  // sessions since start; normal sessions only.
  std::map<std::string, iscsi::TargetTotals> targets;
  uint64_t sessions = 0;     // normal sessions now
  uint64_t connections = 0;  // TCP connections now (any phase)
  std::vector<Reactor> reactors;
};

}  // namespace esan::server
