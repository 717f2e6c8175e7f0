// initiator_matches(): glob matching for GROUP INITIATOR patterns; see model.h.
// The one implementation lives in common/wildcard (the iSCSI target registry
// uses it at login); this keeps the config API's name for it.
#include "common/wildcard.h"
#include "config/model.h"

namespace esan::config {

bool initiator_matches(std::string_view pattern, std::string_view name) { return wildcard_match(pattern, name); }

}  // namespace esan::config
