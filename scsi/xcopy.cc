// EXTENDED COPY (LID1) (SPC-4 6.4): validates the parameter list
// (xcopy_parse.cc), then copies every block -> block segment through the
// backends: read up to kXcopyChunkBytes from the source into the task's
// buffer, write it to the destination, repeat. One request is in flight at a
// time, so memory stays bounded whatever the segment sizes; the reactor
// thread never blocks (completions drive the next request; inline
// completions loop without recursion, like io_steps.cc). Writes carry FUA
// when the destination needs it (write_through, WCE=0). A segment whose
// source and destination overlap on one LU with the destination above the
// source is copied from its end, so the result is that of a memmove.
//
// The job holds shared_ptrs to every source and destination LU, so they
// stay alive even if the LUN maps drop them meanwhile. The result goes to
// the nexus' CopyResults for RECEIVE COPY RESULTS (LIST ID USAGE 00b keeps
// it; 10b only while running; 11b never). A list id already running on this
// nexus and LU gets OPERATION IN PROGRESS; more than
// kXcopyMaxConcurrentCopies copies at once on a nexus get TASK SET FULL.
// A backend error ends the command with COPY ABORTED carrying the segment
// number and the failing side's sense (MEDIUM ERROR etc.), forwarded.
#include <cerrno>
#include <memory>

#include "common/bytes.h"
#include "scsi/command.h"
#include "scsi/io_steps.h"
#include "scsi/opcodes.h"
#include "scsi/xcopy.h"

