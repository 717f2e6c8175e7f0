#include "cluster/coordinator.h"

#include <future>

namespace esan::cluster {

namespace {
// Runs posted work at once on the posting thread: the waiting caller is
// blocked in propose_and_wait, so there is no loop of its own to post to.
class ImmediateExecutor final : public reactor::Executor {
 public:
  void post(std::function<void()> fn) override { fn(); }
};
}  // namespace

Result<Reply> Coordinator::propose_and_wait(Change change) {
  static ImmediateExecutor here;
  std::promise<Result<Reply>> p;
  auto f = p.get_future();
  propose(std::move(change), &here, [&p](Result<Reply> r) { p.set_value(std::move(r)); });
  return f.get();
}

}  // namespace esan::cluster
