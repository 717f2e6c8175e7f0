// A small client of esand's management API for the integration tests:
// HTTP/1.1 over the unix socket (or TCP), JSON bodies.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace esan::it {

struct HttpResult {
  int status = 0;          // 0: no answer (error says why)
  std::string body;
  nlohmann::json json;     // parsed body (null if not JSON)
  std::string error;
  std::string Describe() const;  // "409 {...}" for failure messages
};

class MgmtClient {
 public:
  // A unix socket path, or host + port (TCP) with an optional bearer token.
  explicit MgmtClient(std::string socket_path);
  MgmtClient(std::string host, int port, std::string token);

  HttpResult Get(const std::string& path) const;
  HttpResult Delete(const std::string& path) const;
  HttpResult Post(const std::string& path, const nlohmann::json& body = nlohmann::json::object()) const;
  HttpResult Put(const std::string& path, const nlohmann::json& body) const;
  HttpResult Patch(const std::string& path, const nlohmann::json& body) const;

 private:
  HttpResult Send(const std::string& method, const std::string& path, const std::string& body) const;
  std::string socket_, host_, token_;
  int port_ = 0;
};

}  // namespace esan::it
