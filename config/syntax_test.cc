#include "config/syntax.h"

#include <gtest/gtest.h>

namespace esan::config {
namespace {

std::vector<Node> tree(std::string_view text) {
  auto r = parse_syntax(text, "t.conf");
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : std::vector<Node>{};
}

std::string error(std::string_view text) {
  auto r = parse_syntax(text, "t.conf");
  EXPECT_FALSE(r.has_value());
  return r ? "" : r.error().message;
}

TEST(ConfigSyntax, NestedSectionsAndLines) {
  auto t = tree("A x {\n  k v1  v2\n  B y {\n  }\n}\nC\n");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].keyword, "A");
  EXPECT_EQ(t[0].args, std::vector<std::string>{"x"});
  EXPECT_TRUE(t[0].has_block);
  ASSERT_EQ(t[0].children.size(), 2u);
  EXPECT_EQ(t[0].children[0].args, (std::vector<std::string>{"v1", "v2"}));
  EXPECT_EQ(t[0].children[0].line, 2);
  EXPECT_FALSE(t[0].children[0].has_block);
  EXPECT_TRUE(t[0].children[1].has_block);
  EXPECT_EQ(t[0].children[1].line, 3);
  EXPECT_EQ(t[1].keyword, "C");
  EXPECT_EQ(t[1].line, 6);
  EXPECT_FALSE(t[1].has_block);
}

TEST(ConfigSyntax, OneLineSectionsSplitAtKnownKeywords) {
  auto t = tree(
      "DEVICE_GROUP dg { DEVICE d1  TARGET_GROUP tg { group_id 1  state active  "
      "TARGET t { rel_tgt_id 2 } } }");
  ASSERT_EQ(t.size(), 1u);
  const auto& dg = t[0].children;
  ASSERT_EQ(dg.size(), 2u);
  EXPECT_EQ(dg[0].keyword, "DEVICE");
  EXPECT_EQ(dg[0].args, std::vector<std::string>{"d1"});
  EXPECT_FALSE(dg[0].has_block);
  EXPECT_EQ(dg[1].keyword, "TARGET_GROUP");
  const auto& tg = dg[1].children;
  ASSERT_EQ(tg.size(), 3u);
  EXPECT_EQ(tg[0].keyword, "group_id");
  EXPECT_EQ(tg[1].keyword, "state");
  EXPECT_EQ(tg[1].args, std::vector<std::string>{"active"});
  EXPECT_EQ(tg[2].keyword, "TARGET");
  EXPECT_TRUE(tg[2].has_block);
  ASSERT_EQ(tg[2].children.size(), 1u);
  EXPECT_EQ(tg[2].children[0].args, std::vector<std::string>{"2"});
}

TEST(ConfigSyntax, NoSplitForQuotedOrUnknownWords) {
  auto t = tree("LUN 0 d \"enabled\"\nblocksize 512 foo\nIncomingUser a enabled\n");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[0].args, (std::vector<std::string>{"0", "d", "enabled"}));
  EXPECT_EQ(t[1].args, (std::vector<std::string>{"512", "foo"}));
  EXPECT_EQ(t[2].args, (std::vector<std::string>{"a", "enabled"}));  // rest-of-line attribute
}

TEST(ConfigSyntax, BraceOnItsOwnLineOpensPreviousStatement) {
  auto t = tree("TARGET t\n{\n  enabled 1\n}\n");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_TRUE(t[0].has_block);
  ASSERT_EQ(t[0].children.size(), 1u);
  EXPECT_EQ(t[0].children[0].keyword, "enabled");
}

TEST(ConfigSyntax, CloseBraceEndsAttributeOnSameLine) {
  auto t = tree("A { k v }");
  ASSERT_EQ(t.size(), 1u);
  ASSERT_EQ(t[0].children.size(), 1u);
  EXPECT_EQ(t[0].children[0].args, std::vector<std::string>{"v"});
}

TEST(ConfigSyntax, Errors) {
  EXPECT_EQ(error("\n{\n}\n"), "t.conf:2: '{' with no keyword");
  EXPECT_EQ(error("A x {\n}\n{\n}"), "t.conf:3: '{' with no keyword");
  EXPECT_EQ(error("A x {\n}\n}\n"), "t.conf:3: unexpected '}'");
  EXPECT_EQ(error("A x {\n  B y {\n  }\n"),
            "t.conf:1: unbalanced braces: '{' of A 'x' is never closed");
  EXPECT_EQ(error("A x {\n}\nB y {\n k v\n"),
            "t.conf:3: unbalanced braces: '{' of B 'y' is never closed");
  EXPECT_EQ(error("A x {\n k \"v\n}\n"), "t.conf:2: unterminated quote");
}

}  // namespace
}  // namespace esan::config
