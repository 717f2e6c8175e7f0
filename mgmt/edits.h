// Edits of a config::Config, one per management operation (docs/API.md).
//
// Contract: each function changes `c` in place or returns an error and
// leaves `c` as it was. They check only what the operation itself can get
// wrong, with the status docs/API.md gives it:
//   kNotFound  (404) an object the request names does not exist;
//   kExists    (409) the new name (device, target, group, LUN number,
//              initiator, target group id) is already taken;
//   kBusy      (409) the object is in use (a device still mapped) and force
//              is not set;
//   kUnsupported (409) the running object cannot take the change;
//   kInvalidArgument (400) a bad attribute or value (the config parser's
//              own checks and messages, config/edit.h).
// The whole result is validated afterwards by the Engine (cross-section
// checks, then a write/parse round trip). Pure functions: no I/O, no
// running state; the Engine calls them on a copy.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/named.h"
#include "config/edit.h"
#include "config/model.h"

namespace esan::mgmt::edits {

using config::Attributes;
using config::Config;

// ---- devices (HANDLER / DEVICE) ----
Status add_device(Config& c, std::string_view name, std::string_view handler, const Attributes& attrs);
// force: removes the LUNs that map it and its device group membership first.
Status remove_device(Config& c, std::string_view name, bool force);
// Runtime-changeable attributes only (kRuntimeDeviceAttributes); others 409.
Status set_device_attributes(Config& c, std::string_view name, const Attributes& attrs);
Status resize_device(Config& c, std::string_view name, uint64_t size_bytes);
inline constexpr std::string_view kRuntimeDeviceAttributes[] = {
    "read_only", "write_through", "nv_cache", "removable", "rotational", "thin_provisioned",
    "t10_vend_id", "prod_id", "prod_rev_lvl", "t10_dev_id", "usn"};

// ---- targets (TARGET_DRIVER iscsi / TARGET) ----
Status add_target(Config& c, std::string_view name, const Attributes& attrs);
// Also drops the target from ALUA target groups.
Status remove_target(Config& c, std::string_view name);
Status set_target_attributes(Config& c, std::string_view name, const Attributes& attrs);
Status set_driver_attributes(Config& c, const Attributes& attrs);
// target empty = TARGET_DRIVER level (discovery). direction "incoming" / "outgoing".
Status add_user(Config& c, std::string_view target, std::string_view direction, std::string_view user,
                std::string_view secret);
Status remove_user(Config& c, std::string_view target, std::string_view user);

// ---- LUNs and groups; group empty = the target's own LUNs ----
Status add_lun(Config& c, std::string_view target, std::string_view group, uint64_t lun, std::string_view device,
               const Attributes& attrs);
Status replace_lun(Config& c, std::string_view target, std::string_view group, uint64_t lun,
                   std::string_view device, const Attributes& attrs);
Status remove_lun(Config& c, std::string_view target, std::string_view group, uint64_t lun);
Status add_group(Config& c, std::string_view target, std::string_view group);
Status remove_group(Config& c, std::string_view target, std::string_view group);
Status add_initiator(Config& c, std::string_view target, std::string_view group, std::string_view pattern);
Status remove_initiator(Config& c, std::string_view target, std::string_view group, std::string_view pattern);
Status move_initiator(Config& c, std::string_view target, std::string_view group, std::string_view pattern,
                      std::string_view to_group);

// ---- ALUA (DEVICE_GROUP / TARGET_GROUP) ----
Status add_device_group(Config& c, std::string_view name);
Status remove_device_group(Config& c, std::string_view name);
Status add_device_group_device(Config& c, std::string_view dg, std::string_view device);
Status remove_device_group_device(Config& c, std::string_view dg, std::string_view device);
Status add_target_group(Config& c, std::string_view dg, std::string_view tg, uint64_t group_id,
                        std::string_view state);
Status remove_target_group(Config& c, std::string_view dg, std::string_view tg);
// rel_tgt_id 0 = none (a local target's own id is used).
Status add_target_group_target(Config& c, std::string_view dg, std::string_view tg, std::string_view target,
                               uint64_t rel_tgt_id);
Status remove_target_group_target(Config& c, std::string_view dg, std::string_view tg, std::string_view target);
// In a device group whose roles own a medium (config::one_optimized) setting
// one group active sets the other active groups nonoptimized.
Status set_target_group_state(Config& c, std::string_view dg, std::string_view tg, std::string_view state);

// ---- initiator aliases (ESAN_ALIASES) ----
// Sets or replaces `initiator`'s alias (config::check_initiator_alias();
// an alias another initiator has: kExists). An initiator with no alias:
// remove_alias answers kNotFound.
Status set_alias(Config& c, std::string_view initiator, std::string_view alias);
Status remove_alias(Config& c, std::string_view initiator);

// Lookups shared by the edits and the listings (nullptr when absent).
config::DeviceConfig* find_device(Config& c, std::string_view name);
config::TargetConfig* find_target(Config& c, std::string_view name);
config::DeviceGroupConfig* find_device_group(Config& c, std::string_view name);

}  // namespace esan::mgmt::edits
