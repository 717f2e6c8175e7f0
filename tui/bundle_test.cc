#include "tui/bundle.h"

#include <gtest/gtest.h>

#include "tui/fake_api.h"

namespace esan::tui {
namespace {

TEST(Bundle, TheFileMustBeAbsoluteAndNothingIsAskedOtherwise) {
  FakeApi api;
  auto r = write_bundle(api, {{"file", "bundle.tar.gz"}, {"force", "no"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "File (absolute) must be an absolute path, got 'bundle.tar.gz'");
  r = write_bundle(api, {{"file", ""}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "File (absolute) is required");
  EXPECT_TRUE(api.calls.empty());
}

}  // namespace
}  // namespace esan::tui
