#include "tests/integration/crash_util.h"

#include <signal.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace esan::it {

using namespace std::chrono_literals;

int EnvInt(const char* name, int def) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return def;
  char* end = nullptr;
  long x = std::strtol(v, &end, 10);
  return (end && *end == '\0') ? int(x) : def;
}

EsandProcess::Options QuietOptions() {
  EsandProcess::Options o;
  o.log_level = "info";
  return o;
}

Context CrashSession(EsandProcess& esand, const std::string& iqn, int index) {
  SessionOptions o;
  o.initiator = "iqn.2026-11.org.esan.test:crash-" + std::to_string(index);
  o.isid_random = std::make_pair(uint32_t(0x1000 + index), 1u);
  std::string err;
  Context c = Login(esand.portal(), iqn, 0, o, &err);
  if (!c) ADD_FAILURE() << "session " << index << ": " << err;
  return c;
}

KillResult KillAtRandomMoment(EsandProcess& esand, const std::atomic<uint64_t>& acked, uint64_t min_acked,
                              std::mt19937_64& rng) {
  KillResult r;
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (acked.load() < min_acked) {
    if (std::chrono::steady_clock::now() > deadline) {
      r.error = "only " + std::to_string(acked.load()) + " commands acknowledged in 20 s";
      esand.Signal(SIGKILL);
      esand.WaitExit(5s);
      return r;
    }
    std::this_thread::sleep_for(1ms);
  }
  auto t0 = std::chrono::steady_clock::now();
  // The random moment itself: not a synchronisation.
  std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 401));
  esand.Signal(SIGKILL);
  r.ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  ExitInfo info = esand.WaitExit(5s);
  if (!info.exited || !info.signaled || info.signal != SIGKILL) {
    r.error = "esand did not die of SIGKILL";
    r.ms.reset();
  }
  return r;
}

}  // namespace esan::it
