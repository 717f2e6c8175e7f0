// Connection: NOP-Out/NOP-In, task management, Text (SendTargets), Logout.
#include <cstring>

#include "common/log.h"
#include "scsi/dispatcher.h"
#include "transport/iscsi/connection.h"
#include "transport/iscsi/send_targets.h"
#include "transport/iscsi/text.h"

namespace esan::iscsi {

namespace {
enum TmfFunction : uint8_t {
  kAbortTask = 1,
  kAbortTaskSet = 2,
  kClearAca = 3,
  kClearTaskSet = 4,
  kLunReset = 5,
  kTargetWarmReset = 6,
  kTargetColdReset = 7,
  kTaskReassign = 8,
};
enum TmfResponse : uint8_t {
  kTmfComplete = 0,
  kTmfNoTask = 1,
  kTmfNoLun = 2,
  kTmfReassignNotSupported = 4,
  kTmfNotSupported = 5,
};
}  // namespace

void Connection::handle_nop_out(const Bhs& bhs, const uint8_t* data, uint32_t dlen) {
  if (bhs.itt() == kReservedTag) {
    // Answer to our NOP-In ping (or an unsolicited NOP-Out: no reply due).
    if (ping_sent_at_ && bhs.ttt() == ping_ttt_) ping_sent_at_.reset();
    return;
  }
  NopIn r;
  r.lun = bhs.lun_raw();
  r.itt = bhs.itt();
  r.sn = next_sns(true);
  queue_pdu_owned(r.encode(), std::vector<uint8_t>(data, data + dlen));
}

void Connection::send_nop_in(uint32_t ttt) {
  NopIn r;
  r.ttt = ttt;
  r.sn = next_sns(false);
  queue_pdu(r.encode(), nullptr, 0, nullptr);
}

void Connection::abort_task(IscsiTask& t) {
  if (t.scsi.aborted) return;
  switch (t.state) {
    case TaskState::kCollecting:
    case TaskState::kQueued:
      t.scsi.aborted = true;
      tasks_.erase(t.itt);
      maybe_release(&t);
      break;
    case TaskState::kExecuting:
      // The backend still owns the buffer: release on completion, no response.
      t.scsi.aborted = true;
      break;
    case TaskState::kSending:
      break;  // already answered
  }
}

void Connection::abort_tasks_for_lun(std::optional<uint64_t> lun) {
  std::vector<IscsiTask*> victims;
  for (auto& [_, t] : tasks_)
    if (!lun || t->scsi.lun == *lun) victims.push_back(t);
  for (IscsiTask* t : victims) abort_task(*t);
}

void Connection::handle_tmf(const Bhs& bhs) {
  uint8_t fn = bhs.tmf_function();
  uint64_t lun = decode_lun(bhs.lun_raw());
  uint8_t response = kTmfComplete;
  if (session_.params.discovery) {
    response = kTmfNotSupported;
  } else {
    switch (fn) {
      case kAbortTask: {
        auto it = tasks_.find(bhs.tmf_ref_itt());
        if (it != tasks_.end() && it->second->scsi.lun == lun) {
          abort_task(*it->second);
        } else {
          // Still queued behind a CmdSN gap?
          bool found = false;
          for (auto q = session_.cmdsn_queue.begin(); q != session_.cmdsn_queue.end(); ++q) {
            if (load_be32(q->second.data() + 16) == bhs.tmf_ref_itt()) {
              session_.cmdsn_queue.erase(q);
              found = true;
              break;
            }
          }
          uint32_t ref = bhs.tmf_refcmdsn();
          if (!found) {
            bool in_window = session_.window.in_window(ref) && sn_lt(ref, bhs.cmdsn());
            response = in_window ? kTmfComplete : kTmfNoTask;
            if (in_window && ref == session_.window.exp_cmdsn()) session_.window.advance();  // consider it received
          }
        }
        break;
      }
      case kAbortTaskSet:
      case kClearTaskSet:
      case kLunReset:
        if (!scsi::lun_exists(session_.nexus, lun)) {
          response = kTmfNoLun;
          break;
        }
        abort_tasks_for_lun(lun);
        if (fn == kClearTaskSet) scsi::clear_task_set(session_.nexus, lun);
        if (fn == kLunReset) {
          // The reset's shared part is committed first (scsi/dispatcher.h);
          // the response follows, so the initiator's next command sees it.
          scsi::lun_reset(session_.nexus, lun, reactor_, [self = shared_from_this(), itt = bhs.itt()] {
            self->send_tmf_response(itt, kTmfComplete, false);
          });
          return;
        }
        break;
      case kTargetWarmReset:
      case kTargetColdReset: {
        abort_tasks_for_lun(std::nullopt);
        bool cold = fn == kTargetColdReset;
        // RFC 7143 11.5.1: a cold reset ends every session of the target,
        // not only the requester's (whose connection closes after the response).
        if (cold) ctx_.sessions.close_target(session_.params.target_name, session_.tsih);
        scsi::target_reset(session_.nexus, cold, reactor_, [self = shared_from_this(), itt = bhs.itt(), cold] {
          self->send_tmf_response(itt, kTmfComplete, cold);
        });
        return;
      }
      case kClearAca:
        response = kTmfNotSupported;
        break;
      case kTaskReassign:
        response = kTmfReassignNotSupported;
        break;
      default:
        send_reject(bhs, kRejectInvalidPduField);
        return;
    }
  }
  ESAN_LOG_DEBUG("{}: TMF function {} lun {} -> response {}", peer_, fn, lun, response);
  send_tmf_response(bhs.itt(), response, false);
}

void Connection::send_tmf_response(uint32_t itt, uint8_t response, bool close_after) {
  if (phase_ == Phase::kClosing) return;  // closed while a reset was being committed
  TmfRsp r;
  r.response = response;
  r.itt = itt;
  r.sn = next_sns(true);
  queue_pdu(r.encode(), nullptr, 0, nullptr);
  if (close_after) close("target cold reset");
}

void Connection::handle_text(const Bhs& bhs, const uint8_t* data, uint32_t dlen) {
  if (bhs.ttt() != kReservedTag) {
    if (bhs.ttt() != text_ttt_ || text_off_ >= text_pending_.size()) {
      send_reject(bhs, kRejectInvalidPduField);
      return;
    }
    return send_text_chunk(bhs.itt());
  }
  auto pairs = parse_text(std::span<const uint8_t>(data, dlen));
  if (!pairs) {
    send_reject(bhs, kRejectProtocolError);
    return;
  }
  std::vector<uint8_t> out;
  bool send_targets_done = false;
  for (auto& [k, v] : *pairs) {
    if (k != "SendTargets") {
      append_text(out, k, "NotUnderstood");
    } else if (!send_targets_done) {
      send_targets_done = true;
      auto body = build_send_targets(std::span<const uint8_t>(data, dlen), ctx_.targets, session_.params.initiator_name,
                                     portals_as_seen(ctx_.portals, local_), session_.params.discovery, session_.params.target_name,
                                     !session_.params.auth_user.empty());
      if (body) out.insert(out.end(), body->begin(), body->end());
      else append_text(out, "SendTargets", "Reject");
    }
  }
  text_pending_ = std::move(out);
  text_off_ = 0;
  send_text_chunk(bhs.itt());
}

void Connection::send_text_chunk(uint32_t itt) {
  uint32_t mdsl = std::max<uint32_t>(session_.params.max_xmit_dsl, 512);
  size_t left = text_pending_.size() - text_off_;
  size_t n = std::min<size_t>(left, mdsl);
  bool last = n == left;
  if (last) {
    text_ttt_ = kReservedTag;
  } else {
    text_ttt_ = next_ttt_++;
    if (text_ttt_ == kReservedTag) text_ttt_ = next_ttt_++;
  }
  TextRsp r;
  r.final = last;
  r.continue_ = !last;
  r.itt = itt;
  r.ttt = text_ttt_;
  r.sn = next_sns(true);
  std::vector<uint8_t> chunk(text_pending_.begin() + long(text_off_), text_pending_.begin() + long(text_off_ + n));
  text_off_ += n;
  if (last) {
    text_pending_.clear();
    text_off_ = 0;
  }
  queue_pdu_owned(r.encode(), std::move(chunk));
}

void Connection::handle_logout(const Bhs& bhs) {
  uint8_t reason = bhs.logout_reason();
  uint8_t response = 0;
  if (reason == 1 && bhs.logout_cid() != cid_) response = 1;  // CID not found
  else if (reason == 2) response = 2;                          // recovery not supported
  else if (reason > 2) {
    send_reject(bhs, kRejectInvalidPduField);
    return;
  }
  if (response != 0) return send_logout_response(bhs.itt(), response);
  // The I_T nexus ends with the logout: its SCSI state (unit attentions,
  // SPC-2 reservation) goes before the initiator sees the response, so a
  // command it sends afterwards on another session -- through either node
  // of an HA pair -- sees the nexus gone. Ending the reservation is a shared
  // change: the connection closes now (no more reading, queued work
  // aborted) but stays open for the response until that change is applied.
  logout_pending_ = true;
  session_.detach_nexus(reactor_, [self = shared_from_this(), itt = bhs.itt()] {
    self->logout_pending_ = false;
    self->send_logout_response(itt, 0);
    self->maybe_finish();
  });
  close("logout");
}

void Connection::send_logout_response(uint32_t itt, uint8_t response) {
  LogoutRsp r;
  r.response = response;
  r.itt = itt;
  r.sn = next_sns(true);
  r.time2wait = uint16_t(session_.params.default_time2wait);
  r.time2retain = uint16_t(session_.params.default_time2retain);
  queue_pdu(r.encode(), nullptr, 0, nullptr);
}

}  // namespace esan::iscsi
