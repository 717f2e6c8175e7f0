#include "common/crc32c.h"

#include <gtest/gtest.h>

#include <cstring>

namespace esan {
namespace {

TEST(Crc32c, KnownVectors) {
  // RFC 3720 appendix B.4 test vectors.
  uint8_t zeros[32] = {};
  EXPECT_EQ(crc32c(zeros, sizeof zeros), 0x8a9136aau);
  uint8_t ones[32];
  memset(ones, 0xff, sizeof ones);
  EXPECT_EQ(crc32c(ones, sizeof ones), 0x62a8ab43u);
  uint8_t inc[32];
  for (int i = 0; i < 32; ++i) inc[i] = uint8_t(i);
  EXPECT_EQ(crc32c(inc, sizeof inc), 0x46dd794eu);
  EXPECT_EQ(crc32c("123456789", 9), 0xe3069283u);
}

TEST(Crc32c, Incremental) {
  const char* s = "123456789";
  uint32_t part = crc32c(s, 4);
  EXPECT_EQ(crc32c(s + 4, 5, part), crc32c(s, 9));
}

}  // namespace
}  // namespace esan
