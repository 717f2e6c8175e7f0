// fio's per-I/O log, read into what issue 14 reports about a failover: how
// many I/Os completed, and the longest time in which none did (the pause an
// application on the initiator sees).
//
// The log is the one fio writes with --write_lat_log=PREFIX and
// --log_avg_msec=0 (PREFIX_clat.N.log: one line per completed I/O, written
// when the job ends). Each line is
//     time, value, direction, block size[, offset[, priority]]
// with time the completion time in milliseconds since the job started,
// value the latency (ns), direction 0 read, 1 write, 2 trim. Lines are in
// completion order as fio records them; the parser does not rely on it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace esan::ha {

struct FioLogSummary {
  uint64_t completions = 0;  // every line
  uint64_t reads = 0, writes = 0, trims = 0;
  uint64_t first_ms = 0, last_ms = 0;  // earliest and latest completion
  // The longest interval between two consecutive completions, and when it
  // began (the completion before it). 0 with fewer than two completions.
  uint64_t longest_gap_ms = 0;
  uint64_t gap_start_ms = 0;
  std::vector<uint64_t> times;  // every completion time, ascending
};

struct FioGap {
  uint64_t start_ms = 0;   // the completion before the gap
  uint64_t length_ms = 0;  // 0: no gap overlaps the window
};

// The longest interval between consecutive completions that overlaps
// [from_ms, to_ms] (for the pause around a moment known only roughly, such
// as an ALUA switch made by the host).
FioGap LongestGapAround(const FioLogSummary& summary, uint64_t from_ms, uint64_t to_ms);

// Parses a whole log. Empty lines are skipped; a line that is not at least
// four comma-separated unsigned integers, or whose direction is not 0, 1 or
// 2, fails the parse (error says which line and why; summary unchanged).
// An empty log is valid and has no completions.
bool ParseFioLog(const std::string& text, FioLogSummary* summary, std::string* error);

}  // namespace esan::ha
