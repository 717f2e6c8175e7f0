// See health.h.
#include "mgmt/health.h"

#include <future>
#include <memory>
#include <thread>

namespace esan::mgmt {

std::vector<BackendProbe> probe_backends(const std::vector<config::DeviceConfig>& devices,
                                         std::chrono::milliseconds timeout) {
  using Clock = std::chrono::steady_clock;
  std::vector<BackendProbe> out;
  std::vector<std::future<std::string>> pending;
  std::vector<Clock::time_point> started;
  auto targets = probe_targets(devices);
  for (size_t i = 0; i < devices.size(); ++i) {
    const auto& d = devices[i];
    BackendProbe p;
    p.device = d.name;
    p.handler = std::string(config::handler_name(d.handler));
    p.path = d.filename;
    out.push_back(p);
    started.push_back(Clock::now());
    if (targets[i].path.empty()) {  // nothing to probe (vdisk_nullio)
      pending.emplace_back();
      continue;
    }
    // A detached thread owns the promise: a read that hangs outlives this call.
    auto prom = std::make_shared<std::promise<std::string>>();
    pending.push_back(prom->get_future());
    std::thread([prom, t = std::move(targets[i])] { prom->set_value(probes::read_probe(t)); }).detach();
  }
  const auto deadline = Clock::now() + timeout;
  for (size_t i = 0; i < out.size(); ++i) {
    BackendProbe& p = out[i];
    if (!pending[i].valid()) {
      p.ok = true;
      p.state = "healthy";
      continue;
    }
    if (pending[i].wait_until(deadline) != std::future_status::ready) {
      p.state = "hung";
      p.error = probes::hang_error(p.path, timeout);
      p.seconds = std::chrono::duration<double>(Clock::now() - started[i]).count();
      continue;
    }
    p.error = pending[i].get();
    p.ok = p.error.empty();
    p.state = p.ok ? "healthy" : "failed";
    p.seconds = std::chrono::duration<double>(Clock::now() - started[i]).count();
  }
  return out;
}

std::vector<probes::Target> probe_targets(const std::vector<config::DeviceConfig>& devices) {
  std::vector<probes::Target> out;
  for (const auto& d : devices) {
    bool null = d.handler == config::Handler::kNullIo;
    out.push_back({d.name, null ? "" : d.filename, d.handler == config::Handler::kBlockIo});
  }
  return out;
}

std::vector<BackendProbe> scheduled_backends(const std::vector<config::DeviceConfig>& devices,
                                             const std::vector<probes::DeviceHealth>& health,
                                             std::chrono::milliseconds waited) {
  std::vector<BackendProbe> out;
  for (const auto& d : devices) {
    BackendProbe p;
    p.device = d.name;
    p.handler = std::string(config::handler_name(d.handler));
    p.path = d.filename;
    p.state = "pending";
    bool fresh = false;
    for (const auto& h : health) {
      if (h.device != d.name) continue;
      p.state = std::string(probes::state_name(h.state));
      p.ok = h.state == probes::State::kHealthy;
      p.error = h.error;
      p.seconds = h.seconds;
      fresh = h.fresh;
    }
    if (!fresh && p.state != "hung") {  // no answer within the request's limit
      p.ok = false;
      p.state = "hung";
      p.error = probes::hang_error(p.path, waited);
      p.seconds = static_cast<double>(waited.count()) / 1000;
    }
    out.push_back(std::move(p));
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
    Json d = {{"name", p.device}, {"handler", p.handler}, {"ok", p.ok}, {"state", p.state}, {"seconds", p.seconds}};
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
