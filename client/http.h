// The management API's HTTP client: one request to esand over its unix
// socket, or over TCP with a bearer token. The only module that sees
// cpp-httplib; esanctl (tools/esanctl) and esan-tui (tui/) both use it.
//
// Contract: send() returns the status and body of whatever esand answered
// (any status); an Error only when no answer came: Errc::kIo for "cannot
// connect / connection lost", Errc::kInvalidArgument for a local problem
// (an unreadable token file). error_message() is the server's own words for
// a refused answer. No state is kept between calls (one connection each).
#pragma once

#include <string>

#include "common/result.h"

namespace esan::client {

// Where esand's management API is.
struct Connection {
  std::string socket = "/run/esan/esand.sock";  // unix socket (used unless url is set)
  std::string url;                              // http://host:port of the TCP listener
  std::string token_file;                       // bearer token for url (first line)
  int read_timeout_s = 120;                     // a reload or a resize may take a while
};

struct Request {
  std::string method = "GET";  // GET, POST, PUT, PATCH, DELETE
  std::string path;            // percent-encoded, with its query
  std::string body;            // JSON text ("" = none)
};

struct Reply {
  int status = 0;
  std::string body;
  bool ok() const { return status >= 200 && status < 300; }
};

Result<Reply> send(const Connection& conn, const Request& req);

// The message of a refused answer: {"error":{"message"}} or a fallback naming the status.
std::string error_message(const Reply& reply);

// A path segment: everything but unreserved characters and ':' is
// percent-encoded ("iqn.x:t1" stays, "iqn.*" becomes "iqn.%2A").
std::string seg(std::string_view name);

}  // namespace esan::client
