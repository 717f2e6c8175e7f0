// PeerSession: one reactor's libiscsi session to the peer's internal target
// (see forwarder.h for the contract it implements). Reactor thread only.
//
// Driving libiscsi from the reactor: iscsi_which_events() says what the
// session waits for; a one-shot IORING_OP_POLL_ADD per direction (PollOp)
// is armed for it, and each completion calls iscsi_service() and re-arms.
// Commands queued during a reactor batch are written once, at the end of
// it (Reactor::defer). The reactor's 1 s tick calls iscsi_service(0) for
// libiscsi's command timeouts, and the connect timeout and reconnect
// backoff run on it too.
//
// Lifetime: shared_ptr; every armed PollOp holds one, so the session lives
// until its polls have completed (close() cancels them).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "reactor/reactor.h"
#include "redirect/forwarder.h"
#include "scsi/task.h"

struct iscsi_context;
struct scsi_task;

namespace esan::redirect {

using Naa = std::array<uint8_t, 16>;

class PeerSession : public std::enable_shared_from_this<PeerSession> {
 public:
  PeerSession(reactor::Reactor& r, const PeerConfig& peer, int index);
  ~PeerSession();

  void submit(scsi::Task& t, const Naa& naa, bool desc_sense);
  // forwarder.h: true when logged in; else starts an attempt if none is
  // under way or began less than kDemandRetryMs ago.
  bool ready_for();
  static constexpr uint64_t kDemandRetryMs = 200;
  void close();
  reactor::Reactor& reactor() const { return r_; }

  // libiscsi callbacks (C trampolines in peer_session.cc).
  struct Flight;
  void on_connected(int status);
  void on_logged_in(int status);
  void on_report_luns(int status, scsi_task* st);
  void on_inquiry(int status, scsi_task* st, uint64_t lun);
  void on_command(int status, Flight* f);

  class PollOp;
  void on_poll(PollOp* op, int res);

 private:
  enum class State : uint8_t { kIdle, kConnecting, kReady, kDown, kClosed };
  struct Waiting {
    scsi::Task* task;
    Naa naa;
    bool desc;
  };

  void connect();
  void ensure_tick();
  void failed();
  void send(scsi::Task& t, const Naa& naa, bool desc);
  void drop(const std::string& why);
  // A command the peer may not have run (in flight or waiting when the
  // session ended): back to the redirect gate's hold, or 04h/0Ah when it
  // holds nothing or the session is closing (scsi::retry_unreached).
  void lost(scsi::Task& t, bool desc);
  void rearm();
  void arm(int events);
  void schedule_flush();
  void tick();
  void ready();

  reactor::Reactor& r_;
  PeerConfig peer_;
  int index_;
  State state_ = State::kIdle;
  iscsi_context* ctx_ = nullptr;
  uint32_t gen_ = 0;  // connection attempt; polls of an older one are ignored
  PollOp* poll_in_ = nullptr;
  PollOp* poll_out_ = nullptr;
  bool flush_scheduled_ = false;
  uint64_t tick_id_ = 0;
  int connect_ticks_ = 0;       // ticks spent connecting
  uint64_t retry_at_ticks_ = 0; // kDown: reconnect from this tick on
  uint64_t ticks_ = 0;
  unsigned backoff_s_ = 1;
  uint64_t attempt_ns_ = 0;  // when the latest connection attempt began (steady clock)
  int discovering_ = 0;  // INQUIRY commands outstanding while connecting
  std::map<Naa, uint64_t> luns_;  // NAA designator -> LUN on the peer
  std::set<Naa> unmapped_logged_;  // LUs the peer does not export to us (logged once)
  std::vector<Waiting> waiting_;
  std::unordered_set<Flight*> flights_;
  bool warned_down_ = false;
};

}  // namespace esan::redirect
