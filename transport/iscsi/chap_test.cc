#include "transport/iscsi/chap.h"

#include <gtest/gtest.h>
#include <openssl/md5.h>
#include <openssl/sha.h>

#include <set>
#include <string>

namespace esan::iscsi::chap {
namespace {

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

// Expected responses computed independently of chap.cc: OpenSSL's one-shot
// MD5()/SHA256() over the RFC 1994 message identifier || secret || challenge.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
std::vector<uint8_t> one_shot(Algorithm a, uint8_t id, std::string_view secret,
                              const std::vector<uint8_t>& challenge) {
  std::vector<uint8_t> msg{id};
  msg.insert(msg.end(), secret.begin(), secret.end());
  msg.insert(msg.end(), challenge.begin(), challenge.end());
  std::vector<uint8_t> out(a == Algorithm::kMd5 ? MD5_DIGEST_LENGTH : SHA256_DIGEST_LENGTH);
  if (a == Algorithm::kMd5) MD5(msg.data(), msg.size(), out.data());
  else SHA256(msg.data(), msg.size(), out.data());
  return out;
}
#pragma GCC diagnostic pop

TEST(Chap, ResponseIsDigestOfIdentifierSecretChallengeInThatOrder) {
  // RFC 1994 §4.1: the hash covers Identifier, then secret, then challenge.
  // id 'a', secret "b", challenge "c" hash exactly "abc" (RFC 1321 and
  // FIPS 180-2 test vectors).
  EXPECT_EQ(encode_hex(response(Algorithm::kMd5, 'a', "b", bytes("c"))),
            "0x900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(encode_hex(response(Algorithm::kSha256, 'a', "b", bytes("c"))),
            "0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Chap, ResponseMatchesIndependentOneShotDigests) {
  const std::vector<uint8_t> challenge = {0x00, 0xff, 0x10, 0x7f, 0x80, 0x01, 0x02, 0x03,
                                          0xaa, 0x55, 0xde, 0xad, 0xbe, 0xef, 0x42, 0x24};
  for (Algorithm a : {Algorithm::kMd5, Algorithm::kSha256}) {
    for (uint8_t id : {uint8_t{0}, uint8_t{1}, uint8_t{200}, uint8_t{255}}) {
      auto r = response(a, id, "a secret of 16b!", challenge);
      EXPECT_EQ(r.size(), digest_length(a));
      EXPECT_EQ(r, one_shot(a, id, "a secret of 16b!", challenge)) << int(a) << " id " << int(id);
    }
  }
  EXPECT_EQ(digest_length(Algorithm::kMd5), 16u);
  EXPECT_EQ(digest_length(Algorithm::kSha256), 32u);
}

TEST(Chap, VerifyAcceptsOnlyTheRightResponse) {
  auto challenge = bytes("0123456789abcdef");
  for (Algorithm a : {Algorithm::kMd5, Algorithm::kSha256}) {
    auto good = one_shot(a, 7, "correct horse battery", challenge);
    EXPECT_TRUE(verify(a, 7, "correct horse battery", challenge, good));
    EXPECT_FALSE(verify(a, 7, "correct horse batterY", challenge, good)) << "wrong secret";
    EXPECT_FALSE(verify(a, 8, "correct horse battery", challenge, good)) << "wrong identifier";
    auto other = challenge;
    other[0] ^= 1;
    EXPECT_FALSE(verify(a, 7, "correct horse battery", other, good)) << "wrong challenge";
    auto flipped = good;
    flipped.back() ^= 0x80;
    EXPECT_FALSE(verify(a, 7, "correct horse battery", challenge, flipped)) << "one bit off";
    auto shorter = good;
    shorter.pop_back();
    EXPECT_FALSE(verify(a, 7, "correct horse battery", challenge, shorter)) << "truncated";
    EXPECT_FALSE(verify(a, 7, "correct horse battery", challenge, {})) << "empty";
  }
  // An MD5 response is not a SHA-256 one.
  auto md5 = one_shot(Algorithm::kMd5, 1, "secretsecret", challenge);
  EXPECT_FALSE(verify(Algorithm::kSha256, 1, "secretsecret", challenge, md5));
}

TEST(Chap, AlgorithmChoicePrefersSha256) {
  EXPECT_EQ(choose_algorithm("5"), Algorithm::kMd5);
  EXPECT_EQ(choose_algorithm("7"), Algorithm::kSha256);
  EXPECT_EQ(choose_algorithm("5,7"), Algorithm::kSha256);
  EXPECT_EQ(choose_algorithm("7,6,5"), Algorithm::kSha256);
  EXPECT_EQ(choose_algorithm("6,5"), Algorithm::kMd5);   // SHA-1 not supported
  EXPECT_EQ(choose_algorithm("0x5"), Algorithm::kMd5);   // numerical values may be hex
  EXPECT_EQ(choose_algorithm("6"), std::nullopt);
  EXPECT_EQ(choose_algorithm("8"), std::nullopt);        // SHA3-256 not supported
  EXPECT_EQ(choose_algorithm(""), std::nullopt);
  EXPECT_EQ(choose_algorithm("md5"), std::nullopt);
  EXPECT_EQ(choose_algorithm("55"), std::nullopt);
}

TEST(Chap, DecodesHexAndBase64BinaryValues) {
  using V = std::vector<uint8_t>;
  EXPECT_EQ(decode_binary("0x00ff10"), (V{0x00, 0xff, 0x10}));
  EXPECT_EQ(decode_binary("0XABcd"), (V{0xab, 0xcd}));
  EXPECT_EQ(decode_binary("0xabc"), (V{0x0a, 0xbc}));  // odd count: leading zero nibble
  EXPECT_EQ(decode_binary("0x1"), (V{0x01}));
  // RFC 4648 §10 vectors: "f", "fo", "foo", "foob".
  EXPECT_EQ(decode_binary("0bZg=="), bytes("f"));
  EXPECT_EQ(decode_binary("0bZm8="), bytes("fo"));
  EXPECT_EQ(decode_binary("0BZm9v"), bytes("foo"));
  EXPECT_EQ(decode_binary("0bZm9vYg=="), bytes("foob"));
  EXPECT_EQ(decode_binary("0b+/+/"), (V{0xfb, 0xff, 0xbf}));
}

TEST(Chap, RejectsMalformedBinaryValues) {
  for (std::string_view bad :
       {"", "0", "0x", "0b", "x12", "12", "0y12", "0x12g4", "0x 12", "0bZg", "0bZg=", "0bZ===",
        "0b====", "0bZm9v!A==", "0b=m9v", "0bZ=8v", "0bZm9vYg=a"}) {
    EXPECT_EQ(decode_binary(bad), std::nullopt) << "'" << bad << "'";
  }
  std::string big = "0x" + std::string(2 * kMaxBinaryLength, 'a');
  EXPECT_EQ(decode_binary(big)->size(), kMaxBinaryLength);
  EXPECT_EQ(decode_binary(big + "aa"), std::nullopt) << "longer than kMaxBinaryLength";
}

TEST(Chap, EncodeHexRoundTrips) {
  std::vector<uint8_t> v = {0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff};
  EXPECT_EQ(encode_hex(v), "0x00017f80feff");
  EXPECT_EQ(decode_binary(encode_hex(v)), v);
}

TEST(Chap, RandomChallengesHaveTheRequestedLengthAndDiffer) {
  EXPECT_GE(challenge_length(Algorithm::kMd5), 16u);
  EXPECT_GE(challenge_length(Algorithm::kSha256), 16u);
  std::set<std::vector<uint8_t>> seen;
  for (int i = 0; i < 64; ++i) {
    auto c = random_bytes(16);
    ASSERT_TRUE(c.has_value());
    EXPECT_EQ(c->size(), 16u);
    seen.insert(*c);
  }
  EXPECT_EQ(seen.size(), 64u) << "16-byte random challenges repeated";
  std::set<uint8_t> ids;
  for (int i = 0; i < 256; ++i) {
    auto id = random_identifier();
    ASSERT_TRUE(id.has_value());
    ids.insert(*id);
  }
  EXPECT_GT(ids.size(), 64u) << "identifiers are not spread over 0..255";
}

}  // namespace
}  // namespace esan::iscsi::chap
