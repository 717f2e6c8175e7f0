// UringDevice: a BlockDevice doing io_uring I/O on one file descriptor. It
// serves both the `file` backend (buffered) and the `block` backend
// (O_DIRECT). FUA and write_through writes use RWF_DSYNC; kFlush is
// fdatasync; kDiscard punches a hole; kWriteZeroes zeroes a range.
//
// Every request runs on req.reactor's ring and completes on its thread
// (block_device.h, "Where I/O runs"); done inline instead are a block
// device's discard, which io_uring has no operation for (BLKDISCARD), and
// reads and writes of up to kInlineMaxBytes on a memory-backed file (tmpfs,
// ramfs): io_uring hands those to one of its worker threads, because such a
// file cannot promise not to block, and the hand-off (a wake-up and two
// context switches) costs more than the copy, which never waits for a
// device. Short transfers are continued until complete; reading past the
// end of a file shorter than size_bytes() yields zeros. Reads offered a
// pipe (IoRequest::splice_to) on a buffered file are spliced into it from
// the page cache (splices()), so this process never copies their bytes.
// Physical block size: the device's (BLKPBSZGET) for block devices, 4096
// for files.
#pragma once

#include <atomic>
#include <cstdint>

#include "backend/block_device.h"
#include "reactor/reactor.h"

namespace esan::backend {

class UringDevice final : public BlockDevice {
 public:
  UringDevice(int fd, uint64_t size, bool write_through, bool direct, bool is_blockdev, bool read_only = false);
  ~UringDevice() override;
  uint64_t size_bytes() const override { return size_.load(std::memory_order_relaxed); }
  Status resize(uint64_t size_bytes) override;
  bool writable() const override { return !read_only_; }
  void set_write_through(bool on) override { write_through_.store(on, std::memory_order_relaxed); }
  const char* kind() const override { return direct_ ? "block" : "file"; }
  void submit(IoRequest& req) override;
  void drop_cache() override;
  bool supports_discard() const override { return true; }
  bool splices_reads() const override { return !direct_; }
  static constexpr uint32_t kInlineMaxBytes = 64 * 1024;
  uint32_t physical_block_size() const override { return phys_block_; }
  // Files: SEEK_DATA/SEEK_HOLE (holes are deallocated; past the end of a
  // file shorter than size_bytes() too). Block devices: always mapped.
  MapExtent map_status(uint64_t offset, uint64_t len) const override;

 private:
  class PendingOp;
  void discard_blockdev(IoRequest& req);
  void issue(IoRequest& req);
  bool runs_inline(const IoRequest& req) const;
  int io_inline(IoRequest& req);
  // A read that goes into the submitter's pipe (IoRequest::splice_to) by
  // splice(2): buffered I/O only, and only when the pipe has room for the
  // request's pages. On a memory-backed file it runs inline at any length
  // (it moves page references, never waits for a device); otherwise on the
  // ring (io_uring runs splices on a worker thread).
  bool splices(const IoRequest& req) const;
  int splice_inline(IoRequest& req);
  // A splice read that failed: the rest is read into buf from the start.
  void unsplice(IoRequest& req);
  // A splice read that met the end of a shorter file: zeros for the rest
  // (0 or -errno).
  int splice_zeros(IoRequest& req);
  void on_complete(IoRequest& req, int res);

  int fd_;
  std::atomic<uint64_t> size_;
  std::atomic<bool> write_through_;
  bool direct_;
  bool is_blockdev_;
  bool read_only_;
  bool memory_backed_ = false;  // a file on tmpfs or ramfs
  uint32_t phys_block_ = 4096;  // BLKPBSZGET for block devices
};

}  // namespace esan::backend
