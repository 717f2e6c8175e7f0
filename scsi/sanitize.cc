// SANITIZE (SBC-4 5.30): OVERWRITE, BLOCK ERASE, EXIT FAILURE MODE.
//
// CDB checks, in order: reserved bit (byte 1 bit 6) and bytes 2-6 ->
// INVALID FIELD IN CDB; service action other than OVERWRITE, BLOCK ERASE
// (thin LUs only: it deallocates) and EXIT FAILURE MODE -> INVALID FIELD IN
// CDB (CRYPTOGRAPHIC ERASE is not supported: there is no encryption key to
// change); PARAMETER LIST LENGTH not 0 (BLOCK ERASE, EXIT FAILURE MODE) or
// not in 5..block size + 4 (OVERWRITE) -> INVALID FIELD IN CDB; no medium ->
// NOT READY; write protection (LU, LUN mapping) -> DATA PROTECT, WRITE
// PROTECTED. OVERWRITE parameter list: fewer bytes than the length ->
// PARAMETER LIST LENGTH ERROR; byte 1, TEST != 0, OVERWRITE COUNT 0,
// INITIALIZATION PATTERN LENGTH 0, above the block size or beyond the list
// -> INVALID FIELD IN PARAMETER LIST.
//
// The operation runs in the background over the whole LU, on the executor
// (reactor) of the command that started it, through the LU's backend in chunks
// (kSanitizeChunkBytes, one request in flight): OVERWRITE writes the pattern
// (repeated to fill each block) OVERWRITE COUNT times, inverted between
// passes when INVERT=1, then flushes; BLOCK ERASE discards every block
// (reads return zeros; GET LBA STATUS reports deallocated). Overwrites are
// paced at kSanitizeBytesPerSecond (the executor's ticks) so that a
// sanitize does not starve the other LUs sharing the reactor and the disk.
//
// While it runs (SanitizeState kRunning) every command other than INQUIRY,
// REPORT LUNS and REQUEST SENSE ends with NOT READY, LOGICAL UNIT NOT READY,
// SANITIZE IN PROGRESS (04h/1Bh) with a progress indication -- checked
// before unit attentions, which stay pending; REQUEST SENSE returns that
// sense. Resets (ABORT TASK, LUN/target reset, session loss) do not stop
// it; a reset from the nexus whose SANITIZE (IMMED=0) is waiting detaches
// that command. If a backend request fails, the LU enters sanitize failure
// mode: commands other than INQUIRY, REPORT LUNS, REQUEST SENSE and SANITIZE
// end with MEDIUM ERROR, SANITIZE COMMAND FAILED (31h/03h) until a sanitize
// succeeds or EXIT FAILURE MODE is accepted (only after a failure with
// AUSE=1; otherwise it is INVALID FIELD IN CDB). EXIT FAILURE MODE outside
// failure mode is GOOD. IMMED=1 returns GOOD once the operation has started;
// IMMED=0 completes when it ends (GOOD, or MEDIUM ERROR 31h/03h).
// The running operation keeps its LU alive until it ends.
#include <cstring>

#include "common/bytes.h"
#include "scsi/command.h"
#include "scsi/io_steps.h"
#include "scsi/sanitize.h"

namespace esan::scsi {
namespace {

enum Sa : uint8_t { kOverwrite = 0x01, kBlockErase = 0x02, kCryptoErase = 0x03, kExitFailureMode = 0x1F };

// One running sanitize operation. It drives an internal Task through
// run_steps() in bursts: a burst ends when the work is done, a request
// failed, or the pacing budget is spent (then the next tick of its executor
// starts another burst).
class SanitizeJob final : public TaskOwner {
 public:
  // `executor`: the SANITIZE command's; the internal task runs on it.
  SanitizeJob(std::shared_ptr<LogicalUnit> lu, reactor::Executor* executor, uint8_t sa, bool ause)
      : sa_(sa), ause_(ause) {
    t_.lu_hold = std::move(lu);
    t_.owner = this;
    t_.executor = executor;
    total_ = t_.lu_hold->num_blocks() << t_.lu_hold->block_shift();
  }

