// Verification pattern: the content esan-bench writes at each byte offset
// of the LU is a pure function of (seed, offset), so any read of a range
// that was filled can be checked, whatever order writes happened in.
#pragma once

#include <cstddef>
#include <cstdint>

namespace esan::bench {

// Fills buf with the pattern for LU bytes [offset, offset + len).
// REQUIRES: offset and len multiples of 8.
void fill_pattern(uint64_t seed, uint64_t offset, uint8_t* buf, size_t len);

// Returns the index of the first byte of buf that differs from the pattern,
// or len when all match. REQUIRES as above.
size_t check_pattern(uint64_t seed, uint64_t offset, const uint8_t* buf, size_t len);

}  // namespace esan::bench
