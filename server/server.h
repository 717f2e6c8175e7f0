// Server: the running target — reactors, portals, the iSCSI server context
// and the logical units. start() brings everything up (failing cleanly if a
// portal cannot bind); stop() stops accepting, closes every session (their
// in-flight commands complete or are aborted), waits up to a deadline for
// connections to drain, stops the reactors, then flushes and closes the
// backends.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "server/observation.h"
#include "server/runtime.h"
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
  // serializes them (one management operation at a time). ----
  // The live objects. Devices may be added and removed; the target list is
  // what context().targets was last given.
  Runtime& runtime() { return rt_; }
  iscsi::ServerContext& context() { return ctx_; }
  // Every connection runs Connection::refresh_session() on its own reactor
  // (after context().targets changed); returns when all reactors have done
  // so, or after 5 s (false).
  bool refresh_sessions();

 private:
  Server() = default;
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
