// Scheduled backend probes: esand checks each device's backend on a
// schedule, off the reactors, so a backend that fails or hangs is known
// before an initiator or the HA resource agent's monitor trips over it
// (docs/ARCHITECTURE.md "Backend probes").
//
// Contract:
//  * A Target is one device's backend as the probe sees it: its name, the
//    path to read (empty: nothing to probe, e.g. vdisk_nullio, always
//    healthy) and whether to read it with O_DIRECT. probes/ knows nothing
//    of the configuration; mgmt/ turns devices into targets.
//  * Settings: `interval` between the starts of two probes of a device and
//    `hang_limit`, after which a probe that has not finished counts as hung.
//    check_settings() says what is wrong with them (the daemon's flags).
//  * The Scheduler keeps one state per target: pending (no probe finished
//    yet), healthy, failed (the last probe answered with an error) or hung
//    (a probe has run for hang_limit without an answer). A probe is started
//    when the device is added and then every `interval` after the start of
//    the previous one; at most one probe per device is outstanding: while
//    one runs (hung or not) no other is started for that device.
//  * Probes run through a Runner, by default each on a detached thread of
//    its own, never on the scheduler's thread, the caller's thread or a
//    reactor: a read stuck in the kernel blocks only its own thread. The
//    scheduler never waits for a probe: a hung probe is reported hung when
//    hang_limit passes although the read has not returned; when it does
//    return, its answer counts like any other (failed or recovered).
//  * Events (events::post, after the scheduler's lock is released):
//    health_failed (error) when a device enters failed or hung, or passes
//    from one to the other (fields device, path, state, error);
//    health_recovered (info) when a failed or hung device answers again
//    (fields device, path, was). A device that stays failed posts nothing
//    more; a first probe that succeeds posts nothing.
//  * set_targets() replaces the set of targets (config changes): a target
//    whose path or mode changed starts over as pending; a removed one is
//    forgotten (its outstanding probe's answer is dropped). Thread-safe.
//  * tick(now) is one turn of the scheduler (the thread calls it; unit
//    tests call it with their own clock and Runner). health() is
//    thread-safe and never waits.
//  * probe_now(until) (GET /v1/health, the resource agent's monitor): a
//    fresh answer without a second outstanding probe. Each device with no
//    probe running is made due at once; the call then waits, at most until
//    `until`, for every device's next probe to finish (the one running, or
//    the one just started); a hung device does not wait. It returns each
//    device's health and whether that answer came in time (`fresh`): a
//    device whose probe was still running at `until` has fresh false and
//    keeps the state the scheduler gives it (hung only at hang_limit). It
//    needs the scheduler's thread (start()) to start and collect probes.
//  * stop() ends the scheduler's thread (never waiting for a probe);
//    outstanding probes finish alone, keeping only their own shared state
//    alive. A read stuck in the kernel may still keep the process from
//    being reaped (e.g. a FUSE request already sent to its server waits for
//    the answer even after SIGKILL): that is the kernel's, not esand's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/result.h"

namespace esan::probes {

struct Target {
  std::string device;
  std::string path;     // "" = nothing to probe (always healthy)
  bool direct = false;  // read with O_DIRECT (block devices)
  bool operator==(const Target&) const = default;
};

struct Settings {
  std::chrono::milliseconds interval{std::chrono::seconds(5)};
  std::chrono::milliseconds hang_limit{std::chrono::seconds(10)};
};
inline constexpr std::chrono::seconds kMaxInterval{3600}, kMaxHangLimit{600};
// Interval 1 s .. 1 h, hang limit 1 s .. 10 min (whole milliseconds).
Status check_settings(const Settings& s);

enum class State { kPending, kHealthy, kFailed, kHung };
std::string_view state_name(State s);  // "pending", "healthy", "failed", "hung"

struct DeviceHealth {
  std::string device, path;
  State state = State::kPending;
  std::string error;      // failed/hung: why
  double seconds = 0;     // the last finished probe's latency; while hung, how long the probe has run
  uint64_t probes = 0;    // probes finished or found hung
  uint64_t failures = 0;  // of them failed or hung
  bool probing = false;   // a probe is outstanding
  bool fresh = true;      // probe_now(): answered in time (or hung)
};

// Why a probe of `path` counts as hung: it has not answered within `limit`
// (the scheduler's hang_limit, or an on-demand request's timeout).
std::string hang_error(const std::string& path, std::chrono::milliseconds limit);

// The probe: "" when the backend answered, else why not. May block forever.
using ProbeFn = std::function<std::string(const Target&)>;
// The default probe: a fresh open of the path (O_DIRECT when asked, buffered
// where the file system refuses it) and a read of its first block (up to
// 4096 bytes at offset 0).
std::string read_probe(const Target& t);

// Runs a probe job; the default starts a detached thread.
using Runner = std::function<void(std::function<void()>)>;
void detached_runner(std::function<void()> job);

class Scheduler {
 public:
  using Clock = std::chrono::steady_clock;

  // REQUIRES: check_settings(settings) is ok.
  explicit Scheduler(Settings settings, ProbeFn probe = read_probe, Runner runner = detached_runner);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  const Settings& settings() const { return settings_; }

  void set_targets(std::vector<Target> targets);
  void start();  // the scheduler's thread
  void stop();

  void tick(Clock::time_point now);

  // In the order of set_targets.
  std::vector<DeviceHealth> health(Clock::time_point now = Clock::now()) const;
  std::vector<DeviceHealth> probe_now(Clock::time_point until);

 private:
  struct Shared;
  Clock::time_point next_wake(Clock::time_point now) const;
  void run();

  const Settings settings_;
  const ProbeFn probe_;
  const Runner runner_;
  std::shared_ptr<Shared> sh_;
  std::thread thread_;
};

}  // namespace esan::probes
