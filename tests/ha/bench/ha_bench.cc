// ha_bench: figures for the HA pair (docs/PERFORMANCE.md), measured in the
// HA lab (tests/ha/lab.h: real corosync in network namespaces).
//
//   ha_bench [--commands N]
//
// PR OUT latency: N PERSISTENT RESERVE OUT commands (REGISTER AND IGNORE
// EXISTING KEY, a new key each time, so every one changes the state) from
// one session, one at a time, with APTPL=0 and with APTPL=1 (each node then
// saves its PR file), against (a) one esand without esan_cluster_group
// (the single-node coordinator) and (b) node1 of a replicated pair (the
// change goes through corosync CPG and node2 applies it before the status).
// Prints p50/p99/max per case. Needs root (namespaces). Never fails on a
// figure; exits 1 only when the lab or a command fails.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "tests/ha/ha_util.h"

namespace esan::ha {
namespace {

struct Figures {
  double p50_us = 0, p99_us = 0, max_us = 0;
  size_t n = 0;
};

Figures measure(iscsi_context* ctx, int commands, bool aptpl, uint64_t base) {
  std::vector<double> us;
  us.reserve(size_t(commands));
  for (int i = 0; i < commands; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    Task t = ProutTask(ctx, SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY, 0, 0, base + uint64_t(i), aptpl);
    auto t1 = std::chrono::steady_clock::now();
    if (!t || t->status != SCSI_STATUS_GOOD) {
      std::fprintf(stderr, "PR OUT %d failed: %s\n", i, it::Describe(ctx, t.get()).c_str());
      std::exit(1);
    }
    us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(us.begin(), us.end());
  Figures f;
  f.n = us.size();
  f.p50_us = us[us.size() / 2];
  f.p99_us = us[std::min(us.size() - 1, us.size() * 99 / 100)];
  f.max_us = us.back();
  return f;
}

void row(const char* setup, bool aptpl, const Figures& f) {
  std::printf("%-34s %-6s %8zu %10.0f %10.0f %10.0f\n", setup, aptpl ? "1" : "0", f.n, f.p50_us, f.p99_us, f.max_us);
}

int run(int commands) {
  Lab lab;
  if (auto r = lab.Start(); !r) {
    std::fprintf(stderr, "lab: %s\n", r.message());
    return 1;
  }
  std::printf("%-34s %-6s %8s %10s %10s %10s\n", "PR OUT latency (us)", "APTPL", "commands", "p50", "p99", "max");
  for (bool cluster : {false, true}) {
    EsandNodes nodes(lab, cluster, cluster ? 2 : 1);
    if (auto r = nodes.StartAll(); !r) {
      std::fprintf(stderr, "esand: %s\n", r.message());
      return 1;
    }
    Context s = nodes.Session(1, "iqn.2026-12.org.esan.test:bench", 1);
    if (!s) return 1;
    const char* setup = cluster ? "replicated pair (node1 of 2, CPG)" : "single node (local coordinator)";
    for (bool aptpl : {false, true}) row(setup, aptpl, measure(s.get(), commands, aptpl, aptpl ? 0x10000 : 0x1000));
  }
  return 0;
}

}  // namespace
}  // namespace esan::ha

int main(int argc, char** argv) {
  int commands = 2000;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--commands") && i + 1 < argc)
      commands = std::atoi(argv[++i]);
    else {
      std::fprintf(stderr, "usage: ha_bench [--commands N]\n");
      return 2;
    }
  }
  if (commands < 1) commands = 1;
  return esan::ha::run(commands);
}
