#include "transport/iscsi/portal.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>

#include "common/log.h"

namespace esan::iscsi {

namespace {
std::string sockaddr_text(const sockaddr_storage& ss) {
  char host[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET6) {
    auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    return fmt::format("[{}]:{}", host, ntohs(a->sin6_port));
  }
  auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
  inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
  return fmt::format("{}:{}", host, ntohs(a->sin_port));
}
}  // namespace

class Portal::AcceptOp final : public reactor::Op {
 public:
  explicit AcceptOp(Portal* p) : p_(p) {}
  void complete(int res, uint32_t) override { p_->on_accept(res); }

 private:
  Portal* p_;
};

Result<std::unique_ptr<Portal>> Portal::listen(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* ai = nullptr;
  std::string h = host;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  int rc = getaddrinfo(h.empty() ? nullptr : h.c_str(), std::to_string(port).c_str(), &hints, &ai);
  if (rc != 0) return make_error(Errc::kInvalidArgument, fmt::format("bad listen address '{}': {}", host, gai_strerror(rc)));
  int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    freeaddrinfo(ai);
    return make_error(Errc::kIo, std::string("socket: ") + strerror(errno));
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || ::listen(fd, 1024) < 0) {
    int e = errno;
    freeaddrinfo(ai);
    close(fd);
    return make_error(Errc::kIo, fmt::format("cannot listen on {}:{}: {}", host, port, strerror(e)));
  }
  freeaddrinfo(ai);
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  std::unique_ptr<Portal> p(new Portal());
  p->fd_ = fd;
  p->address_ = sockaddr_text(ss);
  p->port_ = ss.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port)
                                      : ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
  p->accept_op_ = std::make_unique<AcceptOp>(p.get());
  return p;
}

Portal::~Portal() {
  if (fd_ >= 0) close(fd_);
}

void Portal::start(ServerContext& ctx, reactor::Reactor& acceptor, std::vector<ReactorSlot> slots) {
  ctx_ = &ctx;
  acceptor_ = &acceptor;
  slots_ = std::move(slots);
  acceptor.post([this] { post_accept(); });
}

void Portal::post_accept() {
  if (stopping_ || accept_inflight_) return;
  io_uring_sqe* sqe = acceptor_->get_sqe();
  io_uring_prep_accept(sqe, fd_, nullptr, nullptr, SOCK_CLOEXEC);
  reactor::Reactor::set_op(sqe, accept_op_.get());
  accept_inflight_ = true;
}

void Portal::on_accept(int fd) {
  accept_inflight_ = false;
  if (stopping_) {
    if (fd >= 0) close(fd);
    return;
  }
  if (fd < 0) {
    if (fd != -EINTR && fd != -EAGAIN && fd != -ECONNABORTED) ESAN_LOG_WARN("accept on {}: {}", address_, strerror(-fd));
    // Out of fds: back off for a moment instead of spinning.
    if (fd == -EMFILE || fd == -ENFILE) usleep(10000);
    return post_accept();
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_storage peer{}, local{};
  socklen_t pl = sizeof peer, ll = sizeof local;
  getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl);
  getsockname(fd, reinterpret_cast<sockaddr*>(&local), &ll);
  ReactorSlot slot = slots_[next_++ % slots_.size()];
  ServerContext* ctx = ctx_;
  std::string ptext = sockaddr_text(peer), ltext = sockaddr_text(local);
  slot.reactor->post([ctx, slot, fd, ptext, ltext] {
    slot.connections->add(std::make_shared<Connection>(*ctx, *slot.reactor, *slot.connections, fd, ptext, ltext));
  });
  post_accept();
}

void Portal::stop() {
  acceptor_->post([this] {
    stopping_ = true;
    if (fd_ >= 0) {
      ::shutdown(fd_, SHUT_RDWR);  // completes the pending accept
    }
  });
}

}  // namespace esan::iscsi
