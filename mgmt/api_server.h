// ApiServer: serves a Router over HTTP/1.1 (cpp-httplib; api_server.cc is
// the only file that includes it) on a unix socket and optionally on TCP.
//
// Contract:
//  * start(): the unix socket (if socket_path is set) is created mode 0600
//    after removing a stale one; its parent directory is created (0755) if
//    missing. TCP (if listen is set, HOST:PORT) requires a token file whose
//    first line is the bearer token; every TCP request without
//    "Authorization: Bearer <token>" gets 401. Errors (cannot bind, no
//    token) are returned before anything serves.
//  * Requests are served on the library's threads; each is passed to the
//    Router (percent-decoded path, query parameters, body) with its author
//    (Request::author): on the unix socket the peer's user name (its pid
//    from SO_PEERCRED, its effective uid from /proc/PID/status, the name
//    from the passwd database; "uid N" when it has none), on TCP the
//    token's name, which is the token file's name (e.g. "api.token").
//  * route(): adds an endpoint at any time (other modules: sessions,
//    metrics).
//  * stop() (and the destructor) stops serving, joins the threads and
//    removes the socket file.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "mgmt/router.h"

namespace esan::mgmt {

struct ApiOptions {
  std::string socket_path;  // "" = no unix socket
  std::string listen;       // "" = no TCP; HOST:PORT
  std::string token_file;   // required with listen
};

class ApiServer {
 public:
  static Result<std::unique_ptr<ApiServer>> start(const ApiOptions& opts, std::shared_ptr<Router> router);
  ~ApiServer();
  void stop();
  void route(std::string method, std::string pattern, Handler handler) {
    router_->route(std::move(method), std::move(pattern), std::move(handler));
  }
  Router& router() { return *router_; }

 private:
  struct Impl;
  ApiServer() = default;
  std::shared_ptr<Router> router_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace esan::mgmt
