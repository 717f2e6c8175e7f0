// The final summary of an esan-bench run, for people (text) and scripts
// (JSON). Latencies are reported in microseconds.
#pragma once

#include <string>

#include "tools/bench/options.h"
#include "tools/bench/runner.h"

namespace esan::bench {

std::string summary_text(const Options& o, const Totals& t);
std::string summary_json(const Options& o, const Totals& t);
// One progress line: "  3s  141205 IOPS   578.4 MB/s".
std::string progress_line(unsigned second, uint64_t ios, uint64_t bytes);

}  // namespace esan::bench
