// ALUA (SPC-4 5.15, asymmetric logical unit access): the target port groups
// of a device group, their asymmetric access states, and the registry the
// runtime and the management plane change those states through.
//
// Model (SCST's): a DeviceGroup holds logical units and target port groups;
// a target port group holds relative target port identifiers (local ports
// and, for HA, the other node's) and one access state that applies to every
// LU of the device group seen through those ports.
//
// Contract:
//  - A DeviceGroup's structure (groups, ids, ports) is fixed at construction;
//    only the states change. A structural change at runtime (management
//    plane: server::install_device_groups) builds new DeviceGroups, moves
//    the LUs into them with join_device_group() -- LUs already mapped and
//    serving commands included; a LU in no group any more gets
//    set_alua_group(nullptr) -- and swaps the registry's groups with
//    AluaRegistry::replace(). A LU keeps every group it was ever in alive,
//    so a group a command loaded before the swap stays valid.
//  - Readers are lock-free: group_of_port() scans the fixed structure and
//    TargetPortGroup::state() is an atomic load (the per-command ALUA check
//    on the READ/WRITE path takes no lock).
//  - States are shared LU state (scsi/shared_state.h): they change only
//    through the coordinator. SET TARGET PORT GROUPS and
//    AluaRegistry::set_target_group_state() propose the change;
//    DeviceGroup::apply() is called by the applier (SharedState::apply) in
//    commit order. Every request is validated first; on error nothing
//    changes. When at least one state actually changes, ASYMMETRIC ACCESS
//    STATE CHANGED (2Ah/06h) is queued on every registered nexus of every
//    LU of the device group, except the requester's identity for an
//    explicit change (SET TARGET PORT GROUPS, SPC-4: the requesting I_T
//    nexus learns the result from the command) that changed only the
//    groups it named.
//  - Access (AluaRules::access, the INQUIRY TPGS field): which transitions
//    initiators are told about and may request. SET TARGET PORT GROUPS is
//    supported only when the access includes explicit.
//  - One owner (AluaRules::one_optimized, a device group whose roles own a
//    medium: the HA pair, the I/O redirect): at most one target group is
//    active/optimized. apply() keeps it so in the change itself: a change
//    that makes a group active/optimized moves every other active/optimized
//    group it does not name to active/non-optimized (an implicit transition:
//    status code 02h, unit attention on every nexus, the requester's too),
//    on every node, in commit order; a change naming two groups
//    active/optimized is refused (kInvalidArgument) and changes nothing.
//  - AluaRegistry: device groups by name; thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/coordinator.h"
#include "common/result.h"
#include "scsi/nexus.h"
#include "scsi/redirect.h"

