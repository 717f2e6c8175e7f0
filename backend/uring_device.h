// UringDevice: a BlockDevice doing io_uring I/O on one file descriptor. It
// serves both the `file` backend (buffered) and the `block` backend
// (O_DIRECT). FUA and write_through writes use RWF_DSYNC; kFlush is
// fdatasync; kDiscard punches a hole; kWriteZeroes zeroes a range.
//
// Called off a reactor thread (Reactor::current() == nullptr, e.g. in unit
// tests or at shutdown), submit() performs the I/O synchronously instead.
// Short transfers are continued until complete; reading past the end of a
// file shorter than size_bytes() yields zeros. Physical block size: the
// device's (BLKPBSZGET) for block devices, 4096 for files.
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
  bool supports_discard() const override { return true; }
  uint32_t physical_block_size() const override { return phys_block_; }
  // Files: SEEK_DATA/SEEK_HOLE (holes are deallocated; past the end of a
  // file shorter than size_bytes() too). Block devices: always mapped.
  MapExtent map_status(uint64_t offset, uint64_t len) const override;

 private:
  class PendingOp;
  void submit_sync(IoRequest& req);
  void issue(IoRequest& req, reactor::Reactor& r);
  void on_complete(IoRequest& req, int res, reactor::Reactor& r);

  int fd_;
  std::atomic<uint64_t> size_;
  std::atomic<bool> write_through_;
  bool direct_;
  bool is_blockdev_;
  bool read_only_;
  uint32_t phys_block_ = 4096;  // BLKPBSZGET for block devices
};

}  // namespace esan::backend
