// Connection: receive path, PDU framing and dispatch, CmdSN window, close.
#include "transport/iscsi/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "common/log.h"
#include "events/event_log.h"
#include "transport/iscsi/pdu_frame.h"

namespace esan::iscsi {

namespace {
constexpr size_t kInitialRecvBuf = 16384;
// A receive that fills the buffer doubles it for the next one, up to this:
// a burst of writes (each command with its immediate data) is then read in
// a few receives instead of one per three or four commands.
constexpr size_t kMaxRecvBuf = 256 * 1024;
// Data-Out segments at least this long, still mostly in the socket, are
// received into their task's buffer directly (Connection::start_direct).
constexpr uint32_t kDirectMinBytes = 32 * 1024;
constexpr uint32_t kLoginMaxDataLen = 65536;  // login/text PDUs before negotiation
constexpr size_t kMaxQueuedFrames = 1024;
constexpr int kRefusedLoginTimeoutS = 5;
}  // namespace

Connection::Connection(ServerContext& ctx, reactor::Reactor& r, ConnectionSet& set, int fd, std::string peer,
                       std::string local)
    : ctx_(ctx),
      reactor_(r),
      set_(set),
      fd_(fd),
      peer_(std::move(peer)),
      local_(std::move(local)),
      recv_op_(std::make_unique<RecvOp>(this)),
      send_op_(std::make_unique<SendOp>(this)),
      writable_op_(std::make_unique<WritableOp>(this)),
      rbuf_(kInitialRecvBuf) {
  created_at_ = last_rx_ = Clock::now();
  const Limits& l = ctx_.limits;
  uint32_t total = uint32_t(ctx_.live_connections.fetch_add(1) + 1);
  uint32_t from_peer = ctx_.peers.add(peer_address(peer_));
  if ((l.max_connections && total > l.max_connections) ||
      (l.max_connections_per_initiator && from_peer > l.max_connections_per_initiator)) {
    ESAN_LOG_WARN("{}: connection limit reached ({} connections, {} from this address); its login "
                  "will be refused", peer_, total, from_peer);
    over_connection_limit_ = true;
  }
}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
  close_pipes();
  ctx_.peers.remove(peer_address(peer_));
  ctx_.live_connections.fetch_sub(1);
}

void Connection::start() {
  ESAN_LOG_DEBUG("connection from {} on {}", peer_, local_);
  negotiator_ = std::make_unique<LoginNegotiator>(ctx_.targets, ctx_.policy, uint16_t(1));
  post_recv();
}

void Connection::post_recv() {
  if (phase_ == Phase::kClosing || recv_inflight_) return;
  if (rbuf_.size() - rlen_ < 4096 || (recv_filled_ && rbuf_.size() < kMaxRecvBuf)) rbuf_.resize(rbuf_.size() * 2);
  recv_filled_ = false;
  io_uring_sqe* sqe = reactor_.get_sqe();
  if (direct_.task)
    io_uring_prep_recv(sqe, fd_, direct_.dest + direct_.got, direct_.len - direct_.got, MSG_WAITALL);
  else
    io_uring_prep_recv(sqe, fd_, rbuf_.data() + rlen_, rbuf_.size() - rlen_, 0);
  if (recv_drained_) sqe->ioprio |= IORING_RECVSEND_POLL_FIRST;
  reactor::Reactor::set_op(sqe, recv_op_.get());
  recv_inflight_ = true;
}

void Connection::on_recv(int res, uint32_t cqe_flags) {
  recv_inflight_ = false;
  recv_drained_ = res > 0 && !(cqe_flags & IORING_CQE_F_SOCK_NONEMPTY);
  if (direct_.task) return on_direct_recv(res);
  if (phase_ == Phase::kClosing) return maybe_finish();
  if (res <= 0) return end_recv(res);
  recv_filled_ = size_t(res) == rbuf_.size() - rlen_;
  rlen_ += size_t(res);
  last_rx_ = Clock::now();
  parse_pdus();
  if (phase_ == Phase::kClosing) return maybe_finish();
  next_recv();
}

uint32_t Connection::max_data_len() const {
  if (phase_ == Phase::kLogin) return kLoginMaxDataLen;
  // Text requests may be as large as our declared MaxRecvDataSegmentLength.
  return std::max(session_.params.max_recv_dsl, uint32_t(8192));
}

