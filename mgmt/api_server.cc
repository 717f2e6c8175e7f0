// ApiServer over cpp-httplib; see api_server.h. The only file of the
// project that includes httplib.h.
#include "mgmt/api_server.h"

#include <httplib.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "common/log.h"
#include "server/server.h"

namespace esan::mgmt {

struct ApiServer::Impl {
  std::vector<std::unique_ptr<httplib::Server>> servers;
  std::vector<std::thread> threads;
  std::string socket_path;
};

namespace {

constexpr size_t kThreads = 6;  // two may be long polls of GET /v1/events

using AuthorOf = std::function<std::string(const httplib::Request&)>;

// The user name of the process `pid` runs as (effective uid; "uid N" when it
// has no name), or "unknown".
std::string user_of_pid(int pid) {
  if (pid <= 0) return "unknown";
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  long uid = -1;
  while (std::getline(status, line))
    if (line.rfind("Uid:", 0) == 0) {
      long real = -1;
      if (std::sscanf(line.c_str() + 4, "%ld %ld", &real, &uid) != 2) uid = -1;
      break;
    }
  if (uid < 0) return "unknown";
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(4096);
  if (getpwuid_r(static_cast<uid_t>(uid), &pw, buf.data(), buf.size(), &found) == 0 && found) return pw.pw_name;
  return fmt::format("uid {}", uid);
}

// On a unix socket, cpp-httplib (0.11) reports the peer's pid (SO_PEERCRED)
// as Request::remote_port; the peer is blocked on its request meanwhile, so
// the pid names it.
std::string unix_peer_author(const httplib::Request& in) { return user_of_pid(in.remote_port); }

void serve_router(httplib::Server& svr, std::shared_ptr<Router> router, AuthorOf author_of) {
  auto handler = [router, author_of](const httplib::Request& in, httplib::Response& out) {
    Request req;
    req.author = author_of(in);
    req.method = in.method;
    req.path = in.path;
    req.body = in.body;
    for (const auto& [k, v] : in.params) req.query[k] = v;
    Response res = router->dispatch(std::move(req));
    out.status = res.status;
    out.set_content(res.body, res.content_type.c_str());
  };
  svr.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  svr.Get(".*", handler);
  svr.Post(".*", handler);
  svr.Put(".*", handler);
  svr.Patch(".*", handler);
  svr.Delete(".*", handler);
}

Result<std::string> read_token(const std::string& file) {
  if (file.empty()) return make_error(Errc::kInvalidArgument, "--mgmt-listen needs --mgmt-token-file");
  std::ifstream in(file);
  std::string token;
  if (!in || !std::getline(in, token))
    return make_error(Errc::kIo, fmt::format("cannot read the management token from {}", file));
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ' || token.back() == '\t')) token.pop_back();
  if (token.empty()) return make_error(Errc::kInvalidArgument, fmt::format("{}: the token is empty", file));
  return token;
}

bool socket_is_live(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  bool live = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return live;
}

Status bind_unix(httplib::Server& svr, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) fs::create_directories(parent, ec);
  if (ec) return make_error(Errc::kIo, fmt::format("cannot create {}: {}", parent.string(), ec.message()));
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return make_error(Errc::kIo, fmt::format("{} exists and is not a socket", path));
    if (socket_is_live(path))
      return make_error(Errc::kIo, fmt::format("another process serves {} (is esand already running?)", path));
    ::unlink(path.c_str());  // stale, from a process that is gone
  }
  if (path.size() >= sizeof(sockaddr_un{}.sun_path))
    return make_error(Errc::kInvalidArgument, fmt::format("unix socket path {} is too long", path));
  svr.set_address_family(AF_UNIX);
  if (!svr.bind_to_port(path, 80))
    return make_error(Errc::kIo, fmt::format("cannot listen on unix socket {}: {}", path, strerror(errno)));
  if (::chmod(path.c_str(), 0600) != 0)
    return make_error(Errc::kIo, fmt::format("cannot chmod {}: {}", path, strerror(errno)));
  return ok();
}

Status bind_tcp(httplib::Server& svr, const std::string& listen, const std::string& token) {
  auto hp = server::parse_host_port(listen);
  if (!hp) return std::unexpected(hp.error());
  std::string expected = "Bearer " + token;
  svr.set_pre_routing_handler([expected](const httplib::Request& req, httplib::Response& res) {
    if (req.get_header_value("Authorization") == expected) return httplib::Server::HandlerResponse::Unhandled;
    res.status = 401;
    res.set_content(R"({"error": {"code": "unauthorized", "message": "a valid bearer token is required"}})" "\n",
                    "application/json");
    return httplib::Server::HandlerResponse::Handled;
  });
  if (!svr.bind_to_port(hp->first, hp->second))
    return make_error(Errc::kIo, fmt::format("cannot listen on {} (management API)", listen));
  return ok();
}

}  // namespace

Result<std::unique_ptr<ApiServer>> ApiServer::start(const ApiOptions& opts, std::shared_ptr<Router> router) {
  std::unique_ptr<ApiServer> api(new ApiServer());
  api->router_ = std::move(router);
  api->impl_ = std::make_unique<Impl>();
  if (!opts.socket_path.empty()) {
    auto svr = std::make_unique<httplib::Server>();
    serve_router(*svr, api->router_, unix_peer_author);
    if (auto s = bind_unix(*svr, opts.socket_path); !s) return std::unexpected(s.error());
    api->impl_->socket_path = opts.socket_path;
    api->impl_->servers.push_back(std::move(svr));
  }
  if (!opts.listen.empty()) {
    auto token = read_token(opts.token_file);
    if (!token) return std::unexpected(token.error());
    auto svr = std::make_unique<httplib::Server>();
    // The token's name: its file's name (one token per esand).
    std::string name = std::filesystem::path(opts.token_file).filename().string();
    serve_router(*svr, api->router_, [name](const httplib::Request&) { return name; });
    if (auto s = bind_tcp(*svr, opts.listen, *token); !s) return std::unexpected(s.error());
    api->impl_->servers.push_back(std::move(svr));
  }
  for (auto& svr : api->impl_->servers) {
    httplib::Server* p = svr.get();
    api->impl_->threads.emplace_back([p] { p->listen_after_bind(); });
  }
  if (!opts.socket_path.empty()) ESAN_LOG_INFO("management API on unix socket {}", opts.socket_path);
  if (!opts.listen.empty()) ESAN_LOG_INFO("management API on {} (bearer token required)", opts.listen);
  return api;
}

void ApiServer::stop() {
  if (!impl_) return;
  for (auto& s : impl_->servers) {
    // stop() is a no-op until the listening thread is in its accept loop.
    for (int i = 0; i < 1000 && !s->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    s->stop();
  }
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  if (!impl_->socket_path.empty()) ::unlink(impl_->socket_path.c_str());
  impl_.reset();
}

ApiServer::~ApiServer() { stop(); }

}  // namespace esan::mgmt
