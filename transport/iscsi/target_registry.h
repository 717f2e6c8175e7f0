// TargetRegistry: the iSCSI targets this process serves, who sees which
// LUNs, and the CHAP accounts of each target and of discovery sessions.
// Implements TargetDirectory for login and discovery.
//
// Thread-safe: read on every login from any reactor, replaced as a whole by
// set_targets() (config load now, runtime changes later). Sessions keep the
// LunMap they were given at login (shared_ptr), so replacing the registry
// never invalidates a running session.
#pragma once

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "scsi/nexus.h"
#include "transport/iscsi/login_negotiator.h"

namespace esan::iscsi {

struct TargetEntry {
  struct Group {
    std::string name;
    std::vector<std::string> initiator_patterns;  // wildcards * and ?
    std::shared_ptr<const scsi::LunMap> luns;
  };
  std::string name;
  std::string alias;
  bool enabled = true;
  uint16_t rel_tgt_id = 1;
  uint16_t tpg_tag = 1;
  std::shared_ptr<const scsi::LunMap> luns;  // seen by initiators matching no group
  std::vector<Group> groups;                 // first matching group wins
  AuthSettings auth;                         // IncomingUser/OutgoingUser of the target
  uint32_t max_sessions = 0;     // MaxSessions: normal sessions on this target (0 = no limit)
  uint32_t queued_commands = 0;  // QueuedCommands per session (0 = Limits::queued_commands)
  // esan_internal: the target the HA peer forwards commands to (scsi/
  // redirect.h). Never listed by SendTargets; logins only from
  // `peer_addresses` (and CHAP, which config/ requires); its sessions'
  // nexuses are trusted (scsi::Nexus::trusted).
  bool internal = false;
  std::vector<std::string> peer_addresses;  // IPv4/IPv6 addresses, no brackets
};

class TargetRegistry final : public TargetDirectory {
 public:
  // discovery_auth: the TARGET_DRIVER-level accounts (discovery sessions).
  void set_targets(std::vector<TargetEntry> targets, bool driver_enabled,
                   AuthSettings discovery_auth = {});

  // Enabled targets only (a disabled target or driver refuses logins).
  std::optional<TargetInfo> find(std::string_view target_name, std::string_view initiator_name) const override;
  std::vector<TargetInfo> list(std::string_view initiator_name) const override;
  AuthSettings discovery_auth() const override;

  // The LUNs `initiator_name` sees on `target_name` (empty map if unknown).
  std::shared_ptr<const scsi::LunMap> luns_for(std::string_view target_name, std::string_view initiator_name) const;
  uint16_t rel_tgt_id(std::string_view target_name) const;
  // esan_internal targets (see TargetEntry::internal).
  bool internal(std::string_view target_name) const;
  // False when `target_name` is internal and `peer` ("host:port" as the
  // connection names it, "[v6]:port" for IPv6) is none of its peer addresses.
  bool login_allowed_from(std::string_view target_name, std::string_view peer) const;
  // MaxSessions / QueuedCommands of `target_name` (0 = not set or unknown).
  uint32_t max_sessions(std::string_view target_name) const;
  uint32_t queued_commands(std::string_view target_name) const;
  // Every configured target's name (enabled or not), in config order.
  std::vector<std::string> names() const;

 private:
  const TargetEntry* find_locked(std::string_view name) const;

  mutable std::shared_mutex mu_;
  std::vector<TargetEntry> targets_;
  bool driver_enabled_ = true;
  AuthSettings discovery_auth_;
};

}  // namespace esan::iscsi
