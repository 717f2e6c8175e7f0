#include "tests/ha/guest/fio_log.h"

#include <algorithm>
#include <charconv>
#include <string_view>
#include <vector>

namespace esan::ha {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool Number(std::string_view field, uint64_t* out) {
  field = Trim(field);
  if (field.empty()) return false;
  auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), *out);
  return ec == std::errc() && end == field.data() + field.size();
}

}  // namespace

bool ParseFioLog(const std::string& text, FioLogSummary* summary, std::string* error) {
  FioLogSummary s;
  std::vector<uint64_t> times;
  size_t line_no = 0;
  for (size_t pos = 0; pos < text.size();) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line = Trim(std::string_view(text).substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    std::vector<uint64_t> fields;
    for (size_t from = 0;;) {
      size_t comma = line.find(',', from);
      uint64_t v = 0;
      if (!Number(line.substr(from, comma == std::string_view::npos ? std::string_view::npos : comma - from), &v)) {
        *error = "line " + std::to_string(line_no) + ": '" + std::string(line) + "' is not a list of unsigned integers";
        return false;
      }
      fields.push_back(v);
      if (comma == std::string_view::npos) break;
      from = comma + 1;
    }
    if (fields.size() < 4) {
      *error = "line " + std::to_string(line_no) + ": '" + std::string(line) +
               "' has fewer than 4 fields (time, value, direction, block size)";
      return false;
    }
    switch (fields[2]) {
      case 0: ++s.reads; break;
      case 1: ++s.writes; break;
      case 2: ++s.trims; break;
      default:
        *error = "line " + std::to_string(line_no) + ": direction " + std::to_string(fields[2]) +
                 " (0 read, 1 write, 2 trim)";
        return false;
    }
    times.push_back(fields[0]);
  }
  s.completions = times.size();
  std::sort(times.begin(), times.end());
  if (!times.empty()) {
    s.first_ms = times.front();
    s.last_ms = times.back();
  }
  for (size_t i = 1; i < times.size(); ++i) {
    if (times[i] - times[i - 1] > s.longest_gap_ms) {
      s.longest_gap_ms = times[i] - times[i - 1];
      s.gap_start_ms = times[i - 1];
    }
  }
  s.times = std::move(times);
  *summary = std::move(s);
  return true;
}

FioGap LongestGapAround(const FioLogSummary& summary, uint64_t from_ms, uint64_t to_ms) {
  FioGap g;
  const auto& t = summary.times;
  for (size_t i = 1; i < t.size(); ++i)
    if (t[i] >= from_ms && t[i - 1] <= to_ms && t[i] - t[i - 1] > g.length_ms) g = {t[i - 1], t[i] - t[i - 1]};
  return g;
}

}  // namespace esan::ha
