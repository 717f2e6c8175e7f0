// The validated configuration model of esand and its public entry points.
//
// Contract:
//  * parse_config() turns scst.conf text (SCST's syntax) into a Config whose
//    every field has been validated: names are non-empty and unique, numbers
//    are in range, every LUN names a DEVICE that exists, and so on. It stops
//    at the first problem and returns Errc::kInvalidArgument with the message
//    "file:line: reason". No exception escapes.
//  * SCST attributes that esand accepts but does not implement yet do not
//    fail the parse; each leaves one entry in Config::warnings of the form
//    "file:line: attribute 'xyz' is not implemented by esand yet (ignored)".
//  * load_config_file() reads a file and parses it; read failures are
//    Errc::kIo "path: cannot read: <strerror>".
//  * write_config() emits text that parse_config() turns back into a Config
//    equivalent() to the input (line numbers and warnings aside).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace esan::config {

enum class Handler { kFileIo, kBlockIo, kNullIo, kRbd };  // vdisk_fileio, vdisk_blockio, vdisk_nullio, vdisk_rbd

// "vdisk_fileio", "vdisk_blockio", "vdisk_nullio" or "vdisk_rbd".
std::string_view handler_name(Handler h);

struct DeviceConfig {
  std::string name;
  Handler handler = Handler::kFileIo;
  int line = 0;
  std::string filename;      // absolute path; required for fileio/blockio, absent for nullio and rbd
  // vdisk_rbd only (and required there: pool, image): the Ceph image
  // pool/image, the cluster's ceph.conf (absolute path; empty = librados'
  // default search), the client id without "client." (empty = admin), and
  // the seconds a connect or an I/O may take before it fails (1..3600).
  std::string pool, image, ceph_conf, ceph_user;
  uint32_t ceph_timeout = 30;
  uint32_t blocksize = 512;  // 512, 1024, 2048 or 4096
  bool read_only = false, removable = false, rotational = false, thin_provisioned = false;
  bool write_through = false, nv_cache = false, o_direct = false;
  // SCST lb_per_pb_exp: report the logical blocks per physical block
  // exponent in READ CAPACITY(16) (true, the default) or 0 (false).
  bool lb_per_pb_exp = true;
  uint64_t size_bytes = 0;  // from size (bytes) or size_mb; 0 = file size (fileio/blockio)
                            // or the backend's default (nullio); a multiple of blocksize
  // Inquiry strings; empty = default chosen by the SCSI layer.
  // Length limits: t10_dev_id 64, t10_vend_id 8, prod_id 16, prod_rev_lvl 4, usn 16.
  std::string t10_dev_id, t10_vend_id, prod_id, prod_rev_lvl, usn;

  bool operator==(const DeviceConfig&) const = default;
};

struct LunConfig {
  uint64_t lun = 0;  // 0..16383
  std::string device;
  bool read_only = false;
  int line = 0;

  bool operator==(const LunConfig&) const = default;
};

struct GroupConfig {
  std::string name;
  std::vector<LunConfig> luns;
  std::vector<std::string> initiators;  // glob patterns, see initiator_matches()
  int line = 0;

  bool operator==(const GroupConfig&) const = default;
};

struct TargetConfig {
  std::string name;
  bool enabled = false;
  uint16_t rel_tgt_id = 0;  // 0 = assign automatically (daemon assigns unique ids)
  std::vector<LunConfig> luns;
  std::vector<GroupConfig> groups;
  // Raw "name secret" strings (split_user()). IncomingUser: accounts an
  // initiator may log in with (any set = CHAP required); OutgoingUser: at
  // most one, the target's own account for mutual CHAP.
  std::vector<std::string> incoming_users, outgoing_users;
  // Other accepted iSCSI target attributes (HeaderDigest, MaxRecvDataSegmentLength, ...),
  // raw values, kept for later use; the limits MaxSessions and QueuedCommands
  // (config/limits.h) validated and in decimal.
  std::map<std::string, std::string> attributes;
  // esan_internal: the target the HA peer forwards the I/O of its
  // non-optimized ports to (docs/ARCHITECTURE.md, "I/O redirect"): hidden
  // from SendTargets, logins only from `peer_addresses` (esan_peer_address,
  // IPv4/IPv6, at least one) with CHAP (an IncomingUser is required), and
  // its commands skip reservation, ALUA and unit attention checks.
  bool internal = false;
  std::vector<std::string> peer_addresses;
  int line = 0;

