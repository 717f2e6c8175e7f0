#include "tools/bench/runner.h"

#include <poll.h>

#include <chrono>
#include <random>

#include <fmt/format.h>

extern "C" {
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
}

#include "tools/bench/pattern.h"

namespace esan::bench {

namespace {

constexpr uint32_t kFillChunk = 1u << 20;

uint64_t now_ns() {
  return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now().time_since_epoch())
                      .count());
}

std::string task_error(iscsi_context* ctx, int status, scsi_task* t) {
  if (status == SCSI_STATUS_CHECK_CONDITION && t)
    return fmt::format("CHECK CONDITION sense key {:#x} asc/ascq {:#06x}", int(t->sense.key),
                       int(t->sense.ascq));
  return fmt::format("status {:#x}: {}", status, iscsi_get_error(ctx));
}

}  // namespace

struct Runner::Slot {
  Runner* runner = nullptr;
  Session* session = nullptr;
  std::vector<uint8_t> buf;
  scsi_iovec iov{};
  uint64_t offset = 0;  // LU byte offset of the command
  uint32_t len = 0;
  bool write = false;
  uint64_t started = 0;
};

struct Runner::Session {
  iscsi_context* ctx = nullptr;
  int lun = 0;
  uint32_t block_size = 512;
  uint64_t cursor = 0;  // next unit for sequential workloads
  uint64_t rng = 0;
  std::vector<Slot> slots;
  bool logged_in = false;

  uint64_t next_random() {  // xorshift64*
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 0x2545F4914F6CDD1Dull;
  }
};

Runner::Runner(const Options& opts) : opts_(opts) {}

Runner::~Runner() {
  for (auto& s : sessions_) {
    if (!s->ctx) continue;
    if (s->logged_in) iscsi_logout_sync(s->ctx);
    iscsi_destroy_context(s->ctx);
  }
}

Result<std::unique_ptr<Runner>> Runner::connect(const Options& opts) {
  std::unique_ptr<Runner> r(new Runner(opts));
  std::random_device rd;
  r->seed_ = (uint64_t(rd()) << 32) | rd();
  for (unsigned i = 0; i < opts.sessions; ++i) {
    auto s = std::make_unique<Session>();
    s->ctx = iscsi_create_context(opts.initiator.c_str());
    if (!s->ctx) return make_error(Errc::kInternal, "cannot create a libiscsi context");
    r->sessions_.push_back(std::move(s));
    Session& ss = *r->sessions_.back();
    iscsi_url* url = iscsi_parse_full_url(ss.ctx, opts.url.c_str());
    if (!url) return make_error(Errc::kInvalidArgument, fmt::format("bad url: {}", iscsi_get_error(ss.ctx)));
    iscsi_set_targetname(ss.ctx, url->target);
    iscsi_set_session_type(ss.ctx, ISCSI_SESSION_NORMAL);
    iscsi_set_header_digest(ss.ctx, ISCSI_HEADER_DIGEST_NONE_CRC32C);
    iscsi_set_isid_random(ss.ctx, rd(), 0);
    // A lost connection ends the run with an error: libiscsi's automatic
    // reconnect would retry for as long as the target is away, spinning a
    // core while the commands it holds wait out the drain deadline.
    iscsi_set_noautoreconnect(ss.ctx, 1);
    if (url->user[0]) iscsi_set_initiator_username_pwd(ss.ctx, url->user, url->passwd);
    ss.lun = url->lun;
    std::string portal = url->portal;
    iscsi_destroy_url(url);
    if (iscsi_full_connect_sync(ss.ctx, portal.c_str(), ss.lun) != 0)
      return make_error(Errc::kIo, fmt::format("session {}: login to {} failed: {}", i, portal,
                                               iscsi_get_error(ss.ctx)));
    ss.logged_in = true;
    bool ready = false;
    for (int tries = 0; tries < 20 && !ready; ++tries) {
      scsi_task* t = iscsi_testunitready_sync(ss.ctx, ss.lun);
      ready = t && t->status == SCSI_STATUS_GOOD;
      if (t) scsi_free_scsi_task(t);
    }
    if (!ready) return make_error(Errc::kIo, fmt::format("session {}: LUN {} is not ready", i, ss.lun));
    scsi_task* t = iscsi_readcapacity16_sync(ss.ctx, ss.lun);
    if (!t || t->status != SCSI_STATUS_GOOD) {
      if (t) scsi_free_scsi_task(t);
      return make_error(Errc::kIo, fmt::format("session {}: READ CAPACITY 16 failed", i));
    }
    auto* rc = static_cast<scsi_readcapacity16*>(scsi_datain_unmarshall(t));
    if (!rc) {
      scsi_free_scsi_task(t);
      return make_error(Errc::kIo, fmt::format("session {}: bad READ CAPACITY 16 data", i));
    }
    ss.block_size = rc->block_length;
    r->totals_.lu_block_size = rc->block_length;
    r->totals_.lu_blocks = rc->returned_lba + 1;
    scsi_free_scsi_task(t);
    ss.rng = r->seed_ + 0x9E3779B97F4A7C15ull * (i + 1);
  }
  uint64_t lu_bytes = r->totals_.lu_blocks * r->totals_.lu_block_size;
  uint64_t range = opts.range_bytes ? opts.range_bytes : lu_bytes;
  if (range > lu_bytes)
    return make_error(Errc::kInvalidArgument,
                      fmt::format("--range {} is larger than the LU ({} bytes)", range, lu_bytes));
  if (opts.block_bytes % r->totals_.lu_block_size)
    return make_error(Errc::kInvalidArgument, fmt::format("--bs {} is not a multiple of the LU's {}-byte blocks",
                                                          opts.block_bytes, r->totals_.lu_block_size));
  r->range_units_ = range / opts.block_bytes;
  if (r->range_units_ == 0) return make_error(Errc::kInvalidArgument, "--range is smaller than --bs");
  size_t buf_len = opts.verify ? std::max(opts.block_bytes, kFillChunk) : opts.block_bytes;
  for (unsigned i = 0; i < r->sessions_.size(); ++i) {
    Session& s = *r->sessions_[i];
    s.cursor = r->range_units_ * i / r->sessions_.size();
    s.slots.resize(opts.queue_depth);
    for (Slot& slot : s.slots) {
      slot.runner = r.get();
      slot.session = &s;
      slot.buf.resize(buf_len);
      fill_pattern(r->seed_, 0, slot.buf.data(), buf_len);  // non-zero write data
    }
  }
  return r;
}

