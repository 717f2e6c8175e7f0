#include "server/server.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <fmt/format.h>

#include "common/log.h"

namespace esan::server {

Result<std::pair<std::string, uint16_t>> parse_host_port(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon + 1 >= s.size())
    return make_error(Errc::kInvalidArgument, fmt::format("bad listen address '{}': expected HOST:PORT", s));
  std::string host = s.substr(0, colon), port = s.substr(colon + 1);
  unsigned long p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return make_error(Errc::kInvalidArgument, fmt::format("bad port in '{}'", s));
    p = p * 10 + unsigned(c - '0');
    if (p > 65535) return make_error(Errc::kInvalidArgument, fmt::format("port out of range in '{}'", s));
  }
  return std::make_pair(host, uint16_t(p));
}

Result<std::unique_ptr<Server>> Server::start(Runtime rt, const ServerOptions& opts) {
  std::unique_ptr<Server> s(new Server());
  s->rt_ = std::move(rt);
  start_shared_state(s->rt_);
  s->ctx_.targets.set_targets(s->rt_.targets, s->rt_.iscsi_enabled, s->rt_.discovery_auth);
  s->ctx_.limits = s->rt_.limits;
  s->ctx_.nop_interval_s = opts.nop_interval_s;
  s->ctx_.nop_timeout_s = opts.nop_timeout_s;
  s->ctx_.login_timeout_s = opts.login_timeout_s;

  for (const auto& l : opts.listen) {
    auto hp = parse_host_port(l);
    if (!hp) return std::unexpected(hp.error());
    auto p = iscsi::Portal::listen(hp->first, hp->second);
    if (!p) return std::unexpected(p.error());
    s->ctx_.portals.push_back((*p)->address() + ",1");
    s->portals_.push_back(std::move(*p));
  }
  for (unsigned i = 0; i < opts.reactors; ++i) {
    auto r = reactor::Reactor::create(int(i));
    if (!r) return std::unexpected(r.error());
    (*r)->set_poll_us(opts.poll_us);
    (*r)->set_coalesce_us(opts.coalesce_us);
    s->reactors_.push_back(std::move(*r));
  }
  std::vector<iscsi::ReactorSlot> slots;
  for (auto& r : s->reactors_) {
    s->conn_sets_.push_back(nullptr);
    slots.push_back(iscsi::ReactorSlot{r.get(), nullptr});
  }
  for (size_t i = 0; i < s->reactors_.size(); ++i) {
    // ConnectionSets register reactor ticks: create them on their reactor.
    s->conn_sets_[i] = std::make_unique<iscsi::ConnectionSet>(*s->reactors_[i]);
    slots[i].connections = s->conn_sets_[i].get();
  }
  for (auto& r : s->reactors_) r->start_thread();
  for (auto& p : s->portals_) {
    p->start(s->ctx_, *s->reactors_[0], slots);
    ESAN_LOG_INFO("listening on {}", p->address());
  }
  return s;
}

bool Server::refresh_sessions() {
  if (stopped_) return false;
  return on_each_reactor([this](size_t i) { conn_sets_[i]->refresh_sessions(); });
}

bool Server::on_every_reactor(std::function<void(reactor::Reactor&)> fn) {
  return on_each_reactor([this, fn = std::move(fn)](size_t i) { fn(*reactors_[i]); });
}

bool Server::on_each_reactor(std::function<void(size_t)> fn) {
  struct Pending {
    std::mutex mu;
    std::condition_variable cv;
    size_t left;
  };
  auto p = std::make_shared<Pending>();
  p->left = reactors_.size();
  for (size_t i = 0; i < reactors_.size(); ++i) {
    reactors_[i]->post([i, p, fn] {
      fn(i);
      std::lock_guard lk(p->mu);
      if (--p->left == 0) p->cv.notify_all();
    });
  }
  std::unique_lock lk(p->mu);
  return p->cv.wait_for(lk, std::chrono::seconds(5), [&] { return p->left == 0; });
}

void Server::close_forwarders() {
  auto pool = rt_.forwarders;
  on_every_reactor([pool](reactor::Reactor& r) { pool->close(r); });
  // One more turn of every loop: the cancelled polls complete and free
  // their sessions before the reactors stop.
  on_every_reactor([](reactor::Reactor&) {});
}

void Server::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& p : portals_) p->stop();
  for (size_t i = 0; i < reactors_.size(); ++i) {
    iscsi::ConnectionSet* set = conn_sets_[i].get();
    reactors_[i]->post([set] { set->close_all("target shutting down"); });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (ctx_.live_connections.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (ctx_.live_connections.load() > 0)
    ESAN_LOG_WARN("{} connection(s) still draining at shutdown deadline", ctx_.live_connections.load());
  close_forwarders();
  stop_shared_state(rt_);  // its last completions still reach running reactors
  for (auto& r : reactors_) r->stop();
  for (auto& r : reactors_) r->join();
}

Server::~Server() {
  stop();
  // Connection sets hold connections that reference reactors: release first.
  conn_sets_.clear();
  portals_.clear();
  reactors_.clear();
  // Runtime (logical units, backends) goes last; file backends fdatasync on close.
}

Observation Server::observe() const {
  Observation o;
  for (const auto& [name, lu] : rt_.devices) o.devices.push_back({name, lu->stats().snapshot()});
  o.targets = ctx_.sessions.target_totals();
  for (const auto& name : ctx_.targets.names()) o.targets[name];  // idle targets show zeros
  for (const auto& [_, t] : o.targets) o.sessions += t.sessions;
  o.connections = uint64_t(std::max(0, ctx_.live_connections.load()));
  for (const auto& r : reactors_)
    o.reactors.push_back({r->index(), double(r->busy_ns()) * 1e-9, r->busy_ratio()});
  return o;
}

}  // namespace esan::server
