#include "common/named.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace esan {
namespace {

struct Thing {
  std::string name;
  int value = 0;
};

TEST(FindNamed, FindsByNameInMutableConstAndArrayLists) {
  std::vector<Thing> v{{"a", 1}, {"b", 2}};
  Thing* b = find_named(v, "b");
  ASSERT_NE(b, nullptr);
  b->value = 5;
  EXPECT_EQ(v[1].value, 5) << "a pointer into the list, not a copy";
  const std::vector<Thing>& cv = v;
  const Thing* a = find_named(cv, "a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->value, 1);
  EXPECT_EQ(find_named(v, "c"), nullptr);
  EXPECT_EQ(find_named(v, ""), nullptr);

  struct Spec {
    std::string_view name;
  };
  static constexpr Spec kSpecs[] = {{"x"}, {"y"}};
  EXPECT_EQ(find_named(kSpecs, "y"), &kSpecs[1]);
  EXPECT_EQ(find_named(kSpecs, "z"), nullptr);
}

}  // namespace
}  // namespace esan
