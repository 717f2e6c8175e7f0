#include "transport/iscsi/session.h"

#include <fmt/format.h>

#include "scsi/dispatcher.h"
#include "transport/iscsi/target_registry.h"

namespace esan::iscsi {

std::string Session::isid_hex() const {
  return fmt::format("{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", isid[0], isid[1], isid[2], isid[3], isid[4], isid[5]);
}

void Session::attach_nexus(const TargetRegistry& targets) {
  nexus.id = scsi::next_nexus_id();
  nexus.initiator_name = params.initiator_name;
  nexus.initiator_port = params.initiator_name + ",i,0x" + isid_hex();
  nexus.target_name = params.target_name;
  nexus.rel_tgt_id = targets.rel_tgt_id(params.target_name);
  nexus.tpg_tag = 1;
  nexus.luns = targets.luns_for(params.target_name, params.initiator_name);
  nexus.trusted = targets.internal(params.target_name);
  scsi::nexus_attached(nexus);
  nexus_attached = true;
}

void Session::detach_nexus() {
  if (!nexus_attached) return;
  scsi::nexus_detached(nexus);
  nexus_attached = false;
}

void Session::detach_nexus(reactor::Executor& where, std::function<void()> done) {
  if (!nexus_attached) return where.post(std::move(done));
  scsi::nexus_detached(nexus, where, std::move(done));
  nexus_attached = false;
}

}  // namespace esan::iscsi
