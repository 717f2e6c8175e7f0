// Connection: one iSCSI TCP connection and (MaxConnections=1) the Session
// it carries (session.h), which it owns.
//
// Lives on one reactor; every method runs on that reactor's thread. It reads
// PDUs with io_uring recv, handles every complete PDU of a receive, and
// sends responses in batched sendmsg calls (one per reactor batch). Phases:
// login (LoginNegotiator) -> full feature (SCSI commands, Data-Out/R2T,
// NOP, TMF, Text, Logout) -> closing (in-flight backend I/O drains before
// the socket closes and the object is released).
//
// Errors caused by the peer never crash the process: a malformed PDU gets a
// Reject, or the connection is dropped when the stream cannot be trusted.
#pragma once

#include <sys/uio.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "reactor/reactor.h"
#include "scsi/task.h"
#include "transport/iscsi/coalesce.h"
#include "transport/iscsi/iscsi_task.h"
#include "transport/iscsi/login_negotiator.h"
#include "transport/iscsi/pdu.h"
#include "transport/iscsi/pdu_build.h"
#include "transport/iscsi/server_context.h"
#include "transport/iscsi/session.h"

namespace esan::scsi {
struct Sense;
}

namespace esan::iscsi {

class ConnectionSet;

class Connection final : public scsi::TaskOwner, public std::enable_shared_from_this<Connection> {
 public:
  Connection(ServerContext& ctx, reactor::Reactor& r, ConnectionSet& set, int fd, std::string peer,
             std::string local);
  ~Connection();

  void start();
  // Stops reading, aborts queued work, closes once in-flight I/O drained.
  void close(const char* why);
  void task_done(scsi::Task& task) override;
  void want_pipe(scsi::Task& task) override;
  // Once-a-second housekeeping: login timeout, NOP-In ping, dead peer.
  void tick();
  // After a runtime change of the target registry (connection_refresh.cc):
  // a normal session whose target is gone or disabled is closed; otherwise
  // it gets the LUN map the registry now gives it when that map differs
  // (scsi::set_lun_map: REPORTED LUNS DATA HAS CHANGED) and its target's
  // rel_tgt_id. Sessions whose map is unchanged are not touched.
  void refresh_session();

 private:
  class RecvOp final : public reactor::Op {
   public:
    explicit RecvOp(Connection* c) : c_(c) {}
    void complete(int res, uint32_t flags) override { c_->on_recv(res, flags); }

   private:
    Connection* c_;
  };
  class SendOp final : public reactor::Op {
   public:
    explicit SendOp(Connection* c) : c_(c) {}
    void complete(int res, uint32_t) override { c_->on_sent(res); }

   private:
    Connection* c_;
  };
  // The socket became writable again after a synchronous send met a full
  // send buffer (flush_sync).
  class WritableOp final : public reactor::Op {
   public:
    explicit WritableOp(Connection* c) : c_(c) {}
    void complete(int res, uint32_t) override { c_->on_writable(res); }

   private:
    Connection* c_;
  };
  struct Frame {
    uint8_t hdr[kBhsLen + kDigestLen];
    uint8_t hdr_len = 0;
    const uint8_t* data = nullptr;
    uint32_t data_len = 0;
    uint8_t tail[3 + kDigestLen];  // pad + data digest
    uint8_t tail_len = 0;
    IscsiTask* task = nullptr;     // frame references task->scsi.data
    std::vector<uint8_t> owned;    // frame owns its data
    int pipe = -1;  // the data is the next data_len bytes of this pipe (read end), not at `data`
  };
  // A pipe a READ's data is spliced through (connection_splice.cc).
  struct SplicePipe {
    int rd = -1, wr = -1;
    uint32_t room = 0;  // F_GETPIPE_SZ
  };

