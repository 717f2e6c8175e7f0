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
  bool too_many = unanswered() >= max_tasks_;
  bool too_big = buffered_ && buffered_ + edtl > ctx_.limits.max_buffered_bytes;
  if (!too_many && !too_big) return false;
  ESAN_LOG_DEBUG("{}: ITT {:#x} answered TASK SET FULL ({} commands of {}, {} bytes buffered)", peer_,
                 bhs.itt(), unanswered(), max_tasks_, buffered_);
  answer_status(bhs, scsi::kTaskSetFull, nullptr);
  return true;
}

void Connection::mark_answered(IscsiTask& t) {
  if (t.done_sending) return;
  t.done_sending = true;
  auto it = tasks_.find(t.itt);
  if (it != tasks_.end() && it->second == &t) ++answered_;
}

void Connection::announce_window() {
  Bhs nop;
  nop.set_opcode(Opcode::kNopIn);
  nop.set_flags(0x80);
  nop.set_itt(kReservedTag);
  nop.set_u32(20, kReservedTag);
  fill_sn(nop, false);
  queue_pdu(nop, nullptr, 0, nullptr);
}

void Connection::answer_status(const Bhs& bhs, uint8_t status, const scsi::Sense* sense) {
  uint32_t edtl = bhs.cmd_edtl();
  Bhs r;
  r.set_opcode(Opcode::kScsiRsp);
  r.set_flags(uint8_t(0x80 | (edtl ? 0x02 : 0)));  // residual underflow: nothing moved
  r.b[2] = 0;                                       // command completed at target
  r.b[3] = status;
  r.set_itt(bhs.itt());
  fill_sn(r, true);
  r.set_u32(44, edtl);
  std::vector<uint8_t> data;
  if (sense) {
    scsi::Task tmp;
    scsi::check_condition(tmp, *sense, false);
    data.resize(2 + tmp.sense_len);
    store_be16(data.data(), tmp.sense_len);
    std::memcpy(data.data() + 2, tmp.sense, tmp.sense_len);
  }
  queue_pdu_owned(r, std::move(data));
}

}  // namespace esan::iscsi
