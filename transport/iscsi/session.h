// Session: the session-wide state of the one session a Connection carries
// (MaxConnections=1: the Connection owns it, and it ends with it).
//
// What belongs here is what RFC 7143 scopes to the session rather than to
// the connection: its identity (ISID, TSIH), the operational parameters
// negotiated at login, command ordering (the CmdSN window and the commands
// waiting behind a CmdSN gap), the I_T nexus the SCSI layer sees, and the
// counters published to the SessionRegistry. StatSN, digests, the socket
// and the task table stay on the Connection. Touched only on the
// connection's reactor thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "reactor/executor.h"
#include "scsi/nexus.h"
#include "transport/iscsi/cmdsn_window.h"
#include "transport/iscsi/params.h"
#include "transport/iscsi/session_counters.h"

namespace esan::iscsi {

class TargetRegistry;

struct Session {
  // From the first Login Request; the same for every PDU of the login.
  uint8_t isid[6] = {};
  // Assigned by SessionRegistry::add when the login succeeds; 0 before.
  uint16_t tsih = 0;
  // Negotiated by the LoginNegotiator; valid from the final Login Response.
  SessionParams params;
  // QueuedCommands: the most commands unanswered at once (the CmdSN
  // window's room); 1 during login.
  uint32_t queued_commands = 1;
  CmdSnWindow window;
  // Whole PDUs (BHS, AHS, data) with a CmdSN ahead of ExpCmdSN, by CmdSN.
  std::map<uint32_t, std::vector<uint8_t>> cmdsn_queue;
  std::shared_ptr<SessionCounters> counters = std::make_shared<SessionCounters>();
  // Normal sessions only: built and attached by attach_nexus() at the end
  // of login, detached once (logout or close) by detach_nexus().
  scsi::Nexus nexus;
  bool nexus_attached = false;

  // The ISID as 12 lowercase hex digits (SessionInfo, the nexus' port name).
  std::string isid_hex() const;
  // Builds the nexus for params' initiator and target from `targets` (LUN
  // map, rel_tgt_id) and announces it to the SCSI layer.
  void attach_nexus(const TargetRegistry& targets);
  // Ends the nexus' SCSI state (unit attentions, SPC-2 reservation); a
  // no-op when none is attached.
  void detach_nexus();
  // The same, and `done` runs on `where` (posted) once the end of the
  // nexus' SPC-2 reservation is applied on every node (scsi/dispatcher.h);
  // at once (posted) when none is attached.
  void detach_nexus(reactor::Executor& where, std::function<void()> done);
};

}  // namespace esan::iscsi
