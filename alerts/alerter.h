// Alerter: routes the EventLog's events to the alert sinks on a thread of
// its own, so nothing that posts an event ever waits for a sink.
//
// Contract:
//  * The thread reads the log from seq `from_seq` of start() (default 1:
//    the startup report posted before start() is routed too; an Alerter
//    created while esand runs starts at the log's next_seq()), routes each event (routes() in
//    alert_config.h), passes it through each sink's Throttle and queues it
//    on that sink (at most 256 queued per sink; beyond that the oldest is
//    dropped and counted).
//  * Each sink delivers its queue in order. A failed delivery is retried
//    after retry_delay_ms(attempt) up to `retries` times, then dropped.
//    Every failure posts an alert_failed event (warning; error when it
//    gives up) naming the sink, the attempt and the error, and counts in
//    status(). While one sink waits for its retry the others go on.
//  * Events the log dropped before the thread read them (a burst larger
//    than the log) are counted in status().missed.
//  * test(): sends one alert_test event (also posted to the log) through
//    every sink now, on the caller's thread, bypassing rules and
//    throttles; returns each sink's result.
//  * reconfigure(cfg): replaces the rules, settings and sinks while the
//    thread runs (any thread may call it, also before start() or after
//    stop(); calls are serialized by the Alerter's mutex). It returns once
//    the new sinks are in place: status() and test() see them at once.
//     - A sink whose name and attributes (equivalent()) are unchanged is
//       kept: its queue, retries in progress, throttle history and counters
//       stay; new rate_limit/dedup_s apply to it from its next event.
//     - Any other sink is new (counters from 0), also when only its
//       attributes changed under the same name.
//     - A sink that is gone (or replaced) is dropped with its queue: the
//       queued alerts are counted in status().dropped_on_reconfigure; a
//       delivery to it already under way finishes and counts nowhere.
//     - Events the log numbered before the call (seq < next_seq() at the
//       call) are routed by the old rules, to those of their sinks that
//       still exist; later events by the new rules. retries applies to
//       every failure from the call on.
//  * stop(): routes what is in the log, gives each queued alert one last
//    attempt (none begins more than 5 s after the first; what is left is
//    dropped), then ends the thread. Idempotent; the
//    destructor calls it.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "alerts/alert_config.h"
#include "alerts/sinks.h"
#include "alerts/throttle.h"
#include "events/event_log.h"

namespace esan::alerts {

struct SinkStatus {
  std::string name;
  SinkType type = SinkType::kSyslog;
  uint64_t delivered = 0, failures = 0, dropped = 0, duplicates = 0, rate_limited = 0;
  size_t queued = 0;
  std::string last_error;     // of the last failure ("" when none yet)
  int64_t last_error_ms = 0;  // wall clock of that failure
};

struct AlertsStatus {
  std::vector<SinkStatus> sinks;
  size_t rules = 0;
  uint64_t missed = 0;  // events the log dropped before they were routed
  uint64_t dropped_on_reconfigure = 0;  // queued alerts of sinks reconfigure() removed
};

struct TestResult {
  std::string sink;
  std::string error;  // "" = delivered
};

class Alerter {
 public:
  Alerter(AlertsConfig cfg, std::shared_ptr<events::EventLog> log, std::string host);
  ~Alerter();
  Alerter(const Alerter&) = delete;
  Alerter& operator=(const Alerter&) = delete;

  void start(uint64_t from_seq = 1);
  void stop();
  void reconfigure(AlertsConfig cfg);
  std::vector<TestResult> test();
  AlertsStatus status() const;

 private:
  struct Queued {
    events::Event event;
    uint64_t suppressed = 0;
    uint32_t attempts = 0;
    int64_t next_try_ms = 0;
  };
  struct SinkState {
    SinkConfig cfg;
    std::unique_ptr<Sink> sink;
    Throttle throttle;
    std::vector<Queued> queue;  // front = next to deliver
    SinkStatus st;
    bool removed = false;  // reconfigure() dropped it (a delivery under way ends quietly)
  };
  using SinkList = std::vector<std::shared_ptr<SinkState>>;
  std::shared_ptr<SinkState> make_state(const SinkConfig& s, const AlertsConfig& cfg) const;
  SinkList sinks_now() const;

  void run();
  void route(const events::Event& e, int64_t now_ms);
  // Delivers what is due on every sink; returns the earliest next retry (or 0).
  int64_t deliver_due(int64_t now_ms, bool last_chance);

  std::shared_ptr<events::EventLog> log_;
  std::string host_;
  // cfg_, earlier_, sinks_ (the list and each state's queue and
  // status), missed_ and dropped_on_reconfigure_. Never held while a sink
  // delivers: the thread and test() work on a copy of the list.
  mutable std::mutex mu_;
  std::shared_ptr<const AlertsConfig> cfg_;
  // The configs replaced by reconfigure(), oldest first: {seq, cfg} routes
  // the events numbered below seq (and not below an earlier entry's seq).
  std::vector<std::pair<uint64_t, std::shared_ptr<const AlertsConfig>>> earlier_;
  SinkList sinks_;
  uint64_t cursor_ = 1, missed_ = 0, dropped_on_reconfigure_ = 0;
  std::atomic<bool> stopping_{false};
  std::chrono::steady_clock::time_point last_chance_until_;  // stop(): the end of the last attempts
  std::thread thread_;
};

}  // namespace esan::alerts
