// Health: what the HA resource agent's monitor asks esand (GET /v1/health,
// docs/API.md "Health"): whether each device's backend answers, and for
// each device group whether the state it serves is in sync with the
// cluster.
//
// Contract:
//  * With scheduled probes (esand --probe-interval, the default; probes/
//    scheduler.h) GET /v1/health answers from the schedule:
//    Scheduler::probe_now() probes every device not being probed now
//    and waits for the answers up to the request's timeout, and
//    scheduled_backends() turns them into BackendProbes (ok = healthy; a
//    device that has not answered by the timeout is not ok, state "hung",
//    the request's own limit), so a hung backend makes the answer
//    "failed" without the request hanging and without a second probe.
//    probe_targets() turns the configuration's devices into probe targets.
//  * probe_backends() (--probe-interval 0: no schedule): per device, a read of its first block (up to 4096
//    bytes at offset 0) through its `filename` -- a fresh open of the path,
//    O_DIRECT for vdisk_blockio (buffered where the file system refuses
//    O_DIRECT) -- so a file that was removed or replaced by something
//    unreadable, a device that went away, or one whose reads fail or hang
//    is reported, although esand's own open descriptor may still work.
//    vdisk_nullio devices always answer. The reads run in parallel, each on
//    a thread of its own; one that has not finished within `timeout` is
//    reported as not answering and its thread is left to finish alone
//    (a read stuck in the kernel cannot be cancelled). Never throws.
//  * group_health(): per DEVICE_GROUP, its replication (esan_cluster_group)
//    as the group's CpgCoordinator reports it now; a group that is not
//    replicated is always ready.
//  * health_json(): {"ok", "devices":[...], "device_groups":[...]}; ok is
//    true when every backend answered and every device group is ready.
//    Each device has "state" besides "ok"; the shape is otherwise the one
//    of on-demand probes (the resource agent reads "ok"/"error").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "config/model.h"
#include "mgmt/api_json.h"
#include "probes/scheduler.h"
#include "server/runtime.h"

namespace esan::mgmt {

struct BackendProbe {
  std::string device, handler, path;
  bool ok = false;
  std::string error;     // why not, when !ok
  double seconds = 0;    // how long the read took (the timeout when it hung)
  std::string state;     // probes::state_name(): healthy, failed, hung, pending
};

std::vector<BackendProbe> probe_backends(const std::vector<config::DeviceConfig>& devices,
                                         std::chrono::milliseconds timeout);

std::vector<probes::Target> probe_targets(const std::vector<config::DeviceConfig>& devices);

// The devices of `devices` in their order, with their scheduled state (a
// device the scheduler does not know yet is pending).
std::vector<BackendProbe> scheduled_backends(const std::vector<config::DeviceConfig>& devices,
                                             const std::vector<probes::DeviceHealth>& health,
                                             std::chrono::milliseconds waited);

struct GroupHealth {
  std::string name;
  std::string cluster_group;  // empty: not replicated
  bool ready = true, joined = false, quorate = false;
  uint32_t nodeid = 0;
  std::vector<std::pair<uint32_t, uint32_t>> members;  // (nodeid, pid)
};

// REQUIRES: rt.clusters and rt.cluster_assignment are those of `cfg`
// (fixed while esand runs).
std::vector<GroupHealth> group_health(const config::Config& cfg, const server::Runtime& rt);

Json health_json(const std::vector<BackendProbe>& probes, const std::vector<GroupHealth>& groups);

}  // namespace esan::mgmt
