#include "tools/bench/pattern.h"

#include <gtest/gtest.h>

#include <cstring>

#include <vector>

namespace esan::bench {
namespace {

TEST(BenchPattern, DependsOnOffsetAndSeedOnly) {
  std::vector<uint8_t> whole(8192), part(4096);
  fill_pattern(42, 0, whole.data(), whole.size());
  fill_pattern(42, 4096, part.data(), part.size());
  EXPECT_EQ(0, std::memcmp(whole.data() + 4096, part.data(), 4096));
  EXPECT_EQ(check_pattern(42, 4096, part.data(), part.size()), part.size());
  std::vector<uint8_t> other(4096);
  fill_pattern(43, 4096, other.data(), other.size());
  EXPECT_NE(0, std::memcmp(other.data(), part.data(), 4096));
  EXPECT_NE(0, std::memcmp(whole.data(), part.data(), 4096));  // offsets differ
}

TEST(BenchPattern, ReportsFirstDifferentByte) {
  std::vector<uint8_t> b(4096);
  fill_pattern(7, 8192, b.data(), b.size());
  b[1234] ^= 0x10;
  b[3000] ^= 0x01;
  EXPECT_EQ(check_pattern(7, 8192, b.data(), b.size()), 1234u);
  std::vector<uint8_t> zeros(512, 0);
  EXPECT_LT(check_pattern(7, 0, zeros.data(), zeros.size()), 8u);
}

}  // namespace
}  // namespace esan::bench
