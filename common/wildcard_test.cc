#include "common/wildcard.h"

#include <gtest/gtest.h>

namespace esan {
namespace {

TEST(Wildcard, Matches) {
  EXPECT_TRUE(wildcard_match("iqn.1994-05.com.redhat:*", "iqn.1994-05.com.redhat:host1"));
  EXPECT_TRUE(wildcard_match("*", ""));
  EXPECT_TRUE(wildcard_match("esx?", "esx1"));
  EXPECT_FALSE(wildcard_match("esx?", "esx12"));
  EXPECT_TRUE(wildcard_match("a*b*c", "axxbyyc"));
  EXPECT_FALSE(wildcard_match("a*b*c", "axxbyy"));
  EXPECT_FALSE(wildcard_match("Host", "host"));
  EXPECT_TRUE(wildcard_match("exact", "exact"));
  EXPECT_FALSE(wildcard_match("exact", "exact2"));
}

}  // namespace
}  // namespace esan
