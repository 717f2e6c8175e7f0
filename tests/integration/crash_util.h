// Helpers shared by the crash-consistency and graceful-stop tests
// (crash_test.cc, crash_pr_test.cc, stop_test.cc).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"

namespace esan::it {

// $name as an integer, or def when unset or not a number.
int EnvInt(const char* name, int def);

// esand options for I/O-heavy tests: log level info (debug logs every
// connection event; the default harness level).
EsandProcess::Options QuietOptions();

// A normal session to iqn LUN 0 as initiator "...:crash-<index>" with its
// own ISID (concurrent sessions must not reinstate each other); null and a
// test failure when login fails.
Context CrashSession(EsandProcess& esand, const std::string& iqn, int index);

struct KillResult {
  std::optional<long long> ms;  // from I/O flowing to the SIGKILL
  std::string error;
  explicit operator bool() const { return ms.has_value(); }
};

// Waits until at least min_acked commands were acknowledged (at most 20 s),
// then a random 0-400 ms more, kills esand with SIGKILL and reaps it
// (expecting death by that signal).
KillResult KillAtRandomMoment(EsandProcess& esand, const std::atomic<uint64_t>& acked, uint64_t min_acked,
                              std::mt19937_64& rng);

}  // namespace esan::it
