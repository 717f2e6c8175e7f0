#include "client/http.h"

#include <httplib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace esan::client {
namespace {

// Why connecting to a unix socket failed, in words (httplib only says "Connection").
std::string socket_problem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::string(std::strerror(errno)) + " (is esand running? see --socket)";
  if (!S_ISSOCK(st.st_mode)) return "not a socket";
  if (::access(path.c_str(), W_OK) != 0) return "permission denied (the socket is for root only)";
  return "connection refused (is esand running?)";
}

Result<std::string> token_line(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(Errc::kInvalidArgument, "cannot read token file " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  return text.substr(0, text.find_first_of("\r\n"));
}

}  // namespace

Result<Reply> send(const Connection& conn, const Request& req) {
  httplib::Headers headers;
  std::unique_ptr<httplib::Client> cli;
  if (conn.url.empty()) {
    cli = std::make_unique<httplib::Client>(conn.socket);
    cli->set_address_family(AF_UNIX);
    headers.emplace("Host", "localhost");
  } else {
    cli = std::make_unique<httplib::Client>(conn.url);
    if (!conn.token_file.empty()) {
      auto token = token_line(conn.token_file);
      if (!token) return std::unexpected(token.error());
      headers.emplace("Authorization", "Bearer " + *token);
    }
  }
  cli->set_url_encode(false);  // paths are percent-encoded already
  cli->set_connection_timeout(5);
  cli->set_read_timeout(conn.read_timeout_s);
  cli->set_write_timeout(30);
  const char* type = "application/json";
  const std::string& path = req.path;
  auto res = [&] {
    if (req.method == "POST") return cli->Post(path, headers, req.body, type);
    if (req.method == "PUT") return cli->Put(path, headers, req.body, type);
    if (req.method == "PATCH") return cli->Patch(path, headers, req.body, type);
    if (req.method == "DELETE") return cli->Delete(path, headers, req.body, type);
    return cli->Get(path, headers);
  }();
  if (!res) {
    std::string where = conn.url.empty() ? conn.socket : conn.url;
    std::string why;
    switch (res.error()) {
      case httplib::Error::Connection:
        why = conn.url.empty() ? socket_problem(conn.socket) : "could not connect (is esand's --mgmt-listen there?)";
        break;
      case httplib::Error::ConnectionTimeout:
        why = "timed out connecting";
        break;
      case httplib::Error::Read:
        why = "no answer (the connection was closed)";
        break;
      case httplib::Error::Write:
        why = "the connection was closed while sending";
        break;
      default:
        why = httplib::to_string(res.error());
    }
    return make_error(Errc::kIo, "cannot talk to esand at " + where + ": " + why);
  }
  return Reply{res->status, res->body};
}

std::string error_message(const Reply& reply) {
  auto j = nlohmann::json::parse(reply.body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("error") && j["error"].is_object() &&
      j["error"].contains("message") && j["error"]["message"].is_string())
    return j["error"]["message"].get<std::string>();
  std::string msg = "esand answered HTTP " + std::to_string(reply.status);
  if (!reply.body.empty()) msg += ": " + reply.body.substr(0, 200);
  return msg;
}

std::string seg(std::string_view name) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : name) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == ':') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace esan::client