bool Connection::start_direct(const Bhs& bhs, size_t data_off) {
  // Digests would need the data in order with its pad; a padded or short
  // segment saves too little. The header is all here (no AHS, no digest).
  uint32_t dlen = bhs.data_len();
  if (hdr_digest_ || data_digest_ || phase_ != Phase::kFullFeature || bhs.opcode() != Opcode::kDataOut ||
      bhs.ahs_len() || dlen < kDirectMinBytes || dlen % 4)
    return false;
  size_t have = rlen_ - data_off;
  if (have >= dlen / 2) return false;  // mostly here already: the copy is cheaper than another receive
  IscsiTask* t = data_out_fits(bhs, dlen);
  if (!t) return false;
  uint8_t* dest = t->scsi.data.data() + bhs.buffer_offset();
  std::memcpy(dest, rbuf_.data() + data_off, have);
  direct_ = DirectRecv{t, bhs, dest, dlen, uint32_t(have)};
  return true;
}

void Connection::on_direct_recv(int res) {
  if (res > 0) {
    direct_.got += uint32_t(res);
    last_rx_ = Clock::now();
  }
  bool done = direct_.got == direct_.len;
  if (phase_ != Phase::kClosing && res > 0 && !done) return post_recv();
  DirectRecv d = std::exchange(direct_, DirectRecv{});
  // Aborted meanwhile (a task management function, or the connection
  // closing): its release waited for this receive to end.
  if (d.task->scsi.aborted) maybe_release(d.task);
  else if (done) handle_data_out(d.bhs, d.dest, d.len);
  if (phase_ == Phase::kClosing) return maybe_finish();
  if (res <= 0) return end_recv(res);
  next_recv();
}

void Connection::end_recv(int res) {
  close(res == 0 ? "peer closed the connection" : "receive error");
  maybe_finish();
}

void Connection::next_recv() {
  // Back-pressure: with too many responses unsent or tasks open, stop
  // reading until they drain (resume_recv()).
  if (frames_.size() > kMaxQueuedFrames || tasks_.size() > 2 * session_.queued_commands) {
    recv_paused_ = true;
    return;
  }
  post_recv();
}

void Connection::parse_pdus() {
  size_t off = 0;
  while (phase_ != Phase::kClosing) {
    std::span<const uint8_t> in(rbuf_.data() + off, rlen_ - off);
    PduFrame f = parse_frame(in, hdr_digest_, data_digest_, max_data_len());
    if (f.kind == PduFrame::Kind::kNeedMore) {
      if (f.total && start_direct(f.bhs, off + kBhsLen)) off = rlen_;  // the rest goes to the task's buffer
      else if (off == 0 && f.total > rbuf_.size()) rbuf_.resize(f.total + 4096);
      break;
    }
    if (f.kind == PduFrame::Kind::kOversized) {
      ESAN_LOG_WARN("{}: DataSegmentLength {} exceeds limit {}; dropping connection", peer_, f.dlen,
                    max_data_len());
      send_reject(f.bhs, kRejectProtocolError);
      close("oversized data segment");
      break;
    }
    if (f.kind == PduFrame::Kind::kHeaderDigestError) {
      ESAN_LOG_WARN("{}: header digest error; dropping connection", peer_);
      close("header digest error");
      break;
    }
    off += f.total;
    if (f.kind == PduFrame::Kind::kDataDigestError) {
      // RFC 7143 §7.8: Reject (Data-Digest-Error) and discard the PDU.
      send_reject(f.bhs, kRejectDigestError);
      if (f.bhs.opcode() == Opcode::kDataOut) {
        // The header is good: the task keeps collecting its data and then
        // fails with CHECK CONDITION (protocol service CRC error).
        handle_data_out(f.bhs, nullptr, f.dlen, true);
        if (phase_ == Phase::kClosing) break;
        continue;
      }
      // A discarded command leaves a CmdSN gap that only a retry (not
      // available at ErrorRecoveryLevel 0) could plug: escalate to session
      // recovery, which RFC 7143 §7.8 allows.
      ESAN_LOG_WARN("{}: data digest error on opcode {:#x}; dropping connection", peer_,
                    unsigned(f.bhs.opcode()));
      close("data digest error");
      break;
    }
    if (!handle_pdu(f.bhs, f.ahs, f.data, f.dlen)) break;
  }
  // Input still waiting in the socket: the reactor must look again at once,
  // not sleep for more to arrive.
  if (phase_ == Phase::kFullFeature) reactor_.ask_coalesce(recv_drained_ ? coalesce_wait_ns(initiator_queue_) : 0);
  if (off) {
    std::memmove(rbuf_.data(), rbuf_.data() + off, rlen_ - off);
    rlen_ -= off;
  }
}

