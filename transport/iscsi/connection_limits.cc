// Connection: admission of SCSI commands against the session's and the
// connection's limits (see limits.h). A command beyond QueuedCommands or
// beyond the connection's data budget is answered TASK SET FULL; a WRITE
// whose expected length exceeds what any command may transfer is answered
// CHECK CONDITION (ILLEGAL REQUEST, INVALID FIELD IN CDB) before any buffer
// is allocated for it. Neither ends the connection.
#include <cstring>

#include "common/log.h"
#include "scsi/logical_unit.h"
#include "scsi/sense.h"
#include "transport/iscsi/connection.h"

namespace esan::iscsi {

namespace {
// The largest data buffer one command may ask the transport to allocate:
// twice the largest transfer (COMPARE AND WRITE carries two).
constexpr uint32_t kMaxCommandBytes = 2 * scsi::kMaxTransferBytes;
}  // namespace

bool Connection::refuse_command(const Bhs& bhs, uint32_t edtl) {
  if (bhs.cmd_write() && edtl > kMaxCommandBytes) {
    ESAN_LOG_WARN("{}: ITT {:#x} expects {} bytes of write data (limit {}); refused", peer_,
                  bhs.itt(), edtl, kMaxCommandBytes);
    scsi::Sense sense = scsi::Sense::make(scsi::SenseKey::kIllegalRequest, scsi::asc::kInvalidFieldInCdb);
    answer_status(bhs, scsi::kCheckCondition, &sense);
    return true;
  }
  bool too_many = unanswered() >= session_.queued_commands;
  bool too_big = buffered_ && buffered_ + edtl > ctx_.limits.max_buffered_bytes;
  if (!too_many && !too_big) return false;
  ESAN_LOG_DEBUG("{}: ITT {:#x} answered TASK SET FULL ({} commands of {}, {} bytes buffered)", peer_,
                 bhs.itt(), unanswered(), session_.queued_commands, buffered_);
  answer_status(bhs, scsi::kTaskSetFull, nullptr);
  return true;
}

void Connection::mark_answered(IscsiTask& t) {
  if (t.done_sending) return;
  t.done_sending = true;
  auto it = tasks_.find(t.itt);
  if (it != tasks_.end() && it->second == &t) ++answered_;
}

void Connection::announce_window() { send_nop_in(kReservedTag); }

void Connection::answer_status(const Bhs& bhs, uint8_t status, const scsi::Sense* sense) {
  Residual nothing_moved = Residual::of(bhs.cmd_edtl(), 0);
  if (!sense) return queue_scsi_rsp(bhs.itt(), status, nothing_moved, 0, {});
  scsi::Task tmp;
  scsi::check_condition(tmp, *sense, false);
  queue_scsi_rsp(bhs.itt(), status, nothing_moved, 0, {tmp.sense, tmp.sense_len});
}

}  // namespace esan::iscsi
