// Limits: the resource ceilings a hostile or runaway initiator meets, and
// the per-address connection counter that enforces one of them.
//
// Every limit answers with the protocol's refusal, never by dropping the
// connection: a Login Response 03/02 "out of resources" for sessions and
// connections beyond their limits, SCSI status TASK SET FULL for commands
// beyond QueuedCommands or beyond the connection's data budget. Defaults are
// generous enough for benchmarks (128 commands of 1 MiB in flight).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace esan::iscsi {

struct Limits {
  uint32_t max_sessions = 1024;                 // normal sessions, whole process (0 = no limit)
  uint32_t max_connections = 4096;              // TCP connections, whole process (0 = no limit)
  uint32_t max_connections_per_initiator = 256;  // per initiator IP address (0 = no limit)
  uint32_t queued_commands = 128;               // commands in flight per session
  uint64_t max_buffered_bytes = 128ull << 20;   // command data held per connection
};

// "1.2.3.4:5" -> "1.2.3.4", "[::1]:5" -> "[::1]".
inline std::string_view peer_address(std::string_view peer) {
  size_t colon = peer.rfind(':');
  return colon == std::string_view::npos ? peer : peer.substr(0, colon);
}

// Connections per initiator address. Thread-safe (login/close path only).
class PeerCounter {
 public:
  // Counts one more connection from `addr`; returns the count including it.
  uint32_t add(std::string_view addr) {
    std::lock_guard lk(mu_);
    return ++counts_[std::string(addr)];
  }
  void remove(std::string_view addr) {
    std::lock_guard lk(mu_);
    auto it = counts_.find(std::string(addr));
    if (it != counts_.end() && --it->second == 0) counts_.erase(it);
  }
  size_t addresses() const {
    std::lock_guard lk(mu_);
    return counts_.size();
  }

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, uint32_t> counts_;
};

}  // namespace esan::iscsi
