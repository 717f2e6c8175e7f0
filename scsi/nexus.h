// Nexus: one I_T nexus (an initiator port logged in to a target port), the
// unit that LUN masking, unit attentions and reservations are kept per (an
// SPC-2 reservation's holder and a persistent reservation registrant are
// both its identity, `initiator_port` + `rel_tgt_id`: ItNexusId below; see
// scsi/reservations.h). The transport creates one per session and keeps it
// alive until the session ends; the SCSI layer reads it on every command.
#pragma once

#include <cstdint>
#include <map>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace esan::scsi {

class LogicalUnit;
struct CopyResults;

struct LunMapping {
  std::shared_ptr<LogicalUnit> lu;
  bool read_only = false;  // the LUN line's read_only (LU-level read_only also applies)
};
using LunMap = std::map<uint64_t, LunMapping>;

// The identity of an I_T nexus as another node can evaluate it: the
// initiator port's TransportID text and the relative target port id (never
// a process-local id). Persistent and SPC-2 reservations, and the changes
// of scsi/shared_state.h, name nexuses by it.
struct ItNexusId {
  std::string_view port;  // "<iSCSI name>,i,0x<ISID>"
  uint16_t rel_tgt_id = 0;
};
// The same, owning its text.
struct NexusIdentity {
  std::string port;
  uint16_t rel_tgt_id = 0;
  ItNexusId view() const { return ItNexusId{port, rel_tgt_id}; }
  bool operator==(const NexusIdentity&) const = default;
};

struct Nexus {
  uint64_t id = 0;               // unique in this process (see next_nexus_id())
  std::string initiator_name;    // iSCSI InitiatorName
  std::string initiator_port;    // "<InitiatorName>,i,0x<ISID 12 hex digits>"
  std::string target_name;       // iSCSI TargetName
  uint16_t rel_tgt_id = 1;       // relative target port identifier
  uint16_t tpg_tag = 1;          // iSCSI target portal group tag
  std::shared_ptr<const LunMap> luns;  // what this initiator sees (GROUP masking applied)
  std::shared_ptr<CopyResults> copy_results;  // EXTENDED COPY list ids of this nexus (scsi/xcopy.h)
  // Set by the transport before nexus_attached(): aborts this nexus' tasks
  // for `lun` without a response (TAS=0), as PREEMPT AND ABORT requires of
  // the preempted nexuses (SPC-4 5.13.11.2.5). Callable from any thread
  // (the transport posts to the nexus' own thread); empty = not supported.
  std::function<void(uint64_t lun)> abort_tasks;
  // The HA peer's forwarded commands (an `esan_internal` target; see
  // scsi/redirect.h): the forwarding node already checked unit attentions,
  // ALUA and reservations against the replicated state, so commands on a
  // trusted nexus skip those checks, are never redirected again, and the
  // nexus neither has a unit attention queue nor takes part in
  // reservations. Only medium access, INQUIRY, REPORT LUNS, TEST UNIT
  // READY and READ CAPACITY are served on it.
  bool trusted = false;
};

uint64_t next_nexus_id();
inline ItNexusId identity_of(const Nexus& n) { return ItNexusId{n.initiator_port, n.rel_tgt_id}; }

}  // namespace esan::scsi
