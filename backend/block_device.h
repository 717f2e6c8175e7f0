// BlockDevice: the one small interface every storage backend implements.
//
// The SCSI layer turns commands into IoRequests; a backend performs them and
// reports each exactly once through req.on_done(req, result), where result is
// the number of bytes transferred (== req.len on success) or -errno. A
// backend never throws and never crashes on an I/O error: it reports -errno.
//
// Where I/O runs (the submitter passes it explicitly; there is no
// thread-local lookup):
//  - req.reactor is the reactor whose thread calls submit(); the submitter
//    sets it on every request (the SCSI layer: the task's executor's
//    reactor, Executor::reactor()).
//  - Asynchronous backends (UringDevice: `file`, `block`) queue the request
//    on that reactor's ring and complete it later on that same thread. They
//    REQUIRE req.reactor: a request without one fails with -EINVAL. A file
//    on tmpfs or ramfs is the exception: its reads and writes of up to 64
//    KiB complete inline (uring_device.h), so a submitter must expect
//    on_done inside submit() from any backend.
//  - Backends that complete inline, inside submit() (null; tests' memory
//    devices), ignore req.reactor, which may then be null.
//  Either way on_done runs on the thread that called submit().
//
// Thread-safety: one BlockDevice is shared by every reactor; submit() may be
// called concurrently from several reactor threads. size_bytes() may change
// at runtime (resize()); it is an atomic load.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/buffer.h"
#include "common/result.h"

namespace esan::reactor {
class Reactor;
}

