// Runtime: turns a validated config::Config into live objects — one
// scsi::LogicalUnit per DEVICE (opening its backend) and the iSCSI target
// table with LUN masking and CHAP accounts. Nothing is half-built: on any error no object
// escapes and the message names the config line.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/model.h"
#include "scsi/logical_unit.h"
#include "transport/iscsi/target_registry.h"

namespace esan::daemon {

struct Runtime {
  std::map<std::string, std::shared_ptr<scsi::LogicalUnit>> devices;
  std::vector<iscsi::TargetEntry> targets;
  bool iscsi_enabled = false;
  iscsi::AuthSettings discovery_auth;  // TARGET_DRIVER-level IncomingUser/OutgoingUser
};

// Default capacity of a vdisk_nullio device without size/size_mb.
inline constexpr uint64_t kDefaultNullSize = 1ull << 30;

Result<Runtime> build_runtime(const config::Config& cfg, const std::string& config_path);

}  // namespace esan::daemon
