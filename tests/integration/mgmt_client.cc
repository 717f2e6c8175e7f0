#include "tests/integration/mgmt_client.h"

#include <httplib.h>
#include <sys/socket.h>

namespace esan::it {

std::string HttpResult::Describe() const {
  if (status == 0) return "no answer: " + error;
  return std::to_string(status) + " " + body;
}

MgmtClient::MgmtClient(std::string socket_path) : socket_(std::move(socket_path)) {}
MgmtClient::MgmtClient(std::string host, int port, std::string token)
    : host_(std::move(host)), token_(std::move(token)), port_(port) {}

HttpResult MgmtClient::Send(const std::string& method, const std::string& path, const std::string& body) const {
  std::unique_ptr<httplib::Client> cli;
  if (!socket_.empty()) {
    cli = std::make_unique<httplib::Client>(socket_, 80);
    cli->set_address_family(AF_UNIX);
  } else {
    cli = std::make_unique<httplib::Client>(host_, port_);
    if (!token_.empty()) cli->set_bearer_token_auth(token_.c_str());
  }
  cli->set_read_timeout(30, 0);
  const char* type = "application/json";
  auto send = [&]() -> httplib::Result {
    if (method == "GET") return cli->Get(path.c_str());
    if (method == "DELETE") return cli->Delete(path.c_str());
    if (method == "POST") return cli->Post(path.c_str(), body, type);
    if (method == "PUT") return cli->Put(path.c_str(), body, type);
    return cli->Patch(path.c_str(), body, type);
  };
  httplib::Result r = send();
  HttpResult out;
  if (!r) {
    out.error = httplib::to_string(r.error());
    return out;
  }
  out.status = r->status;
  out.body = r->body;
  out.json = nlohmann::json::parse(out.body, nullptr, false);
  if (out.json.is_discarded()) out.json = nullptr;
  return out;
}

HttpResult MgmtClient::Get(const std::string& path) const { return Send("GET", path, ""); }
HttpResult MgmtClient::Delete(const std::string& path) const { return Send("DELETE", path, ""); }
HttpResult MgmtClient::Post(const std::string& path, const nlohmann::json& body) const {
  return Send("POST", path, body.dump());
}
HttpResult MgmtClient::Put(const std::string& path, const nlohmann::json& body) const {
  return Send("PUT", path, body.dump());
}
HttpResult MgmtClient::Patch(const std::string& path, const nlohmann::json& body) const {
  return Send("PATCH", path, body.dump());
}

}  // namespace esan::it
