// esan-prstorm: a persistent reservation storm, the load bench/pr_storm runs
// beside a latency measurement.
//
//   esan-prstorm URL SECONDS [KEY]
//
// Logs in to URL (iscsi://HOST:PORT/IQN/LUN) and, for SECONDS, loops
// PERSISTENT RESERVE OUT REGISTER, REGISTER AND IGNORE EXISTING KEY and
// REGISTER with key 0 (unregister), each with APTPL=1, so every command
// changes the registration and makes the target save its persistent
// reservation state. Prints one JSON line: {"commands": N, "per_second": R,
// "failed": F}. Exit status 1 when it cannot log in or any command failed.
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

bool prout(iscsi_context* ctx, int lun, int sa, uint64_t key, uint64_t sa_key) {
  scsi_persistent_reserve_out_basic p{};
  p.reservation_key = key;
  p.service_action_reservation_key = sa_key;
  p.aptpl = 1;
  scsi_task* t = iscsi_persistent_reserve_out_sync(ctx, lun, sa, 0, 0, &p);
  bool good = t && t->status == SCSI_STATUS_GOOD;
  if (t) scsi_free_scsi_task(t);
  return good;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: esan-prstorm URL SECONDS [KEY]\n");
    return 2;
  }
  double secs = std::atof(argv[2]);
  uint64_t key = argc > 3 ? std::strtoull(argv[3], nullptr, 0) : 0x5eed;
  iscsi_context* ctx = iscsi_create_context("iqn.2026-12.org.esan:prstorm");
  iscsi_url* url = ctx ? iscsi_parse_full_url(ctx, argv[1]) : nullptr;
  if (!url) {
    std::fprintf(stderr, "esan-prstorm: bad URL %s: %s\n", argv[1], ctx ? iscsi_get_error(ctx) : "no context");
    return 1;
  }
  iscsi_set_targetname(ctx, url->target);
  iscsi_set_session_type(ctx, ISCSI_SESSION_NORMAL);
  if (iscsi_full_connect_sync(ctx, url->portal, url->lun) != 0) {
    std::fprintf(stderr, "esan-prstorm: login failed: %s\n", iscsi_get_error(ctx));
    return 1;
  }
  using Clock = std::chrono::steady_clock;
  auto end = Clock::now() + std::chrono::duration<double>(secs);
  auto start = Clock::now();
  uint64_t n = 0, failed = 0;
  while (Clock::now() < end) {
    failed += !prout(ctx, url->lun, SCSI_PERSISTENT_RESERVE_REGISTER, 0, key);
    failed += !prout(ctx, url->lun, SCSI_PERSISTENT_RESERVE_REGISTER_AND_IGNORE_EXISTING_KEY, 0, key + 1);
    failed += !prout(ctx, url->lun, SCSI_PERSISTENT_RESERVE_REGISTER, key + 1, 0);
    n += 3;
  }
  double took = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("{\"commands\": %llu, \"per_second\": %.1f, \"failed\": %llu}\n", (unsigned long long)n, n / took,
              (unsigned long long)failed);
  iscsi_logout_sync(ctx);
  iscsi_destroy_url(url);
  iscsi_destroy_context(ctx);
  return failed ? 1 : 0;
}
