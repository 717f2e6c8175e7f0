// AlertsSetup: esand's alert rules file and the Alerter that follows it;
// the one way the rules change while esand runs (GET/PUT
// /v1/alerts/config, docs/API.md "Alert configuration").
//
// Contract:
//  * path(): the rules file: esand --alerts FILE, else alerts.conf beside
//    the --config file (daemon/main.cc; "" = none known). At start the
//    daemon reads it if it exists (an error stops esand) and hands its text
//    here; with no file there is no Alerter until the first replace().
//  * save: false with esand --no-write-back: replace() runs the new rules
//    without writing any file (a restart reads the file as it was).
//  * current(): the path, the text the running rules were read from (the
//    file as loaded or as last replaced; "" when none), its version
//    (version_of(text)) and those rules (nullopt when none are configured).
//  * version_of(text): 8 hex digits naming a text (its CRC-32C): a client
//    that read the rules sends it back so a change made meanwhile by
//    someone else is not overwritten unseen.
//  * replace(text, author, if_version): all or nothing, serialized by a
//    mutex:
//     0. if_version given and not the current version: kBusy ("changed
//        since ... read them again"), nothing changes;
//     1. parse_alerts(text, path) — its error (kInvalidArgument
//        "path:line: reason") changes nothing;
//     2. saving, with no path: kUnsupported, nothing changes;
//     3. saving: write_file_atomically(path, text) (temp file, fsync, the
//        old file kept as path.bak, rename, fsync of the directory) — its
//        error (kIo, naming the path and the step) changes nothing;
//     4. only then Alerter::reconfigure() (alerter.h says what happens to
//        queued alerts and counters), or a new Alerter started when none
//        ran;
//     5. an alerts_changed event (info: author, file — "" when not saved —,
//        sinks, rules), routed by the new rules.
//  * alerter(): the running Alerter or null; it stays valid while the
//    caller holds the shared_ptr (stop() ends its thread, never frees it
//    under a caller).
//  * stop(): stops the Alerter (if any); replace() is refused afterwards.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "alerts/alerter.h"
#include "events/event_log.h"

namespace esan::mgmt {

class AlertsSetup {
 public:
  // `text`/`cfg`: what was loaded from `path` at start (cfg nullopt: no file).
  AlertsSetup(std::string path, std::string text, std::optional<alerts::AlertsConfig> cfg,
              std::shared_ptr<events::EventLog> log, std::string host, bool save);
  ~AlertsSetup();

  struct Current {
    std::string path, text, version;
    std::optional<alerts::AlertsConfig> cfg;
  };
  Current current() const;
  const std::string& path() const { return path_; }
  bool saves() const { return save_; }
  static std::string version_of(const std::string& text);
  Status replace(const std::string& text, const std::string& author,
                 const std::optional<std::string>& if_version = std::nullopt);
  std::shared_ptr<alerts::Alerter> alerter() const;
  void stop();

 private:
  const std::string path_;
  std::shared_ptr<events::EventLog> log_;
  const std::string host_;
  const bool save_;
  mutable std::mutex mu_;  // all below; replace() holds it throughout
  std::string text_;
  std::optional<alerts::AlertsConfig> cfg_;
  std::shared_ptr<alerts::Alerter> alerter_;
  bool stopped_ = false;
};

}  // namespace esan::mgmt
