#include "cluster/coordinator.h"

#include <optional>

#include "reactor/queue_executor.h"

namespace esan::cluster {

Result<Reply> Coordinator::propose_and_wait(Change change) {
  // The completion runs here, on the waiting caller's thread, never inline
  // on the coordinator's.
  reactor::QueueExecutor here;
  std::optional<Result<Reply>> out;
  propose(std::move(change), &here, [&out](Result<Reply> r) { out = std::move(r); });
  here.run_until([&] { return out.has_value(); }, std::chrono::hours(24 * 365));
  return std::move(*out);
}

}  // namespace esan::cluster
