#include "redirect/peer_session.h"

#include <poll.h>

#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include <algorithm>
#include <cstring>
#include <random>

#include "common/clock.h"
#include "common/log.h"
#include "scsi/opcodes.h"
#include "scsi/sense.h"

namespace esan::redirect {

namespace {

constexpr int kConnectTimeoutTicks = 5;   // seconds to connect, log in and learn the LUNs
constexpr int kCommandTimeoutS = 10;      // libiscsi's per-command timeout
constexpr unsigned kMaxBackoffS = 8;

// 04h/0Ah: the initiator retries on another path.
void fail_unreachable(scsi::Task& t, bool desc) {
  t.data.clear();
  scsi::check_condition(t, scsi::Sense::make(scsi::SenseKey::kNotReady, scsi::asc::kNotAccessibleAluaTransition),
                        desc);
  scsi::forwarded(t);
}

}  // namespace

struct PeerSession::Flight {
  PeerSession* session;
  scsi::Task* task;
  scsi_task* st;
  bool desc;
};

class PeerSession::PollOp final : public reactor::Op {
 public:
  PollOp(std::shared_ptr<PeerSession> s, int events, uint32_t gen) : s_(std::move(s)), events_(events), gen_(gen) {}
  void complete(int res, uint32_t) override {
    auto s = std::move(s_);
    s->on_poll(this, res);
    delete this;
  }
  int events() const { return events_; }
  uint32_t gen() const { return gen_; }

