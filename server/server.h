// Server: the running target — reactors, portals, the iSCSI server context
// and the logical units. start() brings everything up (failing cleanly if a
// portal cannot bind); stop() stops accepting, closes every session (their
// in-flight commands complete or are aborted), waits up to a deadline for
// connections to drain, stops the reactors, then flushes and closes the
// backends. Runtime changes arrive whole, as one RuntimeEdit (apply()).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/observation.h"
#include "server/runtime.h"
#include "server/runtime_edit.h"
#include "reactor/reactor.h"
#include "transport/iscsi/connection.h"
#include "transport/iscsi/portal.h"
#include "transport/iscsi/server_context.h"

namespace esan::server {

struct ServerOptions {
  unsigned reactors = 1;
  std::vector<std::string> listen;  // HOST:PORT, [v6]:PORT
  int nop_interval_s = 15;
  int nop_timeout_s = 30;
  int login_timeout_s = 30;
  unsigned poll_us = 50;  // reactor busy-poll budget (see reactor.h); 0 = block at once
  unsigned coalesce_us = 200;  // longest wait for more input when initiators queue deeply (reactor.h); 0 = never
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> start(Runtime rt, const ServerOptions& opts);
  ~Server();
  void stop();
  size_t device_count() const { return rt_.devices.size(); }
  size_t target_count() const { return rt_.targets.size(); }
  // The portals' bound addresses ("host:port"; a port 0 in the options is resolved).
  std::vector<std::string> portal_addresses() const {
    std::vector<std::string> out;
    for (const auto& p : portals_) out.push_back(p->address());
    return out;
  }
  // ALUA states at runtime (management plane, HA agent); see runtime.h.
  std::shared_ptr<scsi::AluaRegistry> alua() const { return rt_.alua; }

  // ---- observability (management plane; thread-safe, any thread) ----
  // Sessions now (normal and discovery; closing ones excluded), by TSIH,
  // with the parameters negotiated at login and their counters.
  std::vector<iscsi::SessionInfo> list_sessions() const { return ctx_.sessions.list(); }
  // Drops session `tsih`: its connection closes on its own reactor, its
  // commands in flight are aborted. kNotFound when there is no such session.
  // Returns once the close is requested (the session leaves the list at once).
  Status close_session(uint16_t tsih) { return ctx_.sessions.close(tsih); }
  // Device, target, session and reactor figures (server/observation.h).
  Observation observe() const;

  // ---- runtime changes (management plane, mgmt/). REQUIRES: the caller
  // serializes apply() with itself and with readers of runtime(). ----
  // The live objects, read-only: they change only through apply().
  const Runtime& runtime() const { return rt_; }
  const iscsi::ServerContext& context() const { return ctx_; }
  // Applies `edit` (runtime_edit.h) in this order and returns the LUs that
  // left the device table (the caller may keep them, e.g. to undo):
  //  1. validation; on error (kInvalidArgument) nothing changed. A removed
  //     name must run; an added name must be new or removed; updated and
  //     resized LUs must be in the resulting table; every LUN of the
  //     resulting target table and every device of the new device groups
  //     must be in it; every ALUA state must name a group running after the
  //     edit and a known state.
  //  2. resizes, the one step that can still fail: those done so far are
  //     undone, the error returned, nothing else changed.
  //  3. runtime attributes (LogicalUnit::update); 4. the device table;
  //  5. driver settings (iscsi_enabled, discovery auth, limits);
  //  6. ALUA device groups (an LU whose group changed gets INQUIRY DATA HAS
  //     CHANGED), then ALUA states;
  //  7. the target registry, when the target table, iscsi_enabled or the
  //     discovery auth were given; then every session re-reads its target
  //     on its own reactor (refresh_sessions): sessions of removed or
  //     disabled targets close, a changed LUN map brings REPORTED LUNS DATA
  //     HAS CHANGED, other sessions are not touched.
  Result<DeviceTable> apply(RuntimeEdit edit);

 private:
  Server() = default;
  Status validate(const RuntimeEdit& edit) const;
  void install_alua(RuntimeEdit::DeviceGroups groups);
  // Every connection runs Connection::refresh_session() on its own reactor
  // (after ctx_.targets changed); returns when all reactors have done so,
  // or after 5 s (false).
  bool refresh_sessions();
  // Runs fn(reactor) on every reactor's thread; true when all did within 5 s.
  bool on_every_reactor(std::function<void(reactor::Reactor&)> fn);
  // The same with the reactor's index (its ConnectionSet is conn_sets_[i]).
  bool on_each_reactor(std::function<void(size_t)> fn);
  // Ends the I/O redirect sessions (before the reactors stop).
  void close_forwarders();

  Runtime rt_;
  iscsi::ServerContext ctx_;
  std::vector<std::unique_ptr<reactor::Reactor>> reactors_;
  std::vector<std::unique_ptr<iscsi::ConnectionSet>> conn_sets_;
  std::vector<std::unique_ptr<iscsi::Portal>> portals_;
  bool stopped_ = false;
};

// Splits "host:port" / "[v6]:port"; error on a malformed address.
Result<std::pair<std::string, uint16_t>> parse_host_port(const std::string& s);

}  // namespace esan::server
