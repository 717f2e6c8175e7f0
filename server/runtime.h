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
#include "cluster/local_coordinator.h"
#include "config/model.h"
#include "redirect/forwarder.h"
#include "scsi/alua.h"
#include "scsi/logical_unit.h"
#include "scsi/shared_state.h"
#include "transport/iscsi/limits.h"
#include "transport/iscsi/target_registry.h"

namespace esan::server {

// The device table: open LUs by device name.
using DeviceTable = std::map<std::string, std::shared_ptr<scsi::LogicalUnit>>;

// Which CPG group (esan_cluster_group) carries each device and device group
// of a configuration; those of unreplicated device groups are absent.
struct ClusterAssignment {
  std::map<std::string, std::string> devices, device_groups;
  bool operator==(const ClusterAssignment&) const = default;
};
ClusterAssignment cluster_assignment(const config::Config& cfg);

struct Runtime {
  DeviceTable devices;
  std::vector<iscsi::TargetEntry> targets;
  bool iscsi_enabled = false;
  iscsi::AuthSettings discovery_auth;  // TARGET_DRIVER-level IncomingUser/OutgoingUser
  // TARGET_DRIVER-level MaxSessions, QueuedCommands, esan_max_* (config/limits.h).
  iscsi::Limits limits;
  // Never null after build_runtime(); shared so the management plane can
  // keep it while the Server owns the Runtime.
  std::shared_ptr<scsi::AluaRegistry> alua = std::make_shared<scsi::AluaRegistry>();
  // The shared LU state seam (scsi/shared_state.h): this node's coordinator
  // (running from build_runtime() until stop_shared_state()) and the applier
  // with its directory of LUs. Every LU in `devices` is in `shared` (use
  // install_devices()).
  std::shared_ptr<cluster::LocalCoordinator> coordinator;
  std::shared_ptr<scsi::SharedState> shared;
  // Replicated device groups (esan_cluster_group, the HA pair): which
  // devices and device groups each CPG group carries (fixed while esand
  // runs), and one replicated shared state per CPG group, created by
  // build_runtime() and joined by start_shared_state(). A device of a
  // replicated device group is in its cluster's state, not in `shared`.
  ClusterAssignment cluster_assignment;
  std::map<std::string, scsi::ClusterSharedState> clusters;
  // I/O redirect (HA pair): the forwarders to the peers named by target
  // groups' esan_peer_portal, shared by the device groups that use them.
  std::shared_ptr<redirect::ForwarderPool> forwarders = std::make_shared<redirect::ForwarderPool>();
  // --state-dir once attach_state_dir() ran (devices added later get their
  // persistent reservation store there too); empty = none.
  std::string state_dir;
};

// Default capacity of a vdisk_nullio device without size/size_mb.
inline constexpr uint64_t kDefaultNullSize = 1ull << 30;

Result<Runtime> build_runtime(const config::Config& cfg, const std::string& config_path);

// Makes `devices` the running set: LUs that joined are added to rt.shared
// (their shared changes go through rt.coordinator), LUs that left are
// removed from it.
void install_devices(Runtime& rt, std::map<std::string, std::shared_ptr<scsi::LogicalUnit>> devices);
// Joins the clusters' CPG groups (server start, once the state directory
// is attached: this node's own state may be the one the others take).
void start_shared_state(Runtime& rt);
// Applies what was proposed, then stops the coordinators (server shutdown,
// after the sessions are gone and before the reactors stop).
void stop_shared_state(Runtime& rt);

// The pieces of build_runtime(), reused by the management plane (mgmt/) for
// runtime changes. Messages carry "config_path:line: " when config_path is
// not empty.
scsi::LuConfig lu_config(const config::DeviceConfig& d);
// Opens the backend and builds the LU (no persistent reservation store).
Result<std::shared_ptr<scsi::LogicalUnit>> open_device(const config::DeviceConfig& d, const std::string& config_path);
iscsi::AuthSettings auth_settings(const std::vector<std::string>& incoming, const std::vector<std::string>& outgoing);
iscsi::Limits driver_limits(const std::map<std::string, std::string>& attrs);
// The target table of cfg over rt.devices (every LUN's device must be
// there). A target without rel_tgt_id keeps the id it has in `previous` when
// nothing else claims it, else gets the lowest free one.
std::vector<iscsi::TargetEntry> build_targets(const config::Config& cfg, const Runtime& rt,
                                              const std::vector<iscsi::TargetEntry>& previous = {});
// ALUA device groups of cfg, ports resolved through rt.targets (no side effects).
Result<std::vector<std::shared_ptr<scsi::DeviceGroup>>> make_device_groups(const config::Config& cfg,
                                                                        const std::string& config_path,
                                                                        const Runtime& rt);
// Makes them the running groups: rt.alua holds exactly these, every device
// of configs[i] joins groups[i] and every other LU leaves its group.
void install_device_groups(const std::vector<config::DeviceGroupConfig>& configs,
                           std::vector<std::shared_ptr<scsi::DeviceGroup>> groups, Runtime& rt);

// Runtime API (management plane, HA resource agent): sets the ALUA state of
// TARGET_GROUP `target_group` of DEVICE_GROUP `device_group` to `state`
// (an scst.conf state name). Thread-safe; callable from any thread while
// the server runs. On error (kNotFound: unknown device/target group;
// kInvalidArgument: unknown state) nothing changes. A real change queues
// ASYMMETRIC ACCESS STATE CHANGED on every nexus of the group's LUs.
Status set_target_group_state(Runtime& rt, std::string_view device_group, std::string_view target_group,
                              std::string_view state);

}  // namespace esan::server
