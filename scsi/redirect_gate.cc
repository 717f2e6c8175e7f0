// The per-command redirect decision (scsi/redirect.h) and what a trusted
// nexus may run. Lock-free: the LU's device group pointer and its target
// port groups' states are atomics.
#include "common/clock.h"
#include "scsi/alua.h"
#include "scsi/command.h"
#include "scsi/dispatcher.h"
#include "scsi/redirect.h"

namespace esan::scsi {

void forwarded(Task& task) { complete(task); }

namespace {
// See "Hold" in redirect.h: true when the task waits to be executed again.
bool hold(Nexus& nexus, Task& t, const DeviceGroup& dg) {
  if (!dg.redirect_hold_ms() || !t.executor) return false;
  uint64_t now = mono_ns();
  if (!t.hold_until_ns) t.hold_until_ns = now + uint64_t(dg.redirect_hold_ms()) * 1'000'000;
  if (now >= t.hold_until_ns) return false;
  Nexus* n = &nexus;
  t.executor->post_after(kHoldRecheckMs, [n, &t] {
    if (!t.aborted) return execute(*n, t);
    // Terminated while held: never run (its initiator may already have
    // sent the command again elsewhere).
    t.status = kTaskAborted;
    t.sense_len = 0;
    t.data.clear();
    t.lu_hold.reset();
    complete(t);
  });
  return true;
}

// What a forwarded task needs to be held again (retry_unreached()).
struct Forwarding {
  Nexus* nexus;
};
}  // namespace

std::optional<Flow> redirect(Cmd& c) {
  if (c.nexus.trusted || !c.lu) return std::nullopt;
  const DeviceGroup* dg = c.lu->alua_group();
  if (!dg || dg->io_policy() != IoPolicy::kRedirect) return std::nullopt;
  bool medium = accesses_medium(c.cdb);
  bool refused = c.cdb[0] == op::kExtendedCopy || c.cdb[0] == op::kSanitize;
  if (!medium && !refused) return std::nullopt;
  const TargetPortGroup* tpg = dg->group_of_port(c.nexus.rel_tgt_id);
  if (!tpg || tpg->state() != AluaState::kActiveNonOptimized) return std::nullopt;
  if (refused) return fail(c, Sense::illegal(asc::kInvalidCommandOperationCode));
  Redirector* r = dg->optimized_redirector();
  // No peer owns the medium right now, or it cannot be reached yet (roles
  // are changing): wait for one, then let the initiator retry elsewhere.
  if ((!r || !r->ready_for(c.task)) && hold(c.nexus, c.task, *dg)) return Flow::kAsync;
  if (!r) return fail(c, Sense::make(SenseKey::kNotReady, asc::kNotAccessibleAluaTransition));
  c.task.start_state(Forwarding{&c.nexus});
  r->forward(c.task, *c.lu);
  return Flow::kAsync;
}

bool retry_unreached(Task& t) {
  const LogicalUnit* lu = t.lu_hold.get();
  const DeviceGroup* dg = lu ? lu->alua_group() : nullptr;
  if (!dg || t.aborted) return false;
  if (t.dir == DataDir::kIn) t.data.clear();
  t.status = kGood;
  t.sense_len = 0;
  return hold(*t.state<Forwarding>().nexus, t, *dg);
}

bool trusted_refuses(Cmd& c) {
  if (!c.nexus.trusted) return false;
  const uint8_t* cdb = c.cdb;
  if (accesses_medium(cdb)) return false;
  switch (cdb[0]) {
    case op::kInquiry:
    case op::kReportLuns:
    case op::kTestUnitReady:
    case op::kReadCapacity10: return false;
    case op::kServiceActionIn16:
      if ((cdb[1] & 0x1F) == op::kSaReadCapacity16) return false;
      break;
    default: break;
  }
  fail(c, Sense::illegal(asc::kInvalidCommandOperationCode));
  return true;
}

}  // namespace esan::scsi