namespace esan::scsi {

class LogicalUnit;

// Asymmetric access states with their SPC-4 codes.
enum class AluaState : uint8_t {
  kActiveOptimized = 0x0,
  kActiveNonOptimized = 0x1,
  kStandby = 0x2,
  kUnavailable = 0x3,
  kOffline = 0xE,
  kTransitioning = 0xF,
};

// scst.conf names: active, nonoptimized, standby, unavailable, offline, transitioning.
std::optional<AluaState> alua_state_from_name(std::string_view name);
std::string_view alua_state_name(AluaState s);

// Per-state command gating (SPC-4 5.15.2.4): whether a command may run on a
// LU whose target port group is in state `s`. Active/optimized and
// active/non-optimized allow everything. All states allow INQUIRY, REPORT
// LUNS, REQUEST SENSE, REPORT TARGET PORT GROUPS and the echo buffer modes
// of READ/WRITE BUFFER; standby, unavailable and offline also SET TARGET
// PORT GROUPS; standby also MODE SENSE/SELECT, LOG SENSE/SELECT, RECEIVE
// DIAGNOSTIC RESULTS, SEND DIAGNOSTIC, PERSISTENT RESERVE IN/OUT, READ
// CAPACITY (10/16) and the REPORT SUPPORTED OPERATION CODES / TASK
// MANAGEMENT FUNCTIONS service actions. `cdb` holds at least 2 bytes.
bool alua_allows(AluaState s, const uint8_t* cdb);
// The NOT READY additional sense for a refused command: standby 04h/0Bh,
// unavailable 04h/0Ch, transitioning 04h/0Ah, offline 04h/12h.
uint16_t alua_refusal_asc(AluaState s);

// Which asymmetric access transitions the device server supports: the
// INQUIRY TPGS field's value (SPC-4 6.6.2). Implicit: the device server
// (the management plane, the cluster's resource agent) changes states;
// explicit: initiators change them with SET TARGET PORT GROUPS.
enum class AluaAccess : uint8_t { kImplicit = 0x1, kExplicit = 0x2, kBoth = 0x3 };

struct AluaRules {
  AluaAccess access = AluaAccess::kBoth;
  // The device group's roles own a medium (esan_cluster_group, or a target
  // group with a redirect): at most one target group is active/optimized
  // (see the contract above).
  bool one_optimized = false;
  // IoPolicy::kRedirect: how long a non-optimized port holds a medium-access
  // command that no target group can take yet (scsi/redirect.h, "Hold").
  uint32_t redirect_hold_ms = 0;
};

// STATUS CODE of a target port group descriptor (REPORT TARGET PORT GROUPS).
enum class AluaStatusCode : uint8_t { kNone = 0x00, kSetByStpg = 0x01, kImplicit = 0x02 };

struct TargetPortGroupSpec {
  std::string name;
  uint16_t group_id = 0;  // 1..65535, unique in the device group
  AluaState state = AluaState::kActiveOptimized;
  std::vector<uint16_t> rel_tgt_ids;  // member ports, local and remote
  // The other node's ports (scsi/redirect.h): where medium access of this
  // device group's non-optimized ports goes while this group is
  // active/optimized. Null for local groups.
  std::shared_ptr<Redirector> redirector = nullptr;
};

class TargetPortGroup {
 public:
  explicit TargetPortGroup(TargetPortGroupSpec spec);

  const std::string& name() const { return name_; }
  uint16_t group_id() const { return group_id_; }
  const std::vector<uint16_t>& rel_tgt_ids() const { return ports_; }
  AluaState state() const { return AluaState(state_.load(std::memory_order_acquire)); }
  AluaStatusCode status_code() const { return AluaStatusCode(status_.load(std::memory_order_acquire)); }
  Redirector* redirector() const { return redirector_.get(); }

 private:
  friend class DeviceGroup;
  std::string name_;
  uint16_t group_id_;
  std::vector<uint16_t> ports_;
  std::shared_ptr<Redirector> redirector_;
  std::atomic<uint8_t> state_;
  std::atomic<uint8_t> status_{uint8_t(AluaStatusCode::kNone)};
};

class DeviceGroup {
 public:
  // REQUIRES: group ids unique and non-zero, a port in at most one group
  // (config/ validates this; make_device_group() checks it).
  DeviceGroup(std::string name, std::vector<TargetPortGroupSpec> groups, IoPolicy io_policy = IoPolicy::kLocal,
              AluaRules rules = {});
  DeviceGroup(const DeviceGroup&) = delete;
  DeviceGroup& operator=(const DeviceGroup&) = delete;

  const std::string& name() const { return name_; }
  // In configuration order (REPORT TARGET PORT GROUPS reports them so).
  size_t size() const { return groups_.size(); }
  const TargetPortGroup& group(size_t i) const { return *groups_[i]; }

  // Lock-free lookups; nullptr when absent.
  const TargetPortGroup* group_of_port(uint16_t rel_tgt_id) const;
  const TargetPortGroup* group_by_id(uint16_t group_id) const;
  const TargetPortGroup* group_by_name(std::string_view name) const;

  // I/O redirect (scsi/redirect.h): the policy, and the Redirector of the
  // target port group that is active/optimized now (nullptr when none is,
  // or it has none: a local group).
  IoPolicy io_policy() const { return io_policy_; }
  Redirector* optimized_redirector() const;

