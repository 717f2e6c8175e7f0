// Shared LU state: the SCSI meaning of the changes that pass through the
// coordinator (cluster/coordinator.h), and the one function that applies
// them.
//
// Which state is shared -- what two nodes serving the same LU must agree on:
//  - persistent reservations (every PR OUT service action) and the SPC-2
//    RESERVE/RELEASE reservation, with its ends by I_T nexus loss and reset;
//  - unit attentions owed to other I_T nexuses: those the above raise
//    (2A/03, 2A/04, 2A/05, 2F/00), resets (29/xx), CLEAR TASK SET (2F/00
//    COMMANDS CLEARED BY ANOTHER INITIATOR), mode page changes (2A/01) and
//    ALUA state changes (2A/06);
//  - the shared mode pages (caching WCE, control D_SENSE and SWP);
//  - ALUA target port group states (SET TARGET PORT GROUPS and the runtime
//    API that the management plane and the HA agent use).
// Local and never proposed: the READ/WRITE path, per-nexus medium-removal
// prevention, load/eject, sanitize, the unit attention queues themselves.
//
// Who, in which order, on which thread:
//  - Command handlers (on reactors) build a change with the *_change()
//    functions and propose it (propose() in command.h); the command then
//    completes on its reactor with the reply. Resets and nexus loss propose
//    from the transport's TMF and logout paths (dispatcher.h).
//  - SharedState::apply() is the only code that changes shared state. The
//    coordinator calls it for every committed change, in commit order, on
//    its apply thread, whichever node proposed the change; identities in a
//    change are TransportID + relative target port id, LUs and device
//    groups are names, so a change means the same on every node.
//  - A change addressed to an LU or device group this node does not have is
//    answered with CHECK CONDITION, LOGICAL UNIT NOT SUPPORTED (a proposer
//    raced a removal), and changes nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cluster/coordinator.h"
#include "cluster/cpg_coordinator.h"
#include "cluster/local_coordinator.h"
#include "common/result.h"
#include "scsi/alua.h"
#include "scsi/pr_state.h"
#include "scsi/sense.h"

namespace esan::scsi {

class LogicalUnit;

enum class SharedKind : uint8_t {
  kPrOut = 1,
  kReserve = 2,
  kRelease = 3,
  kNexusLoss = 4,
  kReset = 5,
  kClearTaskSet = 6,
  kModePages = 7,
  kAluaStates = 8,
};

// What a proposer gets back: a SAM status with its sense, and for callers
// that are not commands (ALUA runtime API) an error code and message.
struct SharedReply {
  uint8_t status = 0;  // SamStatus: kGood, kReservationConflict, kCheckCondition, kBusy
  Sense sense;         // kCheckCondition
  std::optional<Error> error;
};
cluster::Reply encode_reply(const SharedReply& r);
// A coordinator error (kBusy: stopped, no quorum) becomes BUSY status.
SharedReply decode_reply(const Result<cluster::Reply>& r);

// Mode page fields MODE SELECT changes; -1 = leave as is.
struct ModeChange {
  int8_t wce = -1, d_sense = -1, swp = -1;
};

cluster::Change pr_out_change(std::string_view lu, ItNexusId sender, const PrOutRequest& req);
cluster::Change reserve_change(std::string_view lu, ItNexusId sender);
cluster::Change release_change(std::string_view lu, ItNexusId sender);
cluster::Change nexus_loss_change(std::string_view lu, ItNexusId who);
cluster::Change reset_change(std::string_view lu, uint16_t asc);
cluster::Change clear_task_set_change(std::string_view lu, ItNexusId requester);
cluster::Change mode_change(std::string_view lu, ItNexusId requester, ModeChange m);
cluster::Change alua_change(std::string_view device_group, std::span<const DeviceGroup::Change> changes,
                            DeviceGroup::Cause cause, std::optional<ItNexusId> requester);

class SharedState {
 public:
  SharedState(std::shared_ptr<cluster::Coordinator> coordinator, std::shared_ptr<AluaRegistry> alua);

  cluster::Coordinator& coordinator() const { return *co_; }
  const std::shared_ptr<AluaRegistry>& alua() const { return alua_; }

  // The LUs changes can address, by name (thread-safe). add() also makes
  // the LU (and the ALUA registry) propose through this coordinator.
  void add(const std::shared_ptr<LogicalUnit>& lu);
  void remove(std::string_view name);

  // Device groups whose ALUA states this state carries in snapshots (a
  // cluster's; thread-safe).
  void add_device_group(std::string name);
  void remove_device_group(std::string_view name);

  // The one apply function (see above). Coordinator's apply thread only.
  cluster::Reply apply(uint64_t seq, const cluster::Change& change);
  // apply() as a coordinator's Applier that holds the state weakly (BUSY
  // once it is gone).
  static cluster::Applier applier(std::weak_ptr<SharedState> weak);

  // The whole state, for a member joining a cluster (shared_snapshot.cc),
  // on the coordinator's thread: every LU's persistent reservations, SPC-2
  // holder and shared mode pages, and the states of the device groups
  // added above. restore() takes a snapshot: LUs and device groups are
  // matched by name (ones this node does not have are skipped, ones the
  // snapshot lacks keep their state); changed mode pages and ALUA states
  // raise their unit attentions on this node's nexuses. A malformed
  // snapshot is refused before anything changes (kProtocol); a failed PR
  // save stops there with that error.
  std::vector<uint8_t> snapshot() const;
  Status restore(std::span<const uint8_t> snapshot);

 private:
  SharedReply apply_lu(LogicalUnit& lu, SharedKind kind, std::span<const uint8_t> body);
  SharedReply apply_alua(std::string_view device_group, std::span<const uint8_t> body);

  std::shared_ptr<cluster::Coordinator> co_;
  std::shared_ptr<AluaRegistry> alua_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::weak_ptr<LogicalUnit>> lus_;  // guarded by mu_
  std::vector<std::string> device_groups_;                           // guarded by mu_
};

// The single-node wiring (the runtime and the tests use it): a
// LocalCoordinator started with a SharedState's apply(). The coordinator
// holds the state weakly; stop it before dropping the last reference.
struct LocalSharedState {
  std::shared_ptr<cluster::LocalCoordinator> coordinator;
  std::shared_ptr<SharedState> state;
};
LocalSharedState start_local_shared_state(std::shared_ptr<AluaRegistry> alua);

// The HA wiring: a CpgCoordinator for CPG group `group`, replicating a
// SharedState of its own (the LUs and device groups the runtime adds).
// start() joins the group: call it once this node's own state is loaded
// (persistent reservations from the state directory), since this node may
// be the one whose state the others take. Stop the coordinator before
// dropping the last reference.
struct ClusterSharedState {
  std::shared_ptr<cluster::CpgCoordinator> coordinator;
  std::shared_ptr<SharedState> state;
  void start();
};
ClusterSharedState make_cluster_shared_state(std::string group, std::shared_ptr<AluaRegistry> alua);

}  // namespace esan::scsi