  // OVERWRITE: fills the chunk buffer with `pattern` repeated in each block.
  void set_overwrite(const uint8_t* pattern, size_t n, unsigned passes, bool invert) {
    passes_ = passes;
    invert_ = invert;
    uint32_t bs = t_.lu_hold->block_size();
    uint64_t chunk = total_ < kSanitizeChunkBytes ? total_ : kSanitizeChunkBytes;
    t_.data.resize(size_t(chunk));
    for (size_t off = 0; off < chunk; off += bs)
      for (size_t i = 0; i < bs; i += n) std::memcpy(t_.data.data() + off + i, pattern, n < bs - i ? n : bs - i);
  }

  void start() {
    budget_ = kSanitizeBytesPerSecond;
    tick_ = t_.executor->add_tick([this] {
      budget_ = kSanitizeBytesPerSecond;
      if (paused_) burst();
    });
    burst();
  }

  void task_done(Task&) override {
    if (!failed_ && pass_ < passes_) {
      paused_ = true;  // budget spent: the next tick continues
      return;
    }
    t_.executor->post([this] { finish(); });  // not inside the backend's completion
  }

  static Step step(Task& t, int res) { return static_cast<SanitizeJob*>(t.owner)->next(res); }

 private:
  void burst() {
    paused_ = false;
    run_steps(t_, step);
  }

  Step next(int res) {
    LogicalUnit& lu = *t_.lu_hold;
    if (res < 0) {
      failed_ = true;
      return Step::kDone;
    }
    if (flushing_) {
      pass_ = passes_;
      return Step::kDone;
    }
    pos_ += in_flight_;
    in_flight_ = 0;
    if (pos_ >= total_) {
      pos_ = 0;
      if (++pass_ < passes_ && invert_)
        for (size_t i = 0; i < t_.data.size(); ++i) t_.data.data()[i] = uint8_t(~t_.data.data()[i]);
    }
    uint64_t work = uint64_t(passes_) * total_, done = uint64_t(pass_) * total_ + pos_;
    lu.sanitize().set_progress(uint16_t(work ? (done * 65535 / work) : 65535));
    if (pass_ >= passes_) {
      flushing_ = true;
      set_io(t_, backend::IoOp::kFlush, 0, 0, nullptr, false);
      return Step::kIssue;
    }
    uint64_t left = total_ - pos_;
    if (sa_ == kBlockErase) {
      uint32_t n = uint32_t(left < kSanitizeEraseChunkBytes ? left : kSanitizeEraseChunkBytes);
      set_io(t_, backend::IoOp::kDiscard, pos_, n, nullptr, false);
      in_flight_ = n;
      return Step::kIssue;
    }
    if (budget_ < t_.data.size()) return Step::kDone;  // paused until the next tick
    uint32_t n = uint32_t(left < t_.data.size() ? left : t_.data.size());
    budget_ -= n;
    set_io(t_, backend::IoOp::kWrite, pos_, n, t_.data.data(), false);
    in_flight_ = n;
    return Step::kIssue;
  }

  void finish() {
    t_.executor->cancel_tick(tick_);
    LogicalUnit& lu = *t_.lu_hold;
    lu.sanitize().finish(!failed_, ause_);
    if (Task* w = lu.sanitize().take_waiter()) {
      w->data.clear();
      if (failed_) check_condition(*w, Sense::make(SenseKey::kMediumError, asc::kSanitizeCommandFailed), lu.d_sense());
      complete(*w);
    }
    delete this;  // drops the LU reference last
  }

