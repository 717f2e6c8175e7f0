// esand: the esan iSCSI target daemon (foreground).
//
//   esand --config FILE --listen HOST:PORT [--listen HOST:PORT ...] [--state-dir DIR]
//         [--mgmt-socket PATH] [--mgmt-listen HOST:PORT --mgmt-token-file FILE] [--no-write-back]
//         [--history-push REPO] [--alerts FILE] [--probe-interval SECONDS] [--probe-hang-limit SECONDS]
//
// Backend probes (probes/): every --probe-interval seconds (default 5; 0 =
// none, GET /v1/health then probes on demand) each device's backend is read
// off the reactors; a read not done after --probe-hang-limit seconds
// (default 10) counts as hung. Failed, hung and recovered devices are
// events, and show in GET /v1/health, /v1/devices and /metrics.
//
// Events (logins, failures, changes, ...) go to an in-memory event log
// (events/, GET /v1/events); the alert rules route them to mail, webhook and
// syslog sinks (alerts/): --alerts FILE, else alerts.conf beside the
// --config file, read at start when it exists (an error in it stops esand)
// and replaced at run time by PUT /v1/alerts/config (mgmt/alerts_setup.h).
// At start a startup report event says whether the previous run stopped
// cleanly (the run marker in the state directory).
//
// The management API (docs/API.md, mgmt/) serves on the unix socket (and
// optionally TCP) once the target runs; SIGHUP reloads the config file,
// applying only the difference. Applied changes are recorded in the
// configuration history, FILE.history (mgmt/engine.h), unless write-back is off.
// Loads the scst.conf-syntax config (any error stops it before it listens),
// then the saved state from the state directory (server/state_dir.h; an
// unusable directory or a corrupt file stops it too),
// starts one reactor per core, accepts iSCSI connections, and on SIGTERM or
// SIGINT stops accepting, closes sessions (in-flight commands finish or are
// aborted), flushes file backends and exits 0.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "alerts/alerter.h"
#include "common/log.h"
#include "config/model.h"
#include "daemon/startup.h"
#include "events/event_log.h"
#include "mgmt/api_server.h"
#include "mgmt/engine.h"
#include "mgmt/health.h"
#include "mgmt/routes.h"
#include "probes/scheduler.h"
#include "server/runtime.h"
#include "server/server.h"
#include "server/state_dir.h"

#ifndef ESAN_VERSION
#define ESAN_VERSION "0.0.0"
#endif

// Every connection holds a descriptor: allow as many as the hard limit
// (esan_max_connections bounds them below that).
static void raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) ESAN_LOG_WARN("cannot raise the open file limit");
  }
}

