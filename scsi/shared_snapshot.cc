// SharedState's snapshot and restore (shared_state.h): the state transfer
// to a member joining an HA cluster, and the cluster wiring.
//
// Snapshot form (version 1): u8 version; u16 LU count, per LU: name, its
// persistent reservation state as pr_store.h's text (a blob), u8 SPC-2
// holder present + identity, u8 WCE, D_SENSE, SWP; u16 device group
// count, per group: name, u16 count, per target port group: u16 group id,
// u8 state.
#include <fmt/format.h>

#include "common/log.h"
#include "scsi/logical_unit.h"
#include "scsi/pr_store.h"
#include "scsi/shared_codec.h"
#include "scsi/task.h"
#include "scsi/shared_state.h"

namespace esan::scsi {

namespace {
constexpr uint8_t kSnapshotVersion = 1;

struct LuPart {
  std::string name;
  PrState pr;
  std::optional<NexusIdentity> spc2;
  bool wce, d_sense, swp;
};
struct GroupPart {
  std::string name;
  std::vector<DeviceGroup::Change> states;
};
}  // namespace

void SharedState::add_device_group(std::string name) {
  std::lock_guard lk(mu_);
  if (std::find(device_groups_.begin(), device_groups_.end(), name) == device_groups_.end())
    device_groups_.push_back(std::move(name));
}

void SharedState::remove_device_group(std::string_view name) {
  std::lock_guard lk(mu_);
  std::erase(device_groups_, name);
}

std::vector<uint8_t> SharedState::snapshot() const {
  std::vector<std::shared_ptr<LogicalUnit>> lus;
  std::vector<std::string> groups;
  {
    std::lock_guard lk(mu_);
    for (const auto& [name, weak] : lus_)
      if (auto lu = weak.lock()) lus.push_back(std::move(lu));
    groups = device_groups_;
  }
  Writer w;
  w.u8(kSnapshotVersion);
  w.u16(uint16_t(lus.size()));
  for (const auto& lu : lus) {
    const Reservations& rsv = lu->reservations();
    w.str(lu->name());
    w.blob(format_pr_state(rsv.snapshot(), lu->name()));
    auto holder = rsv.spc2_holder();
    w.u8(holder ? 1 : 0);
    if (holder) w.who(holder->view());
    w.u8(lu->wce()), w.u8(lu->d_sense()), w.u8(lu->swp());
  }
  std::vector<std::shared_ptr<DeviceGroup>> dgs;
  for (const auto& name : groups)
    if (auto dg = alua_->find(name)) dgs.push_back(std::move(dg));
  w.u16(uint16_t(dgs.size()));
  for (const auto& dg : dgs) {
    w.str(dg->name());
    w.u16(uint16_t(dg->size()));
    for (size_t i = 0; i < dg->size(); ++i) w.u16(dg->group(i).group_id()), w.u8(uint8_t(dg->group(i).state()));
  }
  return std::move(w.b);
}

Status SharedState::restore(std::span<const uint8_t> bytes) {
  // Parse all of it first: a malformed snapshot changes nothing.
  Reader in{bytes};
  if (in.u8() != kSnapshotVersion) return make_error(Errc::kProtocol, "shared state snapshot: unknown version");
  std::vector<LuPart> lus(in.u16());
  for (auto& p : lus) {
    p.name = std::string(in.str());
    std::string_view text = in.blob();
    if (!in.ok) break;
    auto pr = parse_pr_state(text, p.name);
    if (!pr) return make_error(Errc::kProtocol, fmt::format("shared state snapshot: {}", pr.error().message));
    p.pr = std::move(*pr);
    if (in.u8()) {
      ItNexusId who = in.who();
      p.spc2 = NexusIdentity{std::string(who.port), who.rel_tgt_id};
    }
    p.wce = in.u8(), p.d_sense = in.u8(), p.swp = in.u8();
  }
  std::vector<GroupPart> groups(in.u16());
  for (auto& g : groups) {
    g.name = std::string(in.str());
    g.states.resize(in.u16());
    for (auto& c : g.states) c.group_id = in.u16(), c.state = AluaState(in.u8());
  }
  if (!in.done()) return make_error(Errc::kProtocol, "shared state snapshot is malformed");

  for (auto& p : lus) {
    std::shared_ptr<LogicalUnit> lu;
    {
      std::lock_guard lk(mu_);
      auto it = lus_.find(p.name);
      if (it != lus_.end()) lu = it->second.lock();
    }
    if (!lu) {
      ESAN_LOG_WARN("shared state snapshot has device '{}', which this node does not have; skipped", p.name);
      continue;
    }
    if (Status s = lu->reservations().apply_restore(std::move(p.pr), std::move(p.spc2)); !s) return s;
    bool changed = p.wce != lu->wce() || p.d_sense != lu->d_sense() || p.swp != lu->swp();
    lu->set_wce(p.wce), lu->set_d_sense(p.d_sense), lu->set_swp(p.swp);
    if (changed) lu->ua_queue_all(asc::kModeParametersChanged);
  }
  for (auto& g : groups) {
    auto dg = alua_->find(g.name);
    if (!dg) {
      ESAN_LOG_WARN("shared state snapshot has device group '{}', which this node does not have; skipped", g.name);
      continue;
    }
    if (auto r = dg->apply(g.states, DeviceGroup::Cause::kImplicit); !r)
      ESAN_LOG_WARN("device group '{}': ALUA states from the snapshot not taken: {}", g.name, r.error().message);
  }
  return ok();
}

ClusterSharedState make_cluster_shared_state(std::string group, std::shared_ptr<AluaRegistry> alua) {
  ClusterSharedState c;
  c.coordinator = std::make_shared<cluster::CpgCoordinator>(cluster::CpgCoordinator::Options{std::move(group)});
  c.state = std::make_shared<SharedState>(c.coordinator, std::move(alua));
  return c;
}

void ClusterSharedState::start() {
  std::weak_ptr<SharedState> weak = state;
  cluster::Replica replica;
  replica.apply = SharedState::applier(weak);
  replica.snapshot = [weak] {
    if (auto s = weak.lock()) return s->snapshot();
    return std::vector<uint8_t>{};
  };
  replica.restore = [weak](std::span<const uint8_t> b) -> Status {
    if (auto s = weak.lock()) return s->restore(b);
    return make_error(Errc::kBusy, "shared state is gone");
  };
  coordinator->start(std::move(replica));
}

}  // namespace esan::scsi
