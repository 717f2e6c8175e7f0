// ESAN_ALIASES: parsing, checks and the write-back round trip.
#include <gtest/gtest.h>

#include "config/model.h"
#include "config/test_helpers.h"

namespace esan::config {
namespace {

using testing::parse_error;
using testing::parse_ok;

constexpr std::string_view kAliases = R"(TARGET_DRIVER iscsi {
	enabled 1
}
ESAN_ALIASES {
	iqn.1993-08.org.debian:01:abc db-server_1
	iqn.1991-05.com.microsoft:win01 WIN.01
}
)";

TEST(ConfigAliases, ParsesAndRoundTripsExactly) {
  Config c = parse_ok(kAliases);
  ASSERT_EQ(c.initiator_aliases.size(), 2u);
  EXPECT_EQ(c.initiator_aliases.at("iqn.1993-08.org.debian:01:abc"), "db-server_1");
  EXPECT_EQ(c.initiator_aliases.at("iqn.1991-05.com.microsoft:win01"), "WIN.01");
  std::string once = write_config(c);
  EXPECT_NE(once.find("ESAN_ALIASES {\n\tiqn.1991-05.com.microsoft:win01 WIN.01\n"
                      "\tiqn.1993-08.org.debian:01:abc db-server_1\n}\n"),
            std::string::npos)
      << once;
  Config back = parse_ok(once);
  EXPECT_TRUE(equivalent(c, back));
  EXPECT_EQ(write_config(back), once);
}

TEST(ConfigAliases, NoneWritesNoSection) {
  EXPECT_EQ(write_config(parse_ok("TARGET_DRIVER iscsi {\n}\n")).find("ESAN_ALIASES"), std::string::npos);
}

TEST(ConfigAliases, BadLinesNameTheProblem) {
  EXPECT_EQ(parse_error("ESAN_ALIASES {\n\tiqn.a\n}\n"),
            "t.conf:2: alias of 'iqn.a': write one initiator name and one alias");
  EXPECT_EQ(parse_error("ESAN_ALIASES {\n\tiqn.a x y\n}\n"),
            "t.conf:2: alias of 'iqn.a': write one initiator name and one alias");
  EXPECT_EQ(parse_error("ESAN_ALIASES {\n\tiqn.a bad/alias\n}\n"),
            "t.conf:2: alias 'bad/alias': only letters, digits, '.', '_' and '-' are allowed");
  EXPECT_EQ(parse_error("ESAN_ALIASES {\n\tiqn.* x\n}\n"),
            "t.conf:2: initiator name 'iqn.*': an exact iSCSI name takes no blanks, control characters, quotes, "
            "braces, '#', '\\' or wildcards");
  EXPECT_EQ(parse_error("ESAN_ALIASES {\n\tiqn.a x\n\tiqn.a y\n}\n"), "t.conf:3: initiator 'iqn.a' has two aliases");
  EXPECT_EQ(parse_error("ESAN_ALIASES {\n\tiqn.a x\n\tiqn.b x\n}\n"),
            "t.conf:3: alias 'x' is already the alias of 'iqn.a'");
  EXPECT_EQ(parse_error("ESAN_ALIASES foo {\n}\n"), "t.conf:1: ESAN_ALIASES takes no name, only a { } block");
}

TEST(ConfigAliases, CheckLimits) {
  EXPECT_TRUE(check_initiator_alias("iqn.a", std::string(kMaxAliasLength, 'a')));
  auto s = check_initiator_alias("iqn.a", std::string(kMaxAliasLength + 1, 'a'));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("longer than 64 characters"), std::string::npos);
  s = check_initiator_alias("iqn.a", "");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "alias of 'iqn.a' is empty");
  s = check_initiator_alias("", "x");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "the initiator name is empty");
  s = check_initiator_alias(std::string(kMaxInitiatorName + 1, 'i'), "x");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "the initiator name is longer than 223 bytes");
}

}  // namespace
}  // namespace esan::config
