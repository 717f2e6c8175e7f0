#include "tools/bench/pattern.h"

#include <cstring>

namespace esan::bench {

namespace {

// splitmix64 finaliser: every 8-byte word gets a distinct-looking value.
uint64_t word_at(uint64_t seed, uint64_t word_index) {
  uint64_t z = seed + word_index * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

void fill_pattern(uint64_t seed, uint64_t offset, uint8_t* buf, size_t len) {
  uint64_t first = offset / 8;
  for (size_t i = 0; i < len / 8; ++i) {
    uint64_t w = word_at(seed, first + i);
    std::memcpy(buf + i * 8, &w, 8);
  }
}

size_t check_pattern(uint64_t seed, uint64_t offset, const uint8_t* buf, size_t len) {
  uint64_t first = offset / 8;
  for (size_t i = 0; i < len / 8; ++i) {
    uint64_t w = word_at(seed, first + i);
    if (std::memcmp(buf + i * 8, &w, 8) != 0) {
      const uint8_t* want = reinterpret_cast<const uint8_t*>(&w);
      for (size_t b = 0; b < 8; ++b)
        if (buf[i * 8 + b] != want[b]) return i * 8 + b;
    }
  }
  return len;
}

}  // namespace esan::bench
