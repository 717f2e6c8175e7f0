// Attribute value conversions; see values.h for the contract.
#include "config/values.h"

#include <fmt/format.h>

#include <charconv>

namespace esan::config {

std::expected<uint64_t, std::string> parse_uint(std::string_view text, uint64_t max) {
  if (!text.empty() && text[0] == '-' && text.size() > 1 &&
      text.find_first_not_of("0123456789", 1) == std::string_view::npos)
    return std::unexpected(fmt::format("'{}' is negative", text));
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos)
    return std::unexpected(fmt::format("'{}' is not a number", text));
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec == std::errc::result_out_of_range || v > max)
    return std::unexpected(fmt::format("'{}' is out of range (max {})", text, max));
  if (ec != std::errc() || ptr != text.data() + text.size())
    return std::unexpected(fmt::format("'{}' is not a number", text));
  return v;
}

std::expected<bool, std::string> parse_bool01(std::string_view text) {
  if (text == "0") return false;
  if (text == "1") return true;
  return std::unexpected(fmt::format("'{}' is not a boolean (use 0 or 1)", text));
}

}  // namespace esan::config
