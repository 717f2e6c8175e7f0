// What Pacemaker says about the cluster, read from `crm_mon --output-as=xml`
// (esan is a client of Pacemaker's tools here, not a cluster manager).
//
// Contract:
//  * parse_crm_mon() reads crm_mon's XML (Pacemaker 2.1's schema,
//    <pacemaker-result> or the older <crm_mon> root) and returns either the
//    cluster (connected = true: nodes, resources, promotable clones with
//    their promoted node(s), fencing history) or, when crm_mon answered
//    with an error status (not connected, no cluster on this node),
//    connected = false and `reason` = crm_mon's own message and errors.
//    Text that is not XML or has neither shape is kInvalidArgument saying
//    so. Unknown elements and attributes are ignored.
//  * Node::state() is "online", "standby", "offline", "unclean",
//    "maintenance" or "pending" (the first that applies, in crm_mon's order
//    of importance: unclean, offline, pending, standby, maintenance, online).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace esan::pacemaker {

struct Node {
  std::string name, id;
  bool online = false, standby = false, standby_onfail = false, maintenance = false, pending = false;
  bool unclean = false, shutdown = false, is_dc = false;
  std::string state() const;
};

// One running (or stopped) instance of a primitive; a clone has one per copy.
struct Instance {
  std::string id;     // the primitive's id (e.g. p_esan)
  std::string clone;  // the clone holding it, "" for a plain primitive
  std::string agent;  // "ocf:esan:target", "stonith:fence_ipmilan", ...
  std::string role;   // Started, Stopped, Promoted, Unpromoted (Master/Slave on old versions)
  std::string node;   // "" when not running
  bool failed = false, managed = true;
};

// A promotable clone (promotable=true, the master/slave set): which nodes
// hold it Promoted (normally one: promoted-max=1) and Unpromoted.
struct Promotable {
  std::string clone, agent;
  std::vector<std::string> promoted, unpromoted;
};

// One <fence_event> of the fencing history (newest first as crm_mon lists them).
struct FenceEvent {
  std::string target, action, status, delegate, client, origin, completed;
};

struct ClusterStatus {
  bool connected = false;
  std::string reason;  // !connected: crm_mon's message
  std::string stack, dc, version, last_updated;
  bool quorum = false;
  std::vector<Node> nodes;
  std::vector<Instance> resources;
  std::vector<Promotable> promotables;
  std::vector<FenceEvent> fencing;
};

Result<ClusterStatus> parse_crm_mon(std::string_view xml);

}  // namespace esan::pacemaker