  bool operator==(const TargetConfig&) const = default;
};

enum class IoPolicy { kLocal, kRedirect };  // esan_io_policy local|redirect

// esan_alua_access implicit|explicit|both: which asymmetric access
// transitions the device server offers initiators (INQUIRY TPGS).
// Implicit: only this side (management API, esanctl, the cluster's resource
// agent) changes states; SET TARGET PORT GROUPS is not supported. Explicit
// and both: initiators may change them with SET TARGET PORT GROUPS.
enum class AluaAccess { kImplicit, kExplicit, kBoth };

struct TargetGroupMember {
  std::string target;       // a local TARGET, or a target of another node (ALUA)
  uint16_t rel_tgt_id = 0;  // 0 = not given (local targets only: then the target's own)
  int line = 0;
  bool operator==(const TargetGroupMember&) const = default;
};

struct TargetGroupConfig {
  std::string name;
  uint16_t group_id = 0;  // 1..65535, required, unique within its device group
  // active, nonoptimized, standby, unavailable, offline or transitioning.
  std::string state = "active";
  std::vector<TargetGroupMember> targets;
  // The other node's internal target, for a target group of the other
  // node's ports (esan_peer_portal HOST:PORT, esan_peer_target IQN,
  // esan_peer_chap "USER SECRET"; all three or none): where this node
  // forwards medium access while this group is active/optimized and its
  // own ports are non-optimized (DeviceGroupConfig::io_policy).
  std::string peer_portal, peer_target, peer_chap;
  int line = 0;

  bool operator==(const TargetGroupConfig&) const = default;
};

struct DeviceGroupConfig {
  std::string name;
  std::vector<std::string> devices;
  std::vector<TargetGroupConfig> target_groups;
  // esan_alua_owner: who owns the target groups' states at runtime. false
  // ("node", the default): this node -- a state set through the management
  // API is a config edit, written back. true ("cluster"): the HA cluster's
  // resource agent -- states set at runtime change only the running states
  // (never the file, which stays the static description both nodes share);
  // the file's states are the initial ones.
  bool cluster_owned = false;
  // esan_cluster_group: the Corosync CPG group through which this device
  // group's LU state (reservations, unit attentions, mode pages, ALUA
  // states) is replicated among the esand processes that joined it (the HA
  // pair); empty = not replicated. Implies cluster_owned.
  std::string cluster_group;
  // esan_io_policy: what this node does with reads and writes arriving
  // through its active/non-optimized ports. kRedirect forwards them to the
  // active/optimized target group's esan_peer_portal; kLocal runs them
  // here. Default: kRedirect when a target group has esan_peer_portal,
  // kLocal otherwise (default_io_policy()).
  IoPolicy io_policy = IoPolicy::kLocal;
  // esan_redirect_hold_ms: with kRedirect, how long a non-optimized port
  // holds a read or write while no target group can take it (no group is
  // active/optimized, or the session to the peer is reconnecting: the
  // roles are changing) before answering 04h/0Ah; 0 answers at once.
  // 0..kMaxRedirectHoldMs.
  uint32_t redirect_hold_ms = kDefaultRedirectHoldMs;
  static constexpr uint32_t kDefaultRedirectHoldMs = 10000;
  static constexpr uint32_t kMaxRedirectHoldMs = 25000;
  // esan_alua_access. Default: kImplicit with esan_cluster_group (the
  // cluster manager owns the roles), kBoth otherwise (default_alua_access()).
  AluaAccess alua_access = AluaAccess::kBoth;
  int line = 0;

