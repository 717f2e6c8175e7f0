// mono_ns(): CLOCK_MONOTONIC in nanoseconds (vDSO, no system call), for
// latency measurements on the command path.
#pragma once

#include <time.h>

#include <cstdint>

namespace esan {

inline uint64_t mono_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}

}  // namespace esan
