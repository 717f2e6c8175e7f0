// The JSON shapes of the management API's listings (docs/API.md), built
// from an Engine::Snapshot. CHAP secrets never appear: only user names.
#pragma once

#include <string_view>

#include "mgmt/api_json.h"
#include "mgmt/engine.h"

namespace esan::mgmt {

Json device_json(const Snapshot& s, const config::DeviceConfig& d);
Json devices_json(const Snapshot& s);
Json target_json(const Snapshot& s, const config::TargetConfig& t);
Json targets_json(const Snapshot& s);
Json luns_json(const std::vector<config::LunConfig>& luns);
Json group_json(const config::GroupConfig& g);
Json driver_json(const Snapshot& s);
Json device_groups_json(const Snapshot& s);

}  // namespace esan::mgmt
