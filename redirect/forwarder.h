// Forwarder: the I/O redirect of the HA pair's non-optimized node
// (scsi/redirect.h): medium-access commands go to the node that owns the
// medium, over iSCSI, to that node's internal target (`esan_internal`), whose
// trusted nexus runs them without the checks this node already made.
//
// Contract:
//  - One Forwarder per peer (a TARGET_GROUP with esan_peer_portal), shared by
//    every reactor. Each reactor that forwards has its own libiscsi session
//    to the peer (PeerSession, peer_session.h), created on first use and
//    touched only on that reactor's thread: no locks on the path.
//  - forward(task, lu): the task's CDB and Data-Out go to the LU of the same
//    NAA designator on the peer's internal target (its LUN learnt at login
//    with REPORT LUNS and INQUIRY page 83h). Data-In lands straight in the
//    task's buffer, Data-Out is sent from it (no copy). The peer's status,
//    sense and residuals become the task's; scsi::forwarded(task) ends it on
//    its reactor.
//  - ready_for(task): true while the task's reactor's session is logged
//    in. Otherwise it starts connecting (unless an attempt is under way or
//    began less than kDemandRetryMs ago) and answers false: the gate holds
//    the command meanwhile (scsi/redirect.h, Hold), so a session is back
//    within a fraction of a second of the peer taking commands again.
//  - Commands forwarded while the session is connecting wait for it (up to
//    the connect timeout). A session that is down, drops, or times out ends
//    its commands -- in flight or new -- with CHECK CONDITION, NOT READY,
//    ASYMMETRIC ACCESS STATE TRANSITION (04h/0Ah), never GOOD; with no
//    command asking, it reconnects in the background with backoff (1 s
//    doubling to 8 s).
//  - close(r) ends reactor r's session (its commands as above) on r's
//    thread; the server calls it for every reactor before the reactors stop.
//    The destructor posts the same to every reactor that has a session.
#pragma once

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "reactor/reactor.h"
#include "scsi/redirect.h"

namespace esan::redirect {

// The peer's internal target, from the TARGET_GROUP's esan_peer_* attributes.
struct PeerConfig {
  std::string portal;     // HOST:PORT
  std::string target;     // the internal target's IQN
  std::string chap_user, chap_secret;
  std::string initiator = kInitiatorName;  // this node's initiator name toward the peer
  bool operator==(const PeerConfig&) const = default;

  static constexpr const char* kInitiatorName = "iqn.2026-12.org.esan:redirect";
};

class PeerSession;

class Forwarder final : public scsi::Redirector {
 public:
  explicit Forwarder(PeerConfig peer);
  ~Forwarder() override;
  Forwarder(const Forwarder&) = delete;
  Forwarder& operator=(const Forwarder&) = delete;

  void forward(scsi::Task& task, const scsi::LogicalUnit& lu) override;
  bool ready_for(const scsi::Task& task) override;
  // REQUIRES: on r's thread.
  void close(reactor::Reactor& r);
  const PeerConfig& peer() const { return peer_; }

  // Reactor indexes a Forwarder can serve.
  static constexpr size_t kMaxReactors = 256;

 private:
  // The task's reactor's session (created on first use); nullptr off a reactor.
  PeerSession* session_for(const scsi::Task& task);

  PeerConfig peer_;
  // Slot i: reactor i's session, written only on reactor i's thread.
  std::array<std::shared_ptr<PeerSession>, kMaxReactors> sessions_;
};

// The forwarders of a running server, one per distinct PeerConfig, kept
// across rebuilds of the device groups so sessions survive a config change
// that does not touch the peer. Thread-safe.
class ForwarderPool {
 public:
  std::shared_ptr<Forwarder> get(const PeerConfig& peer);
  // Closes every forwarder's session on reactor r (server shutdown).
  // REQUIRES: on r's thread.
  void close(reactor::Reactor& r);

 private:
  std::mutex mu_;
  std::vector<std::shared_ptr<Forwarder>> all_;
};

}  // namespace esan::redirect
