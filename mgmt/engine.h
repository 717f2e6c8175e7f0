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
//  * Errors carry Errc codes, mapped to HTTP by the API (api_json.h,
//    error_response()).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/result.h"
#include "config/model.h"
#include "server/server.h"

namespace esan::mgmt {

struct EngineOptions {
  std::string config_path;  // --config: write-back target and default reload source
  bool write_back = true;   // --no-write-back turns it off
};

// What listings need beyond the configuration.
struct Snapshot {
  config::Config config;
  std::map<std::string, uint64_t> device_bytes;   // running capacity
  std::map<std::string, uint16_t> rel_tgt_ids;    // assigned ids included
  std::map<std::string, size_t> target_sessions;  // normal sessions per target
};

class Engine {
 public:
  Engine(server::Server& server, config::Config running, EngineOptions opts);

  Status change(std::string_view what, const std::function<Status(config::Config&)>& edit);
  Status apply(config::Config next, std::string_view what);
  // path empty: the --config file.
  Status reload(const std::string& path = "");
  Status apply_text(std::string_view text);
  // Writes the running configuration (path empty: the --config file).
  Status write(const std::string& path = "");

  // Sets the ALUA state of target group `tg` of device group `dg`. Of a
  // cluster-owned group (esan_alua_owner cluster; the HA agent's runtime
  // path): the running state only, through the shared state seam, never
  // the config or its file. Of a node-owned group: a config edit like any
  // other (validated, applied, written back). Errors: kNotFound /
  // kInvalidArgument for an unknown group or state.
  Status set_target_group_state(std::string_view dg, std::string_view tg, std::string_view state);

  Snapshot snapshot();
  std::string config_text();
  // Normal sessions on `target` now (any thread).
  size_t sessions_of(std::string_view target) const;
  const EngineOptions& options() const { return opts_; }
  server::Server& server() { return server_; }
  // Server::observe() under the engine's lock: the device table it walks
  // changes only under that lock.
  server::Observation observe();

 private:
  Status apply_locked(config::Config next, std::string_view what, bool write_back);
  void sync_alua_states_locked();

  server::Server& server_;
  EngineOptions opts_;
  std::mutex mu_;
  config::Config running_;  // guarded by mu_
};

}  // namespace esan::mgmt