namespace esan::scsi {
namespace {

enum class Phase : uint8_t { kIdle, kReading, kWriting };

struct CopyJob {
  Nexus* nexus = nullptr;
  uint64_t lun = 0;
  CopyPlan plan;
  bool tracked = false;  // has a CopyRecord
  size_t seg = 0;
  uint64_t seg_done = 0;  // bytes of plan.segments[seg] written
  uint32_t chunk = 0;
  Phase phase = Phase::kIdle;
  backend::BlockDevice* dev = nullptr;  // target of t.io
  uint64_t total = 0;
  bool in_submit = false, inline_done = false;
  int inline_result = 0;
};

// The command's state (Task::state, scsi/command_state.h): the job, owned
// from cmd_extended_copy() until finish() deletes it.
struct CopyState {
  CopyJob* job = nullptr;
};

CopyJob& job_of(Task& t) { return *t.state<CopyState>().job; }

// Sense for a failed backend request (as a CSCD would report it).
Sense backend_sense(int err, bool write) {
  switch (-err) {
    case ENOSPC:
    case EDQUOT: return Sense::make(SenseKey::kDataProtect, asc::kSpaceAllocationFailedWriteProtect);
    case EROFS: return Sense::make(SenseKey::kDataProtect, asc::kWriteProtected);
    case EIO:
    case EILSEQ:
    case EBADMSG:
    case ENODATA:
      return Sense::make(SenseKey::kMediumError, write ? asc::kWriteError : asc::kUnrecoveredReadError);
    default: return Sense::make(SenseKey::kHardwareError, asc::kInternalTargetFailure);
  }
}

bool backward(const CopySegment& s) {
  return s.src == s.dst && s.dst_off > s.src_off && s.dst_off < s.src_off + s.bytes;
}

void record_progress(CopyJob& j) {
  if (!j.tracked) return;
  if (CopyRecord* r = j.nexus->copy_results->find(j.lun, j.plan.list_id)) {
    r->segments_processed = uint16_t(j.seg);
    r->bytes = j.total;
  }
}

// Chooses the next request, or returns false when the copy is over (status set).
bool next_request(Task& t, CopyJob& j, int res) {
  if (res < 0) {
    bool write = j.phase == Phase::kWriting;
    CopyAbort a;
    a.segment = uint16_t(j.seg);
    a.cscd_role = write ? 2 : 1;
    a.cscd_sense = backend_sense(res, write);
    copy_aborted(t, a, t.lu_hold->d_sense());
    return false;
  }
  if (j.phase == Phase::kReading) {  // data in hand: write it
    const CopySegment& s = j.plan.segments[j.seg];
    uint64_t at = backward(s) ? s.bytes - j.seg_done - j.chunk : j.seg_done;
    j.phase = Phase::kWriting;
    j.dev = &s.dst->device();
    set_io(t, backend::IoOp::kWrite, s.dst_off + at, j.chunk, t.data.data(), s.dst->force_fua());
    return true;
  }
  if (j.phase == Phase::kWriting) {
    j.seg_done += j.chunk;
    j.total += j.chunk;
    if (j.seg_done == j.plan.segments[j.seg].bytes) {
      ++j.seg;
      j.seg_done = 0;
    }
    record_progress(j);
  }
  if (j.seg == j.plan.segments.size()) return false;  // GOOD
  const CopySegment& s = j.plan.segments[j.seg];
  uint64_t left = s.bytes - j.seg_done;
  j.chunk = uint32_t(left < kXcopyChunkBytes ? left : kXcopyChunkBytes);
  uint64_t at = backward(s) ? s.bytes - j.seg_done - j.chunk : j.seg_done;
  j.phase = Phase::kReading;
  j.dev = &s.src->device();
  set_io(t, backend::IoOp::kRead, s.src_off + at, j.chunk, t.data.data(), false);
  return true;
}

void finish(Task& t) {
  std::unique_ptr<CopyJob> j(&job_of(t));
  t.state<CopyState>().job = nullptr;
  CopyResults& cr = *j->nexus->copy_results;
  --cr.active;
  if (j->tracked) cr.finish(j->lun, j->plan.list_id, t.status != kGood);
  t.data.clear();
  j.reset();  // drops the LU holds before the owner hears of the task
  complete(t);
}

void drive(Task& t, int res) {
  for (;;) {
    CopyJob& j = job_of(t);
    if (!next_request(t, j, res)) return finish(t);
    t.io.user = &t;
    t.io.on_done = [](backend::IoRequest& req, int r) {
      Task& task = *static_cast<Task*>(req.user);
      CopyJob& job = job_of(task);
      if (r >= 0 && uint32_t(r) != req.len) r = -EIO;
      if (job.in_submit) {
        job.inline_done = true;
        job.inline_result = r;
        return;
      }
      drive(task, r);
    };
    j.in_submit = true;
    j.inline_done = false;
    submit_io(t, *j.dev);
    j.in_submit = false;
    if (!j.inline_done) return;
    res = j.inline_result;
  }
}

}  // namespace

Flow cmd_extended_copy(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  Task& t = c.task;
  uint32_t plen = load_be32(cdb + 10);
  t.out_wanted = plen;
  if ((cdb[1] & 0x1F) != op::kSaExtendedCopyLid1) return fail_cdb(c, 1, 4);  // LID4 and others
  if (plen == 0) return Flow::kDone;  // no parameter data: not an error
  if (short_data_out(c, plen)) return Flow::kDone;
  size_t have = plen;
  auto plan = parse_xcopy(c.nexus, {t.data.data(), have});
  if (!plan) {
    if (!plan.error().copy_aborted) return fail(c, plan.error().sense);
    t.data.clear();
    copy_aborted(t, plan.error().abort, c.desc());
    return Flow::kDone;
  }
  if (!c.nexus.copy_results) c.nexus.copy_results = std::make_shared<CopyResults>();
  CopyResults& cr = *c.nexus.copy_results;
  bool tracked = plan->usage != ListIdUsage::kNone;
  if (tracked) {
    CopyRecord* r = cr.find(t.lun, plan->list_id);
    if (r && !r->done) return fail(c, Sense::illegal(asc::kOperationInProgress));
  }
  if (cr.active >= kXcopyMaxConcurrentCopies) {
    t.data.clear();
    t.status = kTaskSetFull;
    return Flow::kDone;
  }
  if (tracked) cr.start(t.lun, plan->list_id, plan->usage == ListIdUsage::kHold);
  ++cr.active;

  auto job = std::make_unique<CopyJob>();
  job->nexus = &c.nexus;
  job->lun = t.lun;
  job->tracked = tracked;
  job->plan = std::move(*plan);
  uint64_t biggest = 0;
  for (auto& s : job->plan.segments) biggest = s.bytes > biggest ? s.bytes : biggest;
  t.data.resize(size_t(biggest < kXcopyChunkBytes ? biggest : kXcopyChunkBytes));  // the bounce buffer
  t.start_state(CopyState{.job = job.release()});
  drive(t, 0);
  return Flow::kAsync;
}

}  // namespace esan::scsi
