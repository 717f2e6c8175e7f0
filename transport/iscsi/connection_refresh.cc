// Runtime changes of the target registry reaching running sessions; see
// Connection::refresh_session() in connection.h. Runs on the connection's
// reactor (posted there by the daemon's Server::refresh_sessions()).
#include "common/log.h"
#include "scsi/dispatcher.h"
#include "transport/iscsi/connection.h"

namespace esan::iscsi {

namespace {

bool same_map(const scsi::LunMap* a, const scsi::LunMap* b) {
  if (!a || !b) return a == b;
  if (a->size() != b->size()) return false;
  for (auto ia = a->begin(), ib = b->begin(); ia != a->end(); ++ia, ++ib)
    if (ia->first != ib->first || ia->second.lu != ib->second.lu || ia->second.read_only != ib->second.read_only)
      return false;
  return true;
}

}  // namespace

void Connection::refresh_session() {
  if (phase_ != Phase::kFullFeature || params_.discovery || !nexus_attached_) return;
  if (!ctx_.targets.find(params_.target_name, params_.initiator_name)) {
    ESAN_LOG_INFO("{}: target {} removed or disabled; closing session tsih {}", peer_, params_.target_name, tsih_);
    close("target removed or disabled");
    return;
  }
  nexus_.rel_tgt_id = ctx_.targets.rel_tgt_id(params_.target_name);
  auto luns = ctx_.targets.luns_for(params_.target_name, params_.initiator_name);
  if (same_map(nexus_.luns.get(), luns.get())) return;
  ESAN_LOG_INFO("{}: session tsih {} gets a new LUN map ({} LUNs)", peer_, tsih_, luns->size());
  scsi::set_lun_map(nexus_, std::move(luns));
}

void ConnectionSet::refresh_sessions() {
  std::vector<std::shared_ptr<Connection>> all;
  for (auto& [_, c] : conns_) all.push_back(c);
  for (auto& c : all) c->refresh_session();
}

}  // namespace esan::iscsi
