#include "backend/zeros.h"

#include <sys/mman.h>

namespace esan::backend {

const uint8_t* shared_zeros(size_t len) {
  constexpr size_t kLen = 16u << 20;
  static void* const region = mmap(nullptr, kLen, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED || len > kLen) return nullptr;
  return static_cast<const uint8_t*>(region);
}

}  // namespace esan::backend