void Runner::issue(Slot& slot) {
  Session& s = *slot.session;
  if (filling_) {
    if (fill_next_ >= fill_end_) return;
    slot.write = true;
    slot.offset = fill_next_;
    slot.len = uint32_t(std::min<uint64_t>(kFillChunk, fill_end_ - fill_next_));
    fill_next_ += slot.len;
  } else {
    uint64_t unit;
    bool random = opts_.rw == Workload::kRandRead || opts_.rw == Workload::kRandWrite || opts_.rw == Workload::kRw70;
    if (random) {
      unit = s.next_random() % range_units_;
    } else {
      unit = s.cursor;
      s.cursor = (s.cursor + 1) % range_units_;
    }
    switch (opts_.rw) {
      case Workload::kRead:
      case Workload::kRandRead: slot.write = false; break;
      case Workload::kWrite:
      case Workload::kRandWrite: slot.write = true; break;
      case Workload::kRw70: slot.write = s.next_random() % 10 >= 7; break;
    }
    slot.offset = unit * opts_.block_bytes;
    slot.len = opts_.block_bytes;
  }
  if (slot.write && opts_.verify) fill_pattern(seed_, slot.offset, slot.buf.data(), slot.len);
  slot.iov.iov_base = slot.buf.data();
  slot.iov.iov_len = slot.len;
  uint64_t lba = slot.offset / s.block_size;
  slot.started = now_ns();
  scsi_task* t =
      slot.write ? iscsi_write16_iov_task(s.ctx, s.lun, lba, nullptr, slot.len, s.block_size, 0, 0, 0, 0, 0,
                                          &Runner::on_done, &slot, &slot.iov, 1)
                 : iscsi_read16_iov_task(s.ctx, s.lun, lba, slot.len, s.block_size, 0, 0, 0, 0, 0,
                                         &Runner::on_done, &slot, &slot.iov, 1);
  if (!t) {
    ++totals_.errors;
    if (totals_.first_error.empty())
      totals_.first_error = fmt::format("cannot queue a command: {}", iscsi_get_error(s.ctx));
    return;
  }
  ++outstanding_;
}

