#include "cluster/local_coordinator.h"

#include <utility>

namespace esan::cluster {

namespace {
Result<Reply> stopped() { return make_error(Errc::kBusy, "the shared state coordinator has stopped"); }

void deliver(reactor::Executor* where, Done done, Result<Reply> r) {
  if (!where || !done) return;
  where->post([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
}
}  // namespace

LocalCoordinator::~LocalCoordinator() { stop(); }

void LocalCoordinator::start(Applier applier) {
  std::lock_guard lk(mu_);
  if (started_) return;
  applier_ = std::move(applier);
  started_ = true;
  thread_ = std::thread([this] { run(); });
}

void LocalCoordinator::stop() {
  {
    std::lock_guard lk(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Never started: nothing was applied; tell the waiters.
  std::deque<Proposal> left;
  {
    std::lock_guard lk(mu_);
    left.swap(queue_);
  }
  for (auto& p : left) deliver(p.where, std::move(p.done), stopped());
}

void LocalCoordinator::propose(Change change, reactor::Executor* where, Done done) {
  enqueue(std::move(change), where, std::move(done));
}

void LocalCoordinator::barrier(reactor::Executor* where, Done done) { enqueue(std::nullopt, where, std::move(done)); }

void LocalCoordinator::enqueue(std::optional<Change> change, reactor::Executor* where, Done done) {
  {
    std::lock_guard lk(mu_);
    if (!stopping_) {
      queue_.push_back(Proposal{std::move(change), where, std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  deliver(where, std::move(done), stopped());
}

uint64_t LocalCoordinator::applied() const {
  std::lock_guard lk(mu_);
  return applied_;
}

void LocalCoordinator::run() {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and everything proposed before is done
    std::deque<Proposal> batch;
    batch.swap(queue_);
    uint64_t seq = applied_;
    lk.unlock();
    for (auto& p : batch) {
      if (!p.change) {
        deliver(p.where, std::move(p.done), Reply{});
        continue;
      }
      Reply r = applier_(++seq, *p.change);
      {
        std::lock_guard g(mu_);
        applied_ = seq;
      }
      deliver(p.where, std::move(p.done), std::move(r));
    }
    lk.lock();
  }
}

}  // namespace esan::cluster
