#include "scsi/dispatcher.h"

#include <cstring>
#include <optional>

#include "common/clock.h"
#include "common/log.h"
#include "scsi/command.h"
#include "scsi/logical_unit.h"
#include "scsi/opcodes.h"
#include "scsi/redirect.h"
#include "scsi/sanitize.h"
#include "scsi/shared_state.h"

namespace esan::scsi {

Flow reply(Cmd& c, std::span<const uint8_t> produced, size_t alloc_len) {
  size_t n = produced.size() < alloc_len ? produced.size() : alloc_len;
  c.task.data.resize(n);
  if (n) std::memcpy(c.task.data.data(), produced.data(), n);
  c.task.status = kGood;
  return Flow::kDone;
}

void release_hold(Task& t) {
  if (t.hold.kind != RangeHold::kNone) t.lu_hold->ranges().release(t);
}

namespace {
// Counts a command in its LU's statistics (lu_stats.h).
void account(LogicalUnit& lu, const Task& t) {
  OpClass c = op_class(t.cdb[0]);
  uint64_t bytes = 0;
  if (t.status == kGood || t.status == kConditionMet) {
    if (c == OpClass::kRead) bytes = t.data.size() < t.expected_len ? t.data.size() : t.expected_len;
    else if (c == OpClass::kWrite) bytes = t.data.size();
  }
  lu.stats().record(c, bytes, mono_ns() - t.start_ns, t.status == kCheckCondition);
}
}  // namespace

void complete(Task& t) {
  // Commands that went asynchronous hold their LU; execute() accounts for
  // the synchronous ones itself (after dropping the hold). Internal tasks
  // (a sanitize job's) never passed execute(): start_ns 0, not counted.
  if (t.lu_hold && t.start_ns) account(*t.lu_hold, t);
  release_hold(t);
  if (t.status_as_sense && t.status != kGood && t.status != kCheckCondition && t.status != kReservationConflict) {
    uint8_t carried = t.status;
    t.data.clear();
    check_condition(t, Sense::make(SenseKey::kVendorSpecific, uint16_t(kStatusSenseAsc << 8 | carried)), false);
  }
  t.owner->task_done(t);
}

Flow propose(Cmd& c, cluster::Change change) {
  std::shared_ptr<cluster::Coordinator> co = c.lu->coordinator();
  if (!co || !c.task.executor) {
    ESAN_LOG_ERROR("{}: no shared state coordinator; command 0x{:02x} failed", c.lu->name(), c.cdb[0]);
    return fail(c, Sense::make(SenseKey::kHardwareError, asc::kInternalTargetFailure));
  }
  Task* t = &c.task;
  co->propose(std::move(change), t->executor, [t](Result<cluster::Reply> r) {
    SharedReply rep = decode_reply(r);
    t->data.clear();
    t->status = rep.status;
    if (rep.status == kCheckCondition) check_condition(*t, rep.sense, t->lu_hold && t->lu_hold->d_sense());
    complete(*t);
  });
  return Flow::kAsync;
}

namespace {

const LunMapping* find_lun(const Nexus& nexus, uint64_t lun) {
  if (!nexus.luns) return nullptr;
  auto it = nexus.luns->find(lun);
  if (it == nexus.luns->end() || !it->second.lu) return nullptr;
  return &it->second;
}

Flow run(Cmd& c) {
  // READ and WRITE: the opcodes the statistics count as such (op_class(),
  // opcodes.h).
  switch (op_class(c.cdb[0])) {
    case OpClass::kRead: return cmd_read(c);
    case OpClass::kWrite: return cmd_write(c);
    case OpClass::kOther: break;
  }
  switch (c.cdb[0]) {
    case op::kTestUnitReady: return cmd_test_unit_ready(c);
    case op::kRequestSense: return cmd_request_sense(c);
    case op::kInquiry: return cmd_inquiry(c);
    case op::kReportLuns: return cmd_report_luns(c);
    case op::kPersistentReserveIn: return cmd_persistent_reserve_in(c);
    case op::kPersistentReserveOut: return cmd_persistent_reserve_out(c);
    case op::kReserve6:
    case op::kReserve10: return cmd_reserve(c);
    case op::kRelease6:
    case op::kRelease10: return cmd_release(c);
    case op::kModeSense6:
    case op::kModeSense10: return cmd_mode_sense(c);
    case op::kModeSelect6:
    case op::kModeSelect10: return cmd_mode_select(c);
    case op::kStartStopUnit: return cmd_start_stop_unit(c);
    case op::kPreventAllow: return cmd_prevent_allow(c);
    case op::kReadCapacity10: return cmd_read_capacity10(c);
    case op::kServiceActionIn16:
      if ((c.cdb[1] & 0x1F) == op::kSaReadCapacity16) return cmd_read_capacity16(c);
      if ((c.cdb[1] & 0x1F) == op::kSaGetLbaStatus) return cmd_get_lba_status(c);
      return fail_cdb(c, 1, 4);
    case op::kMaintenanceIn:
      if ((c.cdb[1] & 0x1F) == op::kSaReportTargetPortGroups) return cmd_report_target_port_groups(c);
      if ((c.cdb[1] & 0x1F) == op::kSaReportSupportedOpcodes) return cmd_report_supported_opcodes(c);
      if ((c.cdb[1] & 0x1F) == op::kSaReportSupportedTmfs) return cmd_report_supported_tmfs(c);
      return fail_cdb(c, 1, 4);
    case op::kMaintenanceOut:
      if ((c.cdb[1] & 0x1F) == op::kSaSetTargetPortGroups) return cmd_set_target_port_groups(c);
      return fail_cdb(c, 1, 4);
    case op::kVerify10:
    case op::kVerify12:
    case op::kVerify16: return cmd_verify(c);
    case op::kSyncCache10:
    case op::kSyncCache16: return cmd_sync_cache(c);
    case op::kPrefetch10:
    case op::kPrefetch16: return cmd_prefetch(c);
    case op::kWriteSame10:
    case op::kWriteSame16: return cmd_write_same(c);
    case op::kUnmap: return cmd_unmap(c);
    case op::kCompareAndWrite: return cmd_compare_and_write(c);
    case op::kOrWrite16: return cmd_orwrite(c);
    case op::kExtendedCopy: return cmd_extended_copy(c);
    case op::kReceiveCopyResults: return cmd_receive_copy_results(c);
    case op::kWriteAtomic16: return cmd_write_atomic16(c);
    case op::kSanitize: return cmd_sanitize(c);
    case op::kReadDefectData10:
    case op::kReadDefectData12: return cmd_read_defect_data(c);
    default: return fail(c, Sense::illegal(asc::kInvalidCommandOperationCode));
  }
}

// Commands that neither report nor clear a pending unit attention.
bool ua_exempt(uint8_t opcode) {
  return opcode == op::kInquiry || opcode == op::kReportLuns || opcode == op::kRequestSense;
}

// An HA member that has not taken the cluster's LU state yet answers every
// command but these with NOT READY, BECOMING READY: an initiator retries,
// or uses another path, and never sees stale reservations.
bool cluster_not_ready(Cmd& c) {
  if (c.lu->shared_state_ready()) return false;
  uint8_t opcode = c.cdb[0];
  if (ua_exempt(opcode) ||
      (opcode == op::kMaintenanceIn && (c.cdb[1] & 0x1F) == op::kSaReportTargetPortGroups))
    return false;
  fail(c, Sense::make(SenseKey::kNotReady, asc::kBecomingReady));
  return true;
}

}  // namespace

void execute(Nexus& nexus, Task& task) {
  if (!task.hold_until_ns) task.start_ns = mono_ns();  // a held command keeps its first start
  task.status_as_sense = nexus.trusted;
  task.status = kGood;
  task.sense_len = 0;
  task.out_wanted = 0;
  if (task.dir != DataDir::kOut) task.data.clear();

  const LunMapping* m = find_lun(nexus, task.lun);
  Cmd c{nexus, task, m ? m->lu.get() : nullptr, m && (m->read_only || m->lu->read_only() || m->lu->swp()),
        task.cdb};
  uint8_t opcode = task.cdb[0];
  unsigned len = op::cdb_length(opcode);

  Flow flow = Flow::kDone;
  if (len == 0 || task.cdb_len < len) {
    fail(c, Sense::illegal(asc::kInvalidCommandOperationCode));
  } else if (!c.lu && opcode != op::kInquiry && opcode != op::kReportLuns && opcode != op::kRequestSense) {
    fail(c, Sense::illegal(asc::kLogicalUnitNotSupported));
  } else {
    std::optional<uint16_t> ua;
    // Both before unit attentions, which stay pending.
    bool blocked = c.lu && (cluster_not_ready(c) || sanitize_blocks(c));
    // A trusted nexus (the HA peer's forwarded commands, scsi/redirect.h)
    // was checked by the forwarding node: no UA, ALUA or reservation check.
    bool trusted = nexus.trusted;
    if (!blocked && !trusted && c.lu && !ua_exempt(opcode) && c.lu->ua_maybe_pending()) ua = c.lu->ua_take(nexus.id);
    if (blocked || trusted_refuses(c)) {
    } else if (ua) {
      fail(c, Sense::make(SenseKey::kUnitAttention, *ua));
    } else if (!trusted && alua_refused(c)) {
      // NOT READY: the target port group's ALUA state does not allow it
    } else if (!trusted && c.lu && c.lu->reservations().conflicts(nexus, task.cdb)) {
      task.status = kReservationConflict;
    } else if (task.cdb[len - 1] & 0x04) {  // NACA=1: ACA is not supported
      fail_cdb(c, uint16_t(len - 1), 2);
    } else {
      if (m) task.lu_hold = m->lu;
      std::optional<Flow> r = redirect(c);
      flow = r ? *r : run(c);
    }
  }
  if (flow == Flow::kDone) {
    if (c.lu) account(*c.lu, task);
    release_hold(task);
    task.lu_hold.reset();
    complete(task);
  }
}

void nexus_attached(Nexus& nexus) {
  if (!nexus.luns || nexus.trusted) return;
  for (auto& [lun, m] : *nexus.luns) {
    if (!m.lu) continue;
    // A nexus of this identity still registered is the session this one
    // reinstates (or one closing): its pending unit attentions are owed to
    // the I_T nexus, so they move here. Ourselves: an LU mapped twice.
    std::optional<uint64_t> before = m.lu->reservations().nexus_of(identity_of(nexus));
    if (nexus.abort_tasks) m.lu->set_aborter(nexus.id, [abort = nexus.abort_tasks, lun] { abort(lun); });
    if (before == nexus.id) continue;
    m.lu->ua_register(nexus.id, asc::kPowerOnResetOrBusDeviceReset);
    if (before) m.lu->ua_inherit(*before, nexus.id);
    m.lu->reservations().attach(nexus);
  }
}

namespace {
// Runs `done` when the count reaches zero: one per shared change someone
// waits for (a TMF's resets, a logout's reservation ends). Only touched on
// the executor the completions are posted to.
struct Countdown {
  size_t left;
  std::function<void()> done;
  void one() {
    if (--left == 0) done();
  }
};

// I_T nexus loss on one LU: local at once; ending the SPC-2 reservation the
// nexus held is a shared change, proposed with nobody waiting unless `wait`
// is given (then it counts down on `where` once applied or refused).
void forget(LogicalUnit& lu, const Nexus& nexus, reactor::Executor* where = nullptr,
            const std::shared_ptr<Countdown>& wait = nullptr) {
  lu.ua_unregister(nexus.id);
  if (!lu.reservations().detach(nexus.id)) return;
  auto co = lu.coordinator();
  if (!co) return;
  if (!wait) return co->propose(nexus_loss_change(lu.name(), identity_of(nexus)), nullptr, nullptr);
  ++wait->left;
  co->propose(nexus_loss_change(lu.name(), identity_of(nexus)), where,
              [wait](Result<cluster::Reply>) { wait->one(); });
}
}  // namespace

void nexus_detached(Nexus& nexus) {
  if (!nexus.luns || nexus.trusted) return;
  for (auto& [lun, m] : *nexus.luns)
    if (m.lu) forget(*m.lu, nexus);
}

void nexus_detached(Nexus& nexus, reactor::Executor& where, std::function<void()> done) {
  // One count held until every change is proposed, so `done` never runs
  // inline nor before the last proposal's completion.
  auto wait = std::make_shared<Countdown>(Countdown{1, std::move(done)});
  if (nexus.luns && !nexus.trusted)
    for (auto& [lun, m] : *nexus.luns)
      if (m.lu) forget(*m.lu, nexus, &where, wait);
  where.post([wait] { wait->one(); });
}

void set_lun_map(Nexus& nexus, std::shared_ptr<const LunMap> luns) {
  auto old = std::move(nexus.luns);
  nexus.luns = std::move(luns);
  if (nexus.trusted) return;  // no unit attentions, no reservations
  auto in_map = [](const LunMap* map, const LogicalUnit* lu) {
    if (!map) return false;
    for (auto& [n, m] : *map)
      if (m.lu.get() == lu) return true;
    return false;
  };
  if (old) {
    for (auto& [lun, m] : *old)
      if (m.lu && !in_map(nexus.luns.get(), m.lu.get())) forget(*m.lu, nexus);
  }
  if (nexus.luns) {
    for (auto& [lun, m] : *nexus.luns) {
      if (!m.lu) continue;
      m.lu->ua_register(nexus.id, asc::kReportedLunsDataHasChanged);
      m.lu->reservations().attach(nexus);
    }
  }
}

bool lun_exists(const Nexus& nexus, uint64_t lun) { return find_lun(nexus, lun) != nullptr; }

namespace {
// Counts the committed resets of one TMF down to its response.
void reset_lus(Nexus& nexus, std::vector<LogicalUnit*> lus, uint16_t a, reactor::Executor& where,
               std::function<void()> done) {
  auto wait = std::make_shared<Countdown>(Countdown{lus.size(), std::move(done)});
  auto one_done = [wait] { wait->one(); };
  if (lus.empty()) return where.post(std::move(wait->done));
  for (LogicalUnit* lu : lus) {
    lu->reset_prevent();
    sanitize_detach(*lu, nexus.id);
    auto co = lu->coordinator();
    if (!co) {
      ESAN_LOG_ERROR("{}: no shared state coordinator; reset not applied", lu->name());
      where.post(one_done);
      continue;
    }
    co->propose(reset_change(lu->name(), a), &where, [one_done](Result<cluster::Reply>) { one_done(); });
  }
}
}  // namespace

void lun_reset(Nexus& nexus, uint64_t lun, reactor::Executor& where, std::function<void()> done) {
  std::vector<LogicalUnit*> lus;
  if (const LunMapping* m = find_lun(nexus, lun)) lus.push_back(m->lu.get());
  reset_lus(nexus, std::move(lus), asc::kBusDeviceResetFunctionOccurred, where, std::move(done));
}

void target_reset(Nexus& nexus, bool cold, reactor::Executor& where, std::function<void()> done) {
  std::vector<LogicalUnit*> lus;
  if (nexus.luns)
    for (auto& [lun, m] : *nexus.luns)
      if (m.lu) lus.push_back(m.lu.get());
  uint16_t a = cold ? asc::kPowerOnOccurred : asc::kBusDeviceResetFunctionOccurred;
  reset_lus(nexus, std::move(lus), a, where, std::move(done));
}

void clear_task_set(Nexus& nexus, uint64_t lun) {
  const LunMapping* m = find_lun(nexus, lun);
  if (!m) return;
  if (auto co = m->lu->coordinator())
    co->propose(clear_task_set_change(m->lu->name(), identity_of(nexus)), nullptr, nullptr);
}

}  // namespace esan::scsi
