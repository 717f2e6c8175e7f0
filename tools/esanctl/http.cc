#include "tools/esanctl/http.h"
#include "tools/esanctl/util.h"

#include <httplib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace esan::ctl {
namespace {

// Why connecting to a unix socket failed, in words (httplib only says "Connection").
std::string socket_problem(const std::string& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0)
    return std::string(std::strerror(errno)) + " (is esand running? see --socket)";
  if (!S_ISSOCK(st.st_mode)) return "not a socket";
  if (::access(path.c_str(), W_OK) != 0) return "permission denied (the socket is for root only)";
  return "connection refused (is esand running?)";
}

}  // namespace

Result<Reply> send(const Connection& conn, const ApiCall& call) {
  auto body = request_body(call);
  if (!body) return std::unexpected(body.error());
  httplib::Headers headers;
  std::unique_ptr<httplib::Client> cli;
  if (conn.url.empty()) {
    cli = std::make_unique<httplib::Client>(conn.socket);
    cli->set_address_family(AF_UNIX);
    headers.emplace("Host", "localhost");
  } else {
    cli = std::make_unique<httplib::Client>(conn.url);
    if (!conn.token_file.empty()) {
      auto token = read_text_file(conn.token_file, "token file");
      if (!token) return std::unexpected(token.error());
      std::string first = token->substr(0, token->find_first_of("\r\n"));
      headers.emplace("Authorization", "Bearer " + first);
    }
  }
  cli->set_url_encode(false);  // paths are percent-encoded already
  cli->set_connection_timeout(5);
  cli->set_read_timeout(120);  // a reload or a resize may take a while
  cli->set_write_timeout(30);
  const char* type = "application/json";
  const std::string& path = call.path;
  auto res = [&] {
    if (call.method == "POST") return cli->Post(path, headers, *body, type);
    if (call.method == "PUT") return cli->Put(path, headers, *body, type);
    if (call.method == "PATCH") return cli->Patch(path, headers, *body, type);
    if (call.method == "DELETE") return cli->Delete(path, headers, *body, type);
    return cli->Get(path, headers);
  }();
  if (!res) {
    std::string where = conn.url.empty() ? conn.socket : conn.url;
    std::string why;
    switch (res.error()) {
      case httplib::Error::Connection:
        why = conn.url.empty() ? socket_problem(conn.socket) : "could not connect (is esand's --mgmt-listen there?)";
        break;
      case httplib::Error::ConnectionTimeout: why = "timed out connecting"; break;
      case httplib::Error::Read: why = "no answer (the connection was closed)"; break;
      case httplib::Error::Write: why = "the connection was closed while sending"; break;
      default: why = httplib::to_string(res.error());
    }
    return make_error(Errc::kIo, "cannot talk to esand at " + where + ": " + why);
  }
  return Reply{res->status, res->body};
}

}  // namespace esan::ctl
