// Resource-limit attributes (config/limits.h): accepted values at driver
// and target level, the writer round trip, and bad values with file:line.
#include <gtest/gtest.h>

#include "config/limits.h"
#include "config/model.h"
#include "config/test_helpers.h"

namespace esan::config {
namespace {

using testing::parse_error;
using testing::parse_ok;

constexpr char kLimits[] =
    "TARGET_DRIVER iscsi {\n"
    "  MaxSessions 100\n"
    "  QueuedCommands 64\n"
    "  esan_max_connections 500\n"
    "  esan_max_connections_per_initiator 0\n"
    "  esan_max_buffered_mb 32\n"
    "  TARGET t {\n"
    "    MaxSessions 2\n"
    "    QueuedCommands 0016\n"
    "  }\n"
    "}\n";

TEST(ConfigLimits, DriverAndTargetValuesAreStoredNormalized) {
  Config c = parse_ok(kLimits);
  EXPECT_TRUE(c.warnings.empty());
  EXPECT_EQ(limit_value(c.iscsi_attributes, "MaxSessions"), 100u);
  EXPECT_EQ(limit_value(c.iscsi_attributes, "QueuedCommands"), 64u);
  EXPECT_EQ(limit_value(c.iscsi_attributes, "esan_max_connections"), 500u);
  EXPECT_EQ(limit_value(c.iscsi_attributes, "esan_max_connections_per_initiator"), 0u);
  EXPECT_EQ(limit_value(c.iscsi_attributes, "esan_max_buffered_mb"), 32u);
  ASSERT_EQ(c.targets.size(), 1u);
  EXPECT_EQ(limit_value(c.targets[0].attributes, "MaxSessions"), 2u);
  EXPECT_EQ(c.targets[0].attributes.at("QueuedCommands"), "16");  // leading zeros dropped
  EXPECT_EQ(limit_value(c.targets[0].attributes, "esan_max_connections"), std::nullopt);
}

TEST(ConfigLimits, WriterRoundTrip) {
  Config c = parse_ok(kLimits);
  std::string text = write_config(c);
  EXPECT_NE(text.find("esan_max_buffered_mb 32"), std::string::npos) << text;
  EXPECT_NE(text.find("MaxSessions 2"), std::string::npos) << text;
  auto back = parse_config(text, "w.conf");
  ASSERT_TRUE(back) << back.error().message << "\n" << text;
  EXPECT_TRUE(equivalent(c, *back)) << text;
}

TEST(ConfigLimits, TwoLimitsOnOneLine) {
  Config c = parse_ok("TARGET_DRIVER iscsi {\n TARGET t { MaxSessions 3  QueuedCommands 8 }\n}\n");
  EXPECT_EQ(limit_value(c.targets.at(0).attributes, "MaxSessions"), 3u);
  EXPECT_EQ(limit_value(c.targets.at(0).attributes, "QueuedCommands"), 8u);
}

struct BadCase {
  const char* text;
  const char* error;
};

TEST(ConfigLimits, BadValuesFailWithFileAndLine) {
  const BadCase cases[] = {
      {"TARGET_DRIVER iscsi {\n  MaxSessions 65536\n}\n",
       "t.conf:2: attribute 'MaxSessions': '65536' is out of range (max 65535)"},
      {"TARGET_DRIVER iscsi {\n  MaxSessions -1\n}\n",
       "t.conf:2: attribute 'MaxSessions': '-1' is negative"},
      {"TARGET_DRIVER iscsi {\n TARGET t {\n  QueuedCommands 0\n }\n}\n",
       "t.conf:3: attribute 'QueuedCommands': 0 is below the minimum 1"},
      {"TARGET_DRIVER iscsi {\n TARGET t {\n  QueuedCommands 2049\n }\n}\n",
       "t.conf:3: attribute 'QueuedCommands': '2049' is out of range (max 2048)"},
      {"TARGET_DRIVER iscsi {\n QueuedCommands many\n}\n",
       "t.conf:2: attribute 'QueuedCommands': 'many' is not a number"},
      {"TARGET_DRIVER iscsi {\n esan_max_buffered_mb 0\n}\n",
       "t.conf:2: attribute 'esan_max_buffered_mb': 0 is below the minimum 1"},
      {"TARGET_DRIVER iscsi {\n esan_max_connections 1\n esan_max_connections 2\n}\n",
       "t.conf:3: attribute 'esan_max_connections' given twice (first at line 2)"},
      {"TARGET_DRIVER iscsi {\n TARGET t {\n  esan_max_connections 5\n }\n}\n",
       "t.conf:3: unknown attribute 'esan_max_connections' in TARGET"},
      {"HANDLER vdisk_nullio {\n DEVICE d {\n  MaxSessions 1\n }\n}\n",
       "t.conf:3: unknown attribute 'MaxSessions' in DEVICE"},
  };
  for (const auto& bc : cases) {
    SCOPED_TRACE(bc.text);
    EXPECT_EQ(parse_error(bc.text), bc.error);
  }
}

}  // namespace
}  // namespace esan::config
