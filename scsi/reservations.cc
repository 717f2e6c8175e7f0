#include "scsi/reservations.h"

#include <utility>
#include <vector>

#include "common/log.h"
#include "scsi/reservation_table.h"
#include "scsi/sense.h"

namespace esan::scsi {

namespace {
ItNexusId id_of(const Nexus& n) { return ItNexusId{n.initiator_port, n.rel_tgt_id}; }
}  // namespace

void Reservations::update_active_locked() {
  active_.store(spc2_holder_.has_value() || state_.reserved(), std::memory_order_release);
}

bool Reservations::conflicts_locked(const Nexus& nexus, const uint8_t* cdb) const {
  std::lock_guard lk(mu_);
  if (spc2_holder_) {
    if (is_pr_command(cdb[0])) return true;
    return *spc2_holder_ != nexus.id && !allowed_under_spc2(cdb);
  }
  if (!state_.reserved()) return false;
  ItNexusId me = id_of(nexus);
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
  attached_[nexus.id] = Attached{nexus.initiator_port, nexus.rel_tgt_id};
}

void Reservations::detach(uint64_t nexus_id) {
  std::lock_guard lk(mu_);
  attached_.erase(nexus_id);
  if (spc2_holder_ == nexus_id) spc2_holder_.reset();
  update_active_locked();
}

void Reservations::reset() {
  std::lock_guard lk(mu_);
  spc2_holder_.reset();
  update_active_locked();
}

Reservations::Outcome Reservations::reserve(const Nexus& nexus) {
  std::lock_guard op(op_mu_);
  std::lock_guard lk(mu_);
  if (state_.reserved() || !state_.regs.empty()) return Outcome::kConflict;
  if (spc2_holder_ && *spc2_holder_ != nexus.id) return Outcome::kConflict;
  spc2_holder_ = nexus.id;
  update_active_locked();
  return Outcome::kGood;
}

Reservations::Outcome Reservations::release(const Nexus& nexus) {
  std::lock_guard lk(mu_);
  if (state_.reserved() || !state_.regs.empty()) return Outcome::kConflict;
  if (spc2_holder_ == nexus.id) {
    spc2_holder_.reset();
    update_active_locked();
  }
  return Outcome::kGood;
}

std::optional<uint64_t> Reservations::spc2_holder() const {
  std::lock_guard lk(mu_);
  return spc2_holder_;
}

PrState Reservations::snapshot() const {
  std::lock_guard lk(mu_);
  return state_;
}

PrOutResult Reservations::pr_out(const Nexus& nexus, const PrOutRequest& req) {
  std::lock_guard op(op_mu_);
  PrState next;
  {
    std::lock_guard lk(mu_);
    if (spc2_holder_) return PrOutResult{PrOutResult::kConflict, {}, false, {}};
    next = state_;  // only PR OUT (serialized by op_mu_) changes state_
  }
  PrOutResult res = scsi::pr_out(next, id_of(nexus), req);
  if (res.kind != PrOutResult::kGood) return res;
  if (res.changed && store_) {
    if (Status s = store_->save(next); !s) {
      ESAN_LOG_ERROR("persistent reservation state not saved, PR OUT failed: {}", s.error().message);
      return PrOutResult{PrOutResult::kCheck, Sense::make(SenseKey::kHardwareError, asc::kInternalTargetFailure),
                         false, {}};
    }
  }
  std::vector<std::pair<uint64_t, uint16_t>> uas;
  {
    std::lock_guard lk(mu_);
    state_ = std::move(next);
    update_active_locked();
    for (const PrUa& u : res.uas)
      for (const auto& [id, a] : attached_)
        if (id != nexus.id && u.who.matches(ItNexusId{a.port, a.rel_tgt_id})) uas.emplace_back(id, u.asc);
  }
  for (auto [id, asc] : uas) sink_(id, asc);
  return res;
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
