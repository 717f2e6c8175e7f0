// The Cluster menu (contract: actions.h): Pacemaker's view through esand's
// GET /v1/cluster, a node to standby and back, moving the master (the
// promoted instance of a promotable clone) and clearing that move. Each is
// one request; esand runs Pacemaker's tool and passes on its refusal.
#include "tui/form_kit.h"

namespace esan::tui::kit {
namespace {

using client::seg;

R node_action(const Values& v, const char* what) {
  TRY(n, need(v, "node", "Node"));
  return req("POST", "/v1/cluster/nodes/" + seg(*n) + "/" + what);
}

}  // namespace

Menu cluster_menu() {
  return Menu{
      'c',
      "Cluster",
      {
          view('s', "Cluster status", View::kCluster),
          form(
              'b', "Put a node in standby", {pick("node", "Node", Source::kClusterNodes)},
              [](const Values& v) { return node_action(v, "standby"); },
              [](const Values& v) { return "node " + trimmed(v, "node") + " put in standby"; }, true),
          form(
              'o', "Bring a node back online", {pick("node", "Node", Source::kClusterNodes)},
              [](const Values& v) { return node_action(v, "online"); },
              [](const Values& v) { return "node " + trimmed(v, "node") + " back online"; }),
          form(
              'm', "Move the master",
              {pick("clone", "Promotable clone", Source::kPromotables), pick("node", "To node", Source::kClusterNodes)},
              [](const Values& v) -> R {
                TRY(c, need(v, "clone", "Promotable clone"));
                TRY(n, need(v, "node", "To node"));
                return req("POST", "/v1/cluster/resources/" + seg(*c) + "/move", json{{"node", *n}});
              },
              [](const Values& v) {
                return "master of " + trimmed(v, "clone") + " moving to " + trimmed(v, "node") +
                       " (Clear the move when done)";
              },
              true),
          form(
              'c', "Clear the move of the master", {pick("clone", "Promotable clone", Source::kPromotables)},
              [](const Values& v) -> R {
                TRY(c, need(v, "clone", "Promotable clone"));
                return req("POST", "/v1/cluster/resources/" + seg(*c) + "/clear");
              },
              [](const Values& v) { return "move constraints of " + trimmed(v, "clone") + " cleared"; }),
      }};
}

}  // namespace esan::tui::kit
