// Reconcile: makes a running Server match a new configuration, touching
// only what differs from the configuration it runs now.
//
// Contract:
//  * prepare(old, next, rt, pool) does everything that can fail without
//    changing anything that runs, and returns it as one server::RuntimeEdit
//    (server/runtime_edit.h): opens the backends of new devices and of
//    devices whose fixed attributes changed (filename, handler, blocksize,
//    o_direct, lb_per_pb_exp; read_only 0 on a backend opened read-only),
//    loads their persistent reservation state, builds the target table and,
//    when the ALUA structure changed, the device groups. `pool` offers
//    already open LUs by name (undo reuses the LUs a change removed instead
//    of reopening them); one is used only when its device's configuration
//    is exactly the one wanted.
//  * commit(old, edit, server) hands the edit to Server::apply(), which owns
//    the order (resizes first, the one step that can still fail and then
//    changes nothing; then attributes, device table, ALUA, target registry,
//    session refresh). Returns the LUs that left the device table with
//    their `old` configuration (kept alive by the caller while an undo may
//    need them).
//  * TARGET_DRIVER limits and iSCSI keys are recorded (Runtime::limits)
//    but reach the transport only at the next start.
//  * REQUIRES: calls are serialized (the Engine's mutex); `old` is the
//    configuration the server runs and `rt` its runtime.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/model.h"
#include "server/runtime_edit.h"
#include "server/server.h"

namespace esan::mgmt {

// Open LUs by device name, with the configuration they were opened for.
using LuPool = std::map<std::string, std::pair<config::DeviceConfig, std::shared_ptr<scsi::LogicalUnit>>>;

Result<server::RuntimeEdit> prepare(const config::Config& old, const config::Config& next, const server::Runtime& rt,
                                    const LuPool& pool = {});
Result<LuPool> commit(const config::Config& old, server::RuntimeEdit edit, server::Server& server);

// Copies the running ALUA states of the device groups whose ownership is
// `cluster_owned` (config/model.h, esan_alua_owner) into c.
void overlay_live_alua_states(config::Config& c, const scsi::AluaRegistry& alua, bool cluster_owned);

}  // namespace esan::mgmt
