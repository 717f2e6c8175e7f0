// iSCSI text data (RFC 7143 §6.1): the "key=value\0key=value\0..." byte
// strings carried in Login and Text PDUs, plus the value syntaxes the
// negotiation keys use (numbers, booleans, lists).
//
// Contracts:
// - parse_text() takes the complete, reassembled data segment (the caller
//   joins C-bit continuations first). It is lenient where real initiators
//   are sloppy: empty fragments (runs of NULs, 4-byte padding) are skipped
//   and a final pair without its terminating NUL is accepted. It fails with
//   Errc::kProtocol for a pair without '=', an empty key, a key longer than
//   kMaxKeyLength or a value longer than kMaxValueLength. Pairs come back in
//   wire order; duplicates are kept (the negotiator decides what they mean).
// - Error messages never contain values (they may be CHAP material).
// - append_text() writes one pair and its NUL. Precondition: key is non-empty
//   and has no '=' or NUL; value has no NUL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace esan::iscsi {

using TextPairs = std::vector<std::pair<std::string, std::string>>;

inline constexpr std::size_t kMaxKeyLength = 63;      // RFC 7143 §6.1 standard-label
inline constexpr std::size_t kMaxValueLength = 8192;  // generous: simple values are <= 255,
                                                      // CHAP binary values are longer

Result<TextPairs> parse_text(std::span<const uint8_t> data);

void append_text(std::vector<uint8_t>& out, std::string_view key, std::string_view value);

// All pairs, in order, as one data segment.
std::vector<uint8_t> encode_text(const TextPairs& pairs);

// The value of the first pair named `key`, or nullptr.
const std::string* find_text(const TextPairs& pairs, std::string_view key);

// numerical-value: decimal ("0", "8192") or hex ("0x2000"); nullopt for
// anything else (empty, sign, junk, overflow of 64 bits).
std::optional<uint64_t> parse_numeric(std::string_view value);

// boolean-value: exactly "Yes" or "No".
std::optional<bool> parse_boolean(std::string_view value);

// list-of-values: comma-separated items (empty items are kept).
std::vector<std::string_view> split_list(std::string_view value);

// "k1=v1 k2=v2" for logs; values of authentication keys (CHAP_*, SRP_*,
// KRB_*, SPKM_*) are replaced by "<redacted>".
std::string describe_text(const TextPairs& pairs);

}  // namespace esan::iscsi
