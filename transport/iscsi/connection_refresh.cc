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
  const SessionParams& p = session_.params;
  if (phase_ != Phase::kFullFeature || p.discovery || !session_.nexus_attached) return;
  if (!ctx_.targets.find(p.target_name, p.initiator_name)) {
    ESAN_LOG_INFO("{}: target {} removed or disabled; closing session tsih {}", peer_, p.target_name, session_.tsih);
    close("target removed or disabled");
    return;
  }
  session_.nexus.rel_tgt_id = ctx_.targets.rel_tgt_id(p.target_name);
  auto luns = ctx_.targets.luns_for(p.target_name, p.initiator_name);
  if (same_map(session_.nexus.luns.get(), luns.get())) return;
  ESAN_LOG_INFO("{}: session tsih {} gets a new LUN map ({} LUNs)", peer_, session_.tsih, luns->size());
  scsi::set_lun_map(session_.nexus, std::move(luns));
}

void ConnectionSet::refresh_sessions() {
  std::vector<std::shared_ptr<Connection>> all;
  for (auto& [_, c] : conns_) all.push_back(c);
  for (auto& c : all) c->refresh_session();
}

}  // namespace esan::iscsi
