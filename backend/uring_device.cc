#include "backend/uring_device.h"

#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

#include "backend/zeros.h"
#include "common/log.h"

namespace esan::backend {

// Per-request io_uring completion: lives in a small heap block keyed by the
// request; freed when the request completes.
class UringDevice::PendingOp final : public reactor::Op {
 public:
  PendingOp(UringDevice* dev, IoRequest* req) : dev_(dev), req_(req) { req_->reactor->worker_io_started(); }
  void complete(int res, uint32_t) override {
    UringDevice* dev = dev_;
    IoRequest* req = req_;
    req->reactor->worker_io_done();
    delete this;
    dev->on_complete(*req, res);
  }

 private:
  UringDevice* dev_;
  IoRequest* req_;
};

UringDevice::UringDevice(int fd, uint64_t size, bool write_through, bool direct, bool is_blockdev, bool read_only)
    : fd_(fd), size_(size), write_through_(write_through), direct_(direct), is_blockdev_(is_blockdev),
      read_only_(read_only) {
  unsigned int pbs = 0;
  if (is_blockdev_ && ioctl(fd_, BLKPBSZGET, &pbs) == 0 && pbs >= 512 && (pbs & (pbs - 1)) == 0) phys_block_ = pbs;
  struct statfs fs {};
  if (!is_blockdev_ && !direct_ && fstatfs(fd_, &fs) == 0)
    memory_backed_ = fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC;
}

MapExtent UringDevice::map_status(uint64_t offset, uint64_t len) const {
  if (is_blockdev_) return MapExtent{true, len};
  // lseek moves the shared file offset, which no I/O here uses (all I/O is
  // positional), so concurrent calls are harmless.
  off_t data = lseek(fd_, off_t(offset), SEEK_DATA);
  if (data < 0) {
    if (errno == ENXIO) return MapExtent{false, len};  // only a hole (or EOF) from here on
    return MapExtent{true, len};                       // cannot tell: mapped
  }
  if (uint64_t(data) > offset) {
    uint64_t n = uint64_t(data) - offset;
    return MapExtent{false, n < len ? n : len};
  }
  off_t hole = lseek(fd_, off_t(offset), SEEK_HOLE);
  if (hole < 0 || uint64_t(hole) <= offset) return MapExtent{true, len};
  uint64_t n = uint64_t(hole) - offset;
  return MapExtent{true, n < len ? n : len};
}

Status UringDevice::resize(uint64_t size_bytes) {
  if (size_bytes == 0) return make_error(Errc::kInvalidArgument, "size 0");
  if (is_blockdev_) {
    uint64_t max = 0;
    if (ioctl(fd_, BLKGETSIZE64, &max) < 0) return make_error(Errc::kIo, std::string("cannot size: ") + strerror(errno));
    if (size_bytes > max)
      return make_error(Errc::kInvalidArgument, "size " + std::to_string(size_bytes) +
                                                    " is larger than the block device (" + std::to_string(max) + ")");
  } else {
    struct stat st {};
    if (fstat(fd_, &st) < 0) return make_error(Errc::kIo, std::string("cannot stat: ") + strerror(errno));
    if (uint64_t(st.st_size) < size_bytes && ftruncate(fd_, off_t(size_bytes)) < 0)
      return make_error(Errc::kIo, std::string("cannot extend the file: ") + strerror(errno));
  }
  size_.store(size_bytes);
  return ok();
}

UringDevice::~UringDevice() {
  if (fd_ >= 0) {
    fdatasync(fd_);
    close(fd_);
  }
}

void UringDevice::submit(IoRequest& req) {
  req.done_bytes = 0;
  if (!req.reactor) return req.on_done(req, -EINVAL);  // no ring to run on: the submitter broke the contract
  if (req.op == IoOp::kCompareAndWrite) return req.on_done(req, -EOPNOTSUPP);  // not supports_compare_and_write()
  if (req.op == IoOp::kDiscard && is_blockdev_) return discard_blockdev(req);  // BLKDISCARD has no io_uring op
  issue(req);
}

bool UringDevice::runs_inline(const IoRequest& req) const {
  return memory_backed_ && (req.op == IoOp::kRead || req.op == IoOp::kWrite) && req.len <= kInlineMaxBytes;
}

int UringDevice::io_inline(IoRequest& req) {
  uint32_t off = req.done_bytes;
  iovec iov{req.buf + off, req.len - off};
  bool dsync = req.op == IoOp::kWrite && (req.fua || write_through_.load(std::memory_order_relaxed));
  ssize_t n = req.op == IoOp::kRead ? preadv2(fd_, &iov, 1, off_t(req.offset + off), 0)
                                    : pwritev2(fd_, &iov, 1, off_t(req.offset + off), dsync ? RWF_DSYNC : 0);
  return n < 0 ? -errno : int(n);
}

bool UringDevice::splices(const IoRequest& req) const {
  if (!splices_reads() || req.op != IoOp::kRead || req.splice_to < 0) return false;
  // A pipe holds one page (or folio) per slot: the pages the range touches.
  constexpr uint64_t kPage = 4096;
  uint64_t pages = (req.offset + req.len + kPage - 1) / kPage - req.offset / kPage;
  return pages * kPage <= req.splice_room;
}

int UringDevice::splice_inline(IoRequest& req) {
  loff_t pos = loff_t(req.offset + req.done_bytes);
  ssize_t n = ::splice(fd_, &pos, req.splice_to, nullptr, req.len - req.done_bytes, SPLICE_F_NONBLOCK);
  return n < 0 ? -errno : int(n);
}

int UringDevice::splice_zeros(IoRequest& req) {
  const uint8_t* zeros = shared_zeros(req.len);
  if (!zeros) return -ENOMEM;
  while (req.done_bytes < req.len) {
    ssize_t w = ::write(req.splice_to, zeros, req.len - req.done_bytes);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return w < 0 ? -errno : -EIO;
    req.done_bytes += uint32_t(w);
  }
  return 0;
}

void UringDevice::unsplice(IoRequest& req) {
  req.splice_to = -1;  // splices() is false from now on
  req.done_bytes = 0;
  issue(req);
}

void UringDevice::issue(IoRequest& req) {
  uint32_t off = req.done_bytes;
  if (splices(req)) {
    if (memory_backed_) return on_complete(req, splice_inline(req));
    io_uring_sqe* sqe = req.reactor->get_sqe();
    // SPLICE_F_NONBLOCK: a pipe without room fails (and the read goes to buf)
    // instead of holding a worker thread forever.
    io_uring_prep_splice(sqe, fd_, int64_t(req.offset + off), req.splice_to, -1, req.len - off,
                         SPLICE_F_NONBLOCK);
    reactor::Reactor::set_op(sqe, new PendingOp(this, &req));
    return;
  }
  if (runs_inline(req)) return on_complete(req, io_inline(req));
  io_uring_sqe* sqe = req.reactor->get_sqe();
  switch (req.op) {
    case IoOp::kRead:
      io_uring_prep_read(sqe, fd_, req.buf + off, req.len - off, req.offset + off);
      break;
    case IoOp::kWrite:
      io_uring_prep_write(sqe, fd_, req.buf + off, req.len - off, req.offset + off);
      if (req.fua || write_through_.load(std::memory_order_relaxed)) sqe->rw_flags = RWF_DSYNC;
      break;
    case IoOp::kFlush:
      io_uring_prep_fsync(sqe, fd_, IORING_FSYNC_DATASYNC);
      break;
    case IoOp::kDiscard:
      io_uring_prep_fallocate(sqe, fd_, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, req.offset, req.len);
      break;
    case IoOp::kWriteZeroes:
      io_uring_prep_fallocate(sqe, fd_, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, req.offset, req.len);
      break;
    case IoOp::kCompareAndWrite:  // refused in submit()
      break;
  }
  reactor::Reactor::set_op(sqe, new PendingOp(this, &req));
}

void UringDevice::on_complete(IoRequest& req, int res) {
  if (splices(req)) {
    if (res == -EINTR) return issue(req);
    if (res < 0) return unsplice(req);  // e.g. a full pipe: read into buf instead
    if (res > 0) req.done_bytes += uint32_t(res);
    else if (splice_zeros(req) < 0) return unsplice(req);  // past the end of a shorter file
    if (req.done_bytes < req.len) return issue(req);
    req.spliced = true;
    return req.on_done(req, int(req.len));
  }
  if (res < 0) {
    if (res == -EAGAIN || res == -EINTR) return issue(req);
    return req.on_done(req, res);
  }
  if (req.op != IoOp::kRead && req.op != IoOp::kWrite) return req.on_done(req, int(req.len));
  if (res == 0) {
    if (req.op == IoOp::kWrite) return req.on_done(req, -EIO);
    // Past the end of a shorter file: the rest reads as zeros.
    std::memset(req.buf + req.done_bytes, 0, req.len - req.done_bytes);
    return req.on_done(req, int(req.len));
  }
  req.done_bytes += uint32_t(res);
  if (req.done_bytes < req.len) return issue(req);
  req.on_done(req, int(req.len));
}

void UringDevice::discard_blockdev(IoRequest& req) {
  uint64_t range[2] = {req.offset, req.len};
  req.on_done(req, ioctl(fd_, BLKDISCARD, range) < 0 ? -errno : int(req.len));
}

void UringDevice::drop_cache() {
  if (direct_) return;
  if (!read_only_ && ::fdatasync(fd_) != 0) ESAN_LOG_WARN("fdatasync before dropping the page cache failed: {}", std::strerror(errno));
  ::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED);
}

}  // namespace esan::backend
