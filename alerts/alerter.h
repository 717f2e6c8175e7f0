// Alerter: routes the EventLog's events to the alert sinks on a thread of
// its own, so nothing that posts an event ever waits for a sink.
//
// Contract:
//  * The thread reads the log from seq 1 (the startup report posted before
//    start() is routed too), routes each event (routes() in
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

  void start();
  void stop();
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
  };

  void run();
  void route(const events::Event& e, int64_t now_ms);
  // Delivers what is due on every sink; returns the earliest next retry (or 0).
  int64_t deliver_due(int64_t now_ms, bool last_chance);

  AlertsConfig cfg_;
  std::shared_ptr<events::EventLog> log_;
  std::string host_;
  mutable std::mutex mu_;  // sinks_' queues and statuses (status() reads them)
  std::vector<std::unique_ptr<SinkState>> sinks_;
  uint64_t cursor_ = 1, missed_ = 0;
  std::atomic<bool> stopping_{false};
  std::chrono::steady_clock::time_point last_chance_until_;  // stop(): the end of the last attempts
  std::thread thread_;
};

}  // namespace esan::alerts
