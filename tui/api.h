// esan-tui's way into esand: one management API request at a time
// (client/http.h). An interface so that the model's unit tests answer in
// place of a server.
//
// Contract: call() returns esand's answer (any status) or an Error when no
// answer came (client::send's errors). get_json() is the common read: a 2xx
// JSON answer parsed, else an Error whose message is the server's own
// (client::error_message) or the connection problem.
#pragma once

#include <nlohmann/json.hpp>

#include "client/http.h"

namespace esan::tui {

class Api {
 public:
  virtual ~Api() = default;
  virtual Result<client::Reply> call(const client::Request& req) = 0;

  // Where esand is, when known (the support bundle names it and redacts the token).
  virtual const client::Connection* connection() const { return nullptr; }

  Result<nlohmann::json> get_json(const std::string& path);
  Result<std::string> get_text(const std::string& path);
};

// The real one: client::send() to conn.
class HttpApi : public Api {
 public:
  explicit HttpApi(client::Connection conn) : conn_(std::move(conn)) {}
  Result<client::Reply> call(const client::Request& req) override { return client::send(conn_, req); }
  const client::Connection* connection() const override { return &conn_; }

 private:
  client::Connection conn_;
};

}  // namespace esan::tui
