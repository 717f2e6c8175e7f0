// LocalCoordinator: the single-node Coordinator (coordinator.h). Changes are
// committed in the order they are proposed and applied on one apply thread
// of its own, which is also where persistence (the fsyncs of persistent
// reservation files) happens, off the reactors.
//
// Contract (beyond coordinator.h):
//  - start(applier) starts the apply thread; proposals made before it wait.
//  - stop() applies and completes everything already proposed, then joins
//    the thread; later proposals complete with kBusy. Idempotent; the
//    destructor calls it. The executors named by pending proposals must
//    still accept posts until stop() returns.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "cluster/coordinator.h"

namespace esan::cluster {

class LocalCoordinator final : public Coordinator {
 public:
  LocalCoordinator() = default;
  ~LocalCoordinator() override;
  LocalCoordinator(const LocalCoordinator&) = delete;
  LocalCoordinator& operator=(const LocalCoordinator&) = delete;

  void start(Applier applier);
  void stop();

  void propose(Change change, reactor::Executor* where, Done done) override;
  void barrier(reactor::Executor* where, Done done) override;
  uint64_t applied() const override;

 private:
  struct Proposal {
    std::optional<Change> change;  // none: a barrier
    reactor::Executor* where;
    Done done;
  };
  void enqueue(std::optional<Change> change, reactor::Executor* where, Done done);
  void run();

  Applier applier_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Proposal> queue_;  // guarded by mu_
  bool started_ = false;        // guarded by mu_
  bool stopping_ = false;       // guarded by mu_
  uint64_t applied_ = 0;        // guarded by mu_
  std::thread thread_;
};

}  // namespace esan::cluster
