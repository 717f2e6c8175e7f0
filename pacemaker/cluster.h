// The cluster as Pacemaker's own tools show and change it: esand's
// GET /v1/cluster and its standby / move actions (mgmt/routes_cluster.cc).
// esan asks crm_mon, crm_attribute and crm_resource; it never decides.
//
// Contract:
//  * Every call runs one or two tools (run.h: argv, no shell, bounded by
//    Options::timeout) on the calling thread: call it from the management
//    thread, never from a reactor.
//  * status(): crm_mon --output-as=xml --inactive --fence-history=2
//    --one-shot. Pacemaker not installed (no crm_mon) or not running on
//    this node is not an error: ClusterStatus::connected = false and
//    `reason` says which ("Pacemaker is not installed: no crm_mon in ...",
//    or crm_mon's own message). A tool that hangs past the timeout is kBusy
//    "crm_mon did not answer within N s"; output that is not crm_mon's XML
//    is kInternal with the parser's message.
//  * set_standby(node, on): crm_attribute --node N --name standby
//    --update on|off --lifetime forever (what `crm node standby/online`
//    sets). move_promoted(clone, node): crm_resource --resource C --move
//    --promoted --node N (a location constraint, cli-prefer-C; node empty:
//    --ban --promoted from where it is promoted, cli-ban-C-on-NODE).
//    clear(clone): crm_resource --resource C --clear (removes the
//    constraints move and ban made).
//  * Names are checked before any tool runs: a node or resource name is
//    1..255 characters of letters, digits, '.', '_', ':', '-' and does not
//    start with '-' (kInvalidArgument); a node that crm_mon does not list
//    is kNotFound; a clone that is not promotable is kInvalidArgument.
//    With Pacemaker not running the actions are kUnsupported with the
//    reason. A tool that refuses (non-zero exit) is kUnsupported whose
//    message is the tool's own (its stderr, else its stdout), trimmed.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "pacemaker/status.h"

namespace esan::pacemaker {

class Cluster {
 public:
  struct Options {
    // Where the tools are looked for (empty: $PATH, /usr/sbin, /sbin).
    std::vector<std::string> tool_dirs;
    std::chrono::milliseconds timeout{15000};
  };
  Cluster() : Cluster(Options{}) {}
  explicit Cluster(Options opts) : opts_(std::move(opts)) {}

  Result<ClusterStatus> status() const;
  Status set_standby(std::string_view node, bool on) const;
  Status move_promoted(std::string_view clone, std::string_view node) const;
  Status clear(std::string_view clone) const;

 private:
  Result<std::string> tool(std::string_view name) const;
  Status act(std::vector<std::string> argv) const;
  Result<ClusterStatus> running() const;  // status(), kUnsupported when not connected

  Options opts_;
};

// Checks a node or resource name as Cluster does (`what` names it in the message).
Status check_name(std::string_view what, std::string_view name);

}  // namespace esan::pacemaker