bool Connection::handle_pdu(const Bhs& bhs, const uint8_t* ahs, const uint8_t* data, uint32_t dlen) {
  Opcode op = bhs.opcode();
  if (phase_ == Phase::kLogin) {
    if (op != Opcode::kLoginReq) {
      ESAN_LOG_WARN("{}: opcode {:#x} before login completed; dropping connection", peer_, unsigned(op));
      send_reject(bhs, kRejectProtocolError);
      close("PDU before login");
      return false;
    }
    handle_login(bhs, data, dlen);
    return phase_ != Phase::kClosing;
  }
  if (op == Opcode::kDataOut) {
    handle_data_out(bhs, data, dlen);
    return phase_ != Phase::kClosing;
  }
  if (op == Opcode::kNopOut && bhs.itt() == kReservedTag) {  // answer to our ping
    handle_nop_out(bhs, data, dlen);
    return true;
  }
  switch (op) {
    case Opcode::kScsiCmd:
    case Opcode::kNopOut:
    case Opcode::kTmfReq:
    case Opcode::kTextReq:
    case Opcode::kLogoutReq:
      if (!accept_cmdsn(bhs, ahs, data, dlen)) return true;
      break;
    case Opcode::kLoginReq:
      send_reject(bhs, kRejectProtocolError);
      return true;
    case Opcode::kSnackReq:
      send_reject(bhs, kRejectSnackReject);  // ErrorRecoveryLevel 0
      return true;
    default:
      send_reject(bhs, kRejectCmdNotSupported);
      return true;
  }
  switch (op) {
    case Opcode::kScsiCmd: handle_scsi_cmd(bhs, ahs, data, dlen); break;
    case Opcode::kNopOut: handle_nop_out(bhs, data, dlen); break;
    case Opcode::kTmfReq: handle_tmf(bhs); break;
    case Opcode::kTextReq: handle_text(bhs, data, dlen); break;
    case Opcode::kLogoutReq: handle_logout(bhs); break;
    default: break;
  }
  if (!replaying_ && !session_.cmdsn_queue.empty()) run_queued_cmdsn();
  return phase_ != Phase::kClosing;
}

bool Connection::accept_cmdsn(const Bhs& bhs, const uint8_t* ahs, const uint8_t* data, uint32_t dlen) {
  if (replaying_) return true;
  if (bhs.immediate()) return true;
  uint32_t sn = bhs.cmdsn();
  auto verdict = session_.window.accept(sn);
  if (verdict == CmdSnWindow::Verdict::kInOrder) return true;
  if (verdict == CmdSnWindow::Verdict::kAhead) {
    // Ahead of ExpCmdSN but within the window: keep it until the gap fills.
    std::vector<uint8_t> copy(kBhsLen + bhs.ahs_len() + dlen);
    std::memcpy(copy.data(), bhs.b, kBhsLen);
    if (bhs.ahs_len()) std::memcpy(copy.data() + kBhsLen, ahs, bhs.ahs_len());
    if (dlen) std::memcpy(copy.data() + kBhsLen + bhs.ahs_len(), data, dlen);
    session_.cmdsn_queue[sn] = std::move(copy);
    ESAN_LOG_DEBUG("{}: CmdSN {} queued (ExpCmdSN {})", peer_, sn, session_.window.exp_cmdsn());
    return false;
  }
  ESAN_LOG_DEBUG("{}: CmdSN {} outside window [{}, {}]; ignored", peer_, sn, session_.window.exp_cmdsn(),
                 session_.window.max_cmdsn());
  return false;
}

void Connection::run_queued_cmdsn() {
  replaying_ = true;
  while (phase_ == Phase::kFullFeature) {
    auto it = session_.cmdsn_queue.find(session_.window.exp_cmdsn());
    if (it == session_.cmdsn_queue.end()) break;
    std::vector<uint8_t> pdu = std::move(it->second);
    session_.cmdsn_queue.erase(it);
    session_.window.advance();
    Bhs bhs;
    std::memcpy(bhs.b, pdu.data(), kBhsLen);
    handle_pdu(bhs, pdu.data() + kBhsLen, pdu.data() + kBhsLen + bhs.ahs_len(), bhs.data_len());
  }
  replaying_ = false;
}

void Connection::resume_recv() {
  if (!recv_paused_ || phase_ == Phase::kClosing) return;
  if (frames_.size() > kMaxQueuedFrames / 2 || tasks_.size() > session_.queued_commands) return;
  recv_paused_ = false;
  post_recv();
}

