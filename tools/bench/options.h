// esan-bench command line: what to run, parsed and validated.
//
// Contract: parse_options() never exits the process and never throws; a bad
// argument comes back as Errc::kInvalidArgument with a message naming it.
// --help comes back as Errc::kNotFound carrying the help text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace esan::bench {

enum class Workload { kRead, kWrite, kRandRead, kRandWrite, kRw70 };

std::string_view workload_name(Workload w);

struct Options {
  std::string url;  // iscsi://[user%secret@]host[:port]/target-iqn/lun
  Workload rw = Workload::kRandRead;
  uint32_t block_bytes = 4096;
  unsigned queue_depth = 64;   // outstanding commands per session
  unsigned sessions = 1;
  double seconds = 10;
  uint64_t range_bytes = 0;    // 0 = the whole LU
  bool json = false;           // final summary as JSON on stdout
  bool verify = false;         // fill the range with a pattern, check every read
  bool quiet = false;          // no per-second progress lines
  std::string initiator = "iqn.2026-11.org.esan:esan-bench";
};

// "4096", "4k", "1m", "1g" (binary multiples) -> bytes.
Result<uint64_t> parse_size(std::string_view text);
// "10", "10s", "500ms", "2m" -> seconds.
Result<double> parse_duration(std::string_view text);
Result<Workload> parse_workload(std::string_view text);

// argv[0] is the program name.
Result<Options> parse_options(int argc, const char* const* argv);

}  // namespace esan::bench
