// IscsiTask: a SCSI command as the iSCSI connection tracks it, from the
// command PDU through Data-Out collection, execution, and the last response
// PDU leaving the socket. Owned by its Connection (pooled), one reactor only.
#pragma once

#include <cstdint>

#include "scsi/task.h"

namespace esan::iscsi {

enum class TaskState : uint8_t {
  kCollecting,  // waiting for Data-Out (immediate/unsolicited/R2T)
  kQueued,      // CmdSN ahead of ExpCmdSN: waiting for its turn
  kExecuting,   // in the SCSI layer / backend
  kSending,     // response queued on the socket
};

struct IscsiTask {
  scsi::Task scsi;
  uint32_t itt = 0;
  uint32_t cmdsn = 0;
  bool immediate = false;
  TaskState state = TaskState::kCollecting;
  bool data_error = false;  // Data-Out arrived out of sequence: fail the task
  bool digest_error = false;  // a Data-Out failed its data digest: fail the task
  uint32_t received = 0;    // Data-Out bytes received so far
  uint32_t r2t_next_off = 0;   // next offset to solicit with an R2T
  uint32_t r2t_sn = 0;         // next R2TSN
  uint32_t r2t_outstanding = 0;
  uint32_t ttt = 0;            // target transfer tag of this task's R2Ts
  uint32_t unsolicited_end = 0;  // end offset of the unsolicited burst
  uint32_t datasn_expected = 0;  // DataSN expected in the current burst
  uint32_t sends_pending = 0;    // queued response frames referencing scsi.data
  bool done_sending = false;     // the status-carrying PDU has been queued
  uint32_t charge = 0;           // bytes counted in the connection's data budget
  int pipe = -1;                 // the connection's SplicePipe offered to a READ, or -1
  uint32_t pipe_sent = 0;        // bytes spliced from that pipe to the socket
  IscsiTask* next_free = nullptr;
};

}  // namespace esan::iscsi
