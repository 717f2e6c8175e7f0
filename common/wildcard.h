// Shell-style wildcard match: '*' matches any run (also empty), '?' exactly
// one character; everything else matches itself (case-sensitive). Used for
// SCST GROUP INITIATOR patterns.
#pragma once

#include <string_view>

namespace esan {

bool wildcard_match(std::string_view pattern, std::string_view text);

}  // namespace esan