  // ---- receive path (connection.cc) ----
  void post_recv();
  void resume_recv();
  void on_recv(int res, uint32_t cqe_flags);
  // Direct receive of a large Data-Out (connection.cc): when its header is
  // in and most of its data is still in the socket, the rest is received
  // straight into the task's buffer instead of through rbuf_ and a copy.
  bool start_direct(const Bhs& bhs, size_t data_off);
  void on_direct_recv(int res);
  // After a receive: a failed one closes the connection; else reading
  // pauses while too much is queued (resume_recv()) or goes on.
  void end_recv(int res);
  void next_recv();
  void parse_pdus();
  bool handle_pdu(const Bhs& bhs, const uint8_t* ahs, const uint8_t* data, uint32_t dlen);
  uint32_t max_data_len() const;

  // ---- send path (connection_send.cc) ----
  // Queues a PDU: `bhs` (from a pdu_build.h encode()) with DataSegmentLength
  // set to `len`, and the data, which `task` (if any) keeps alive until sent.
  Frame& new_frame(const Bhs& bhs, uint32_t data_len);
  void queue_pdu(const Bhs& bhs, const uint8_t* data, uint32_t len, IscsiTask* task);
  void queue_pdu_owned(const Bhs& bhs, std::vector<uint8_t> data);
  void schedule_flush();
  // Fills iov_ with the send queue's memory from sent_off_ on (at most
  // IOV_MAX entries), stopping before the data of a frame that comes from a
  // pipe; true when it stopped there.
  bool gather_iov();
  void flush();
  void on_sent(int res);
  // Accounts n more bytes sent: whole frames leave the queue and release
  // their tasks' hold.
  void advance(size_t n);
  // A send that failed: the queue is dropped and the connection closed.
  void send_failed();

  // ---- spliced READ data (connection_splice.cc) ----
  // A READ of at least kSpliceMinBytes without a data digest, to a device
  // that splices (want_pipe), is offered a pipe from the connection's pool
  // (scsi::Task::data_in_pipe); a backend
  // that splices fills it from the page cache and the Data-In PDUs' data
  // goes from the pipe to the socket with splice(2): this process never
  // copies those bytes. The send queue is then written synchronously
  // (flush_sync: sendmsg and splice with the socket non-blocking, waiting
  // for POLLOUT through the ring when it is full) while any frame in it
  // comes from a pipe; without such frames it goes through the ring as before.
  static constexpr uint32_t kSpliceMinBytes = 64 * 1024;
  static constexpr size_t kMaxPipes = 64;
  void offer_pipe(IscsiTask& t);
  // At release: a pipe that is known empty goes back to the pool, any other is closed.
  void return_pipe(IscsiTask& t);
  void queue_pdu_spliced(const Bhs& bhs, IscsiTask& t, uint32_t len);
  void flush_sync();
  void on_writable(int res);
  // Closes one pipe (both ends) and gives back its share of live_pipes.
  void close_pipe(SplicePipe& p);
  void close_pipes();
  // StatSN, ExpCmdSN, MaxCmdSN for the PDU about to be queued; the CmdSN
  // window is updated first. advance_statsn: the PDU consumes a StatSN.
  SnFields next_sns(bool advance_statsn);
  void send_reject(const Bhs& bad, uint8_t reason);

  // ---- login (connection_login.cc) ----
  void handle_login(const Bhs& bhs, const uint8_t* data, uint32_t dlen);
  void register_session(LoginResponse& out);
  void finish_login();
  void close_reinstated();
  void post_login_failure(const LoginResponse& out);

  // ---- command ordering (connection.cc) ----
  // Returns true when the PDU should be handled now; false when it was
  // queued (CmdSN ahead) or dropped (outside the window).
  bool accept_cmdsn(const Bhs& bhs, const uint8_t* ahs, const uint8_t* data, uint32_t dlen);
  void run_queued_cmdsn();

  // ---- close (connection.cc) ----
  void maybe_finish();
  void finish();

