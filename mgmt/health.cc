// See health.h.
#include "mgmt/health.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <future>
#include <memory>
#include <thread>

#include <fmt/format.h>

namespace esan::mgmt {

namespace {

constexpr size_t kProbeBytes = 4096;

// The read itself: "" when it answered, else why not.
std::string read_first_block(const std::string& path, bool direct) {
  int fd = -1;
  if (direct) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECT);
    if (fd < 0 && errno == EINVAL) direct = false;  // a file system without O_DIRECT
  }
  if (fd < 0) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fmt::format("cannot open {}: {}", path, std::strerror(errno));
  void* buf = nullptr;
  if (::posix_memalign(&buf, kProbeBytes, kProbeBytes) != 0) {
    ::close(fd);
    return "out of memory";
  }
  ssize_t n = ::pread(fd, buf, kProbeBytes, 0);
  int err = errno;
  std::free(buf);
  ::close(fd);
  if (n < 0) return fmt::format("cannot read {}: {}", path, std::strerror(err));
  return "";
}

}  // namespace

std::vector<BackendProbe> probe_backends(const std::vector<config::DeviceConfig>& devices,
                                         std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  std::vector<BackendProbe> out;
  std::vector<std::future<std::string>> pending;
  std::vector<Clock::time_point> started;
  for (const auto& d : devices) {
    BackendProbe p;
    p.device = d.name;
    p.handler = std::string(config::handler_name(d.handler));
    p.path = d.filename;
    out.push_back(p);
    started.push_back(Clock::now());
    if (d.handler == config::Handler::kNullIo) {
      pending.emplace_back();
      continue;
    }
    // A detached thread owns the promise: a read that hangs outlives this call.
    auto prom = std::make_shared<std::promise<std::string>>();
    pending.push_back(prom->get_future());
    bool direct = d.handler == config::Handler::kBlockIo;
    std::thread([prom, path = d.filename, direct] { prom->set_value(read_first_block(path, direct)); }).detach();
  }
  const auto deadline = Clock::now() + timeout;
  for (size_t i = 0; i < out.size(); ++i) {
    BackendProbe& p = out[i];
    if (!pending[i].valid()) {
      p.ok = true;
      continue;
    }
    if (pending[i].wait_until(deadline) != std::future_status::ready) {
      p.error = fmt::format("no answer from {} within {} ms", p.path, timeout.count());
      p.seconds = std::chrono::duration<double>(Clock::now() - started[i]).count();
      continue;
    }
    p.error = pending[i].get();
    p.ok = p.error.empty();
    p.seconds = std::chrono::duration<double>(Clock::now() - started[i]).count();
  }
  return out;
}

std::vector<GroupHealth> group_health(const config::Config& cfg, const server::Runtime& rt) {
  std::vector<GroupHealth> out;
  for (const auto& dg : cfg.device_groups) {
    GroupHealth g;
    g.name = dg.name;
    auto a = rt.cluster_assignment.device_groups.find(dg.name);
    if (a != rt.cluster_assignment.device_groups.end()) {
      g.cluster_group = a->second;
      g.ready = false;
      auto c = rt.clusters.find(a->second);
      if (c != rt.clusters.end() && c->second.coordinator) {
        auto st = c->second.coordinator->status();
        g.ready = st.ready;
        g.joined = st.joined;
        g.quorate = st.quorate;
        g.nodeid = st.nodeid;
        for (const auto& m : st.members) g.members.emplace_back(m.nodeid, m.pid);
      }
    }
    out.push_back(std::move(g));
  }
  return out;
}

Json health_json(const std::vector<BackendProbe>& probes, const std::vector<GroupHealth>& groups) {
  bool ok = true;
  Json devs = Json::array();
  for (const auto& p : probes) {
    ok = ok && p.ok;
    Json d = {{"name", p.device}, {"handler", p.handler}, {"ok", p.ok}, {"seconds", p.seconds}};
    d["path"] = p.path.empty() ? Json(nullptr) : Json(p.path);
    d["error"] = p.ok ? Json(nullptr) : Json(p.error);
    devs.push_back(std::move(d));
  }
  Json dgs = Json::array();
  for (const auto& g : groups) {
    ok = ok && g.ready;
    Json j = {{"name", g.name}, {"ready", g.ready}};
    if (g.cluster_group.empty()) {
      j["cluster_group"] = nullptr;
    } else {
      j["cluster_group"] = g.cluster_group;
      j["joined"] = g.joined;
      j["quorate"] = g.quorate;
      j["nodeid"] = g.nodeid;
      Json ms = Json::array();
      for (const auto& [node, pid] : g.members) ms.push_back({{"nodeid", node}, {"pid", pid}});
      j["members"] = std::move(ms);
    }
    dgs.push_back(std::move(j));
  }
  return Json{{"ok", ok}, {"devices", std::move(devs)}, {"device_groups", std::move(dgs)}};
}

}  // namespace esan::mgmt