namespace esan::backend {

enum class IoOp : uint8_t {
  kRead,         // read len bytes at offset into buf
  kWrite,        // write len bytes from buf at offset
  kFlush,        // make all completed writes stable (fdatasync)
  kDiscard,      // deallocate [offset, offset+len); later reads return zeros
  kWriteZeroes,  // write zeros to [offset, offset+len)
  // Atomically: compare [offset, offset+len) with buf[0, len) and, when
  // equal, write buf[len, 2*len) there. On a difference nothing is written
  // and the request fails with -EILSEQ, miscompare_at = offset (in bytes,
  // from req.offset) of the first differing byte. Only where
  // supports_compare_and_write(offset, len) says so; others: -EOPNOTSUPP.
  kCompareAndWrite,
};

// One extent of the provisioning map: [offset, offset + len) is mapped
// (holds data) or deallocated (reads return zeros, no storage allocated).
struct MapExtent {
  bool mapped = true;
  uint64_t len = 0;  // bytes, > 0
};

struct IoRequest {
  IoOp op = IoOp::kRead;
  bool fua = false;       // kWrite: data is on stable storage before completion
  uint64_t offset = 0;    // bytes
  uint32_t len = 0;       // bytes
  uint8_t* buf = nullptr; // kRead/kWrite: len bytes, 4096-byte aligned; kCompareAndWrite: 2 * len
  // kRead: the submitter accepts `shared` in place of buf being filled (it
  // only sends the bytes on). A backend that already holds them read-only
  // may then set `shared` to them and leave buf untouched: bytes it holds
  // for the process's lifetime (null: zeros), or the buffer it received
  // them into (rbd: librbd's), which it lends by setting `lease` too. Those
  // bytes stay valid and unchanged while anyone holds the lease; the
  // submitter keeps it until it has sent them. Otherwise the backend fills
  // buf and leaves shared and lease null.
  bool may_share = false;
  const uint8_t* shared = nullptr;
  std::shared_ptr<const void> lease = nullptr;
  // kWrite: *give owns buf's storage (give->data() == buf) and the submitter
  // does not read it again. A backend that must keep the bytes past
  // completion (rbd: librbd's write cache acknowledges before the OSD has
  // them) may take that storage instead of copying it, leaving *give a
  // fresh buffer of the same size with unspecified contents.
  AlignedBuffer* give = nullptr;
  // kRead: the submitter offers the write end of an empty pipe with room
  // for splice_room bytes (F_GETPIPE_SZ: a page per slot, so a range that
  // does not start on a page needs a page more), in place of filling buf.
  // A backend that can pass the bytes on by reference (a buffered file: splice(2)
  // from the page cache, no copy) may put exactly len bytes into it and set
  // `spliced`; otherwise it fills buf and ignores the pipe. After a
  // completion without `spliced` the pipe may hold some bytes (a failed
  // splice): the submitter must not offer it again before emptying it.
  // The bytes are the page cache's as the kernel later sends them, not a
  // snapshot taken at completion.
  int splice_to = -1;
  uint32_t splice_room = 0;
  bool spliced = false;
  void (*on_done)(IoRequest& req, int result) = nullptr;
  void* user = nullptr;   // for the submitter; untouched by backends
  reactor::Reactor* reactor = nullptr;  // the submitting thread's reactor (see "Where I/O runs")
  uint32_t done_bytes = 0;  // backend scratch: bytes finished so far
  uint32_t miscompare_at = 0;  // kCompareAndWrite failed with -EILSEQ: first differing byte
};

// An asynchronous provisioning query (BlockDevice::map_status_async): the
// status of [offset, offset + len) as consecutive extents.
struct MapQuery {
  uint64_t offset = 0;  // bytes
  uint64_t len = 0;     // bytes; REQUIRES len > 0 and offset + len <= size_bytes()
  // Out, when on_done's result is 0: extents from `offset` on, in order,
  // each len > 0, together covering a prefix of the range (at least one
  // byte, possibly all of it; the submitter may ask again from its end:
  // GET LBA STATUS's descriptors end there and the initiator asks again).
  std::vector<MapExtent> extents;
  void (*on_done)(MapQuery& q, int result) = nullptr;  // 0 or -errno
  void* user = nullptr;                 // for the submitter; untouched by backends
  reactor::Reactor* reactor = nullptr;  // the submitting thread's reactor, as IoRequest::reactor
};

class BlockDevice {
 public:
  virtual ~BlockDevice() = default;
  // Capacity in bytes (a multiple of the LU block size chosen by the caller).
  virtual uint64_t size_bytes() const = 0;
  // "null", "file" or "block", for logs and listings.
  virtual const char* kind() const = 0;
  // Starts req. REQUIRES: req.offset + req.len <= size_bytes() for data ops;
  // called on req.reactor's thread when set (see "Where I/O runs").
  virtual void submit(IoRequest& req) = 0;
  // True when kDiscard really deallocates (reads then return zeros).
  virtual bool supports_discard() const { return false; }
  // Physical block size in bytes (a power of two), for READ CAPACITY(16)'s
  // logical blocks per physical block exponent.
  virtual uint32_t physical_block_size() const { return 4096; }
  // Provisioning status of the extent starting at `offset`: whether it is
  // mapped, and how far (len, at most `len`) that status holds. Synchronous
  // and cheap (an lseek(SEEK_DATA/SEEK_HOLE) for files); any thread.
  // REQUIRES: len > 0 and offset + len <= size_bytes(). Backends that cannot
  // tell report the whole range mapped (the default).
  virtual MapExtent map_status(uint64_t offset, uint64_t len) const {
    (void)offset;
    return MapExtent{true, len};
  }
  // The provisioning map of [q.offset, q.offset + q.len), for GET LBA
  // STATUS: fills q.extents and calls q.on_done(q, result) exactly once, on
  // the thread that called it (q.reactor's), possibly inside this call.
  // Called on the submitting reactor's thread; never blocks it.
  // Default: inline, from map_status() (at most kMapQueryExtents extents).
  // A backend whose allocation query is slow (rbd: a cluster round trip)
  // runs it on a thread of its own and posts the result to q.reactor
  // (REQUIRES q.reactor there; without one: -EINVAL).
  static constexpr size_t kMapQueryExtents = 256;
  virtual void map_status_async(MapQuery& q);
  // True when submit() performs IoOp::kCompareAndWrite on [offset,
  // offset + len) atomically in the backend (rbd: librbd's compare-and-write,
  // atomic at the OSD against every client of the image). Default false: the
  // SCSI layer then reads, compares and writes itself under its range guard
  // (scsi/sbc_atomic.cc), atomic only against commands of this process.
  virtual bool supports_compare_and_write(uint64_t offset, uint32_t len) const {
    (void)offset;
    (void)len;
    return false;
  }
  // Runtime changes (management plane; any thread, concurrent with I/O).
  // resize: the new capacity; a regular file shorter than it is extended
  // (sparse), never truncated; a block device cannot grow beyond its size
  // (kInvalidArgument). Nothing changes on error.
  // Default: kUnsupported.
  virtual Status resize(uint64_t size_bytes) {
    (void)size_bytes;
    return make_error(Errc::kUnsupported, std::string(kind()) + " device cannot be resized");
  }
  // Makes later reads come from the medium: writes back what this process
  // cached and drops it (a buffered file: fdatasync, then
  // POSIX_FADV_DONTNEED). For the HA pair's role changes, when another
  // node may have written the shared medium meanwhile (scsi/redirect.h).
  // Synchronous, any thread; a no-op for O_DIRECT and null devices.
  virtual void drop_cache() {}
  // True when submit() may splice a kRead into IoRequest::splice_to (a
  // buffered file); the submitter offers a pipe only then.
  virtual bool splices_reads() const { return false; }
  // False when opened read-only (a writable LU needs it reopened).
  virtual bool writable() const { return true; }
  // write_through: every write is stable before completion (RWF_DSYNC).
  virtual void set_write_through(bool on) { (void)on; }
  // Capacity changes made outside esand (an RBD image resized by `rbd
  // resize`): the backend calls fn(new size_bytes()) from a thread of its
  // own after size_bytes() changed. Setting another (or an empty) fn waits
  // for a call in progress to return; after that the old fn is not called
  // again. Default: the backend never changes size by itself; fn is ignored.
  virtual void set_capacity_listener(std::function<void(uint64_t)> fn) { (void)fn; }
};

struct FileOptions {
  std::string path;
  uint64_t size_bytes = 0;     // 0 = the file's (or device's) current size
  bool read_only = false;
  bool write_through = false;  // every write is stable before completion
};

// A device of `size_bytes` that completes everything inline; reads zeros.
// It stores nothing, so map_status() reports every extent deallocated.
std::unique_ptr<BlockDevice> make_null_device(uint64_t size_bytes);
// Buffered io_uring I/O on a regular file (or block device).
Result<std::unique_ptr<BlockDevice>> open_file_device(const FileOptions& opts);
// O_DIRECT io_uring I/O on a block device or file.
Result<std::unique_ptr<BlockDevice>> open_block_device(const FileOptions& opts);

}  // namespace esan::backend
