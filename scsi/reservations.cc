#include "scsi/reservations.h"

#include <utility>
#include <vector>

#include "common/log.h"
#include "scsi/reservation_table.h"
#include "scsi/sense.h"

namespace esan::scsi {

namespace {
bool same_nexus(ItNexusId a, ItNexusId b) { return a.rel_tgt_id == b.rel_tgt_id && same_port(a.port, b.port); }
}  // namespace

void Reservations::update_active_locked() {
  active_.store(spc2_holder_.has_value() || state_.reserved(), std::memory_order_release);
}

bool Reservations::holds_spc2_locked(ItNexusId who) const {
  return spc2_holder_ && same_nexus(spc2_holder_->view(), who);
}

bool Reservations::conflicts_locked(const Nexus& nexus, const uint8_t* cdb) const {
  std::lock_guard lk(mu_);
  ItNexusId me = identity_of(nexus);
  if (spc2_holder_) {
    if (is_pr_command(cdb[0])) return true;
    return !holds_spc2_locked(me) && !allowed_under_spc2(cdb);
  }
  if (!state_.reserved()) return false;
  if (state_.is_holder(me)) return false;
  if (pr::registrants_type(state_.type) && state_.find(me) >= 0) return false;
  switch (pr_access(cdb)) {
    case PrAccess::kAllowed: return false;
    case PrAccess::kRead: return !pr::write_exclusive(state_.type);
    case PrAccess::kWrite: return true;
  }
  return true;
}

void Reservations::attach(const Nexus& nexus) {
  std::lock_guard lk(mu_);
  attached_[nexus.id] = NexusIdentity{nexus.initiator_port, nexus.rel_tgt_id};
}

bool Reservations::detach(uint64_t nexus_id) {
  std::lock_guard lk(mu_);
  auto it = attached_.find(nexus_id);
  if (it == attached_.end()) return false;
  bool holds = holds_spc2_locked(it->second.view());
  attached_.erase(it);
  return holds;
}

std::optional<uint64_t> Reservations::nexus_of(ItNexusId who) const {
  std::lock_guard lk(mu_);
  for (const auto& [id, n] : attached_)
    if (same_nexus(n.view(), who)) return id;
  return std::nullopt;
}

void Reservations::apply_nexus_loss(ItNexusId who) {
  std::lock_guard lk(mu_);
  if (holds_spc2_locked(who)) spc2_holder_.reset();
  update_active_locked();
}

void Reservations::apply_reset() {
  std::lock_guard lk(mu_);
  spc2_holder_.reset();
  update_active_locked();
}

Reservations::Outcome Reservations::apply_reserve(ItNexusId sender) {
  std::lock_guard lk(mu_);
  if (state_.reserved() || !state_.regs.empty()) return Outcome::kConflict;
  if (spc2_holder_ && !holds_spc2_locked(sender)) return Outcome::kConflict;
  spc2_holder_ = NexusIdentity{std::string(sender.port), sender.rel_tgt_id};
  update_active_locked();
  return Outcome::kGood;
}

Reservations::Outcome Reservations::apply_release(ItNexusId sender) {
  std::lock_guard lk(mu_);
  if (state_.reserved() || !state_.regs.empty()) return Outcome::kConflict;
  if (holds_spc2_locked(sender)) {
    spc2_holder_.reset();
    update_active_locked();
  }
  return Outcome::kGood;
}

std::optional<NexusIdentity> Reservations::spc2_holder() const {
  std::lock_guard lk(mu_);
  return spc2_holder_;
}

PrState Reservations::snapshot() const {
  std::lock_guard lk(mu_);
  return state_;
}

PrOutResult Reservations::apply_pr_out(ItNexusId sender, const PrOutRequest& req) {
  PrState next;
  {
    std::lock_guard lk(mu_);
    if (spc2_holder_) return PrOutResult{PrOutResult::kConflict, {}, false, {}};
    next = state_;  // only the applier changes state_, one change at a time
  }
  PrOutResult res = scsi::pr_out(next, sender, req);
  if (res.kind != PrOutResult::kGood) return res;
  if (res.changed && store_) {
    if (Status s = store_->save(next); !s) {
      ESAN_LOG_ERROR("persistent reservation state not saved, PR OUT failed: {}", s.error().message);
      return PrOutResult{PrOutResult::kCheck, Sense::make(SenseKey::kHardwareError, asc::kInternalTargetFailure),
                         false, {}};
    }
  }
  std::vector<std::pair<uint64_t, uint16_t>> uas;
  std::vector<uint64_t> aborts;
  {
    std::lock_guard lk(mu_);
    state_ = std::move(next);
    update_active_locked();
    for (const PrUa& u : res.uas)
      for (const auto& [id, n] : attached_) {
        if (same_nexus(n.view(), sender) || !u.who.matches(n.view())) continue;
        uas.emplace_back(id, u.asc);
        if (req.action == pr::kPreemptAndAbort && u.asc == asc::kRegistrationsPreempted) aborts.push_back(id);
      }
  }
  for (uint64_t id : aborts)
    if (abort_) abort_(id);
  for (auto [id, asc] : uas) sink_(id, asc);
  return res;
}

Status Reservations::apply_restore(PrState st, std::optional<NexusIdentity> spc2) {
  bool same;
  {
    std::lock_guard lk(mu_);
    same = state_ == st;
  }
  if (!same && store_) {
    if (Status s = store_->save(st); !s) return s;
  }
  std::lock_guard lk(mu_);
  state_ = std::move(st);
  spc2_holder_ = std::move(spc2);
  update_active_locked();
  return ok();
}

void Reservations::set_store(std::unique_ptr<PrStore> store) { store_ = std::move(store); }

Status Reservations::load() {
  if (!store_) return ok();
  auto r = store_->load();
  if (!r) return std::unexpected(r.error());
  PrState st;
  if (r->has_value()) {
    if ((*r)->aptpl) {
      st = std::move(**r);
      ESAN_LOG_INFO("{}: restored {} persistent reservation registration(s){}", store_->describe(), st.regs.size(),
                    st.reserved() ? " and a reservation" : "");
    } else if (!(*r)->regs.empty()) {
      ESAN_LOG_INFO("{}: {} registration(s) saved without APTPL; not kept across the restart",
                    store_->describe(), (*r)->regs.size());
    }
    if (!(*r)->aptpl) {
      if (Status s = store_->save(st); !s) return s;
    }
  }
  std::lock_guard lk(mu_);
  state_ = std::move(st);
  update_active_locked();
  return ok();
}

}  // namespace esan::scsi