 private:
  std::shared_ptr<PeerSession> s_;
  int events_;
  uint32_t gen_;
};

namespace {
void connected_cb(iscsi_context*, int status, void*, void* p) { static_cast<PeerSession*>(p)->on_connected(status); }
void login_cb(iscsi_context*, int status, void*, void* p) { static_cast<PeerSession*>(p)->on_logged_in(status); }
void report_luns_cb(iscsi_context*, int status, void* data, void* p) {
  static_cast<PeerSession*>(p)->on_report_luns(status, static_cast<scsi_task*>(data));
}
struct InquiryCtx {
  PeerSession* s;
  uint64_t lun;
};
void inquiry_cb(iscsi_context*, int status, void* data, void* p) {
  auto* c = static_cast<InquiryCtx*>(p);
  PeerSession* s = c->s;
  uint64_t lun = c->lun;
  delete c;
  s->on_inquiry(status, static_cast<scsi_task*>(data), lun);
}
void command_cb(iscsi_context*, int status, void*, void* p) {
  auto* f = static_cast<PeerSession::Flight*>(p);
  f->session->on_command(status, f);
}
}  // namespace

PeerSession::PeerSession(reactor::Reactor& r, const PeerConfig& peer, int index)
    : r_(r), peer_(peer), index_(index) {}

PeerSession::~PeerSession() {
  if (ctx_) iscsi_destroy_context(ctx_);
}

void PeerSession::ensure_tick() {
  if (tick_id_ || state_ == State::kClosed) return;
  std::weak_ptr<PeerSession> weak = weak_from_this();
  tick_id_ = r_.add_tick([weak] {
    if (auto s = weak.lock()) s->tick();
  });
}

bool PeerSession::ready_for() {
  switch (state_) {
    case State::kReady:
    case State::kClosed: return true;  // submit() sends it, or fails it at once
    case State::kConnecting: return false;
    case State::kIdle:
    case State::kDown:
      if (mono_ns() - attempt_ns_ >= kDemandRetryMs * 1'000'000) {
        ensure_tick();
        connect();
      }
      return false;
  }
  return false;
}

void PeerSession::submit(scsi::Task& t, const Naa& naa, bool desc) {
  ensure_tick();
  switch (state_) {
    case State::kReady: return send(t, naa, desc);
    case State::kDown:
      if (ticks_ < retry_at_ticks_) return fail_unreachable(t, desc);
      [[fallthrough]];
    case State::kIdle:
      connect();
      if (state_ != State::kConnecting) return fail_unreachable(t, desc);
      [[fallthrough]];
    case State::kConnecting: waiting_.push_back({&t, naa, desc}); return;
    case State::kClosed: return fail_unreachable(t, desc);
  }
}

void PeerSession::connect() {
  if (ctx_) drop("reconnecting");
  ++gen_;
  luns_.clear();
  connect_ticks_ = 0;
  attempt_ns_ = mono_ns();
  ctx_ = iscsi_create_context(peer_.initiator.c_str());
  if (!ctx_) return drop("cannot create an iSCSI context");
  // A distinct ISID per reactor session: they share the initiator name.
  std::random_device rd;
  iscsi_set_isid_random(ctx_, rd(), uint32_t(index_));
  iscsi_set_targetname(ctx_, peer_.target.c_str());
  iscsi_set_session_type(ctx_, ISCSI_SESSION_NORMAL);
  iscsi_set_header_digest(ctx_, ISCSI_HEADER_DIGEST_NONE);
  iscsi_set_initiator_username_pwd(ctx_, peer_.chap_user.c_str(), peer_.chap_secret.c_str());
  iscsi_set_noautoreconnect(ctx_, 1);
  iscsi_set_timeout(ctx_, kCommandTimeoutS);
  state_ = State::kConnecting;
  if (iscsi_connect_async(ctx_, peer_.portal.c_str(), connected_cb, this) != 0 || state_ != State::kConnecting)
    return drop(std::string("connect: ") + iscsi_get_error(ctx_));
  rearm();
}

// Inside a libiscsi callback: the session is failed, and whoever called
// iscsi_service() drops it once that returns (never destroy the context
// from inside it).
void PeerSession::failed() {
  if (state_ == State::kConnecting || state_ == State::kReady) state_ = State::kDown;
}

void PeerSession::on_connected(int status) {
  if (status != SCSI_STATUS_GOOD || iscsi_login_async(ctx_, login_cb, this) != 0) failed();
}

void PeerSession::on_logged_in(int status) {
  if (status != SCSI_STATUS_GOOD || !iscsi_reportluns_task(ctx_, 0, 16384, report_luns_cb, this)) failed();
}

void PeerSession::on_report_luns(int status, scsi_task* st) {
  auto* list = status == SCSI_STATUS_GOOD ? static_cast<scsi_reportluns_list*>(scsi_datain_unmarshall(st)) : nullptr;
  if (!list || state_ != State::kConnecting) {
    if (st) scsi_free_scsi_task(st);
    failed();
    return;
  }
  for (uint32_t i = 0; i < list->num; ++i) {
    auto* c = new InquiryCtx{this, list->luns[i]};
    if (!iscsi_inquiry_task(ctx_, int(list->luns[i]), 1, 0x83, 1024, inquiry_cb, c)) {
      delete c;
      continue;
    }
    ++discovering_;
  }
  scsi_free_scsi_task(st);
  if (discovering_ == 0) ready();
}

void PeerSession::on_inquiry(int status, scsi_task* st, uint64_t lun) {
  --discovering_;
  if (status == SCSI_STATUS_GOOD && st && st->datain.size >= 4) {
    const uint8_t* d = st->datain.data;
    size_t end = std::min<size_t>(size_t(st->datain.size), 4 + (size_t(d[2]) << 8 | d[3]));
    for (size_t off = 4; off + 4 <= end; off += 4 + d[off + 3]) {
      bool lu_naa = (d[off + 1] & 0x3F) == 0x03;  // association LU, designator type NAA
      if (lu_naa && d[off + 3] == 16 && off + 20 <= end) {
        Naa naa;
        std::memcpy(naa.data(), d + off + 4, 16);
        luns_[naa] = lun;
      }
    }
  }
  if (st) scsi_free_scsi_task(st);
  if (discovering_ == 0 && state_ == State::kConnecting) ready();
}

void PeerSession::ready() {
  state_ = State::kReady;
  backoff_s_ = 1;
  ESAN_LOG_INFO("redirect: reactor {} logged in to {} at {} ({} LUN(s))", index_, peer_.target, peer_.portal,
                luns_.size());
  warned_down_ = false;
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& w : waiting) send(*w.task, w.naa, w.desc);
}

