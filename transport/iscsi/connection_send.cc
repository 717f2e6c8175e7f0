// Connection: send path. PDUs are queued as frames (header iovec + data
// iovec + pad/digest iovec) and written with one sendmsg per reactor batch.
#include <sys/socket.h>

#include <climits>
#include <cstring>

#include "common/crc32c.h"
#include "common/log.h"
#include "transport/iscsi/connection.h"

namespace esan::iscsi {

SnFields Connection::next_sns(bool advance_statsn) {
  session_.window.update(unanswered(), session_.queued_commands);
  return {advance_statsn ? stat_sn_++ : stat_sn_, session_.window.exp_cmdsn(), session_.window.max_cmdsn()};
}

Connection::Frame& Connection::new_frame(const Bhs& bhs, uint32_t data_len) {
  Frame& f = frames_.emplace_back();
  std::memcpy(f.hdr, bhs.b, kBhsLen);
  store_be24(f.hdr + 5, data_len);  // DataSegmentLength
  f.hdr_len = kBhsLen;
  if (hdr_digest_) {
    store_digest(f.hdr + kBhsLen, crc32c(f.hdr, kBhsLen));
    f.hdr_len += kDigestLen;
  }
  return f;
}

// Fills a frame's tail: zero padding to 4 bytes, then the data digest.
static void finish_tail(uint8_t* tail, uint8_t& tail_len, const uint8_t* data, uint32_t len,
                        bool digest) {
  uint32_t pad = pad4(len) - len;
  std::memset(tail, 0, pad);
  tail_len = uint8_t(pad);
  if (digest && len) {
    uint32_t crc = crc32c(data, len);
    if (pad) crc = crc32c(tail, pad, crc);
    store_digest(tail + pad, crc);
    tail_len += kDigestLen;
  }
}

void Connection::queue_pdu(const Bhs& bhs, const uint8_t* data, uint32_t len, IscsiTask* task) {
  if (phase_ == Phase::kClosing && fd_ < 0) return;
  Frame& f = new_frame(bhs, len);
  f.data = data;
  f.data_len = len;
  f.task = task;
  if (task) task->sends_pending++;
  finish_tail(f.tail, f.tail_len, data, len, data_digest_);
  schedule_flush();
}

void Connection::queue_pdu_spliced(const Bhs& bhs, IscsiTask& t, uint32_t len) {
  if (phase_ == Phase::kClosing && fd_ < 0) return;
  Frame& f = new_frame(bhs, len);
  f.pipe = pipes_[size_t(t.pipe)].rd;
  f.data_len = len;
  f.task = &t;
  t.sends_pending++;
  ++pipe_frames_;
  finish_tail(f.tail, f.tail_len, nullptr, len, false);  // offer_pipe: never with a data digest
  schedule_flush();
}

void Connection::queue_pdu_owned(const Bhs& bhs, std::vector<uint8_t> data) {
  if (phase_ == Phase::kClosing && fd_ < 0) return;
  Frame& f = new_frame(bhs, uint32_t(data.size()));
  f.owned = std::move(data);
  f.data = f.owned.data();
  f.data_len = uint32_t(f.owned.size());
  finish_tail(f.tail, f.tail_len, f.data, f.data_len, data_digest_);
  schedule_flush();
}

void Connection::schedule_flush() {
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  auto self = shared_from_this();
  reactor_.defer([self] {
    self->flush_scheduled_ = false;
    self->flush();
  });
}

bool Connection::gather_iov() {
  iov_.clear();
  size_t skip = sent_off_;
  for (Frame& f : frames_) {
    if (iov_.size() + 3 > IOV_MAX) break;
    auto add = [&](const uint8_t* p, size_t n) {
      if (n == 0) return;
      if (skip >= n) {
        skip -= n;
        return;
      }
      iov_.push_back(iovec{const_cast<uint8_t*>(p) + skip, n - skip});
      skip = 0;
    };
    add(f.hdr, f.hdr_len);
    if (f.pipe >= 0) {
      if (skip < f.data_len) return true;
      skip -= f.data_len;
    } else {
      add(f.data, f.data_len);
    }
    add(f.tail, f.tail_len);
  }
  return false;
}

void Connection::flush() {
  if (send_inflight_ || frames_.empty() || fd_ < 0) return;
  if (pipe_frames_) return flush_sync();
  gather_iov();  // no frame comes from a pipe: all of it is memory
  msg_ = msghdr{};
  msg_.msg_iov = iov_.data();
  msg_.msg_iovlen = iov_.size();
  io_uring_sqe* sqe = reactor_.get_sqe();
  io_uring_prep_sendmsg(sqe, fd_, &msg_, MSG_NOSIGNAL);
  reactor::Reactor::set_op(sqe, send_op_.get());
  send_inflight_ = true;
}

void Connection::on_sent(int res) {
  send_inflight_ = false;
  if (res < 0) {
    if (res == -EAGAIN || res == -EINTR) {
      flush();
      return;
    }
    return send_failed();
  }
  advance(size_t(res));
  if (!frames_.empty()) flush();
  if (phase_ == Phase::kClosing) maybe_finish();
  else resume_recv();
}

void Connection::send_failed() {
  frames_.clear();
  pipe_frames_ = 0;
  sent_off_ = 0;
  close("send error");
  maybe_finish();
}

void Connection::advance(size_t sent) {
  size_t n = sent + sent_off_;
  while (!frames_.empty()) {
    Frame& f = frames_.front();
    size_t flen = f.hdr_len + f.data_len + f.tail_len;
    if (n < flen) break;
    n -= flen;
    IscsiTask* t = f.task;
    if (f.pipe >= 0) --pipe_frames_;
    frames_.pop_front();
    if (t) {
      t->sends_pending--;
      maybe_release(t);
    }
  }
  sent_off_ = n;
}

void Connection::send_reject(const Bhs& bad, uint8_t reason) {
  if (fd_ < 0) return;
  Reject r;
  r.reason = reason;
  r.sn = next_sns(true);
  queue_pdu_owned(r.encode(), std::vector<uint8_t>(bad.b, bad.b + kBhsLen));
}

}  // namespace esan::iscsi
