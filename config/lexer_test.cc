#include "config/lexer.h"

#include <gtest/gtest.h>

namespace esan::config {
namespace {

using K = Token::Kind;

std::vector<Token> lex(std::string_view text) {
  auto r = tokenize(text, "t.conf");
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : std::vector<Token>{};
}

std::vector<std::string> words(const std::vector<Token>& toks) {
  std::vector<std::string> out;
  for (const auto& t : toks) {
    switch (t.kind) {
      case K::kWord: out.push_back(t.text); break;
      case K::kOpen: out.push_back("{"); break;
      case K::kClose: out.push_back("}"); break;
      case K::kNewline: out.push_back("NL"); break;
      case K::kEnd: out.push_back("END"); break;
    }
  }
  return out;
}

TEST(ConfigLexer, WordsBracesNewlines) {
  auto t = lex("HANDLER vdisk_fileio {\n\tDEVICE d {size_mb 1}\n}");
  EXPECT_EQ(words(t), (std::vector<std::string>{"HANDLER", "vdisk_fileio", "{", "NL", "DEVICE", "d",
                                                "{", "size_mb", "1", "}", "NL", "}", "END"}));
  EXPECT_EQ(t[0].line, 1);
  EXPECT_EQ(t[4].line, 2);
  EXPECT_EQ(t[11].line, 3);
}

TEST(ConfigLexer, CommentsEndAtNewline) {
  auto t = lex("a 1 # b { }\n# whole line\nc#glued\n");
  EXPECT_EQ(words(t), (std::vector<std::string>{"a", "1", "NL", "NL", "c", "NL", "END"}));
}

TEST(ConfigLexer, QuotedWords) {
  auto t = lex(R"(k "a b # { }" "" x"y z"w "q\"uo\\te" "c:\dir")");
  ASSERT_EQ(t.size(), 7u);
  EXPECT_EQ(t[1].text, "a b # { }");
  EXPECT_TRUE(t[1].quoted);
  EXPECT_EQ(t[2].text, "");
  EXPECT_TRUE(t[2].quoted);
  EXPECT_EQ(t[3].text, "xy zw");
  EXPECT_EQ(t[4].text, "q\"uo\\te");
  EXPECT_EQ(t[5].text, "c:\\dir");
  EXPECT_FALSE(t[0].quoted);
}

TEST(ConfigLexer, CrLfIsBlank) {
  auto t = lex("a b\r\nc\r\n");
  EXPECT_EQ(words(t), (std::vector<std::string>{"a", "b", "NL", "c", "NL", "END"}));
  EXPECT_EQ(t[3].line, 2);
}

TEST(ConfigLexer, UnterminatedQuoteReportsItsLine) {
  auto r = tokenize("a 1\nb \"open\nc \"x\"\n", "f.conf");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "f.conf:2: unterminated quote");
  auto eof = tokenize("\n\nk \"x", "f.conf");
  ASSERT_FALSE(eof);
  EXPECT_EQ(eof.error().message, "f.conf:3: unterminated quote");
}

}  // namespace
}  // namespace esan::config