  Task t_;
  uint8_t sa_;
  bool ause_;
  bool invert_ = false, failed_ = false, paused_ = false, flushing_ = false;
  unsigned passes_ = 1, pass_ = 0;
  uint64_t total_ = 0, pos_ = 0, in_flight_ = 0, budget_ = 0;
  uint64_t tick_ = 0;
};

// OVERWRITE parameter list; returns true when the command has been failed.
bool bad_overwrite_list(Cmd& c, size_t plen, uint8_t& count, bool& invert, uint16_t& ip_len) {
  const AlignedBuffer& d = c.task.data;
  if (short_data_out(c, plen)) return true;
  const uint8_t* p = d.data();
  if (p[0] & 0x60) return fail(c, Sense::invalid_param(0, 6)), true;  // TEST
  if (p[1]) return fail(c, Sense::invalid_param(1)), true;
  count = p[0] & 0x1F;
  invert = p[0] & 0x80;
  ip_len = load_be16(p + 2);
  if (count == 0) return fail(c, Sense::invalid_param(0, 4)), true;
  if (ip_len == 0 || ip_len > c.lu->block_size() || ip_len > plen - 4) return fail(c, Sense::invalid_param(2)), true;
  return false;
}

}  // namespace

Flow cmd_sanitize(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  LogicalUnit& lu = *c.lu;
  bool immed = cdb[1] & 0x80, ause = cdb[1] & 0x20;
  uint8_t sa = cdb[1] & 0x1F;
  size_t plen = load_be16(cdb + 7);
  c.task.out_wanted = uint32_t(plen);
  if (cdb[1] & 0x40) return fail_cdb(c, 1, 6);
  for (uint16_t i = 2; i <= 6; ++i)
    if (cdb[i]) return fail_cdb(c, i);
  bool supported = sa == kOverwrite || sa == kExitFailureMode || (sa == kBlockErase && lu.thin());
  if (!supported) return fail_cdb(c, 1, 4);
  if (sa == kOverwrite ? (plen < 5 || plen > lu.block_size() + 4u) : plen != 0) return fail_cdb(c, 7);
  if (no_medium(c)) return Flow::kDone;
  if (sa == kExitFailureMode) {
    if (!lu.sanitize().exit_failure_mode()) return fail_cdb(c, 1, 4);
    return Flow::kDone;
  }
  if (c.write_protected) return fail(c, Sense::make(SenseKey::kDataProtect, asc::kWriteProtected));
  uint8_t count = 1;
  bool invert = false;
  uint16_t ip_len = 0;
  if (sa == kOverwrite && bad_overwrite_list(c, plen, count, invert, ip_len)) return Flow::kDone;
  if (!lu.sanitize().try_start()) {
    Sense s = Sense::make(SenseKey::kNotReady, asc::kSanitizeInProgress);
    s.progress = lu.sanitize().progress();
    return fail(c, s);
  }
  auto* job = new SanitizeJob(c.task.lu_hold, c.task.executor, sa, ause);
  if (sa == kOverwrite) job->set_overwrite(c.task.data.data() + 4, ip_len, count, invert);
  c.task.data.clear();
  if (!immed) lu.sanitize().set_waiter(&c.task, c.nexus.id);
  job->start();
  return immed ? Flow::kDone : Flow::kAsync;
}

bool sanitize_blocks(Cmd& c) {
  uint8_t opcode = c.cdb[0];
  SanitizeState::Phase ph = c.lu->sanitize().phase();
  if (ph == SanitizeState::kIdle) return false;
  if (opcode == op::kInquiry || opcode == op::kReportLuns || opcode == op::kRequestSense) return false;
  if (ph == SanitizeState::kFailed) {
    if (opcode == op::kSanitize) return false;
    fail(c, Sense::make(SenseKey::kMediumError, asc::kSanitizeCommandFailed));
    return true;
  }
  fail(c, sanitize_sense(*c.lu));
  return true;
}

Sense sanitize_sense(const LogicalUnit& lu) {
  if (lu.sanitize().phase() == SanitizeState::kFailed)
    return Sense::make(SenseKey::kMediumError, asc::kSanitizeCommandFailed);
  Sense s = Sense::make(SenseKey::kNotReady, asc::kSanitizeInProgress);
  s.progress = lu.sanitize().progress();
  return s;
}

void sanitize_detach(LogicalUnit& lu, uint64_t nexus_id) {
  Task* w = lu.sanitize().take_waiter_of(nexus_id);
  if (!w) return;
  w->data.clear();
  w->status = kTaskAborted;
  w->executor->post([w] { complete(*w); });  // not inside the task management function
}

}  // namespace esan::scsi
