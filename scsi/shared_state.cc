#include "scsi/shared_state.h"

#include <fmt/format.h>

#include "common/bytes.h"
#include "common/log.h"
#include "events/event_log.h"
#include "scsi/logical_unit.h"
#include "scsi/shared_codec.h"
#include "scsi/task.h"

namespace esan::scsi {

namespace {

cluster::Change change(SharedKind k, std::string_view subject, Writer w) {
  return cluster::Change{uint8_t(k), std::string(subject), std::move(w.b)};
}

SharedReply good() { return SharedReply{kGood, {}, std::nullopt}; }
SharedReply conflict() { return SharedReply{kReservationConflict, {}, std::nullopt}; }
SharedReply check(const Sense& s, std::optional<Error> e = std::nullopt) {
  return SharedReply{kCheckCondition, s, std::move(e)};
}
SharedReply malformed(uint8_t kind, std::string_view subject) {
  ESAN_LOG_ERROR("shared state change of kind {} for '{}' is malformed; ignored", kind, subject);
  return check(Sense::make(SenseKey::kHardwareError, asc::kInternalTargetFailure),
               Error{Errc::kProtocol, fmt::format("malformed shared state change for '{}'", subject)});
}

}  // namespace

// ---- replies ----

cluster::Reply encode_reply(const SharedReply& r) {
  Writer w;
  w.u8(r.status);
  w.u8(uint8_t(r.sense.key));
  w.u16(r.sense.asc);
  w.u8(uint8_t((r.sense.field ? 1 : 0) | (r.sense.field && r.sense.field->cdb ? 2 : 0)));
  w.u16(r.sense.field ? r.sense.field->byte : 0);
  w.u8(uint8_t(r.sense.field ? r.sense.field->bit : -1));
  w.u8(r.error ? 1 : 0);
  if (r.error) {
    w.u8(uint8_t(r.error->code));
    w.str(std::string_view(r.error->message).substr(0, 0xFFFF));
  }
  return std::move(w.b);
}

SharedReply decode_reply(const Result<cluster::Reply>& r) {
  if (!r) return SharedReply{kBusy, {}, r.error()};
  Reader in{*r};
  SharedReply out;
  out.status = in.u8();
  out.sense.key = SenseKey(in.u8());
  out.sense.asc = in.u16();
  uint8_t f = in.u8();
  uint16_t byte = in.u16();
  int8_t bit = int8_t(in.u8());
  if (f & 1) out.sense.field = FieldPointer{(f & 2) != 0, byte, bit};
  if (in.u8()) {
    Errc code = Errc(in.u8());
    out.error = Error{code, std::string(in.str())};
  }
  if (!in.done()) {
    ESAN_LOG_ERROR("shared state reply of {} bytes is malformed", r->size());
    return check(Sense::make(SenseKey::kHardwareError, asc::kInternalTargetFailure),
                 Error{Errc::kInternal, "malformed shared state reply"});
  }
  return out;
}

// ---- changes ----

cluster::Change pr_out_change(std::string_view lu, ItNexusId sender, const PrOutRequest& r) {
  Writer w;
  w.who(sender);
  w.u8(r.action), w.u8(r.type), w.u64(r.key), w.u64(r.sa_key);
  w.u8(uint8_t((r.aptpl ? 1 : 0) | (r.all_tg_pt ? 2 : 0) | (r.unreg ? 4 : 0)));
  w.str(r.move_port), w.u16(r.move_rel_tgt_id);
  return change(SharedKind::kPrOut, lu, std::move(w));
}

namespace {
cluster::Change who_change(SharedKind k, std::string_view lu, ItNexusId n) {
  Writer w;
  w.who(n);
  return change(k, lu, std::move(w));
}
}  // namespace

cluster::Change reserve_change(std::string_view lu, ItNexusId s) { return who_change(SharedKind::kReserve, lu, s); }
cluster::Change release_change(std::string_view lu, ItNexusId s) { return who_change(SharedKind::kRelease, lu, s); }
cluster::Change nexus_loss_change(std::string_view lu, ItNexusId n) { return who_change(SharedKind::kNexusLoss, lu, n); }
cluster::Change clear_task_set_change(std::string_view lu, ItNexusId r) {
  return who_change(SharedKind::kClearTaskSet, lu, r);
}

cluster::Change reset_change(std::string_view lu, uint16_t asc) {
  Writer w;
  w.u16(asc);
  return change(SharedKind::kReset, lu, std::move(w));
}

cluster::Change mode_change(std::string_view lu, ItNexusId requester, ModeChange m) {
  Writer w;
  w.who(requester);
  w.u8(uint8_t(m.wce)), w.u8(uint8_t(m.d_sense)), w.u8(uint8_t(m.swp));
  return change(SharedKind::kModePages, lu, std::move(w));
}

cluster::Change alua_change(std::string_view dg, std::span<const DeviceGroup::Change> changes,
                            DeviceGroup::Cause cause, std::optional<ItNexusId> requester) {
  Writer w;
  w.u8(uint8_t(cause));
  w.u8(requester ? 1 : 0);
  if (requester) w.who(*requester);
  w.u16(uint16_t(changes.size()));
  for (const auto& c : changes) w.u16(c.group_id), w.u8(uint8_t(c.state));
  return change(SharedKind::kAluaStates, dg, std::move(w));
}

// ---- the applier ----

SharedState::SharedState(std::shared_ptr<cluster::Coordinator> co, std::shared_ptr<AluaRegistry> alua)
    : co_(std::move(co)), alua_(std::move(alua)) {}

void SharedState::add(const std::shared_ptr<LogicalUnit>& lu) {
  lu->set_coordinator(co_);
  std::lock_guard lk(mu_);
  lus_[lu->name()] = lu;
}

void SharedState::remove(std::string_view name) {
  std::lock_guard lk(mu_);
  lus_.erase(std::string(name));
}

cluster::Reply SharedState::apply(uint64_t seq, const cluster::Change& c) {
  auto kind = SharedKind(c.kind);
  SharedReply r;
  if (kind == SharedKind::kAluaStates) {
    r = apply_alua(c.subject, c.body);
  } else {
    std::shared_ptr<LogicalUnit> lu;
    {
      std::lock_guard lk(mu_);
      auto it = lus_.find(c.subject);
      if (it != lus_.end()) lu = it->second.lock();
    }
    if (!lu) {
      ESAN_LOG_WARN("shared state change #{} for device '{}', which this node does not have; ignored", seq, c.subject);
      r = check(Sense::illegal(asc::kLogicalUnitNotSupported),
                Error{Errc::kNotFound, fmt::format("no device '{}'", c.subject)});
    } else {
      r = apply_lu(*lu, kind, c.body);
    }
  }
  return encode_reply(r);
}

namespace {
std::string_view pr_action_name(uint8_t action) {
  static constexpr std::string_view kNames[] = {"REGISTER",
                                                "RESERVE",
                                                "RELEASE",
                                                "CLEAR",
                                                "PREEMPT",
                                                "PREEMPT AND ABORT",
                                                "REGISTER AND IGNORE EXISTING KEY",
                                                "REGISTER AND MOVE",
                                                "REPLACE LOST RESERVATION"};
  return action < std::size(kNames) ? kNames[action] : "unknown";
}

// A reservation change as an event (reservation keys are left out).
void post_pr_event(const LogicalUnit& lu, std::string_view action, ItNexusId who) {
  events::post(
      events::Kind::kPrChanged, events::Severity::kInfo,
      fmt::format("device {}: {} by {} (relative target port {})", lu.name(), action, who.port, who.rel_tgt_id),
      {{"device", lu.name()},
       {"action", std::string(action)},
       {"initiator_port", std::string(who.port)},
       {"rel_tgt_id", std::to_string(who.rel_tgt_id)}});
}
}  // namespace

SharedReply SharedState::apply_lu(LogicalUnit& lu, SharedKind kind, std::span<const uint8_t> body) {
  Reader in{body};
  Reservations& rsv = lu.reservations();
  auto bad = [&] { return malformed(uint8_t(kind), lu.name()); };
  switch (kind) {
    case SharedKind::kPrOut: {
      ItNexusId sender = in.who();
      PrOutRequest req;
      req.action = in.u8(), req.type = in.u8(), req.key = in.u64(), req.sa_key = in.u64();
      uint8_t f = in.u8();
      req.aptpl = f & 1, req.all_tg_pt = f & 2, req.unreg = f & 4;
      req.move_port = std::string(in.str());
      req.move_rel_tgt_id = in.u16();
      if (!in.done()) return bad();
      PrOutResult res = rsv.apply_pr_out(sender, req);
      if (res.kind == PrOutResult::kGood && res.changed)
        post_pr_event(lu, fmt::format("PERSISTENT RESERVE OUT {}", pr_action_name(req.action)), sender);
      if (res.kind == PrOutResult::kGood) return good();
      if (res.kind == PrOutResult::kConflict) return conflict();
      return check(res.sense);
    }
    case SharedKind::kReserve:
    case SharedKind::kRelease:
    case SharedKind::kNexusLoss:
    case SharedKind::kClearTaskSet: {
      ItNexusId who = in.who();
      if (!in.done()) return bad();
      if (kind == SharedKind::kReserve || kind == SharedKind::kRelease) {
        bool reserve = kind == SharedKind::kReserve;
        auto out = reserve ? rsv.apply_reserve(who) : rsv.apply_release(who);
        if (out != Reservations::Outcome::kGood) return conflict();
        post_pr_event(lu, reserve ? "RESERVE" : "RELEASE", who);
        return good();
      }
      if (kind == SharedKind::kNexusLoss)
        rsv.apply_nexus_loss(who);
      else
        lu.ua_queue_others(who, asc::kCommandsClearedByAnotherInitiator);
      return good();
    }
    case SharedKind::kReset: {
      uint16_t a = in.u16();
      if (!in.done()) return bad();
      rsv.apply_reset();
      lu.reset_mode_pages();
      lu.ua_queue_all(a);
      return good();
    }
    case SharedKind::kModePages: {
      ItNexusId who = in.who();
      ModeChange m{int8_t(in.u8()), int8_t(in.u8()), int8_t(in.u8())};
      if (!in.done()) return bad();
      bool changed = false;
      if (m.wce >= 0 && bool(m.wce) != lu.wce()) lu.set_wce(m.wce), changed = true;
      if (m.d_sense >= 0 && bool(m.d_sense) != lu.d_sense()) lu.set_d_sense(m.d_sense), changed = true;
      if (m.swp >= 0 && bool(m.swp) != lu.swp()) lu.set_swp(m.swp), changed = true;
      if (changed) lu.ua_queue_others(who, asc::kModeParametersChanged);
      return good();
    }
    case SharedKind::kAluaStates: break;
  }
  return bad();
}

SharedReply SharedState::apply_alua(std::string_view name, std::span<const uint8_t> body) {
  Reader in{body};
  auto cause = DeviceGroup::Cause(in.u8());
  std::optional<ItNexusId> requester;
  if (in.u8()) requester = in.who();
  std::vector<DeviceGroup::Change> changes(in.u16());
  for (auto& c : changes) c.group_id = in.u16(), c.state = AluaState(in.u8());
  if (!in.done() || (cause != DeviceGroup::Cause::kExplicit && cause != DeviceGroup::Cause::kImplicit))
    return malformed(uint8_t(SharedKind::kAluaStates), name);
  auto dg = alua_->find(name);
  if (!dg) return check(Sense::make(SenseKey::kHardwareError, asc::kSetTargetPortGroupsFailed),
                        Error{Errc::kNotFound, fmt::format("no device group '{}'", name)});
  auto r = dg->apply(changes, cause, requester);
  if (r) return good();
  if (r.error().code == Errc::kBusy)
    return check(Sense::make(SenseKey::kNotReady, asc::kNotAccessibleAluaTransition), r.error());
  return check(Sense::make(SenseKey::kHardwareError, asc::kSetTargetPortGroupsFailed), r.error());
}

cluster::Applier SharedState::applier(std::weak_ptr<SharedState> weak) {
  return [weak = std::move(weak)](uint64_t seq, const cluster::Change& c) {
    if (auto s = weak.lock()) return s->apply(seq, c);
    return encode_reply(SharedReply{kBusy, {}, Error{Errc::kBusy, "shared state is gone"}});
  };
}

LocalSharedState start_local_shared_state(std::shared_ptr<AluaRegistry> alua) {
  LocalSharedState l;
  l.coordinator = std::make_shared<cluster::LocalCoordinator>();
  alua->set_coordinator(l.coordinator);
  l.state = std::make_shared<SharedState>(l.coordinator, std::move(alua));
  l.coordinator->start(SharedState::applier(l.state));
  return l;
}

}  // namespace esan::scsi
