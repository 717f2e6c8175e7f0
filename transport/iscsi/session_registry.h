// SessionRegistry: every logged-in session in the process, keyed for
// reinstatement (RFC 7143 §6.3.5: a new login with the same InitiatorName,
// ISID and TargetName and TSIH 0 replaces the old session), for listing
// and closing (management plane), and for per-target totals.
//
// Thread-safe. A session lives on one reactor; the registry only holds a
// closer callback (which posts to that reactor), the description the
// session published at login (immutable afterwards) and its counters
// (SessionCounters: written by the session's reactor, read here).
//
// Closing: close() and reinstatement mark an entry "closing" and call its
// closer; the entry leaves when the session itself calls remove(). A
// closing session is no longer listed, counted against limits or matched
// for reinstatement, but its counters still count in target_totals().
// remove() folds the session's counters into its target's retired totals,
// so those totals never go down.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/result.h"
#include "transport/iscsi/params.h"
#include "transport/iscsi/session_counters.h"

namespace esan::iscsi {

struct SessionInfo {
  uint16_t tsih = 0;
  std::string initiator_name;
  std::string isid_hex;   // 12 hex digits
  std::string target_name;
  std::string peer;       // initiator address:port
  bool discovery = false;
  std::string portal;     // our local address:port of the connection
  SessionParams params;   // negotiated at login
  // Filled by list(): the session's counters at that moment.
  SessionCountersSnapshot counters;
};

// Per target: counters of its sessions, live and ended, and how many
// normal sessions it has now.
struct TargetTotals {
  SessionCountersSnapshot counters;
  uint32_t sessions = 0;
};

class SessionRegistry {
 public:
  using Closer = std::function<void()>;  // thread-safe: asks the session to close

  // Registers a new session and returns its TSIH. If a session with the same
  // (initiator, ISID, target) exists it is asked to close (reinstatement):
  // its closer is called before add() returns or, when `reinstated` is
  // given, appended there for the caller to call (the transport does once
  // the new session's I_T nexus is attached, so that the old nexus is still
  // there to hand its pending unit attentions on; scsi/dispatcher.h). Either
  // way the old session is marked closing at once.
  // A normal session is refused (returns 0, nothing changes) when the
  // process already has max_total normal sessions or its target has
  // max_target (0 = no limit; a session being reinstated does not count).
  uint16_t add(SessionInfo info, Closer closer, uint32_t max_total = 0, uint32_t max_target = 0,
               std::shared_ptr<const SessionCounters> counters = nullptr,
               std::vector<Closer>* reinstated = nullptr);
  void remove(uint16_t tsih);
  bool exists(uint16_t tsih) const;
  // Sessions not closing, by TSIH, with their counters.
  std::vector<SessionInfo> list() const;
  size_t size() const;  // sessions not closing (normal and discovery)
  // Asks session `tsih` to close (its connection is dropped, its commands
  // in flight aborted). kNotFound if no such session (or already closing).
  Status close(uint16_t tsih);
  // Asks every session to close (shutdown). Returns how many were asked.
  size_t close_all();
  // Asks every normal session of `target` except `except_tsih` to close
  // (TARGET COLD RESET, RFC 7143 11.5.1: the target drops all of its
  // connections). Returns how many were asked.
  size_t close_target(const std::string& target, uint16_t except_tsih);
  // Normal sessions only, by target name (targets never logged in to are absent).
  std::map<std::string, TargetTotals> target_totals() const;

 private:
  struct Entry {
    SessionInfo info;
    Closer closer;
    std::shared_ptr<const SessionCounters> counters;
    bool closing = false;
  };
  mutable std::mutex mu_;
  std::map<uint16_t, Entry> sessions_;
  std::map<std::string, SessionCountersSnapshot> retired_;  // by target, sessions removed
  uint16_t next_tsih_ = 1;
};

}  // namespace esan::iscsi
