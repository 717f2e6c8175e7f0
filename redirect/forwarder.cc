#include "redirect/forwarder.h"

#include "common/log.h"
#include "redirect/peer_session.h"
#include "scsi/logical_unit.h"
#include "scsi/sense.h"

namespace esan::redirect {

Forwarder::Forwarder(PeerConfig peer) : peer_(std::move(peer)) {}

Forwarder::~Forwarder() {
  for (auto& s : sessions_)
    if (s) {
      reactor::Reactor* r = nullptr;
      std::shared_ptr<PeerSession> keep = std::move(s);
      r = &keep->reactor();
      r->post([keep] { keep->close(); });
    }
}

PeerSession* Forwarder::session_for(const scsi::Task& task) {
  reactor::Reactor* r = task.executor ? task.executor->reactor() : nullptr;
  if (!r || size_t(r->index()) >= kMaxReactors) return nullptr;
  auto& s = sessions_[size_t(r->index())];
  if (!s) s = std::make_shared<PeerSession>(*r, peer_, r->index());
  return s.get();
}

bool Forwarder::ready_for(const scsi::Task& task) {
  PeerSession* s = session_for(task);
  return !s || s->ready_for();  // off a reactor: forward() refuses it at once
}

void Forwarder::forward(scsi::Task& task, const scsi::LogicalUnit& lu) {
  PeerSession* s = session_for(task);
  if (!s) {
    ESAN_LOG_ERROR("redirect: a command arrived off a reactor (or reactor index >= {}); not forwarded", kMaxReactors);
    task.data.clear();
    scsi::check_condition(task, scsi::Sense::make(scsi::SenseKey::kNotReady, scsi::asc::kNotAccessibleAluaTransition),
                          lu.d_sense());
    return scsi::forwarded(task);
  }
  s->submit(task, lu.naa_designator(), lu.d_sense());
}

void Forwarder::close(reactor::Reactor& r) {
  if (size_t(r.index()) >= kMaxReactors) return;
  if (auto s = std::move(sessions_[size_t(r.index())])) s->close();
}

std::shared_ptr<Forwarder> ForwarderPool::get(const PeerConfig& peer) {
  std::lock_guard lk(mu_);
  for (const auto& f : all_)
    if (f->peer() == peer) return f;
  all_.push_back(std::make_shared<Forwarder>(peer));
  return all_.back();
}

void ForwarderPool::close(reactor::Reactor& r) {
  std::vector<std::shared_ptr<Forwarder>> all;
  {
    std::lock_guard lk(mu_);
    all = all_;
  }
  for (const auto& f : all) f->close(r);
}

}  // namespace esan::redirect
