#include "transport/iscsi/chap.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "transport/iscsi/text.h"

namespace esan::iscsi::chap {

namespace {

const EVP_MD* md_of(Algorithm a) { return a == Algorithm::kSha256 ? EVP_sha256() : EVP_md5(); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

std::optional<std::vector<uint8_t>> decode_hex(std::string_view digits) {
  if (digits.empty() || (digits.size() + 1) / 2 > kMaxBinaryLength) return std::nullopt;
  std::vector<uint8_t> out;
  out.reserve((digits.size() + 1) / 2);
  std::size_t i = 0;
  if (digits.size() % 2) {  // odd: the first digit is a low nibble
    int v = hex_value(digits[0]);
    if (v < 0) return std::nullopt;
    out.push_back(uint8_t(v));
    i = 1;
  }
  for (; i < digits.size(); i += 2) {
    int hi = hex_value(digits[i]), lo = hex_value(digits[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(uint8_t(hi << 4 | lo));
  }
  return out;
}

// RFC 4648 base64 with mandatory padding.
std::optional<std::vector<uint8_t>> decode_base64(std::string_view s) {
  if (s.empty() || s.size() % 4 || s.size() / 4 * 3 > kMaxBinaryLength + 2) return std::nullopt;
  std::size_t pad = 0;
  if (s.back() == '=') pad = s[s.size() - 2] == '=' ? 2 : 1;
  std::vector<uint8_t> out;
  out.reserve(s.size() / 4 * 3);
  for (std::size_t i = 0; i < s.size(); i += 4) {
    bool last = i + 4 == s.size();
    uint32_t group = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      char c = s[i + j];
      bool padding_slot = last && j >= 4 - pad;
      int v = padding_slot ? (c == '=' ? 0 : -1) : base64_value(c);
      if (v < 0) return std::nullopt;
      group = group << 6 | uint32_t(v);
    }
    std::size_t n = last ? 3 - pad : 3;
    for (std::size_t k = 0; k < n; ++k) out.push_back(uint8_t(group >> (16 - 8 * k)));
  }
  if (out.empty() || out.size() > kMaxBinaryLength) return std::nullopt;
  return out;
}

}  // namespace

std::size_t digest_length(Algorithm a) { return a == Algorithm::kSha256 ? 32 : 16; }

std::size_t challenge_length(Algorithm a) { return digest_length(a); }

std::optional<Algorithm> choose_algorithm(std::string_view chap_a_list) {
  bool md5 = false;
  for (std::string_view item : split_list(chap_a_list)) {
    auto n = parse_numeric(item);
    if (n == uint64_t(Algorithm::kSha256)) return Algorithm::kSha256;
    if (n == uint64_t(Algorithm::kMd5)) md5 = true;
  }
  if (md5) return Algorithm::kMd5;
  return std::nullopt;
}

std::vector<uint8_t> response(Algorithm a, uint8_t identifier, std::string_view secret,
                              std::span<const uint8_t> challenge) {
  std::vector<uint8_t> out(digest_length(a));
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned len = 0;
  bool ok = ctx && EVP_DigestInit_ex(ctx, md_of(a), nullptr) == 1 &&
            EVP_DigestUpdate(ctx, &identifier, 1) == 1 &&
            EVP_DigestUpdate(ctx, secret.data(), secret.size()) == 1 &&
            EVP_DigestUpdate(ctx, challenge.data(), challenge.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, out.data(), &len) == 1 && len == out.size();
  EVP_MD_CTX_free(ctx);
  // A failing digest (no provider) must never verify: return a value no
  // honest peer produces and that differs from every real digest length.
  if (!ok) return {};
  return out;
}

bool verify(Algorithm a, uint8_t identifier, std::string_view secret,
            std::span<const uint8_t> challenge, std::span<const uint8_t> received) {
  std::vector<uint8_t> expected = response(a, identifier, secret, challenge);
  if (expected.size() != digest_length(a) || received.size() != expected.size()) return false;
  return CRYPTO_memcmp(expected.data(), received.data(), expected.size()) == 0;
}

std::optional<std::vector<uint8_t>> decode_binary(std::string_view value) {
  if (value.size() < 3 || value[0] != '0') return std::nullopt;
  if (value[1] == 'x' || value[1] == 'X') return decode_hex(value.substr(2));
  if (value[1] == 'b' || value[1] == 'B') return decode_base64(value.substr(2));
  return std::nullopt;
}

std::string encode_hex(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string s = "0x";
  s.reserve(2 + 2 * bytes.size());
  for (uint8_t b : bytes) {
    s += kDigits[b >> 4];
    s += kDigits[b & 15];
  }
  return s;
}

Result<std::vector<uint8_t>> random_bytes(std::size_t n) {
  std::vector<uint8_t> out(n);
  if (n && RAND_bytes(out.data(), int(n)) != 1)
    return make_error(Errc::kInternal, "the CSPRNG (RAND_bytes) failed");
  return out;
}

Result<uint8_t> random_identifier() {
  auto b = random_bytes(1);
  if (!b) return std::unexpected(b.error());
  return (*b)[0];
}

}  // namespace esan::iscsi::chap
