// Engine: the management plane's apply engine. The desired state is a
// config::Config; the running Server is reconciled to it.
//
// Contract:
//  * One operation at a time (one mutex; management is not a hot path).
//  * change(what, edit): `edit` (usually an edits:: function) changes a copy
//    of the running configuration; the result is validated in full
//    (config::check_config, then a write_config/parse_config round trip),
//    then applied (reconcile.h: prepare everything that can fail, then
//    commit), then written back to the --config file (write_back.h) unless
//    write-back is off. Any error leaves everything as it was: running
//    state and file. A write-back failure undoes the running change (the
//    LUs it removed are put back, not reopened) and is returned (kIo).
//  * apply(next): the same with a whole configuration (reload, apply text);
//    only the difference is applied. reload() reads the file itself and does
//    not write it back (the file already says it).
//  * Before each operation the running configuration takes the live ALUA
//    states (SET TARGET PORT GROUPS from initiators changes them), so a
//    write-back records them.
//  * Every operation names its author (the API caller: the unix-socket
//    peer's user name or the API token's name; kDaemonAuthor for SIGHUP and
//    start). With write-back on, each applied change is then recorded in
//    the configuration history (history/config_history.h, in
//    ConfigHistory::dir_for(--config)): the text written, the author, and
//    `what` as the message; esand's start records the file as it found it.
//    A failed commit never undoes an applied change: it is logged, kept as
//    history_error() until a later commit succeeds, and shown by GET
//    /v1/config/history. With write-back off there is no history
//    (history() answers kUnsupported saying so).
//  * rollback(author, rev): the configuration of history revision `rev`,
//    applied like any change (apply(): validated, reconciled, written back,
//    recorded as "rollback to REV"). Unknown rev -> kNotFound; a revision
//    that no longer parses or validates -> that error, nothing changed.
//  * Errors carry Errc codes, mapped to HTTP by the API (api_json.h,
//    error_response()).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"
#include "config/model.h"
#include "history/config_history.h"
#include "server/server.h"

namespace esan::mgmt {

struct EngineOptions {
  std::string config_path;  // --config: write-back target and default reload source
  bool write_back = true;   // --no-write-back turns it off
  bool history = false;     // keep the configuration history (with write_back and config_path)
  std::string history_push;  // --history-push: a second location for it ("" = none)
};

// The author of what esand does by itself (start, SIGHUP reload).
inline constexpr std::string_view kDaemonAuthor = "esand";

// What listings need beyond the configuration.
struct Snapshot {
  config::Config config;
  std::map<std::string, uint64_t> device_bytes;   // running capacity
  std::map<std::string, uint16_t> rel_tgt_ids;    // assigned ids included
  std::map<std::string, size_t> target_sessions;  // normal sessions per target
};

class Engine {
 public:
  // Opens the history (when opts.history) and records the --config file
  // as esand found it (author kDaemonAuthor); failures are logged and kept
  // (history()).
  Engine(server::Server& server, config::Config running, EngineOptions opts);

  Status change(std::string_view author, std::string_view what, const std::function<Status(config::Config&)>& edit);
  Status apply(std::string_view author, config::Config next, std::string_view what);
  // path empty: the --config file.
  Status reload(std::string_view author, const std::string& path = "");
  Status apply_text(std::string_view author, std::string_view text);
  // Writes the running configuration (path empty: the --config file).
  Status write(std::string_view author, const std::string& path = "");
  // Returns the full id of the revision rolled back to.
  Result<std::string> rollback(std::string_view author, std::string_view rev);

  // The configuration history, or why there is none (kUnsupported: write-back
  // off; kIo: it could not be opened). Thread-safe (its own lock).
  Result<history::ConfigHistory*> history();
  // The last failed commit's message, "" after a successful one.
  std::string history_error();
  // Pushes the history to its second location, if one is set (shutdown).
  void push_history();

  // Sets the ALUA state of target group `tg` of device group `dg`. Of a
  // cluster-owned group (esan_alua_owner cluster; the HA agent's runtime
  // path): the running state only, through the shared state seam, never
  // the config or its file. Of a node-owned group: a config edit like any
  // other (validated, applied, written back). Errors: kNotFound /
  // kInvalidArgument for an unknown group or state.
  Status set_target_group_state(std::string_view author, std::string_view dg, std::string_view tg,
                                std::string_view state);

  Snapshot snapshot();
  std::string config_text();
  // `listener` is called with the running configuration now and after each
  // operation that applied a change (also one undone by a failed
  // write-back), under the engine's lock: it must be quick and must not
  // call the Engine (the daemon hands the device set to the backend
  // probes, probes/scheduler.h). One listener; a later call replaces it.
  void set_change_listener(std::function<void(const config::Config&)> listener);
  // Normal sessions on `target` now (any thread).
  size_t sessions_of(std::string_view target) const;
  const EngineOptions& options() const { return opts_; }
  server::Server& server() { return server_; }
  // Server::observe() under the engine's lock: the device table it walks
  // changes only under that lock.
  server::Observation observe();

 private:
  Status apply_locked(config::Config next, std::string_view author, std::string_view what, bool write_back);
  void sync_alua_states_locked();
  void record_locked(std::string_view text, std::string_view author, std::string_view what);

  server::Server& server_;
  EngineOptions opts_;
  std::mutex mu_;
  config::Config running_;  // guarded by mu_
  std::unique_ptr<history::ConfigHistory> history_;  // set by the constructor only
  Error history_unavailable_;                        // why history_ is null
  std::string history_error_;                        // guarded by mu_
  std::function<void(const config::Config&)> listener_;  // guarded by mu_
};

}  // namespace esan::mgmt
