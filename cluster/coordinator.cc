#include "cluster/coordinator.h"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>

namespace esan::cluster {

namespace {
// The executor of a caller blocked in propose_and_wait(): what is posted to
// it runs on that caller's thread once it wakes. Nothing ticks on it.
class WaitingExecutor final : public reactor::Executor {
 public:
  void post(std::function<void()> fn) override {
    std::lock_guard lk(mu_);
    q_.push_back(std::move(fn));
    cv_.notify_one();
  }
  uint64_t add_tick(std::function<void()>) override { return 0; }
  void cancel_tick(uint64_t) override {}
  void run_one() {
    std::function<void()> fn;
    {
      std::unique_lock lk(mu_);
      cv_.wait(lk, [&] { return !q_.empty(); });
      fn = std::move(q_.front());
      q_.pop_front();
    }
    fn();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> q_;
};
}  // namespace

Result<Reply> Coordinator::propose_and_wait(Change change) {
  WaitingExecutor here;
  std::optional<Result<Reply>> out;
  propose(std::move(change), &here, [&out](Result<Reply> r) { out = std::move(r); });
  while (!out) here.run_one();
  return std::move(*out);
}

}  // namespace esan::cluster