void PeerSession::send(scsi::Task& t, const Naa& naa, bool desc) {
  auto it = luns_.find(naa);
  if (it == luns_.end()) {
    if (unmapped_logged_.insert(naa).second)
      ESAN_LOG_ERROR("redirect: {} at {} does not export this LU to us (no LUN with its NAA designator); its "
                     "commands fail with 04h/0Ah", peer_.target, peer_.portal);
    return fail_unreachable(t, desc);
  }
  unsigned cdb_len = scsi::op::cdb_length(t.cdb[0]);
  int dir = SCSI_XFER_NONE;
  uint32_t len = 0;
  if (t.dir == scsi::DataDir::kIn && t.expected_len) {
    dir = SCSI_XFER_READ;
    len = t.expected_len;
    t.data.resize(len);
  } else if (t.dir == scsi::DataDir::kOut && !t.data.empty()) {
    dir = SCSI_XFER_WRITE;
    len = uint32_t(t.data.size());
  }
  scsi_task* st = scsi_create_task(int(cdb_len), t.cdb, dir, int(len));
  if (!st) return fail_unreachable(t, desc);
  if (dir == SCSI_XFER_READ) scsi_task_add_data_in_buffer(st, int(len), t.data.data());
  auto* f = new Flight{this, &t, st, desc};
  iscsi_data out{len, t.data.data()};
  if (iscsi_scsi_command_async(ctx_, int(it->second), st, command_cb, dir == SCSI_XFER_WRITE ? &out : nullptr, f) !=
      0) {
    delete f;
    scsi_free_scsi_task(st);
    return fail_unreachable(t, desc);
  }
  flights_.insert(f);
  // Like backend I/O: the reactor must not sleep to coalesce input while a
  // forwarded command's answer may be waiting (reactor.h, Coalescing).
  r_.worker_io_started();
  schedule_flush();
}

void PeerSession::on_command(int status, Flight* f) {
  flights_.erase(f);
  r_.worker_io_done();
  scsi::Task& t = *f->task;
  scsi_task* st = f->st;
  bool desc = f->desc;
  delete f;
  if (status != SCSI_STATUS_GOOD && status != SCSI_STATUS_CHECK_CONDITION &&
      status != SCSI_STATUS_RESERVATION_CONFLICT && status != SCSI_STATUS_CONDITION_MET) {
    // Transport failure, timeout, or cancelled by a drop: the peer may or
    // may not have run it; the initiator retries elsewhere.
    scsi_free_scsi_task(st);
    if (status == SCSI_STATUS_TIMEOUT) failed();
    return lost(t, desc);
  }
  t.status = uint8_t(status);
  t.sense_len = 0;
  if (status == SCSI_STATUS_CHECK_CONDITION) {
    t.data.clear();
    if (st->datain.size >= 2 && st->datain.data) {
      size_t n = std::min<size_t>({size_t(st->datain.data[0]) << 8 | st->datain.data[1], size_t(st->datain.size) - 2,
                                   sizeof(t.sense)});
      if (auto carried = scsi::status_in_sense(st->datain.data + 2, n)) {
        t.status = *carried;  // BUSY, TASK SET FULL, ... (scsi/redirect.h)
      } else {
        std::memcpy(t.sense, st->datain.data + 2, n);
        t.sense_len = uint8_t(n);
      }
    }
  } else if (t.dir == scsi::DataDir::kIn) {
    size_t n = t.data.size();
    if (st->residual_status == SCSI_RESIDUAL_UNDERFLOW) n -= std::min(n, st->residual);
    if (st->residual_status == SCSI_RESIDUAL_OVERFLOW) n += st->residual;  // only the size is read past expected_len
    t.data.resize(n);
  } else {
    size_t n = t.dir == scsi::DataDir::kOut ? t.data.size() : 0;
    if (st->residual_status == SCSI_RESIDUAL_UNDERFLOW) n -= std::min(n, st->residual);
    if (st->residual_status == SCSI_RESIDUAL_OVERFLOW) n += st->residual;
    t.out_wanted = uint32_t(n);
  }
  if (t.status != scsi::kGood && t.status != scsi::kConditionMet && t.dir == scsi::DataDir::kIn) t.data.clear();
  scsi_free_scsi_task(st);
  scsi::forwarded(t);
}

void PeerSession::schedule_flush() {
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  std::weak_ptr<PeerSession> weak = weak_from_this();
  r_.defer([weak] {
    auto s = weak.lock();
    if (!s) return;
    s->flush_scheduled_ = false;
    if (s->state_ != State::kReady || !s->ctx_) return;
    if (iscsi_service(s->ctx_, POLLOUT) < 0) s->failed();
    if (s->state_ == State::kDown) return s->drop(iscsi_get_error(s->ctx_));
    s->rearm();
  });
}

