// Portal: a listening TCP socket. Accepts on its own reactor with io_uring
// and hands each connection to the next reactor in turn (round robin), where
// a Connection is created and owned by that reactor's ConnectionSet.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "reactor/reactor.h"
#include "transport/iscsi/connection.h"
#include "transport/iscsi/server_context.h"

namespace esan::iscsi {

struct ReactorSlot {
  reactor::Reactor* reactor;
  ConnectionSet* connections;
};

class Portal {
 public:
  // Binds and listens on host:port ("0.0.0.0", "::", "127.0.0.1"...; port 0
  // picks a free port). Does not accept until start().
  static Result<std::unique_ptr<Portal>> listen(const std::string& host, uint16_t port);
  ~Portal();

  // Starts accepting on `acceptor` (runs on its thread from now on).
  void start(ServerContext& ctx, reactor::Reactor& acceptor, std::vector<ReactorSlot> slots);
  // Stops accepting and closes the socket. Thread-safe; returns at once.
  void stop();

  uint16_t port() const { return port_; }
  const std::string& address() const { return address_; }  // "host:port" ([v6]:port)

 private:
  class AcceptOp;
  Portal() = default;
  void post_accept();
  void on_accept(int fd);

  int fd_ = -1;
  uint16_t port_ = 0;
  std::string address_;
  ServerContext* ctx_ = nullptr;
  reactor::Reactor* acceptor_ = nullptr;
  std::vector<ReactorSlot> slots_;
  size_t next_ = 0;
  std::unique_ptr<AcceptOp> accept_op_;
  bool stopping_ = false;
  bool accept_inflight_ = false;
};

}  // namespace esan::iscsi
