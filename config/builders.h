// Section builders that turn syntax nodes into the Config model (internal).
//
// Contract: parse_config() builds every HANDLER section first, then the
// other sections in file order. Each builder validates its section
// (attribute names, values, duplicates inside it, names already built,
// DEVICE_GROUP -> DEVICE) and appends to ctx.cfg(); check_references() then
// checks LUN -> DEVICE, unique rel_tgt_ids and the TARGET_GROUP members
// (check_device_group_targets()). All stop at the first error.
#pragma once

#include "config/context.h"

namespace esan::config {

Status build_handler(Context& ctx, const Node& n);        // HANDLER x { DEVICE ... }
Status build_target_driver(Context& ctx, const Node& n);  // TARGET_DRIVER x { ... }
Status build_device_group(Context& ctx, const Node& n);   // DEVICE_GROUP x { ... }
// ESAN_ALIASES { INITIATOR-NAME ALIAS ... }: each line checked by
// check_initiator_alias(); an initiator or an alias appears once.
Status build_aliases(Context& ctx, const Node& n);
Status check_references(const Context& ctx);

// One attribute node of a section, as the section builders apply it (also
// used by config/edit.h for management requests): a DEVICE of `handler`
// appended to ctx.cfg().devices; a TARGET attribute (enabled, rel_tgt_id,
// limits, iSCSI keys, IncomingUser/OutgoingUser) set on t; a TARGET_DRIVER
// iscsi attribute set on ctx.cfg().
Status build_device(Context& ctx, const Node& n, Handler handler);
Status target_attribute(Context& ctx, const Node& c, TargetConfig& t, SeenOnce& seen);
Status driver_attribute(Context& ctx, const Node& c, SeenOnce& seen);
// TARGET_GROUP members against the TARGET sections: a target is in at most
// one target group of a device group; a local target's member rel_tgt_id (if
// given) equals the target's own; a target that is not local (another
// node's port) needs a rel_tgt_id that no local target uses and that names
// one remote target consistently across device groups.
Status check_device_group_targets(const Context& ctx);

// I/O redirect attributes (build_redirect.cc).
bool is_peer_attribute(std::string_view keyword);      // esan_peer_* in TARGET_GROUP
Status peer_attribute(Context& ctx, const Node& a, TargetGroupConfig& tg);
Status check_peer(const Context& ctx, const TargetGroupConfig& tg);
Status check_peer_members(const Context& ctx, const TargetGroupConfig& tg);  // after the TARGETs are known
Status io_policy_attribute(Context& ctx, const Node& a, DeviceGroupConfig& dg);
// Resolves the default (policy_line 0: not given) or checks the given policy.
Status redirect_hold_attribute(Context& ctx, const Node& a, DeviceGroupConfig& dg);
Status check_io_policy(Context& ctx, DeviceGroupConfig& dg, int policy_line);
bool is_internal_attribute(std::string_view keyword);  // esan_internal, esan_peer_address in TARGET
Status internal_attribute(Context& ctx, const Node& c, TargetConfig& t);
Status check_internal(const Context& ctx, const TargetConfig& t);

// Used by build_target_driver(): "LUN n device [{ read_only 0|1 }]" appended to
// luns (duplicate numbers rejected; owner is e.g. "target 't1'" for messages),
// and "GROUP name { LUN ... INITIATOR ... }" appended to groups.
Status build_lun(Context& ctx, const Node& n, std::vector<LunConfig>& luns, std::string_view owner);
Status build_group(Context& ctx, const Node& n, std::vector<GroupConfig>& groups);

}  // namespace esan::config
