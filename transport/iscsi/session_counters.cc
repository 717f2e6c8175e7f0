#include "transport/iscsi/session_counters.h"

namespace esan::iscsi {

SessionCountersSnapshot& SessionCountersSnapshot::operator+=(const SessionCountersSnapshot& o) {
  commands += o.commands;
  read_commands += o.read_commands;
  write_commands += o.write_commands;
  read_bytes += o.read_bytes;
  write_bytes += o.write_bytes;
  errors += o.errors;
  in_flight += o.in_flight;
  read_spliced_bytes += o.read_spliced_bytes;
  return *this;
}

SessionCountersSnapshot SessionCounters::snapshot() const {
  constexpr auto r = std::memory_order_relaxed;
  SessionCountersSnapshot s;
  // The writer bumps commands before its class: load the classes first.
  s.read_commands = read_commands_.load(r);
  s.write_commands = write_commands_.load(r);
  s.commands = commands_.load(r);
  s.read_bytes = read_bytes_.load(r);
  s.write_bytes = write_bytes_.load(r);
  s.errors = errors_.load(r);
  s.read_spliced_bytes = read_spliced_bytes_.load(r);
  // Released first: a command received in between only raises the result.
  uint64_t rel = released_.load(r), rcv = received_.load(r);
  s.in_flight = rcv > rel ? rcv - rel : 0;
  return s;
}

}  // namespace esan::iscsi
