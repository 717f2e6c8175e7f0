// esan-bench: iSCSI load generator. See tools/bench/options.h for the
// command line and runner.h for what a run does. Exit status: 0 when every
// command succeeded (and, with --verify, every read matched), 1 when any
// failed, 2 for bad arguments or a failed login.
#include <cstdio>

#include "tools/bench/options.h"
#include "tools/bench/report.h"
#include "tools/bench/runner.h"

using namespace esan::bench;

int main(int argc, char** argv) {
  auto opts = parse_options(argc, argv);
  if (!opts) {
    bool help = opts.error().code == esan::Errc::kNotFound;
    std::fprintf(help ? stdout : stderr, "%s%s\n", help ? "" : "esan-bench: ", opts.error().message.c_str());
    return help ? 0 : 2;
  }
  auto runner = Runner::connect(*opts);
  if (!runner) {
    std::fprintf(stderr, "esan-bench: %s\n", runner.error().message.c_str());
    return 2;
  }
  if (opts->verify) {
    if (!opts->quiet) std::fprintf(stderr, "filling the range with the verify pattern...\n");
    if (auto st = (*runner)->fill(); !st) {
      std::fprintf(stderr, "esan-bench: %s\n", st.error().message.c_str());
      return 1;
    }
  }
  ProgressFn progress;
  if (!opts->quiet)
    progress = [](unsigned s, uint64_t ios, uint64_t bytes) {
      std::fprintf(stderr, "%s\n", progress_line(s, ios, bytes).c_str());
    };
  auto totals = (*runner)->run(progress);
  if (!totals) {
    std::fprintf(stderr, "esan-bench: %s\n", totals.error().message.c_str());
    return 1;
  }
  std::string out = opts->json ? summary_json(*opts, *totals) : summary_text(*opts, *totals);
  std::fputs(out.c_str(), stdout);
  return totals->errors || totals->miscompares ? 1 : 0;
}
