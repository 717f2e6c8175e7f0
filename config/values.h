// Conversions of attribute text to typed values, as SCST writes them.
//
// Contract: decimal digits only for numbers (no sign, no hex, no blanks);
// booleans are exactly "0" or "1". On failure the error string is a reason
// without location (the caller prefixes "file:line: attribute 'x': ").
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace esan::config {

// Value in 0..max, or "'abc' is not a number" / "'-1' is negative" /
// "'99' is out of range (max 10)".
std::expected<uint64_t, std::string> parse_uint(std::string_view text, uint64_t max);

// "0" -> false, "1" -> true, else "'yes' is not a boolean (use 0 or 1)".
std::expected<bool, std::string> parse_bool01(std::string_view text);

}  // namespace esan::config