  AluaAccess access() const { return rules_.access; }
  bool explicit_access() const { return uint8_t(rules_.access) & uint8_t(AluaAccess::kExplicit); }
  bool one_optimized() const { return rules_.one_optimized; }
  uint32_t redirect_hold_ms() const { return rules_.redirect_hold_ms; }

  struct Change {
    uint16_t group_id;
    AluaState state;
  };
  enum class Cause : uint8_t { kExplicit /* SET TARGET PORT GROUPS */, kImplicit /* runtime API */ };
  // Applies all changes or none (the applier only; see above), with the
  // implicit moves one_optimized() adds. Errors: kNotFound (unknown group
  // id); kBusy when an explicit change meets a group in the transitioning
  // state; kInvalidArgument when one_optimized() and the changes make two
  // groups active/optimized.
  Status apply(std::span<const Change> changes, Cause cause, std::optional<ItNexusId> requester = {});

  // LUs of this group (for unit attentions); use join_device_group().
  void add_lu(const std::shared_ptr<LogicalUnit>& lu);

 private:
  std::string name_;
  std::vector<std::unique_ptr<TargetPortGroup>> groups_;
  IoPolicy io_policy_;
  AluaRules rules_;
  std::mutex mu_;                               // serializes apply()
  std::vector<std::weak_ptr<LogicalUnit>> lus_;  // guarded by mu_
};

// Validates the specs (non-empty name, ids 1..65535 unique, ports unique
// across groups) and builds the group.
// With rules.one_optimized, at most one spec may be active/optimized.
Result<std::shared_ptr<DeviceGroup>> make_device_group(std::string name, std::vector<TargetPortGroupSpec> groups,
                                                       IoPolicy io_policy = IoPolicy::kLocal, AluaRules rules = {});

// Makes `lu` a member of `dg` and `dg` its group (LogicalUnit::set_alua_group),
// at startup or at runtime while the LU is mapped.
void join_device_group(const std::shared_ptr<DeviceGroup>& dg, const std::shared_ptr<LogicalUnit>& lu);

class AluaRegistry {
 public:
  // kExists when a group of that name is already registered.
  Status add(std::shared_ptr<DeviceGroup> dg);
  // Makes `groups` (unique names) the whole registry (management plane, at
  // runtime; groups no longer listed live on while a LU or caller holds them).
  void replace(std::vector<std::shared_ptr<DeviceGroup>> groups);
  std::shared_ptr<DeviceGroup> find(std::string_view name) const;
  std::vector<std::string> names() const;

  // Where state changes are proposed: the node's coordinator, and for a
  // device group whose state a cluster replicates, that cluster's (null
  // removes the override). The runtime sets them.
  void set_coordinator(std::shared_ptr<cluster::Coordinator> co);
  void set_coordinator(std::string_view device_group, std::shared_ptr<cluster::Coordinator> co);
  std::shared_ptr<cluster::Coordinator> coordinator_of(std::string_view device_group) const;

  // Implicit change of one target group's state (HA agent, management
  // plane): validated, proposed and waited for (never call it on a reactor).
  // Errors (nothing changed): kNotFound for an unknown device group or
  // target group, kInvalidArgument for an unknown state name, kBusy when
  // the change could not be committed, kInternal without a coordinator.
  Status set_target_group_state(std::string_view device_group, std::string_view target_group,
                                      std::string_view state);
  Status set_target_group_state(std::string_view device_group, std::string_view target_group,
                                      AluaState state);

 private:
  mutable std::shared_mutex mu_;
  std::map<std::string, std::shared_ptr<DeviceGroup>, std::less<>> groups_;  // guarded by mu_
  std::shared_ptr<cluster::Coordinator> co_;                                  // guarded by mu_
  std::map<std::string, std::shared_ptr<cluster::Coordinator>, std::less<>> group_co_;  // guarded by mu_
};

}  // namespace esan::scsi