  // ---- SCSI commands (connection_scsi.cc) ----
  void handle_scsi_cmd(const Bhs& bhs, const uint8_t* ahs, const uint8_t* data, uint32_t dlen);
  // digest_error: the PDU failed its data digest (already Rejected); its
  // data is discarded and the task fails once all its data has arrived.
  // data may already be in place (a direct receive: data == the task's
  // buffer at the PDU's offset).
  void handle_data_out(const Bhs& bhs, const uint8_t* data, uint32_t dlen,
                       bool digest_error = false);
  // The collecting task a Data-Out's data may be placed into as it stands
  // (what handle_data_out accepts without closing), or nullptr.
  IscsiTask* data_out_fits(const Bhs& bhs, uint32_t dlen);
  // The one check of a Data-Out's TTT, offset and length against its task.
  bool data_out_valid(const IscsiTask& t, const Bhs& bhs, uint32_t dlen) const;
  void send_r2ts(IscsiTask& t);
  void execute(IscsiTask& t);
  void send_scsi_response(IscsiTask& t);
  // The one place a SCSI Response PDU is built (for a task, or a command
  // refused before it became one). Advances StatSN; `sense` becomes the
  // data segment (SenseLength + sense data) when not empty.
  void queue_scsi_rsp(uint32_t itt, uint8_t status, Residual residual, uint32_t exp_data_sn,
                      std::span<const uint8_t> sense);
  IscsiTask* alloc_task();
  void release_task(IscsiTask* t);
  void maybe_release(IscsiTask* t);
  // Commands in flight for the CmdSN window and QueuedCommands: tasks not
  // answered yet (their status PDU not queued).
  uint32_t unanswered() const { return uint32_t(tasks_.size()) - answered_; }

  // ---- admission and the CmdSN window's room (connection_limits.cc) ----
  void mark_answered(IscsiTask& t);
  // An unsolicited NOP-In (ITT and TTT 0xffffffff) that reopens a closed
  // CmdSN window when a slot frees without any other PDU to carry it.
  void announce_window();
  // Limits (ServerContext::limits, QueuedCommands): true when the command
  // was answered with TASK SET FULL or CHECK CONDITION instead of admitted.
  bool refuse_command(const Bhs& bhs, uint32_t edtl);
  // A SCSI Response for a command refused before it became a task: nothing
  // moved (ResidualCount = its ExpectedDataTransferLength).
  void answer_status(const Bhs& bhs, uint8_t status, const scsi::Sense* sense);

  // ---- NOP, TMF, Text, Logout (connection_misc.cc) ----
  void handle_nop_out(const Bhs& bhs, const uint8_t* data, uint32_t dlen);
  // The one place an unsolicited NOP-In (ITT 0xffffffff, StatSN not
  // advanced) is built: a ping (tick) when `ttt` is a tag the initiator must
  // echo, a window update (announce_window) when it is 0xffffffff.
  void send_nop_in(uint32_t ttt);
  void handle_tmf(const Bhs& bhs);
  void send_tmf_response(uint32_t itt, uint8_t response, bool close_after);
  void handle_text(const Bhs& bhs, const uint8_t* data, uint32_t dlen);
  void send_text_chunk(uint32_t itt);
  // Logout closes the connection at once; a successful one's response is
  // sent once the nexus' end is applied (logout_pending_ holds the socket).
  void handle_logout(const Bhs& bhs);
  void send_logout_response(uint32_t itt, uint8_t response);
  void abort_task(IscsiTask& t);
  void abort_tasks_for_lun(std::optional<uint64_t> lun);

  ServerContext& ctx_;
  reactor::Reactor& reactor_;
  ConnectionSet& set_;
  int fd_;
  std::string peer_, local_;
  // Beyond a connection limit: the first Login Request is refused (03/02).
  bool over_connection_limit_ = false;
  std::unique_ptr<RecvOp> recv_op_;
  std::unique_ptr<SendOp> send_op_;
  std::unique_ptr<WritableOp> writable_op_;

