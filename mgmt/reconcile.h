// Reconcile: makes a running Server match a new configuration, touching
// only what differs from the configuration it runs now.
//
// Contract:
//  * prepare(old, next, ...) does everything that can fail without changing
//    anything that runs: opens the backends of new devices and of devices
//    whose fixed attributes changed (filename, handler, blocksize, o_direct,
//    lb_per_pb_exp; read_only 0 on a backend opened read-only), loads their
//    persistent reservation state, builds the
//    target table and, when the ALUA structure changed, the device groups.
//    `pool` offers already open LUs by name (undo reuses the LUs a change
//    removed instead of reopening them); one is used only when its device's
//    configuration is exactly the one wanted.
//  * commit(plan, server) applies it: resizes first (the one step that can
//    still fail; resizes done so far are undone and nothing else happens),
//    then runtime attributes (LogicalUnit::update), the device table, the
//    ALUA groups or states, the target registry, and finally every session
//    re-reads its target on its own reactor (Server::refresh_sessions):
//    sessions of removed or disabled targets are closed, sessions whose LUN
//    map changed get it with REPORTED LUNS DATA HAS CHANGED, others are not
//    touched. Returns the LUs that left the device table (kept alive by the
//    caller while an undo may need them).
//  * TARGET_DRIVER limits and iSCSI keys are recorded (Runtime::limits)
//    but reach the transport only at the next start.
//  * REQUIRES: calls are serialized (the Engine's mutex); `old` is the
//    configuration the server runs.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/model.h"
#include "server/server.h"

namespace esan::mgmt {

// Open LUs by device name, with the configuration they were opened for.
using LuPool = std::map<std::string, std::pair<config::DeviceConfig, std::shared_ptr<scsi::LogicalUnit>>>;

struct Plan {
  struct Resize {
    std::shared_ptr<scsi::LogicalUnit> lu;
    uint64_t from_bytes = 0, to_bytes = 0;
  };
  struct StateChange {
    std::string device_group, target_group, state;
  };
  std::map<std::string, std::shared_ptr<scsi::LogicalUnit>> devices;  // the whole new device table
  std::vector<std::pair<std::shared_ptr<scsi::LogicalUnit>, scsi::LuConfig>> updates;
  std::vector<Resize> resizes;
  std::vector<iscsi::TargetEntry> targets;
  std::optional<std::vector<std::shared_ptr<scsi::DeviceGroup>>> alua_groups;  // set: rebuild
  std::vector<StateChange> states;
  config::Config old, next;
};

Result<Plan> prepare(const config::Config& old, const config::Config& next, const server::Runtime& rt,
                     const LuPool& pool = {});
Result<LuPool> commit(Plan& plan, server::Server& server);

}  // namespace esan::mgmt
