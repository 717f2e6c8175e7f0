// CHAP primitives for iSCSI login (RFC 1994 as profiled by RFC 7143 §12.1.3):
// algorithm choice, response computation and verification, the binary value
// encodings of RFC 7143 §6.1, and challenge generation from a CSPRNG.
// Pure functions over OpenSSL (libcrypto); no state, no logging.
//
// Contracts:
// - response() = H(identifier || secret || challenge), H being MD5
//   (CHAP_A=5) or SHA-256 (CHAP_A=7); its length is digest_length().
// - verify() compares in constant time (CRYPTO_memcmp); a received value of
//   the wrong length is a mismatch.
// - choose_algorithm() takes the initiator's CHAP_A list and prefers
//   SHA-256 whenever it is offered, else MD5; nullopt when neither is.
// - decode_binary() accepts "0x"/"0X" + hex digits (an odd count is
//   left-padded with a zero nibble, RFC 7143 §6.1) and "0b"/"0B" + RFC 4648
//   base64 with its padding; anything else, an empty value, or more than
//   kMaxBinaryLength bytes is nullopt. encode_hex() writes "0x" + lowercase hex.
// - random_bytes()/random_identifier() use RAND_bytes; they fail (never
//   fall back to a weaker source) when the CSPRNG cannot deliver.
// - Secrets are only read, never copied into results or messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace esan::iscsi::chap {

enum class Algorithm : uint8_t { kMd5 = 5, kSha256 = 7 };

// Longest binary value (challenge) accepted from a peer.
inline constexpr std::size_t kMaxBinaryLength = 1024;

std::size_t digest_length(Algorithm a);
// Length of the challenges we send: the digest length (16 or 32 bytes).
std::size_t challenge_length(Algorithm a);

std::optional<Algorithm> choose_algorithm(std::string_view chap_a_list);

std::vector<uint8_t> response(Algorithm a, uint8_t identifier, std::string_view secret,
                              std::span<const uint8_t> challenge);

bool verify(Algorithm a, uint8_t identifier, std::string_view secret,
            std::span<const uint8_t> challenge, std::span<const uint8_t> received);

std::optional<std::vector<uint8_t>> decode_binary(std::string_view value);
std::string encode_hex(std::span<const uint8_t> bytes);

Result<std::vector<uint8_t>> random_bytes(std::size_t n);
Result<uint8_t> random_identifier();

}  // namespace esan::iscsi::chap
