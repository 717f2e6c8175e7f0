// /v1/cluster: what Pacemaker says about the cluster and its standby /
// move actions, through Pacemaker's own tools (pacemaker/cluster.h); see
// routes.h and docs/API.md. The handlers run on the API server's threads
// (never a reactor); each tool call is bounded.
#include <fmt/format.h>

#include "common/log.h"
#include "mgmt/routes.h"
#include "pacemaker/cluster.h"

namespace esan::mgmt {

namespace {

Json nodes_json(const std::vector<pacemaker::Node>& nodes) {
  Json j = Json::array();
  for (const auto& n : nodes)
    j.push_back({{"name", n.name},
                 {"id", n.id},
                 {"state", n.state()},
                 {"online", n.online},
                 {"standby", n.standby},
                 {"maintenance", n.maintenance},
                 {"unclean", n.unclean},
                 {"dc", n.is_dc}});
  return j;
}

}  // namespace

Json cluster_json(const pacemaker::ClusterStatus& s) {
  if (!s.connected) return Json{{"running", false}, {"reason", s.reason}};
  Json j{{"running", true}, {"stack", s.stack}, {"dc", s.dc}, {"quorum", s.quorum}, {"nodes", nodes_json(s.nodes)}};
  Json proms = Json::array();
  for (const auto& p : s.promotables)
    proms.push_back({{"clone", p.clone}, {"agent", p.agent}, {"promoted", p.promoted}, {"unpromoted", p.unpromoted}});
  j["promotables"] = proms;
  Json res = Json::array();
  for (const auto& r : s.resources)
    res.push_back({{"id", r.id},
                   {"clone", r.clone},
                   {"agent", r.agent},
                   {"role", r.role},
                   {"node", r.node},
                   {"failed", r.failed},
                   {"managed", r.managed}});
  j["resources"] = res;
  Json fence = Json::array();
  for (const auto& f : s.fencing)
    fence.push_back({{"target", f.target},
                     {"action", f.action},
                     {"status", f.status},
                     {"delegate", f.delegate},
                     {"client", f.client},
                     {"origin", f.origin},
                     {"completed", f.completed}});
  j["fencing"] = fence;
  return j;
}

void add_cluster_routes(Router& r, std::shared_ptr<const pacemaker::Cluster> cluster) {
  r.route("GET", "/v1/cluster", [cluster](const Request&) {
    auto s = cluster->status();
    return s ? json_response(cluster_json(*s)) : error_response(s.error());
  });
  auto standby = [cluster](bool on) {
    return [cluster, on](const Request& q) {
      const std::string& node = q.params.at("n");
      auto s = cluster->set_standby(node, on);
      if (s) ESAN_LOG_INFO("cluster: node {} {} (asked by {})", node, on ? "put in standby" : "back online", q.author);
      return status_response(s);
    };
  };
  r.route("POST", "/v1/cluster/nodes/{n}/standby", standby(true));
  r.route("POST", "/v1/cluster/nodes/{n}/online", standby(false));
  r.route("POST", "/v1/cluster/resources/{c}/move", with_body([cluster](const Request& q, const Json& b) {
            auto node = string_field(b, "node", false);
            if (!node) return error_response(node.error());
            const std::string& clone = q.params.at("c");
            auto s = cluster->move_promoted(clone, *node);
            if (s)
              ESAN_LOG_INFO("cluster: promoted {} moved {} (asked by {})", clone,
                            node->empty() ? "away from its node" : "to " + *node, q.author);
            return status_response(s);
          }));
  r.route("POST", "/v1/cluster/resources/{c}/clear", [cluster](const Request& q) {
    const std::string& clone = q.params.at("c");
    auto s = cluster->clear(clone);
    if (s) ESAN_LOG_INFO("cluster: move/ban constraints of {} cleared (asked by {})", clone, q.author);
    return status_response(s);
  });
}

}  // namespace esan::mgmt
