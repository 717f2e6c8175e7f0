// Connection: SCSI Command PDUs, Data-Out collection with immediate,
// unsolicited and R2T-solicited data, execution, and Data-In / SCSI Response.
#include <cstring>

#include "common/log.h"
#include "scsi/dispatcher.h"
#include "scsi/sense.h"
#include "transport/iscsi/connection.h"
#include "transport/iscsi/pdu_frame.h"

namespace esan::iscsi {

IscsiTask* Connection::alloc_task() {
  IscsiTask* t = free_tasks_;
  if (t) {
    free_tasks_ = t->next_free;
    AlignedBuffer keep = std::move(t->scsi.data);
    *t = IscsiTask();
    t->scsi.data = std::move(keep);
    t->scsi.data.clear();
  } else {
    task_store_.push_back(std::make_unique<IscsiTask>());
    t = task_store_.back().get();
  }
  t->scsi.owner = this;
  t->scsi.transport_ctx = t;
  return t;
}

void Connection::release_task(IscsiTask* t) {
  session_.counters->released();
  auto it = tasks_.find(t->itt);
  if (it != tasks_.end() && it->second == t) {
    tasks_.erase(it);
    if (t->done_sending) --answered_;
    // An aborted task leaves without a response: tell the initiator about
    // the slot if the window was closed.
    if (phase_ == Phase::kFullFeature && session_.window.closed() && unanswered() < session_.queued_commands)
      announce_window();
  }
  buffered_ -= t->charge;
  t->charge = 0;
  if (t->pipe >= 0) return_pipe(*t);
  t->scsi.data_in_lease.reset();  // a backend's lent buffer (rbd) goes back now
  // Large buffers are not kept around by idle tasks.
  if (t->scsi.data.capacity() > (1u << 20)) t->scsi.data = AlignedBuffer();
  t->next_free = free_tasks_;
  free_tasks_ = t;
}

void Connection::maybe_release(IscsiTask* t) {
  if (t->state == TaskState::kExecuting) return;
  if (t == direct_.task) return;  // a receive is writing into its buffer: on_direct_recv releases it
  if (t->sends_pending) return;
  if (t->done_sending || t->scsi.aborted) release_task(t);
}

void Connection::handle_scsi_cmd(const Bhs& bhs, const uint8_t* ahs, const uint8_t* data, uint32_t dlen) {
  if (session_.params.discovery) {
    send_reject(bhs, kRejectProtocolError);
    close("SCSI command in a discovery session");
    return;
  }
  uint32_t itt = bhs.itt();
  if (itt == kReservedTag || tasks_.count(itt)) {
    send_reject(bhs, itt == kReservedTag ? kRejectInvalidPduField : kRejectTaskInProgress);
    return;
  }
  bool rd = bhs.cmd_read(), wr = bhs.cmd_write();
  uint32_t edtl = bhs.cmd_edtl();
  if (rd && wr) {  // bidirectional commands are not supported
    send_reject(bhs, kRejectCmdNotSupported);
    return;
  }
  if (dlen && (!wr || dlen > edtl || dlen > session_.params.first_burst || !session_.params.immediate_data)) {
    send_reject(bhs, kRejectProtocolError);
    close("invalid immediate data");
    return;
  }
  if (refuse_command(bhs, edtl)) return;
  // An Extended-CDB AHS (type 1) carries CDB bytes beyond the first 16.
  auto ext = extended_cdb({ahs, bhs.ahs_len()});
  if (!ext) {
    send_reject(bhs, kRejectInvalidPduField);
    return;
  }
  IscsiTask* t = alloc_task();
  t->itt = itt;
  t->cmdsn = bhs.cmdsn();
  t->immediate = bhs.immediate();
  scsi::Task& s = t->scsi;
  std::memcpy(s.cdb, bhs.cdb(), 16);
  if (!ext->empty()) std::memcpy(s.cdb + 16, ext->data(), ext->size());
  s.cdb_len = uint8_t(16 + ext->size());
  s.lun = decode_lun(bhs.lun_raw());
  s.expected_len = edtl;
  s.dir = rd ? scsi::DataDir::kIn : wr ? scsi::DataDir::kOut : scsi::DataDir::kNone;
  s.task_attr = bhs.cmd_attr();
  s.tag = itt;
  tasks_.emplace(itt, t);
  session_.counters->received();
  note_initiator_queue(bhs.expstatsn());
  t->charge = edtl;  // the connection's data budget (refuse_command)
  buffered_ += t->charge;

  if (!wr || edtl == 0) return execute(*t);

  s.data.resize(edtl);
  if (dlen) std::memcpy(s.data.data(), data, dlen);
  t->received = dlen;
  const SessionParams& p = session_.params;
  uint32_t unsolicited = bhs.final_bit() ? dlen : (p.initial_r2t ? dlen : std::min(edtl, p.first_burst));
  t->unsolicited_end = std::max(unsolicited, dlen);
  t->r2t_next_off = t->unsolicited_end;
  t->ttt = next_ttt_++;
  if (t->ttt == kReservedTag) t->ttt = next_ttt_++;
  t->state = TaskState::kCollecting;
  if (t->received >= edtl) return execute(*t);
  if (t->received >= t->unsolicited_end) send_r2ts(*t);
}

void Connection::send_r2ts(IscsiTask& t) {
  uint32_t edtl = t.scsi.expected_len;
  while (t.r2t_outstanding < session_.params.max_outstanding_r2t && t.r2t_next_off < edtl) {
    uint32_t len = std::min(session_.params.max_burst, edtl - t.r2t_next_off);
    R2t r;
    r.lun = encode_lun(t.scsi.lun);
    r.itt = t.itt;
    r.ttt = t.ttt;
    r.sn = next_sns(false);
    r.r2t_sn = t.r2t_sn++;
    r.buffer_offset = t.r2t_next_off;
    r.desired_data_transfer_length = len;
    queue_pdu(r.encode(), nullptr, 0, nullptr);
    t.r2t_next_off += len;
    t.r2t_outstanding++;
  }
}

bool Connection::data_out_valid(const IscsiTask& t, const Bhs& bhs, uint32_t dlen) const {
  uint64_t end = uint64_t(bhs.buffer_offset()) + dlen;
  bool solicited = bhs.ttt() != kReservedTag;
  return (!solicited || bhs.ttt() == t.ttt) && end <= t.scsi.expected_len &&
         (solicited || end <= t.unsolicited_end) && dlen <= session_.params.max_recv_dsl;
}

IscsiTask* Connection::data_out_fits(const Bhs& bhs, uint32_t dlen) {
  auto it = tasks_.find(bhs.itt());
  if (it == tasks_.end()) return nullptr;
  IscsiTask& t = *it->second;
  bool in_buffer = uint64_t(bhs.buffer_offset()) + dlen <= t.scsi.data.size();
  return t.state == TaskState::kCollecting && data_out_valid(t, bhs, dlen) && in_buffer ? &t : nullptr;
}

void Connection::handle_data_out(const Bhs& bhs, const uint8_t* data, uint32_t dlen,
                                 bool digest_error) {
  auto it = tasks_.find(bhs.itt());
  if (it == tasks_.end()) {
    // ERL 0: Data-Out for a task we do not know (e.g. aborted) is discarded.
    ESAN_LOG_DEBUG("{}: Data-Out for unknown ITT {:#x} discarded", peer_, bhs.itt());
    return;
  }
  IscsiTask& t = *it->second;
  if (t.state != TaskState::kCollecting) {
    if (!t.scsi.aborted) send_reject(bhs, kRejectProtocolError);
    return;
  }
  uint32_t off = bhs.buffer_offset();
  uint32_t edtl = t.scsi.expected_len;
  bool solicited = bhs.ttt() != kReservedTag;
  if (!data_out_valid(t, bhs, dlen)) {
    ESAN_LOG_WARN("{}: bad Data-Out (offset {} len {} edtl {}); dropping connection", peer_, off, dlen, edtl);
    send_reject(bhs, kRejectProtocolError);
    close("bad Data-Out");
    return;
  }
  // ErrorRecoveryLevel 0 cannot recover a lost or reordered Data-Out. The
  // task fails (ABORTED COMMAND, DATA PHASE ERROR) once its data has been
  // taken in; the connection and other tasks carry on.
  if (bhs.datasn() != t.datasn_expected || (session_.params.data_pdu_in_order && off != t.received)) {
    if (!t.data_error)
      ESAN_LOG_WARN("{}: Data-Out out of sequence (DataSN {} expected {}, offset {} expected {}); failing ITT {:#x}",
                    peer_, bhs.datasn(), t.datasn_expected, off, t.received, t.itt);
    t.data_error = true;
  }
  if (digest_error && !t.digest_error) {
    ESAN_LOG_WARN("{}: data digest error in Data-Out (offset {}); failing ITT {:#x}", peer_, off,
                  t.itt);
    t.digest_error = true;
  }
  t.datasn_expected = bhs.datasn() + 1;
  uint8_t* dest = t.scsi.data.data() + off;
  if (dlen && !digest_error && data != dest) std::memcpy(dest, data, dlen);
  t.received += dlen;
  if (bhs.final_bit()) t.datasn_expected = 0;  // each sequence (burst) restarts at 0
  if (solicited && bhs.final_bit() && t.r2t_outstanding) t.r2t_outstanding--;
  if (t.received >= edtl) return execute(t);
  if (t.received >= t.unsolicited_end) send_r2ts(t);
}

void Connection::execute(IscsiTask& t) {
  t.state = TaskState::kExecuting;
  ++executing_;
  if (t.data_error || t.digest_error) {
    t.scsi.data.clear();
    uint16_t asc = t.digest_error ? scsi::asc::kProtocolServiceCrcError : scsi::asc::kDataPhaseError;
    scsi::check_condition(t.scsi, scsi::Sense::make(scsi::SenseKey::kAbortedCommand, asc), false);
    return task_done(t.scsi);
  }
  if (t.scsi.dir == scsi::DataDir::kOut) t.scsi.data.resize(t.received);
  t.scsi.executor = &reactor_;
  scsi::execute(session_.nexus, t.scsi);
}

void Connection::task_done(scsi::Task& task) {
  auto* t = static_cast<IscsiTask*>(task.transport_ctx);
  --executing_;
  t->state = TaskState::kSending;
  if (t->scsi.aborted || phase_ == Phase::kClosing) {
    t->scsi.aborted = true;
    maybe_release(t);
    if (phase_ == Phase::kClosing) maybe_finish();
    return;
  }
  send_scsi_response(*t);
  maybe_release(t);
}

void Connection::send_scsi_response(IscsiTask& t) {
  scsi::Task& s = t.scsi;
  uint32_t edtl = s.expected_len;
  bool good = s.status == scsi::kGood || s.status == scsi::kConditionMet;
  Residual residual;
  uint32_t datasn = 0;
  {
    // Counted as answered here: every path below queues the status.
    scsi::OpClass op = scsi::op_class(s.cdb[0]);
    uint64_t bytes = 0;
    if (good && op == scsi::OpClass::kWrite && s.dir == scsi::DataDir::kOut) bytes = s.data.size();
    if (good && op == scsi::OpClass::kRead && s.dir == scsi::DataDir::kIn)
      bytes = std::min<uint64_t>(s.data.size(), edtl);
    session_.counters->answered(op, bytes, s.status == scsi::kCheckCondition);
  }

  if (s.dir == scsi::DataDir::kOut || (s.dir == scsi::DataDir::kNone && s.out_wanted)) {
    residual = Residual::of(s.dir == scsi::DataDir::kOut ? edtl : 0, s.out_wanted);
    datasn = t.r2t_sn;
  } else if (good) {
    uint32_t produced = uint32_t(s.data.size());
    uint32_t exp = s.dir == scsi::DataDir::kIn ? edtl : 0;
    uint32_t send = std::min(produced, exp);
    residual = Residual::of(exp, produced);
    if (send) {
      // Data-In PDUs; the last one carries the status (phase collapse).
      uint32_t mdsl = std::max<uint32_t>(session_.params.max_xmit_dsl, 512);
      for (uint32_t off = 0; off < send; off += mdsl) {
        uint32_t len = std::min(mdsl, send - off);
        bool last = off + len >= send;
        DataIn d;
        d.lun = encode_lun(s.lun);
        d.itt = t.itt;
        if (last) {
          mark_answered(t);  // before next_sns: the freed slot is advertised now
          d.final = d.has_status = true;
          d.status = s.status;
          d.residual = residual;
        }
        d.sn = next_sns(last);
        d.data_sn = datasn++;
        d.buffer_offset = off;
        if (s.data_in_spliced) queue_pdu_spliced(d.encode(), t, len);
        else queue_pdu(d.encode(), s.data_in() + off, len, &t);
      }
      return;
    }
  } else if (s.dir == scsi::DataDir::kIn) {
    residual = Residual::of(edtl, 0);
  }
  mark_answered(t);
  queue_scsi_rsp(t.itt, s.status, residual, datasn, {s.sense, s.sense_len});
}

void Connection::queue_scsi_rsp(uint32_t itt, uint8_t status, Residual residual, uint32_t exp_data_sn,
                                std::span<const uint8_t> sense) {
  ScsiRsp r;
  r.status = status;
  r.residual = residual;
  r.itt = itt;
  r.sn = next_sns(true);
  r.exp_data_sn = exp_data_sn;
  std::vector<uint8_t> data;
  if (!sense.empty()) {  // SenseLength, then the sense data (§11.4.7)
    data.resize(2 + sense.size());
    store_be16(data.data(), uint16_t(sense.size()));
    std::memcpy(data.data() + 2, sense.data(), sense.size());
  }
  queue_pdu_owned(r.encode(), std::move(data));
}

}  // namespace esan::iscsi
