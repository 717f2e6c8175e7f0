// Router: the management API's request routing, independent of the HTTP
// library (only api_server.cc sees cpp-httplib), so handlers are plain
// functions that unit tests can call.
//
// Contract:
//  * route(method, pattern, handler): pattern is a path whose segments are
//    literals or "{name}" (one whole segment, captured into
//    Request::params). The first route added that matches wins. Thread-safe:
//    routes may be added while requests are served.
//  * dispatch(): 404 not_found (JSON error body) when no route matches the
//    path and method. A handler runs on the HTTP library's thread; it must
//    reach reactor-owned objects only through Reactor::post.
#pragma once

#include <functional>
#include <map>
#include <shared_mutex>
#include <string>
#include <vector>

namespace esan::mgmt {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // decoded
  std::string body;
  std::map<std::string, std::string> params;  // {name} captures
  std::map<std::string, std::string> query;   // ?key=value
  // Who asks (ApiServer sets it): the unix-socket peer's user name, or the
  // API token's name on TCP. The author of the changes it makes.
  std::string author = "unknown";
  bool has_query(const std::string& key) const;
  // True for ?key=1 / ?key=true / ?key (force).
  bool flag(const std::string& key) const;
};

struct Response {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

using Handler = std::function<Response(const Request&)>;

class Router {
 public:
  void route(std::string method, std::string pattern, Handler handler);
  Response dispatch(Request req) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  mutable std::shared_mutex mu_;
  std::vector<Route> routes_;
};

}  // namespace esan::mgmt
