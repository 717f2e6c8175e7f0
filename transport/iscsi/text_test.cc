#include "transport/iscsi/text.h"

#include <gtest/gtest.h>

#include <string>

namespace esan::iscsi {
namespace {

using namespace std::string_literals;

std::span<const uint8_t> bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string str(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

TEST(TextCodec, ParsesPairsInOrder) {
  auto r = parse_text(bytes("InitiatorName=iqn.x\0SessionType=Normal\0HeaderDigest=None,CRC32C\0"s));
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0], (std::pair<std::string, std::string>{"InitiatorName", "iqn.x"}));
  EXPECT_EQ((*r)[1], (std::pair<std::string, std::string>{"SessionType", "Normal"}));
  EXPECT_EQ((*r)[2], (std::pair<std::string, std::string>{"HeaderDigest", "None,CRC32C"}));
}

TEST(TextCodec, EmptyInputIsNoPairs) {
  auto r = parse_text({});
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->empty());
}

TEST(TextCodec, ValueMayBeEmptyAndContainEquals) {
  auto r = parse_text(bytes("SendTargets=\0X-a=b=c\0"s));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].second, "");
  EXPECT_EQ((*r)[1].first, "X-a");
  EXPECT_EQ((*r)[1].second, "b=c");
}

TEST(TextCodec, LastPairWithoutNulIsAccepted) {
  auto r = parse_text(bytes("A=1\0B=2"s));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1], (std::pair<std::string, std::string>{"B", "2"}));
}

TEST(TextCodec, PaddingAndEmptyFragmentsAreSkipped) {
  auto r = parse_text(bytes("A=1\0\0\0B=2\0\0\0"s));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].first, "A");
  EXPECT_EQ((*r)[1].first, "B");
}

TEST(TextCodec, DuplicatesAreKept) {
  auto r = parse_text(bytes("A=1\0A=2\0"s));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[1].second, "2");
}

TEST(TextCodec, MissingEqualsIsProtocolError) {
  auto r = parse_text(bytes("A=1\0Bogus\0"s));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kProtocol);
  EXPECT_NE(r.error().message.find("offset 4"), std::string::npos) << r.error().message;
}

TEST(TextCodec, TrailingFragmentWithoutEqualsIsProtocolError) {
  auto r = parse_text(bytes("A=1\0Bog"s));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kProtocol);
}

TEST(TextCodec, EmptyKeyIsProtocolError) {
  auto r = parse_text(bytes("=value\0"s));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::kProtocol);
}

TEST(TextCodec, KeyOf63BytesIsAcceptedAnd64Rejected) {
  std::string k63(63, 'K');
  auto ok = parse_text(bytes(k63 + "=1\0"s));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ((*ok)[0].first, k63);

  auto bad = parse_text(bytes(std::string(64, 'K') + "=1\0"s));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kProtocol);
}

TEST(TextCodec, ValueOf8192BytesIsAcceptedAnd8193Rejected) {
  std::string v(8192, 'v');
  auto ok = parse_text(bytes("CHAP_C=" + v + "\0"s));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ((*ok)[0].second.size(), 8192u);

  auto bad = parse_text(bytes("CHAP_C=" + v + "w\0"s));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, Errc::kProtocol);
  // The message names the key but never carries the value.
  EXPECT_EQ(bad.error().message.find("vvvv"), std::string::npos);
}

TEST(TextCodec, AppendWritesKeyEqualsValueNul) {
  std::vector<uint8_t> out;
  append_text(out, "AuthMethod", "None");
  append_text(out, "SendTargets", "");
  EXPECT_EQ(str(out), "AuthMethod=None\0SendTargets=\0"s);
}

TEST(TextCodec, RoundTrip) {
  TextPairs in = {{"InitiatorName", "iqn.2005-03.org.open-iscsi:abc"},
                  {"MaxRecvDataSegmentLength", "262144"},
                  {"X-com.example.k", "a,b=c"},
                  {"Empty", ""}};
  std::vector<uint8_t> wire = encode_text(in);
  auto back = parse_text(wire);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, in);
  EXPECT_EQ(wire.back(), 0);
}

TEST(TextCodec, FindTextReturnsFirstMatch) {
  TextPairs p = {{"A", "1"}, {"B", "2"}, {"A", "3"}};
  ASSERT_NE(find_text(p, "A"), nullptr);
  EXPECT_EQ(*find_text(p, "A"), "1");
  EXPECT_EQ(find_text(p, "C"), nullptr);
}

TEST(TextValues, Numeric) {
  EXPECT_EQ(parse_numeric("0"), 0u);
  EXPECT_EQ(parse_numeric("8192"), 8192u);
  EXPECT_EQ(parse_numeric("0x2000"), 8192u);
  EXPECT_EQ(parse_numeric("0X1f"), 31u);
  EXPECT_EQ(parse_numeric("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_numeric(""), std::nullopt);
  EXPECT_EQ(parse_numeric("0x"), std::nullopt);
  EXPECT_EQ(parse_numeric("-1"), std::nullopt);
  EXPECT_EQ(parse_numeric("+1"), std::nullopt);
  EXPECT_EQ(parse_numeric("12a"), std::nullopt);
  EXPECT_EQ(parse_numeric(" 1"), std::nullopt);
  EXPECT_EQ(parse_numeric("18446744073709551616"), std::nullopt);
}

TEST(TextValues, Boolean) {
  EXPECT_EQ(parse_boolean("Yes"), true);
  EXPECT_EQ(parse_boolean("No"), false);
  EXPECT_EQ(parse_boolean("yes"), std::nullopt);
  EXPECT_EQ(parse_boolean(""), std::nullopt);
  EXPECT_EQ(parse_boolean("1"), std::nullopt);
}

TEST(TextValues, SplitList) {
  EXPECT_EQ(split_list("CRC32C,None"), (std::vector<std::string_view>{"CRC32C", "None"}));
  EXPECT_EQ(split_list("None"), (std::vector<std::string_view>{"None"}));
  EXPECT_EQ(split_list("a,,b"), (std::vector<std::string_view>{"a", "", "b"}));
}

TEST(TextValues, DescribeRedactsAuthenticationValues) {
  TextPairs p = {{"AuthMethod", "CHAP"}, {"CHAP_N", "user"}, {"CHAP_R", "0xdeadbeef"}};
  std::string s = describe_text(p);
  EXPECT_EQ(s, "AuthMethod=CHAP CHAP_N=<redacted> CHAP_R=<redacted>");
}

}  // namespace
}  // namespace esan::iscsi