void Runner::on_done(iscsi_context* ctx, int status, void* command_data, void* private_data) {
  auto* slot = static_cast<Slot*>(private_data);
  Runner& r = *slot->runner;
  auto* t = static_cast<scsi_task*>(command_data);
  uint64_t lat = now_ns() - slot->started;
  --r.outstanding_;
  bool ok = status == SCSI_STATUS_GOOD;
  if (!ok) {
    ++r.totals_.errors;
    if (r.totals_.first_error.empty()) r.totals_.first_error = task_error(ctx, status, t);
  }
  if (t) scsi_free_scsi_task(t);
  if (!ok) return;  // this slot stays idle
  if (!r.filling_) {
    r.totals_.latency.record(lat);
    if (slot->write) {
      ++r.totals_.writes;
      r.totals_.write_bytes += slot->len;
    } else {
      ++r.totals_.reads;
      r.totals_.read_bytes += slot->len;
      if (r.opts_.verify) {
        size_t bad = check_pattern(r.seed_, slot->offset, slot->buf.data(), slot->len);
        if (bad != slot->len) {
          ++r.totals_.miscompares;
          if (r.totals_.first_error.empty())
            r.totals_.first_error = fmt::format("miscompare at LU byte {}", slot->offset + bad);
        }
      }
    }
    ++r.window_ios_;
    r.window_bytes_ += slot->len;
  }
  if (!r.stopping_) r.issue(*slot);
}

Status Runner::poll_once(int timeout_ms) {
  std::vector<pollfd> fds(sessions_.size());
  for (size_t i = 0; i < sessions_.size(); ++i) {
    fds[i].fd = iscsi_get_fd(sessions_[i]->ctx);
    fds[i].events = short(iscsi_which_events(sessions_[i]->ctx));
  }
  int n = ::poll(fds.data(), fds.size(), timeout_ms);
  if (n < 0 && errno != EINTR) return make_error(Errc::kIo, "poll failed");
  for (size_t i = 0; i < sessions_.size(); ++i) {
    if (!fds[i].revents) continue;
    if (iscsi_service(sessions_[i]->ctx, fds[i].revents) < 0)
      return make_error(Errc::kIo, fmt::format("session {}: {}", i, iscsi_get_error(sessions_[i]->ctx)));
  }
  return ok();
}

Status Runner::fill() {
  filling_ = true;
  fill_next_ = 0;
  fill_end_ = range_units_ * opts_.block_bytes;
  for (auto& s : sessions_)
    for (Slot& slot : s->slots) issue(slot);
  while (outstanding_ > 0) {
    if (auto st = poll_once(1000); !st) return st;
  }
  filling_ = false;
  if (totals_.errors)
    return make_error(Errc::kIo, "filling the range with the verify pattern failed: " + totals_.first_error);
  return ok();
}

Result<Totals> Runner::run(const ProgressFn& progress) {
  using namespace std::chrono;
  uint64_t t0 = now_ns();
  uint64_t end = t0 + uint64_t(opts_.seconds * 1e9);
  uint64_t next_tick = t0 + 1'000'000'000ull;
  unsigned second = 0;
  for (auto& s : sessions_)
    for (Slot& slot : s->slots) issue(slot);
  uint64_t drain_deadline = 0;
  while (true) {
    uint64_t now = now_ns();
    if (!stopping_ && now >= end) {
      stopping_ = true;
      drain_deadline = now + 30'000'000'000ull;
    }
    if (now >= next_tick) {
      if (progress) progress(++second, window_ios_, window_bytes_);
      window_ios_ = window_bytes_ = 0;
      next_tick += 1'000'000'000ull;
    }
    if (outstanding_ == 0) break;
    if (stopping_ && now >= drain_deadline)
      return make_error(Errc::kIo, fmt::format("{} commands still outstanding 30 s after the end", outstanding_));
    uint64_t wake = std::min(next_tick, stopping_ ? drain_deadline : end);
    int timeout_ms = wake > now ? int(std::min<uint64_t>((wake - now) / 1'000'000 + 1, 100)) : 0;
    if (auto st = poll_once(timeout_ms); !st) return std::unexpected(st.error());
  }
  totals_.seconds = double(now_ns() - t0) / 1e9;
  return totals_;
}

}  // namespace esan::bench