int main(int argc, char** argv) {
  CLI::App app{"esand - esan iSCSI target daemon"};
  std::string config_path;
  std::vector<std::string> listens;
  std::string log_level = "info";
  std::string state_dir = esan::server::kDefaultStateDir;
  unsigned reactors = 0;
  esan::server::ServerOptions opts;
  esan::mgmt::ApiOptions api_opts;
  api_opts.socket_path = "/run/esan/esand.sock";
  bool no_write_back = false;
  std::string history_push;
  std::string alerts_path;
  unsigned probe_interval_s = 5, probe_hang_limit_s = 10;
  app.add_option("-c,--config", config_path, "scst.conf-syntax configuration file")->required();
  app.add_option("-l,--listen", listens, "HOST:PORT to accept iSCSI on (repeatable; default 0.0.0.0:3260)");
  app.add_option("--state-dir", state_dir, "directory for state kept across restarts (persistent reservations)")
      ->capture_default_str();
  app.add_option("--reactors", reactors, "event-loop threads (default: one per core)");
  app.add_option("--log-level", log_level, "trace|debug|info|warn|error")->capture_default_str();
  app.add_option("--nop-interval", opts.nop_interval_s, "seconds of silence before a NOP-In ping (0 = never)")
      ->capture_default_str();
  app.add_option("--nop-timeout", opts.nop_timeout_s, "seconds to wait for a ping answer")->capture_default_str();
  app.add_option("--login-timeout", opts.login_timeout_s, "seconds allowed to complete login")->capture_default_str();
  app.add_option("--poll-us", opts.poll_us,
                 "microseconds a busy reactor polls for work before sleeping (0 = never; lower latency, more CPU)")
      ->capture_default_str()
      ->check(CLI::Range(0u, 1000u));
  app.add_option("--coalesce-us", opts.coalesce_us,
                 "longest microseconds a reactor waits for more input while initiators keep many commands "
                 "in flight (0 = never; less CPU per I/O)")
      ->capture_default_str()
      ->check(CLI::Range(0u, 1000u));
  app.add_option("--mgmt-socket", api_opts.socket_path, "management API unix socket ('' = none)")
      ->capture_default_str();
  app.add_option("--mgmt-listen", api_opts.listen, "also serve the management API on HOST:PORT (needs a token)");
  app.add_option("--mgmt-token-file", api_opts.token_file, "file whose first line is the API bearer token (TCP)");
  app.add_flag("--no-write-back", no_write_back,
               "do not write runtime changes back to the config file or the alert rules file (and keep no history)");
  app.add_option("--history-push", history_push,
                 "after each change and at shutdown, push the config history to this git repository "
                 "(a bare repository path, created when missing, or a URL)");
  app.add_option("--alerts", alerts_path,
                 "alert rules file (scst.conf syntax: SINK and RULE sections; see docs/ARCHITECTURE.md)");
  app.add_option("--probe-interval", probe_interval_s,
                 "seconds between two scheduled probes (a read) of each device's backend (0 = none: GET /v1/health "
                 "probes on demand)")
      ->capture_default_str();
  app.add_option("--probe-hang-limit", probe_hang_limit_s,
                 "seconds after which a backend probe that has not finished counts as hung")
      ->capture_default_str();
  app.set_version_flag("-V,--version", std::string("esand ") + ESAN_VERSION);
  CLI11_PARSE(app, argc, argv);

  if (!esan::log::init(log_level)) ESAN_LOG_WARN("unknown log level '{}', using info", log_level);
  if (listens.empty()) listens.push_back("0.0.0.0:3260");
  esan::probes::Settings probe_settings{std::chrono::seconds(probe_interval_s),
                                        std::chrono::seconds(probe_hang_limit_s)};
  if (probe_interval_s != 0) {
    if (auto s = esan::probes::check_settings(probe_settings); !s) {
      ESAN_LOG_ERROR("--probe-interval/--probe-hang-limit: {}", s.error().message);
      return 1;
    }
  }
  raise_fd_limit();

  // The alert rules: --alerts FILE (it must exist), else alerts.conf beside
  // the config file when it exists (docs/ARCHITECTURE.md "Events and alerts").
  bool alerts_given = !alerts_path.empty();
  if (!alerts_given) {
    auto slash = config_path.rfind('/');
    alerts_path = (slash == std::string::npos ? std::string() : config_path.substr(0, slash + 1)) + "alerts.conf";
  }
  std::optional<esan::alerts::AlertsConfig> alerts_cfg;
  std::string alerts_text;
  if (alerts_given || access(alerts_path.c_str(), F_OK) == 0) {
    auto a = esan::alerts::load_alerts_file(alerts_path, &alerts_text);
    if (!a) {
      ESAN_LOG_ERROR("{}", a.error().message);
      return 1;
    }
    alerts_cfg = std::move(*a);
  }
  auto event_log = std::make_shared<esan::events::EventLog>();
  esan::events::install(event_log);

  auto cfg = esan::config::load_config_file(config_path, true);
  if (!cfg) {
    ESAN_LOG_ERROR("{}", cfg.error().message);
    return 1;
  }
  for (const auto& w : cfg->warnings) ESAN_LOG_WARN("{}", w);
  auto rt = esan::server::build_runtime(*cfg, config_path);
  if (!rt) {
    ESAN_LOG_ERROR("{}", rt.error().message);
    return 1;
  }
  if (auto st = esan::server::attach_state_dir(*rt, state_dir); !st) {
    ESAN_LOG_ERROR("{}", st.error().message);
    return 1;
  }

  // Signals are taken synchronously by the main thread; reactor threads
  // inherit the blocked mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  opts.reactors = reactors ? reactors : std::max(1u, std::thread::hardware_concurrency());
  opts.listen = listens;
  auto server = esan::server::Server::start(std::move(*rt), opts);
  if (!server) {
    ESAN_LOG_ERROR("{}", server.error().message);
    return 1;
  }
  auto marker = esan::daemon::RunMarker::claim(state_dir);
  if (!marker) ESAN_LOG_WARN("{} (an unclean stop will not be detected at the next start)", marker.error().message);
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  auto report =
      esan::daemon::startup_report(ESAN_VERSION, host, *cfg, marker ? marker->previous : std::optional<std::string>());
  if (marker && marker->previous) ESAN_LOG_WARN("the previous run did not stop cleanly ({})", *marker->previous);
  event_log->post(esan::events::Kind::kStart, report.severity, report.message, std::move(report.fields));
  if (alerts_cfg) ESAN_LOG_INFO("alerts from {}", alerts_path);
  esan::mgmt::AlertsSetup alerts(alerts_path, std::move(alerts_text), std::move(alerts_cfg), event_log, host,
                                 !no_write_back);
  esan::mgmt::Engine engine(**server, *cfg, esan::mgmt::EngineOptions{config_path, !no_write_back, true, history_push});
  std::unique_ptr<esan::probes::Scheduler> probes;
  if (probe_interval_s != 0) {
    probes = std::make_unique<esan::probes::Scheduler>(probe_settings);
    engine.set_change_listener(
        [p = probes.get()](const esan::config::Config& c) { p->set_targets(esan::mgmt::probe_targets(c.devices)); });
    probes->start();
    ESAN_LOG_INFO("backend probes every {} s, hung after {} s", probe_interval_s, probe_hang_limit_s);
  }
  auto router = std::make_shared<esan::mgmt::Router>();
  esan::mgmt::add_all_routes(*router, engine, ESAN_VERSION, probes.get());
  esan::mgmt::add_event_routes(*router, event_log, &alerts);
  std::unique_ptr<esan::mgmt::ApiServer> api;
  if (!api_opts.socket_path.empty() || !api_opts.listen.empty()) {
    auto a = esan::mgmt::ApiServer::start(api_opts, router);
    if (!a) {
      ESAN_LOG_ERROR("management API: {}", a.error().message);
      alerts.stop();
      if (probes) probes->stop();
      (*server)->stop();
      if (marker) marker->release();
      return 1;
    }
    api = std::move(*a);
  }
  ESAN_LOG_INFO("esand {} ready: {} device(s), {} target(s), {} reactor(s)", ESAN_VERSION, (*server)->device_count(),
                (*server)->target_count(), opts.reactors);

  for (;;) {
    int sig = 0;
    sigwait(&sigs, &sig);
    if (sig == SIGHUP) {
      ESAN_LOG_INFO("SIGHUP: reloading {}", config_path);
      if (auto s = engine.reload(esan::mgmt::kDaemonAuthor); !s)
        ESAN_LOG_ERROR("reload failed, nothing changed: {}", s.error().message);
      continue;
    }
    ESAN_LOG_INFO("signal {}: shutting down", sig);
    event_log->post(esan::events::Kind::kStop, esan::events::Severity::kInfo,
                    fmt::format("esand {} on {} stopping (signal {})", ESAN_VERSION, host, sig),
                    {{"version", ESAN_VERSION}, {"host", host}, {"signal", std::to_string(sig)}});
    break;
  }
  // The stop event goes out first (the alerter gives what is queued one last
  // try); closing the log ends the API's long polls.
  alerts.stop();
  event_log->close();
  if (api) api->stop();
  // Never waits for a probe: one that hangs is left to the kernel.
  if (probes) probes->stop();
  engine.push_history();
  (*server)->stop();
  server->reset();
  if (marker) marker->release();
  esan::events::install(nullptr);
  ESAN_LOG_INFO("esand stopped");
  return 0;
}