  bool operator==(const DeviceGroupConfig&) const = default;
};

// esan_io_policy's default for `dg`: redirect when one of its target groups
// names a peer portal.
IoPolicy default_io_policy(const DeviceGroupConfig& dg);

// esan_alua_access's default for `dg`: implicit when it has
// esan_cluster_group, both otherwise.
AluaAccess default_alua_access(const DeviceGroupConfig& dg);
std::string_view alua_access_name(AluaAccess a);  // implicit, explicit, both

// Whether `dg`'s roles own a medium -- it has esan_cluster_group, or a
// target group with esan_peer_portal (a redirect): then at most one of its
// target groups is active/optimized (config check; at runtime a change that
// makes one active/optimized moves the others to nonoptimized, scsi/alua.h).
bool one_optimized(const DeviceGroupConfig& dg);

// CHAP accounts (IncomingUser/OutgoingUser "name secret"). SCST refuses
// secrets shorter than 12 bytes, the minimum RFC 7143 §12.1.3 sets for CHAP
// secrets used without IPsec.
inline constexpr size_t kMinChapSecret = 12;
inline constexpr size_t kMaxChapSecret = 255;
inline constexpr size_t kMaxChapName = 255;

struct UserCredential {
  std::string name, secret;
};
// A validated raw "name secret" string -> its parts.
UserCredential split_user(std::string_view raw);

struct Config {
  std::vector<DeviceConfig> devices;
  bool iscsi_enabled = false;
  // TARGET_DRIVER-level accounts: they govern discovery sessions.
  std::vector<std::string> iscsi_incoming_users, iscsi_outgoing_users;
  // iSCSI parameters given at TARGET_DRIVER iscsi level (raw values), and
  // the limit attributes of config/limits.h (validated, in decimal).
  std::map<std::string, std::string> iscsi_attributes;
  std::vector<TargetConfig> targets;
  std::vector<DeviceGroupConfig> device_groups;
  // ESAN_ALIASES { INITIATOR-NAME ALIAS ... }: the admin's name for an
  // initiator, shown by listings and esan-tui in place of its iSCSI name
  // (esan's own section; SCST has none). Keyed by the exact initiator name.
  std::map<std::string, std::string> initiator_aliases;
  // "file:line: attribute 'xyz' is not implemented by esand yet (ignored)" etc.
  std::vector<std::string> warnings;

  const DeviceConfig* find_device(std::string_view name) const;
  const TargetConfig* find_target(std::string_view name) const;

  bool operator==(const Config&) const = default;
};

// True when a and b are equal apart from line numbers and warnings.
bool equivalent(const Config& a, const Config& b);

// Parse text (file_name is used in messages only). Error message format: "file:line: reason".
Result<Config> parse_config(std::string_view text, std::string_view file_name);

// Read a file and parse it; check_files = also check every fileio/blockio filename
// exists (error "file:line: device 'x': cannot open 'path': <strerror>").
Result<Config> load_config_file(const std::string& path, bool check_files = true);

// Glob-style match used for GROUP INITIATOR patterns: '*' any run, '?' one char;
// case-sensitive like SCST.
bool initiator_matches(std::string_view pattern, std::string_view initiator_name);

// An initiator alias: the initiator is an exact iSCSI name (1..223 bytes,
// no blanks, quotes, braces, '#' or wildcards '*' '?'), the alias 1..64
// characters of letters, digits, '.', '_', '-'. Errors (kInvalidArgument)
// name what is wrong, without a file position.
inline constexpr size_t kMaxAliasLength = 64;
inline constexpr size_t kMaxInitiatorName = 223;
Status check_initiator_alias(std::string_view initiator, std::string_view alias);

// Emit scst.conf text that parses back to an equivalent Config (used for write-back).
// Values must not contain newlines (the parser never produces them).
std::string write_config(const Config& cfg);

}  // namespace esan::config
