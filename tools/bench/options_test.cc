#include "tools/bench/options.h"

#include <gtest/gtest.h>

#include <vector>

namespace esan::bench {
namespace {

Result<Options> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "esan-bench");
  return parse_options(int(args.size()), args.data());
}

TEST(BenchOptions, Sizes) {
  EXPECT_EQ(*parse_size("4096"), 4096u);
  EXPECT_EQ(*parse_size("4k"), 4096u);
  EXPECT_EQ(*parse_size("1m"), 1048576u);
  EXPECT_EQ(*parse_size("2G"), 2ull << 30);
  EXPECT_EQ(*parse_size("0.5k"), 512u);
  EXPECT_FALSE(parse_size("4x"));
  EXPECT_FALSE(parse_size("k"));
  EXPECT_FALSE(parse_size("0.3k"));  // not a whole number of bytes
}

TEST(BenchOptions, Durations) {
  EXPECT_DOUBLE_EQ(*parse_duration("10"), 10);
  EXPECT_DOUBLE_EQ(*parse_duration("10s"), 10);
  EXPECT_DOUBLE_EQ(*parse_duration("500ms"), 0.5);
  EXPECT_DOUBLE_EQ(*parse_duration("2m"), 120);
  EXPECT_FALSE(parse_duration("0"));
  EXPECT_FALSE(parse_duration("5h"));
}

TEST(BenchOptions, FullCommandLine) {
  auto o = parse({"iscsi://127.0.0.1:3260/iqn.x:t/0", "--rw", "rw70", "--bs", "1m", "--qd", "8", "--sessions",
                  "4", "--time", "3s", "--json", "--verify", "--range", "64m"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->rw, Workload::kRw70);
  EXPECT_EQ(o->block_bytes, 1u << 20);
  EXPECT_EQ(o->queue_depth, 8u);
  EXPECT_EQ(o->sessions, 4u);
  EXPECT_DOUBLE_EQ(o->seconds, 3);
  EXPECT_EQ(o->range_bytes, 64u << 20);
  EXPECT_TRUE(o->json);
  EXPECT_TRUE(o->verify);
}

TEST(BenchOptions, Defaults) {
  auto o = parse({"iscsi://h/iqn.x:t/1"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->rw, Workload::kRandRead);
  EXPECT_EQ(o->block_bytes, 4096u);
  EXPECT_EQ(o->queue_depth, 64u);
  EXPECT_EQ(o->sessions, 1u);
}

TEST(BenchOptions, BadArgumentsAreErrors) {
  EXPECT_FALSE(parse({}));                                            // no url
  EXPECT_FALSE(parse({"http://x/y/0"}));                              // not iscsi://
  EXPECT_FALSE(parse({"iscsi://h/t/0", "--rw", "scan"}));             // bad workload
  EXPECT_FALSE(parse({"iscsi://h/t/0", "--bs", "1000"}));             // not a multiple of 512
  EXPECT_FALSE(parse({"iscsi://h/t/0", "--qd", "0"}));
  EXPECT_FALSE(parse({"iscsi://h/t/0", "--sessions", "1000"}));
  EXPECT_FALSE(parse({"iscsi://h/t/0", "--time", "-1"}));
  EXPECT_FALSE(parse({"iscsi://h/t/0", "--unknown"}));
  auto help = parse({"--help"});
  ASSERT_FALSE(help);
  EXPECT_EQ(help.error().code, Errc::kNotFound);
  EXPECT_NE(help.error().message.find("--qd"), std::string::npos);
}

}  // namespace
}  // namespace esan::bench
