// ServerContext: what every iSCSI connection shares — the target registry,
// the session registry, negotiation policy and timers. Created once by the
// daemon; outlives every connection. Thread-safe members only.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "transport/iscsi/limits.h"
#include "transport/iscsi/login_negotiator.h"
#include "transport/iscsi/session_registry.h"
#include "transport/iscsi/target_registry.h"

namespace esan::iscsi {

struct ServerContext {
  TargetRegistry targets;
  SessionRegistry sessions;
  TargetPolicy policy;
  std::vector<std::string> portals;  // "ip:port,tpgt" for SendTargets
  Limits limits;
  int nop_interval_s = 15;   // ping an idle connection after this long
  int nop_timeout_s = 30;    // drop it when a ping is unanswered this long
  int login_timeout_s = 30;  // drop a connection that has not finished login
  std::atomic<int> live_connections{0};
  // Pipes of spliced READs (Connection::offer_pipe), every connection's:
  // together they may hold at most a quarter of the open-file limit.
  std::atomic<int> live_pipes{0};
  PeerCounter peers;  // live connections per initiator address
};

}  // namespace esan::iscsi
