#include "scsi/pr_state.h"

#include <cctype>

namespace esan::scsi {

bool same_port(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

namespace {

constexpr std::string_view kIsidSep = ",i,0x";

// The iSCSI name part of an initiator port TransportID text.
std::string_view name_of(std::string_view port) {
  size_t p = port.find(kIsidSep);
  return p == std::string_view::npos ? port : port.substr(0, p);
}

}  // namespace

bool Registrant::matches(ItNexusId n) const {
  if (!all_tg_pt && rel_tgt_id != n.rel_tgt_id) return false;
  if (same_port(port, n.port)) return true;
  // A name-only TransportID covers every ISID of that initiator.
  return port.find(kIsidSep) == std::string::npos && same_port(port, name_of(n.port));
}

int PrState::find(ItNexusId n) const {
  for (size_t i = 0; i < regs.size(); ++i)
    if (regs[i].matches(n)) return int(i);
  return -1;
}

bool PrState::is_holder(ItNexusId n) const {
  if (!reserved()) return false;
  int i = find(n);
  if (i < 0) return false;
  return pr::all_registrants(type) || regs[size_t(i)].holder;
}

namespace {

PrOutResult conflict() { return PrOutResult{PrOutResult::kConflict, {}, false, {}}; }
PrOutResult check(const Sense& s) { return PrOutResult{PrOutResult::kCheck, s, false, {}}; }
PrOutResult good(bool changed) { return PrOutResult{PrOutResult::kGood, {}, changed, {}}; }

// Ends the reservation (no unit attentions here).
void drop_reservation(PrState& st) {
  st.type = 0;
  for (Registrant& r : st.regs) r.holder = false;
}

// Notifies every registrant except index `skip` (-1: none).
void ua_to_registrants(const PrState& st, int skip, uint16_t asc, PrOutResult& res) {
  for (size_t i = 0; i < st.regs.size(); ++i)
    if (int(i) != skip) res.uas.push_back({st.regs[i], asc});
}

// Removes registration i, releasing the reservation when its holder goes
// (SPC-4 5.13.11.2.3: registrants-only types notify the remaining
// registrants with RESERVATIONS RELEASED; all-registrants types end with
// their last registrant).
void unregister(PrState& st, size_t i, PrOutResult& res) {
  bool was_holder = st.regs[i].holder;
  st.regs.erase(st.regs.begin() + long(i));
  if (!st.reserved()) return;
  if (pr::all_registrants(st.type)) {
    if (st.regs.empty()) drop_reservation(st);
  } else if (was_holder) {
    uint8_t old = st.type;
    drop_reservation(st);
    if (pr::registrants_type(old)) ua_to_registrants(st, -1, asc::kReservationsReleased, res);
  }
}

PrOutResult do_register(PrState& st, ItNexusId me, const PrOutRequest& r, bool ignore_key) {
  int mine = st.find(me);
  PrOutResult res = good(true);
  if (mine < 0) {
    if (!ignore_key && r.key != 0) return conflict();
    if (r.sa_key == 0) return good(false);  // nothing to register
    if (r.all_tg_pt) {
      // One registration must cover the port everywhere; refuse to merge
      // with registrations it already has through other target ports.
      for (const Registrant& g : st.regs)
        if (same_port(g.port, me.port)) return conflict();
    }
    if (st.regs.size() >= pr::kMaxRegistrants)
      return check(Sense::illegal(asc::kInsufficientRegistrationResources));
    st.regs.push_back(Registrant{r.sa_key, std::string(me.port), me.rel_tgt_id, r.all_tg_pt, false});
  } else {
    if (!ignore_key && r.key != st.regs[size_t(mine)].key) return conflict();
    if (r.sa_key == 0)
      unregister(st, size_t(mine), res);
    else
      st.regs[size_t(mine)].key = r.sa_key;
  }
  st.aptpl = r.aptpl;
  ++st.generation;
  return res;
}

PrOutResult do_reserve(PrState& st, ItNexusId me, const PrOutRequest& r) {
  int mine = st.find(me);
  if (mine < 0 || st.regs[size_t(mine)].key != r.key) return conflict();
  if (!st.reserved()) {
    st.type = r.type;
    if (!pr::all_registrants(r.type)) st.regs[size_t(mine)].holder = true;
    return good(true);
  }
  // Holder re-reserving with the same type and scope: no change. Anything
  // else (another type, or another nexus) conflicts.
  if (st.is_holder(me) && st.type == r.type) return good(false);
  return conflict();
}

PrOutResult do_release(PrState& st, ItNexusId me, const PrOutRequest& r) {
  int mine = st.find(me);
  if (mine < 0 || st.regs[size_t(mine)].key != r.key) return conflict();
  if (!st.is_holder(me)) return good(false);  // nothing of ours to release
  if (r.type != st.type) return check(Sense::illegal(asc::kInvalidReleaseOfPersistentReservation));
  uint8_t old = st.type;
  drop_reservation(st);
  PrOutResult res = good(true);
  if (pr::registrants_type(old)) ua_to_registrants(st, mine, asc::kReservationsReleased, res);
  return res;
}

PrOutResult do_clear(PrState& st, ItNexusId me, const PrOutRequest& r) {
  int mine = st.find(me);
  if (mine < 0 || st.regs[size_t(mine)].key != r.key) return conflict();
  PrOutResult res = good(true);
  ua_to_registrants(st, mine, asc::kReservationsPreempted, res);
  st.regs.clear();
  drop_reservation(st);
  ++st.generation;
  return res;
}

// Removes every registration except index `keep` whose key is `key` (or
// every one when `any`), notifying each (and, for PREEMPT AND ABORT, telling
// it its commands were cleared). Returns how many went; `keep` follows its
// registration's new index.
size_t remove_regs(PrState& st, bool any, uint64_t key, int& keep, bool abort, PrOutResult& res) {
  size_t n = 0;
  for (size_t i = 0; i < st.regs.size();) {
    if ((!any && st.regs[i].key != key) || int(i) == keep) {
      ++i;
      continue;
    }
    res.uas.push_back({st.regs[i], asc::kRegistrationsPreempted});
    if (abort) res.uas.push_back({st.regs[i], asc::kCommandsClearedByAnotherInitiator});
    st.regs.erase(st.regs.begin() + long(i));
    if (keep > int(i)) --keep;
    ++n;
  }
  return n;
}

bool holder_has_key(const PrState& st, uint64_t key) {
  for (const Registrant& g : st.regs)
    if (g.holder) return g.key == key;
  return false;
}

// The sender takes a new reservation of `type`.
void take_reservation(PrState& st, int mine, uint8_t type) {
  drop_reservation(st);
  st.type = type;
  if (!pr::all_registrants(type)) st.regs[size_t(mine)].holder = true;
}

PrOutResult do_preempt(PrState& st, ItNexusId me, const PrOutRequest& r, bool abort) {
  int mine = st.find(me);
  if (mine < 0 || st.regs[size_t(mine)].key != r.key) return conflict();
  PrOutResult res = good(true);
  bool all_reg = st.reserved() && pr::all_registrants(st.type);
  if (all_reg && r.sa_key == 0) {
    // Preempting an all-registrants reservation: every other registration
    // goes and the sender holds a new reservation (5.13.11.4.2).
    remove_regs(st, true, 0, mine, abort, res);
    take_reservation(st, mine, r.type);
  } else if (st.reserved() && !all_reg && holder_has_key(st, r.sa_key)) {
    // Preempting the holder: registrations under SARK go (the sender keeps
    // its own even when it has that key), the sender holds the new
    // reservation; a changed type is announced to the remaining registrants.
    uint8_t old = st.type;
    remove_regs(st, false, r.sa_key, mine, abort, res);
    take_reservation(st, mine, r.type);
    if (old != r.type) ua_to_registrants(st, mine, asc::kReservationsReleased, res);
  } else {
    // Removing registrations only (5.13.11.4.3); the reservation stays.
    if (r.sa_key == 0) return check(Sense::invalid_param(8));
    int keep = -1;
    if (remove_regs(st, false, r.sa_key, keep, abort, res) == 0) return conflict();
    if (all_reg && st.regs.empty()) drop_reservation(st);
  }
  ++st.generation;
  return res;
}

PrOutResult do_register_and_move(PrState& st, ItNexusId me, const PrOutRequest& r) {
  int mine = st.find(me);
  if (mine < 0 || st.regs[size_t(mine)].key != r.key) return conflict();
  if (!st.reserved() || pr::all_registrants(st.type) || !st.regs[size_t(mine)].holder) return conflict();
  if (r.sa_key == 0) return check(Sense::invalid_param(8));
  ItNexusId dest{r.move_port, r.move_rel_tgt_id};
  if (st.regs[size_t(mine)].matches(dest)) return check(Sense::invalid_param(24));
  int d = st.find(dest);
  if (d < 0) {
    if (st.regs.size() >= pr::kMaxRegistrants)
      return check(Sense::illegal(asc::kInsufficientRegistrationResources));
    st.regs.push_back(Registrant{r.sa_key, r.move_port, r.move_rel_tgt_id, false, false});
    d = int(st.regs.size() - 1);
  }
  st.regs[size_t(mine)].holder = false;
  st.regs[size_t(d)].holder = true;
  if (r.unreg) st.regs.erase(st.regs.begin() + mine);
  st.aptpl = r.aptpl;
  ++st.generation;
  return good(true);
}

}  // namespace

PrOutResult pr_out(PrState& st, ItNexusId me, const PrOutRequest& r) {
  switch (r.action) {
    case pr::kRegister: return do_register(st, me, r, false);
    case pr::kRegisterAndIgnore: return do_register(st, me, r, true);
    case pr::kReserve: return do_reserve(st, me, r);
    case pr::kRelease: return do_release(st, me, r);
    case pr::kClear: return do_clear(st, me, r);
    case pr::kPreempt: return do_preempt(st, me, r, false);
    case pr::kPreemptAndAbort: return do_preempt(st, me, r, true);
    case pr::kRegisterAndMove: return do_register_and_move(st, me, r);
    default: return check(Sense::invalid_cdb(1, 4));
  }
}

}  // namespace esan::scsi
