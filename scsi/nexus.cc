#include "scsi/nexus.h"

#include <atomic>

namespace esan::scsi {

uint64_t next_nexus_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace esan::scsi
