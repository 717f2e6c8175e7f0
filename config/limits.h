// Resource-limit attributes of TARGET_DRIVER iscsi and of its TARGETs.
//
// Contract:
//  * SCST spellings where SCST has the attribute: MaxSessions (normal
//    sessions; 0 = no limit) and QueuedCommands (commands in flight per
//    session, 1..2048), at target level and, as esand extensions, at driver
//    level (the process-wide MaxSessions; the QueuedCommands default).
//  * esand extensions, driver level only: esan_max_connections (TCP
//    connections of the process), esan_max_connections_per_initiator (per
//    initiator IP address), both 0 = no limit; esan_max_buffered_mb
//    (command data one connection may hold, 1..65536 MiB).
//  * limit_attribute() validates the number and stores it, in decimal, in
//    `attrs` under its name; a bad value fails "file:line: attribute 'x':
//    reason"; a driver-only attribute in a TARGET is an unknown attribute.
//  * limit_value() reads a stored value back (nullopt when not given).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "config/keywords.h"

namespace esan::config {

class Context;
struct Node;

// True if `name` is a limit attribute of section s (kDriver or kTarget).
bool is_limit_attribute(Section s, std::string_view name);
Status limit_attribute(Context& ctx, const Node& n, std::map<std::string, std::string>& attrs);
std::optional<uint64_t> limit_value(const std::map<std::string, std::string>& attrs,
                                    std::string_view name);

}  // namespace esan::config
