// Keyword tables; see keywords.h for the contract.
#include "config/keywords.h"

namespace esan::config {

namespace {

// Lists are blank-separated words, as in the SCST documentation.
bool in(std::string_view list, std::string_view word) {
  while (!list.empty()) {
    size_t end = list.find(' ');
    if (list.substr(0, end) == word) return true;
    if (end == std::string_view::npos) break;
    list.remove_prefix(end + 1);
  }
  return false;
}

constexpr std::string_view kOneArg =
    "HANDLER DEVICE TARGET_DRIVER TARGET GROUP INITIATOR DEVICE_GROUP TARGET_GROUP enabled "
    "rel_tgt_id group_id state blocksize read_only removable rotational thin_provisioned "
    "write_through nv_cache o_direct lb_per_pb_exp size size_mb MaxSessions QueuedCommands "
    "esan_max_connections esan_max_connections_per_initiator esan_max_buffered_mb "
    "esan_io_policy esan_redirect_hold_ms esan_alua_access esan_internal esan_peer_address esan_peer_portal esan_peer_target pool image ceph_timeout";

constexpr std::string_view kRestOfLine =
    "filename t10_dev_id t10_vend_id prod_id prod_rev_lvl usn IncomingUser OutgoingUser esan_peer_chap ceph_conf ceph_user";

constexpr std::string_view kIscsiParams =
    "HeaderDigest DataDigest InitialR2T ImmediateData MaxRecvDataSegmentLength "
    "MaxXmitDataSegmentLength MaxBurstLength FirstBurstLength MaxOutstandingR2T QueuedCommands "
    "RspTimeout NopInInterval NopInTimeout DefaultTime2Wait DefaultTime2Retain addr_method "
    "cpu_mask forwarding io_grouping_type per_portal_acl allowed_portal aen_disabled";

// The brief's list plus naa_id, eui64_id, vend_specific_id and scsi_device_name,
// which scstadmin also writes for vdisk devices.
constexpr std::string_view kDeviceUnimplemented =
    "threads_num threads_pool_type cluster_mode dif_mode dif_type dif_static_app_tag "
    "dif_filename numa_node_id pr_file_name expl_alua tst async bind_alua_state "
    "zero_copy dummy active naa_id eui64_id vend_specific_id scsi_device_name";

constexpr std::string_view kDriverUnimplemented =
    "link_local isns_entity_name internal_portal iSNSServer trace_level";
constexpr std::string_view kTopUnimplemented = "setup_id max_tasklet_cmd suspend trace_level";
constexpr std::string_view kHandlerUnimplemented = "trace_level";
constexpr std::string_view kTargetUnimplemented =
    "black_hole RDMAExtensions TargetAlias tid redirect";
constexpr std::string_view kGroupUnimplemented = "addr_method black_hole cpu_mask io_grouping_type";
constexpr std::string_view kTargetGroupUnimplemented = "preferred";

constexpr std::string_view kScstHandlers =
    "dev_disk dev_disk_perf dev_cdrom dev_changer dev_tape dev_tape_perf dev_processor dev_raid "
    "vcdrom vdisk_vcdrom scst_user";
constexpr std::string_view kScstDrivers =
    "qla2x00t ib_srpt copy_manager scst_local fcst isert ocs_fc_scst";

}  // namespace

std::string_view section_name(Section s) {
  switch (s) {
    case Section::kTop: return "top level";
    case Section::kHandler: return "HANDLER";
    case Section::kDevice: return "DEVICE";
    case Section::kDriver: return "TARGET_DRIVER";
    case Section::kTarget: return "TARGET";
    case Section::kLun: return "LUN";
    case Section::kGroup: return "GROUP";
    case Section::kDeviceGroup: return "DEVICE_GROUP";
    case Section::kTargetGroup: return "TARGET_GROUP";
    case Section::kTargetGroupTarget: return "TARGET_GROUP TARGET";
  }
  return "?";
}

int fixed_arity(std::string_view keyword) {
  if (keyword == "LUN") return 2;
  if (in(kOneArg, keyword)) return 1;
  return -1;
}

bool is_keyword(std::string_view w) {
  return w == "LUN" || in(kOneArg, w) || in(kRestOfLine, w) || in(kIscsiParams, w) ||
         in(kDeviceUnimplemented, w) || in(kDriverUnimplemented, w) || in(kTopUnimplemented, w) ||
         in(kTargetUnimplemented, w) || in(kGroupUnimplemented, w) ||
         in(kTargetGroupUnimplemented, w);
}

bool is_unimplemented(Section s, std::string_view a) {
  switch (s) {
    case Section::kTop: return in(kTopUnimplemented, a);
    case Section::kHandler: return in(kHandlerUnimplemented, a);
    case Section::kDevice: return in(kDeviceUnimplemented, a);
    case Section::kDriver: return in(kDriverUnimplemented, a);
    case Section::kTarget: return in(kTargetUnimplemented, a);
    case Section::kGroup: return in(kGroupUnimplemented, a);
    case Section::kTargetGroup: return in(kTargetGroupUnimplemented, a);
    case Section::kLun:
    case Section::kDeviceGroup:
    case Section::kTargetGroupTarget: return false;
  }
  return false;
}

bool is_iscsi_param(std::string_view a) { return in(kIscsiParams, a); }
bool is_scst_handler(std::string_view n) { return in(kScstHandlers, n); }
bool is_scst_target_driver(std::string_view n) { return in(kScstDrivers, n); }

}  // namespace esan::config
