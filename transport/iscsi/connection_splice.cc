// Connection: READ data spliced from the backend's page cache to the socket
// (contract in connection.h, "spliced READ data").
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "transport/iscsi/connection.h"

namespace esan::iscsi {

namespace {
// Room for a 1 MiB read that does not start on a page (257 pages), rounded
// to the kernel's power of two; above /proc/sys/fs/pipe-max-size (1 MiB by
// default) only a process with CAP_SYS_RESOURCE gets it. Otherwise the pipe
// keeps 1 MiB, and a 1 MiB read that does not start on a page is not spliced.
constexpr int kPipeBytes[] = {2 << 20, 1 << 20};

// Pipes (two descriptors each) may take a quarter of the open-file limit,
// leaving the rest to sockets and devices.
int max_live_pipes() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 4096;
  return int(std::min<rlim_t>(rl.rlim_cur / 8, 1 << 20));
}
}  // namespace

void Connection::offer_pipe(IscsiTask& t) {
  scsi::Task& s = t.scsi;
  if (data_digest_ || s.expected_len < kSpliceMinBytes) return;
  int idx = -1;
  if (!free_pipes_.empty()) {
    idx = free_pipes_.back();
    free_pipes_.pop_back();
  } else {
    size_t slot = 0;
    while (slot < pipes_.size() && pipes_[slot].rd >= 0) ++slot;
    if (slot >= kMaxPipes) return;  // every pipe is in use: this READ goes through its buffer
    if (ctx_.live_pipes.fetch_add(1) >= max_live_pipes()) {
      ctx_.live_pipes.fetch_sub(1);
      return;
    }
    int fds[2];
    if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) < 0) {
      ctx_.live_pipes.fetch_sub(1);
      return;
    }
    SplicePipe p{fds[0], fds[1], 0};
    int room = -1;
    for (int want : kPipeBytes)
      if ((room = ::fcntl(p.wr, F_SETPIPE_SZ, want)) >= 0) break;
    if (room < 0) room = ::fcntl(p.wr, F_GETPIPE_SZ);
    if (room < int(kSpliceMinBytes)) return close_pipe(p);
    p.room = uint32_t(room);
    if (slot == pipes_.size()) pipes_.emplace_back();
    pipes_[slot] = p;
    idx = int(slot);
  }
  t.pipe = idx;
  s.data_in_pipe = pipes_[size_t(idx)].wr;
  s.data_in_pipe_room = pipes_[size_t(idx)].room;
}

void Connection::want_pipe(scsi::Task& task) {
  auto* t = static_cast<IscsiTask*>(task.transport_ctx);
  if (t && t->pipe < 0) offer_pipe(*t);
}

void Connection::return_pipe(IscsiTask& t) {
  SplicePipe& p = pipes_[size_t(t.pipe)];
  const scsi::Task& s = t.scsi;
  bool empty;
  if (s.data_in_spliced) {
    empty = t.pipe_sent == s.data.size();
  } else {  // not spliced: empty unless a splice failed part way
    int queued = 0;
    empty = ::ioctl(p.rd, FIONREAD, &queued) == 0 && queued == 0;
  }
  if (empty) free_pipes_.push_back(uint16_t(t.pipe));
  else close_pipe(p);
  t.pipe = -1;
  t.pipe_sent = 0;
}

void Connection::close_pipe(SplicePipe& p) {
  ::close(p.rd);
  ::close(p.wr);
  p = SplicePipe{};
  ctx_.live_pipes.fetch_sub(1);
}

void Connection::close_pipes() {
  for (SplicePipe& p : pipes_)
    if (p.rd >= 0) close_pipe(p);
  free_pipes_.clear();
}

void Connection::flush_sync() {
  // A splice to a socket waits for room unless the socket is non-blocking
  // (SPLICE_F_NONBLOCK only covers the pipe), so the socket is, for the
  // length of this call. No ring operation is issued meanwhile: a receive
  // already armed keeps the flags it was issued with.
  int flags = ::fcntl(fd_, F_GETFL);
  if (flags < 0 || ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK) < 0) return send_failed();
  bool wait = false, failed = false;
  while (!frames_.empty()) {
    Frame& f = frames_.front();
    ssize_t n;
    if (f.pipe >= 0 && sent_off_ >= f.hdr_len && sent_off_ < f.hdr_len + f.data_len) {
      size_t want = f.hdr_len + f.data_len - sent_off_;
      bool more = f.tail_len || frames_.size() > 1;
      n = ::splice(f.pipe, nullptr, fd_, nullptr, want, SPLICE_F_NONBLOCK | (more ? SPLICE_F_MORE : 0));
      if (n > 0) {
        if (f.task) f.task->pipe_sent += uint32_t(n);
        session_.counters->spliced(uint64_t(n));
      }
      if (n < 0 && errno == EAGAIN) {
        // A full socket, or a pipe that holds less than its frames say.
        int queued = 0;
        if (::ioctl(f.pipe, FIONREAD, &queued) != 0 || queued == 0) n = 0;
      }
      if (n == 0) {
        failed = true;
        break;
      }
    } else {
      bool at_pipe = gather_iov();
      msghdr msg{};
      msg.msg_iov = iov_.data();
      msg.msg_iovlen = iov_.size();
      n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT | (at_pipe ? MSG_MORE : 0));
    }
    if (n > 0) {
      advance(size_t(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      wait = true;
      break;
    }
    failed = true;
    break;
  }
  ::fcntl(fd_, F_SETFL, flags);
  if (failed) return send_failed();
  if (wait) {
    io_uring_sqe* sqe = reactor_.get_sqe();
    io_uring_prep_poll_add(sqe, fd_, POLLOUT);
    reactor::Reactor::set_op(sqe, writable_op_.get());
    send_inflight_ = true;
    return;
  }
  if (phase_ == Phase::kClosing) maybe_finish();
  else resume_recv();
}

void Connection::on_writable(int res) {
  (void)res;  // an error or hang-up shows in the next send
  send_inflight_ = false;
  if (!frames_.empty() && fd_ >= 0) return flush();
  if (phase_ == Phase::kClosing) maybe_finish();
}

}  // namespace esan::iscsi
