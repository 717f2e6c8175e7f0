// SessionRegistry: every logged-in session in the process, keyed for
// reinstatement (RFC 7143 §6.3.5: a new login with the same InitiatorName,
// ISID and TargetName and TSIH 0 replaces the old session) and for listing.
//
// Thread-safe. A session lives on one reactor; the registry only holds a
// closer callback (which posts to that reactor) and descriptive info.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace esan::iscsi {

struct SessionInfo {
  uint16_t tsih = 0;
  std::string initiator_name;
  std::string isid_hex;   // 12 hex digits
  std::string target_name;
  std::string peer;       // initiator address:port
  bool discovery = false;
};

class SessionRegistry {
 public:
  using Closer = std::function<void()>;  // thread-safe: asks the session to close

  // Registers a new session and returns its TSIH. If a session with the same
  // (initiator, ISID, target) exists it is asked to close (reinstatement).
  // A normal session is refused (returns 0, nothing changes) when the
  // process already has max_total normal sessions or its target has
  // max_target (0 = no limit; a session being reinstated does not count).
  uint16_t add(SessionInfo info, Closer closer, uint32_t max_total = 0, uint32_t max_target = 0);
  void remove(uint16_t tsih);
  bool exists(uint16_t tsih) const;
  std::vector<SessionInfo> list() const;
  size_t size() const;
  // Asks every session to close (shutdown). Returns how many were asked.
  size_t close_all();

 private:
  struct Entry {
    SessionInfo info;
    Closer closer;
  };
  mutable std::mutex mu_;
  std::map<uint16_t, Entry> sessions_;
  uint16_t next_tsih_ = 1;
};

}  // namespace esan::iscsi
