// Runtime: turns a validated config::Config into live objects — one
// scsi::LogicalUnit per DEVICE (opening its backend), the iSCSI target
// table with LUN masking and CHAP accounts, and the ALUA device groups
// (scsi::AluaRegistry). Nothing is half-built: on any error no object
// escapes and the message names the config line.
//
// Targets without rel_tgt_id get the lowest free id, skipping the ids of
// every local target and of the other node's ports named in TARGET_GROUPs.
// A TARGET_GROUP's local members contribute their target's (possibly
// assigned) rel_tgt_id, remote members the configured one.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/model.h"
#include "scsi/alua.h"
#include "scsi/logical_unit.h"
#include "transport/iscsi/limits.h"
#include "transport/iscsi/target_registry.h"

namespace esan::daemon {

struct Runtime {
  std::map<std::string, std::shared_ptr<scsi::LogicalUnit>> devices;
  std::vector<iscsi::TargetEntry> targets;
  bool iscsi_enabled = false;
  iscsi::AuthSettings discovery_auth;  // TARGET_DRIVER-level IncomingUser/OutgoingUser
  // TARGET_DRIVER-level MaxSessions, QueuedCommands, esan_max_* (config/limits.h).
  iscsi::Limits limits;
  // Never null after build_runtime(); shared so the management plane can
  // keep it while the Server owns the Runtime.
  std::shared_ptr<scsi::AluaRegistry> alua = std::make_shared<scsi::AluaRegistry>();
};

// Default capacity of a vdisk_nullio device without size/size_mb.
inline constexpr uint64_t kDefaultNullSize = 1ull << 30;

Result<Runtime> build_runtime(const config::Config& cfg, const std::string& config_path);

// Runtime API (management plane, HA resource agent): sets the ALUA state of
// TARGET_GROUP `target_group` of DEVICE_GROUP `device_group` to `state`
// (an scst.conf state name). Thread-safe; callable from any thread while
// the server runs. On error (kNotFound: unknown device/target group;
// kInvalidArgument: unknown state) nothing changes. A real change queues
// ASYMMETRIC ACCESS STATE CHANGED on every nexus of the group's LUs.
Status set_target_group_state(Runtime& rt, std::string_view device_group, std::string_view target_group,
                              std::string_view state);

}  // namespace esan::daemon
