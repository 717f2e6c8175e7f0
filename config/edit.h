// Attribute-level building blocks for runtime changes (the management plane).
//
// Contract:
//  * Each function runs the parser's own section builders (builders.h) on
//    attributes given as name/value strings, so a request meets exactly the
//    checks a config file meets and gets the same messages, without the
//    "file:line: " prefix (a request has no line). Errors are
//    Errc::kInvalidArgument; on error the output argument is unchanged.
//  * A value is one word as the parser would see it after unquoting
//    ("1", "/srv/d0.img", "joe secret-of-12b" for IncomingUser).
//  * Attributes SCST has but esand ignores are accepted and dropped; their
//    warnings are appended to `warnings` when given.
//  * check_config() runs the cross-section checks parse_config() runs after
//    building (LUN -> DEVICE, unique rel_tgt_ids, TARGET_GROUP members).
//  * device_attributes() / target_attributes() / driver_attributes() list
//    an object's attributes as write_config() writes them (secrets excluded
//    from target/driver lists: IncomingUser/OutgoingUser are not in them).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "config/model.h"

namespace esan::config {

using Attributes = std::vector<std::pair<std::string, std::string>>;

// "vdisk_fileio" / "vdisk_blockio" / "vdisk_nullio"; the parser's messages otherwise.
Result<Handler> handler_from_name(std::string_view name);

// DEVICE `name` of `handler` built from its attributes.
Result<DeviceConfig> make_device(std::string_view name, Handler handler, const Attributes& attrs,
                                 std::vector<std::string>* warnings = nullptr);
Attributes device_attributes(const DeviceConfig& d);

// TARGET attributes (enabled, rel_tgt_id, MaxSessions, QueuedCommands,
// iSCSI keys, IncomingUser/OutgoingUser) applied to `t`. `cfg` is the whole
// configuration (CHAP secrets are checked against every other account).
Status set_target_attributes(const Config& cfg, TargetConfig& t, const Attributes& attrs,
                             std::vector<std::string>* warnings = nullptr);
Attributes target_attributes(const TargetConfig& t);

// TARGET_DRIVER iscsi attributes (enabled, limits, iSCSI keys, discovery
// IncomingUser/OutgoingUser) applied to cfg.
Status set_driver_attributes(Config& cfg, const Attributes& attrs,
                             std::vector<std::string>* warnings = nullptr);
Attributes driver_attributes(const Config& cfg);

// LUN line attributes (read_only).
Status set_lun_attributes(LunConfig& lun, const Attributes& attrs);

Status check_config(const Config& cfg);

}  // namespace esan::config
