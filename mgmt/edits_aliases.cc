// Initiator alias edits (ESAN_ALIASES); see edits.h.
#include <fmt/format.h>

#include "mgmt/edits.h"

namespace esan::mgmt::edits {

Status set_alias(Config& c, std::string_view initiator, std::string_view alias) {
  if (auto s = config::check_initiator_alias(initiator, alias); !s) return s;
  for (const auto& [i, a] : c.initiator_aliases)
    if (a == alias && i != initiator)
      return make_error(Errc::kExists, fmt::format("alias '{}' is already the alias of '{}'", alias, i));
  c.initiator_aliases.insert_or_assign(std::string(initiator), std::string(alias));
  return ok();
}

Status remove_alias(Config& c, std::string_view initiator) {
  auto it = c.initiator_aliases.find(std::string(initiator));
  if (it == c.initiator_aliases.end())
    return make_error(Errc::kNotFound, fmt::format("initiator '{}' has no alias", initiator));
  c.initiator_aliases.erase(it);
  return ok();
}

}  // namespace esan::mgmt::edits
