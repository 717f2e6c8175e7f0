// build_runtime(): the TARGET_DRIVER iscsi and TARGET limit attributes reach
// the transport's Limits and TargetEntry; absent ones keep the defaults.
#include <gtest/gtest.h>

#include "config/model.h"
#include "server/runtime.h"

namespace esan::server {
namespace {

Runtime build(std::string_view text) {
  auto cfg = config::parse_config(text, "t.conf");
  EXPECT_TRUE(cfg.has_value()) << (cfg ? "" : cfg.error().message);
  auto rt = build_runtime(*cfg, "t.conf");
  EXPECT_TRUE(rt.has_value()) << (rt ? "" : rt.error().message);
  return std::move(*rt);
}

TEST(RuntimeLimits, ConfiguredValuesReachTheTransport) {
  Runtime rt = build(
      "TARGET_DRIVER iscsi {\n enabled 1\n MaxSessions 10\n QueuedCommands 32\n"
      " esan_max_connections 100\n esan_max_connections_per_initiator 5\n"
      " esan_max_buffered_mb 8\n"
      " TARGET iqn.a { enabled 1\n  MaxSessions 2\n  QueuedCommands 4 }\n"
      " TARGET iqn.b { enabled 1 }\n}\n");
  EXPECT_EQ(rt.limits.max_sessions, 10u);
  EXPECT_EQ(rt.limits.queued_commands, 32u);
  EXPECT_EQ(rt.limits.max_connections, 100u);
  EXPECT_EQ(rt.limits.max_connections_per_initiator, 5u);
  EXPECT_EQ(rt.limits.max_buffered_bytes, 8ull << 20);
  ASSERT_EQ(rt.targets.size(), 2u);
  EXPECT_EQ(rt.targets[0].max_sessions, 2u);
  EXPECT_EQ(rt.targets[0].queued_commands, 4u);
  EXPECT_EQ(rt.targets[1].max_sessions, 0u);     // no per-target limit
  EXPECT_EQ(rt.targets[1].queued_commands, 0u);  // the driver-level default applies
}

TEST(RuntimeLimits, DefaultsWithoutAttributes) {
  Runtime rt = build("TARGET_DRIVER iscsi {\n enabled 1\n TARGET iqn.a { enabled 1 }\n}\n");
  iscsi::Limits defaults;
  EXPECT_EQ(rt.limits.max_sessions, defaults.max_sessions);
  EXPECT_EQ(rt.limits.queued_commands, 128u);
  EXPECT_EQ(rt.limits.max_connections, defaults.max_connections);
  EXPECT_EQ(rt.limits.max_connections_per_initiator, defaults.max_connections_per_initiator);
  EXPECT_EQ(rt.limits.max_buffered_bytes, 128ull << 20);
}

}  // namespace
}  // namespace esan::server