void PeerSession::rearm() {
  if (!ctx_) return;
  int ev = iscsi_which_events(ctx_);
  if ((ev & POLLIN) && !poll_in_) arm(POLLIN);
  if ((ev & POLLOUT) && !poll_out_) arm(POLLOUT);
}

void PeerSession::arm(int events) {
  auto* op = new PollOp(shared_from_this(), events, gen_);
  (events == POLLIN ? poll_in_ : poll_out_) = op;
  io_uring_sqe* sqe = r_.get_sqe();
  io_uring_prep_poll_add(sqe, iscsi_get_fd(ctx_), unsigned(events));
  reactor::Reactor::set_op(sqe, op);
}

void PeerSession::on_poll(PollOp* op, int res) {
  if (op == poll_in_) poll_in_ = nullptr;
  if (op == poll_out_) poll_out_ = nullptr;
  if (op->gen() != gen_ || !ctx_ || res == -ECANCELED) return;
  int revents = res < 0 ? POLLERR : res;
  if (iscsi_service(ctx_, revents) < 0 || state_ == State::kDown)
    return drop(iscsi_get_error(ctx_));
  rearm();
}

void PeerSession::tick() {
  ++ticks_;
  if (state_ == State::kConnecting && ++connect_ticks_ > kConnectTimeoutTicks) return drop("connect timed out");
  if (state_ == State::kConnecting && ctx_) {  // libiscsi's login timeout
    if (iscsi_service(ctx_, 0) < 0) failed();
    if (state_ == State::kDown) return drop(iscsi_get_error(ctx_));
  }
  if (state_ == State::kReady && ctx_) {
    if (iscsi_service(ctx_, 0) < 0 || state_ == State::kDown) return drop(iscsi_get_error(ctx_));
    rearm();
  }
  // Reconnect in the background so the first command after an outage
  // finds a session.
  if (state_ == State::kDown && ticks_ >= retry_at_ticks_) connect();
}

void PeerSession::drop(const std::string& why) {
  bool was_ready = state_ == State::kReady;
  if (state_ != State::kClosed) state_ = State::kDown;
  if (!warned_down_ || was_ready) {
    ESAN_LOG_WARN("redirect: reactor {}: session to {} at {} down ({}); commands are held while the device "
                  "group allows (esan_redirect_hold_ms), then fail with 04h/0Ah; retry in {} s or when a command asks",
                  index_, peer_.target, peer_.portal, why.empty() ? "connection lost" : why, backoff_s_);
    warned_down_ = true;
  }
  retry_at_ticks_ = ticks_ + backoff_s_;
  backoff_s_ = std::min(backoff_s_ * 2, kMaxBackoffS);
  ++gen_;
  for (PollOp* op : {poll_in_, poll_out_}) {
    if (!op) continue;
    io_uring_sqe* sqe = r_.get_sqe();
    io_uring_prep_cancel(sqe, op, 0);
    io_uring_sqe_set_data(sqe, nullptr);
  }
  iscsi_context* ctx = ctx_;
  ctx_ = nullptr;
  // Cancels what is in flight (callbacks with SCSI_STATUS_CANCELLED).
  if (ctx) iscsi_destroy_context(ctx);
  discovering_ = 0;
  for (Flight* f : std::vector<Flight*>(flights_.begin(), flights_.end())) {
    flights_.erase(f);
    r_.worker_io_done();
    scsi::Task& t = *f->task;
    bool desc = f->desc;
    scsi_free_scsi_task(f->st);
    delete f;
    lost(t, desc);
  }
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& w : waiting) lost(*w.task, w.desc);
}

void PeerSession::lost(scsi::Task& t, bool desc) {
  if (state_ != State::kClosed && scsi::retry_unreached(t)) return;
  fail_unreachable(t, desc);
}

void PeerSession::close() {
  if (tick_id_) r_.cancel_tick(tick_id_);
  tick_id_ = 0;
  state_ = State::kClosed;
  drop("closing");
}

}  // namespace esan::redirect
