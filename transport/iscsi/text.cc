#include "transport/iscsi/text.h"

#include <cassert>
#include <charconv>
#include <string>

namespace esan::iscsi {

Result<TextPairs> parse_text(std::span<const uint8_t> data) {
  TextPairs pairs;
  std::size_t pos = 0;
  while (pos < data.size()) {
    std::size_t end = pos;
    while (end < data.size() && data[end] != 0) ++end;
    if (end > pos) {  // empty fragments (NUL runs, padding) are skipped
      std::string_view frag(reinterpret_cast<const char*>(data.data()) + pos, end - pos);
      std::size_t eq = frag.find('=');
      if (eq == std::string_view::npos) {
        return make_error(Errc::kProtocol,
                          "text pair at offset " + std::to_string(pos) + " has no '='");
      }
      if (eq == 0) {
        return make_error(Errc::kProtocol,
                          "text pair at offset " + std::to_string(pos) + " has an empty key");
      }
      if (eq > kMaxKeyLength) {
        return make_error(Errc::kProtocol, "text key at offset " + std::to_string(pos) +
                                               " is longer than 63 bytes");
      }
      if (frag.size() - eq - 1 > kMaxValueLength) {
        return make_error(Errc::kProtocol, "value of text key '" + std::string(frag.substr(0, eq)) +
                                               "' is longer than 8192 bytes");
      }
      pairs.emplace_back(std::string(frag.substr(0, eq)), std::string(frag.substr(eq + 1)));
    }
    pos = end + 1;
  }
  return pairs;
}

void append_text(std::vector<uint8_t>& out, std::string_view key, std::string_view value) {
  assert(!key.empty() && key.find('=') == std::string_view::npos);
  assert(key.find('\0') == std::string_view::npos && value.find('\0') == std::string_view::npos);
  out.reserve(out.size() + key.size() + value.size() + 2);
  out.insert(out.end(), key.begin(), key.end());
  out.push_back('=');
  out.insert(out.end(), value.begin(), value.end());
  out.push_back(0);
}

std::vector<uint8_t> encode_text(const TextPairs& pairs) {
  std::vector<uint8_t> out;
  for (const auto& [k, v] : pairs) append_text(out, k, v);
  return out;
}

const std::string* find_text(const TextPairs& pairs, std::string_view key) {
  for (const auto& [k, v] : pairs) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::optional<uint64_t> parse_numeric(std::string_view value) {
  int base = 10;
  if (value.size() > 2 && value[0] == '0' && (value[1] == 'x' || value[1] == 'X')) {
    base = 16;
    value.remove_prefix(2);
  }
  if (value.empty()) return std::nullopt;
  uint64_t n = 0;
  const char* last = value.data() + value.size();
  auto [ptr, ec] = std::from_chars(value.data(), last, n, base);
  if (ec != std::errc() || ptr != last) return std::nullopt;
  return n;
}

std::optional<bool> parse_boolean(std::string_view value) {
  if (value == "Yes") return true;
  if (value == "No") return false;
  return std::nullopt;
}

std::vector<std::string_view> split_list(std::string_view value) {
  std::vector<std::string_view> items;
  while (true) {
    std::size_t comma = value.find(',');
    items.push_back(value.substr(0, comma));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return items;
}

std::string describe_text(const TextPairs& pairs) {
  std::string s;
  for (const auto& [k, v] : pairs) {
    if (!s.empty()) s += ' ';
    s += k;
    s += '=';
    bool secret = k.starts_with("CHAP_") || k.starts_with("SRP_") || k.starts_with("KRB_") ||
                  k.starts_with("SPKM_");
    s += secret ? std::string_view("<redacted>") : std::string_view(v);
  }
  return s;
}

}  // namespace esan::iscsi
