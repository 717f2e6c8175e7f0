// initiator_matches(): glob matching for GROUP INITIATOR patterns; see model.h.
//
// Contract: '*' matches any run of characters (also empty), '?' exactly one
// character, everything else itself, case-sensitively. There is no escape
// character (SCST has none). Runs in O(|pattern| * |name|) at worst.
#include "config/model.h"

namespace esan::config {

bool initiator_matches(std::string_view pattern, std::string_view name) {
  size_t p = 0, n = 0;
  size_t star = std::string_view::npos;  // position of the last '*' seen
  size_t resume = 0;                     // name position that '*' currently covers up to
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;  // let the last '*' swallow one more character
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace esan::config
