// RuntimeEdit: one change to a running Server, handed over whole and
// applied by Server::apply() (server.h) in one place that owns the order.
//
// Contract:
//  * The caller (mgmt/reconcile) builds and prepares the edit before
//    anything runs changes: every LU it adds is open (backend opened,
//    persistent reservation state loaded), the target table and the ALUA
//    device groups are built over the device table the edit produces.
//  * A field left empty (optional unset, empty list) leaves that part of
//    the runtime as it is.
//  * Server::apply() validates the edit against the runtime first (see
//    there); a refused edit changes nothing.
//  * REQUIRES: built against the runtime it is applied to (Server::runtime()
//    under the caller's serialization); an edit is applied once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "config/model.h"
#include "scsi/alua.h"
#include "scsi/logical_unit.h"
#include "server/runtime.h"
#include "transport/iscsi/limits.h"
#include "transport/iscsi/target_registry.h"

namespace esan::server {

struct RuntimeEdit {
  // A running LU takes new runtime attributes (LogicalUnit::update).
  struct Update {
    std::shared_ptr<scsi::LogicalUnit> lu;
    scsi::LuConfig config;
  };
  // A running LU changes capacity (LogicalUnit::resize); from_bytes undoes it.
  struct Resize {
    std::shared_ptr<scsi::LogicalUnit> lu;
    uint64_t from_bytes = 0, to_bytes = 0;
  };
  // The ALUA device groups, rebuilt: every device of configs[i] joins
  // groups[i], every other LU leaves its group.
  struct DeviceGroups {
    std::vector<config::DeviceGroupConfig> configs;
    std::vector<std::shared_ptr<scsi::DeviceGroup>> groups;  // made from configs, same order
  };
  // The ALUA state of one running target port group (scst.conf state name).
  struct AluaState {
    std::string device_group, target_group, state;
  };

  // ---- device table ----
  std::set<std::string> remove_devices;  // names in the running table
  DeviceTable add_devices;               // new names, or replacements of names in remove_devices
  std::vector<Update> updates;           // LUs that stay in the table
  std::vector<Resize> resizes;           // LUs that stay in the table

  // ---- transport ----
  std::optional<std::vector<iscsi::TargetEntry>> targets;  // the whole new target table
  std::optional<bool> iscsi_enabled;
  std::optional<iscsi::AuthSettings> discovery_auth;
  // Recorded in Runtime::limits; reaches the transport at the next start.
  std::optional<iscsi::Limits> limits;

  // ---- ALUA ----
  std::optional<DeviceGroups> device_groups;
  std::vector<AluaState> alua_states;  // applied after device_groups, to the groups then running
};

}  // namespace esan::server
