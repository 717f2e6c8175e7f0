// Nexus: one I_T nexus (an initiator port logged in to a target port), the
// unit that LUN masking, unit attentions and reservations are kept per (an
// SPC-2 reservation's holder is `id`; a persistent reservation registrant is
// `initiator_port` + `rel_tgt_id`, see scsi/reservations.h). The transport
// creates one per session and keeps it alive until the session ends; the
// SCSI layer reads it on every command.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace esan::scsi {

class LogicalUnit;
struct CopyResults;

struct LunMapping {
  std::shared_ptr<LogicalUnit> lu;
  bool read_only = false;  // the LUN line's read_only (LU-level read_only also applies)
};
using LunMap = std::map<uint64_t, LunMapping>;

struct Nexus {
  uint64_t id = 0;               // unique in this process (see next_nexus_id())
  std::string initiator_name;    // iSCSI InitiatorName
  std::string initiator_port;    // "<InitiatorName>,i,0x<ISID 12 hex digits>"
  std::string target_name;       // iSCSI TargetName
  uint16_t rel_tgt_id = 1;       // relative target port identifier
  uint16_t tpg_tag = 1;          // iSCSI target portal group tag
  std::shared_ptr<const LunMap> luns;  // what this initiator sees (GROUP masking applied)
  std::shared_ptr<CopyResults> copy_results;  // EXTENDED COPY list ids of this nexus (scsi/xcopy.h)
};

uint64_t next_nexus_id();

}  // namespace esan::scsi