void Connection::close(const char* why) {
  if (phase_ == Phase::kClosing) return;
  ESAN_LOG_DEBUG("{}: closing connection: {}", peer_, why);
  bool was_ffp = phase_ == Phase::kFullFeature;
  phase_ = Phase::kClosing;
  closing_since_ = Clock::now();
  // Stop reading now; queued responses (a Reject, a Logout Response) still
  // go out before the socket closes, bounded by the tick() deadline.
  ::shutdown(fd_, SHUT_RD);
  abort_tasks_for_lun(std::nullopt);
  session_.cmdsn_queue.clear();
  if (was_ffp && session_.tsih) {
    ctx_.sessions.remove(session_.tsih);
    const SessionParams& p = session_.params;
    events::post(events::Kind::kLogout, events::Severity::kInfo,
                 fmt::format("{} logged out{} from {} (tsih {}): {}", p.initiator_name,
                             p.discovery ? std::string() : " of " + p.target_name, peer_, session_.tsih, why),
                 {{"initiator", p.initiator_name},
                  {"target", p.target_name},
                  {"peer", peer_},
                  {"tsih", std::to_string(session_.tsih)},
                  {"session", p.discovery ? "discovery" : "normal"},
                  {"reason", why}});
  }
  auto self = shared_from_this();
  reactor_.defer([self] { self->maybe_finish(); });
}

void Connection::maybe_finish() {
  if (phase_ != Phase::kClosing) return;
  if (recv_inflight_ || send_inflight_ || executing_ > 0 || logout_pending_) return;
  if (!frames_.empty() && fd_ >= 0) return flush();
  finish();
}

void Connection::finish() {
  if (fd_ < 0) return;
  session_.detach_nexus();
  ::close(fd_);
  fd_ = -1;
  frames_.clear();
  pipe_frames_ = 0;
  set_.remove(this);  // may destroy *this once the deferred holder drops
}

void Connection::tick() {
  auto now = Clock::now();
  auto secs = [&](Clock::time_point t) { return std::chrono::duration_cast<std::chrono::seconds>(now - t).count(); };
  if (phase_ == Phase::kClosing) {
    // A peer that stopped reading must not keep the connection alive.
    if (fd_ >= 0 && secs(closing_since_) >= 5) ::shutdown(fd_, SHUT_RDWR);
    return;
  }
  // A connection beyond a limit only waits for the Login Request it will
  // refuse: its descriptor is not held for the whole login timeout.
  int login_timeout = over_connection_limit_ ? std::min(ctx_.login_timeout_s, kRefusedLoginTimeoutS)
                                             : ctx_.login_timeout_s;
  if (phase_ == Phase::kLogin && secs(created_at_) >= login_timeout) {
    ESAN_LOG_INFO("{}: login not completed in {}s; dropping connection", peer_, login_timeout);
    close("login timeout");
    return;
  }
  if (phase_ != Phase::kFullFeature) return;
  if (ping_sent_at_) {
    if (secs(*ping_sent_at_) >= ctx_.nop_timeout_s) {
      ESAN_LOG_INFO("{}: NOP-In ping unanswered for {}s; dropping connection", peer_, ctx_.nop_timeout_s);
      close("nop timeout");
    }
    return;
  }
  if (ctx_.nop_interval_s > 0 && secs(last_rx_) >= ctx_.nop_interval_s) {
    ping_ttt_ = next_ttt_++;
    if (ping_ttt_ == kReservedTag) ping_ttt_ = next_ttt_++;
    send_nop_in(ping_ttt_);
    ping_sent_at_ = now;
  }
}

ConnectionSet::ConnectionSet(reactor::Reactor& r) : reactor_(r) {
  tick_id_ = reactor_.add_tick([this] {
    std::vector<std::shared_ptr<Connection>> all;
    for (auto& [_, c] : conns_) all.push_back(c);
    for (auto& c : all) c->tick();
  });
}

ConnectionSet::~ConnectionSet() { reactor_.cancel_tick(tick_id_); }

void ConnectionSet::add(std::shared_ptr<Connection> c) {
  Connection* raw = c.get();
  conns_.emplace(raw, std::move(c));
  raw->start();
}

void ConnectionSet::remove(Connection* c) {
  auto it = conns_.find(c);
  if (it == conns_.end()) return;
  // Release after the current call stack unwinds.
  auto holder = std::move(it->second);
  conns_.erase(it);
  reactor_.defer([holder] {});
}

void ConnectionSet::close_all(const char* why) {
  std::vector<std::shared_ptr<Connection>> all;
  for (auto& [_, c] : conns_) all.push_back(c);
  for (auto& c : all) c->close(why);
}

}  // namespace esan::iscsi