  // receive buffer: bytes [0, rlen_) are unparsed input
  std::vector<uint8_t> rbuf_;
  size_t rlen_ = 0;
  bool recv_inflight_ = false;
  bool recv_paused_ = false;
  // The last receive left the socket empty: the next one waits for data
  // before trying (saves a recv that would only return EAGAIN).
  bool recv_drained_ = false;
  // The last receive filled the buffer: post_recv() grows it.
  bool recv_filled_ = false;
  // A direct receive under way (start_direct): task stays allocated until
  // it ends, even if aborted meanwhile (maybe_release waits for it).
  struct DirectRecv {
    IscsiTask* task = nullptr;
    Bhs bhs;
    uint8_t* dest = nullptr;
    uint32_t len = 0;
    uint32_t got = 0;
  };
  DirectRecv direct_;

  // send queue: frames_ front is partially sent by sent_off_ bytes
  std::deque<Frame> frames_;
  size_t sent_off_ = 0;
  bool send_inflight_ = false;
  bool flush_scheduled_ = false;
  std::vector<iovec> iov_;
  msghdr msg_{};
  size_t pipe_frames_ = 0;  // frames in frames_ with data from a pipe
  std::vector<SplicePipe> pipes_;      // IscsiTask::pipe indexes it
  std::vector<uint16_t> free_pipes_;

  // login
  enum class Phase { kLogin, kFullFeature, kClosing };
  Phase phase_ = Phase::kLogin;
  std::unique_ptr<LoginNegotiator> negotiator_;
  std::vector<uint8_t> login_text_;
  bool login_started_ = false;
  // Closers of the sessions this login reinstates: called once our nexus is
  // attached (finish_login), so the old one is still there to inherit from.
  std::vector<std::function<void()>> reinstated_;
  uint16_t cid_ = 0;
  bool hdr_digest_ = false, data_digest_ = false;

  Session session_;

  // connection state
  uint32_t stat_sn_ = 0;
  // Commands the initiator had outstanding when it sent its latest command
  // (coalesce.h); how long this connection lets the reactor coalesce.
  uint32_t initiator_queue_ = 0;
  void note_initiator_queue(uint32_t exp_stat_sn) {
    initiator_queue_ = initiator_queue(stat_sn_, exp_stat_sn, unanswered(), session_.queued_commands);
  }
  bool replaying_ = false;     // handling PDUs from session_.cmdsn_queue
  std::unordered_map<uint32_t, IscsiTask*> tasks_;  // by ITT, until released
  uint32_t executing_ = 0;
  bool logout_pending_ = false;  // closing waits for the Logout Response
  uint32_t answered_ = 0;      // tasks in tasks_ whose status PDU is queued
  uint64_t buffered_ = 0;      // data bytes charged by the tasks in tasks_
  uint32_t next_ttt_ = 1;
  std::vector<std::unique_ptr<IscsiTask>> task_store_;
  IscsiTask* free_tasks_ = nullptr;

  // text continuation
  std::vector<uint8_t> text_pending_;
  size_t text_off_ = 0;
  uint32_t text_ttt_ = kReservedTag;

  // timers
  using Clock = std::chrono::steady_clock;
  Clock::time_point created_at_, last_rx_, closing_since_;
  std::optional<Clock::time_point> ping_sent_at_;
  uint32_t ping_ttt_ = 0;
};

// The connections of one reactor. Accessed only on that reactor's thread.
class ConnectionSet {
 public:
  explicit ConnectionSet(reactor::Reactor& r);
  ~ConnectionSet();
  void add(std::shared_ptr<Connection> c);
  void remove(Connection* c);
  void close_all(const char* why);
  // Connection::refresh_session() on every connection.
  void refresh_sessions();
  size_t size() const { return conns_.size(); }

 private:
  reactor::Reactor& reactor_;
  uint64_t tick_id_;
  std::unordered_map<Connection*, std::shared_ptr<Connection>> conns_;
};

}  // namespace esan::iscsi
