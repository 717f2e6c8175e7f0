// SessionCounters: one session's command counters (docs/API.md, Sessions).
//
// Single writer: the session's reactor thread updates them (a relaxed load
// and store per field, no read-modify-write, no lock). Any thread may read
// them through snapshot() (relaxed loads: each field is a monotonic total,
// fields are not one consistent cut). Held by shared_ptr by the Session
// and by its SessionRegistry entry.
//
// What counts: a SCSI command is counted in `commands` when its status is
// queued to the initiator (aborted commands never are), as a read or write
// by scsi::op_class() (scsi/opcodes.h), with the data bytes of reads and
// writes that ended GOOD, and in `errors` when it ended in CHECK CONDITION.
// `in_flight` is the commands received and not yet released (waiting for
// Data-Out, executing, or with responses still being sent).
#pragma once

#include <atomic>
#include <cstdint>

#include "scsi/opcodes.h"

namespace esan::iscsi {

struct SessionCountersSnapshot {
  uint64_t commands = 0, read_commands = 0, write_commands = 0;
  uint64_t read_bytes = 0, write_bytes = 0, errors = 0;
  uint64_t in_flight = 0;
  // Of read_bytes' data, what went from the backend's page cache to the
  // socket by splice, never copied by esand (Connection, "spliced READ data").
  uint64_t read_spliced_bytes = 0;
  uint64_t other_commands() const {
    uint64_t rw = read_commands + write_commands;
    return commands > rw ? commands - rw : 0;
  }
  SessionCountersSnapshot& operator+=(const SessionCountersSnapshot& o);
};

class alignas(64) SessionCounters {
 public:
  // ---- writer: the session's reactor thread ----
  void received() { bump(received_, 1); }
  void released() { bump(released_, 1); }
  void answered(scsi::OpClass c, uint64_t bytes, bool error) {
    bump(commands_, 1);
    if (c == scsi::OpClass::kRead) bump(read_commands_, 1), bump(read_bytes_, bytes);
    else if (c == scsi::OpClass::kWrite) bump(write_commands_, 1), bump(write_bytes_, bytes);
    if (error) bump(errors_, 1);
  }
  void spliced(uint64_t bytes) { bump(read_spliced_bytes_, bytes); }

  // ---- any thread ----
  SessionCountersSnapshot snapshot() const;

 private:
  static void bump(std::atomic<uint64_t>& a, uint64_t n) {
    a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::atomic<uint64_t> commands_{0}, read_commands_{0}, write_commands_{0};
  std::atomic<uint64_t> read_bytes_{0}, write_bytes_{0}, errors_{0};
  std::atomic<uint64_t> received_{0}, released_{0};
  std::atomic<uint64_t> read_spliced_bytes_{0};
};

}  // namespace esan::iscsi
