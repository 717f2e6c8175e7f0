// RBD backend: a Ceph RADOS block device image as a BlockDevice (librbd).
//
// Opening (open_rbd_device): connects to the cluster named by ceph_conf as
// client.<ceph_user>, opens pool/image and sizes the device. Every step is
// bounded by `timeout_s` (client_mount_timeout, rados_mon_op_timeout), so an
// unreachable cluster, a missing pool or a missing image is an error naming
// pool, image and the Ceph error after at most about that long, never a
// hang. Synchronous: call it off the reactors (config load, management).
//
// I/O: librbd's asynchronous C++ API (librbd::Image). submit() starts the
// operation and returns;
// librbd completes it on one of its own threads, which hands the result to
// req.reactor through Reactor::post (the reactor's eventfd), where on_done
// runs. No thread per command, no blocking call on a reactor. REQUIRES
// req.reactor (a request without one fails with -EINVAL).
//  kRead         aio_read into a bufferlist of librbd's. With req.may_share
//                and the bytes in one piece, they are lent: req.shared
//                points into it, req.lease keeps it (no copy); otherwise
//                they are copied into req.buf
//  kWrite        aio_write of bytes librbd keeps until the OSD has them
//                (its write cache acknowledges earlier): req.buf's storage
//                when req.give hands it over (*req.give gets a fresh
//                buffer), else a copy; a FUA or write_through write is
//                followed by aio_flush before it completes
//  kFlush        aio_flush (librbd's cache, if enabled, is written back)
//  kDiscard      aio_discard (reads of the range then return zeros:
//                rbd_skip_partial_discard is off, so partial objects are zeroed)
//  kWriteZeroes  aio_write_zeroes
// Object operations time out after timeout_s (rados_osd_op_timeout): a
// cluster that stops answering fails commands with -ETIMEDOUT (and friends),
// which the SCSI layer answers with a retryable status (scsi/sbc_io.cc
// fail_io); later commands succeed again once the cluster is back. The
// first such error posts a health_failed event (fields device, path =
// "rbd:pool/image", state "failed", error), the first success after it
// health_recovered: the events the backend probes post for file devices.
//
// Capacity: size_bytes (0 = the image's size; else at most the image's).
// resize() grows the image (Image::resize) when asked for more than it has and
// never shrinks it (a smaller size only exposes less). A resize made
// elsewhere (rbd resize) is noticed through librbd's update watch; a device
// exposing the whole image follows it and tells its capacity listener
// (BlockDevice::set_capacity_listener) from its watch thread (one per device).
//
//  kCompareAndWrite  aio_compare_and_write, atomic at the OSD against
//                every client of the image (the other HA node included);
//                its mismatch offset (from req.offset) becomes
//                req.miscompare_at on -EILSEQ. librbd 1.16 (Ceph 16) refuses
//                a range leaving one 512-byte sector or crossing a stripe
//                unit (-EINVAL): supports_compare_and_write() says false
//                there, and the SCSI layer reads, compares and writes under
//                its range guard instead (scsi/sbc_atomic.cc). Each one is
//                logged at debug level with its result. FUA as for kWrite.
//
// drop_cache(): the image's flush + invalidate_cache (HA role changes).
//
// Provisioning: map_status_async() queues the query for the device's worker
// thread (the one that also follows resizes; one per device, queries run
// one after another) and returns; the worker runs diff_iterate2 (no
// "from" snapshot, the parent included, whole_object 0) over at most 64
// objects' worth of bytes from q.offset and posts the extents to q.reactor
// (Reactor::post, counted as the reactor's backend I/O in flight), where
// on_done runs. Reported extents are mapped, the rest deallocated: objects
// never written or wholly discarded, and the part of an object past its
// stored size. A discard inside an object that leaves its size (librbd
// zeroes the range) stays mapped -- what librbd can tell; reads there
// return zeros either way. whole_object 0 is as exact with fast-diff as
// without (fast-diff's object map would make whole_object 1 cheaper but
// only object-granular). A failed query (cluster unreachable) returns its
// -errno and counts for the health events like I/O. The synchronous
// map_status() stays the default (everything mapped): it must not wait for
// the cluster.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "backend/block_device.h"

namespace esan::backend {

struct RbdOptions {
  std::string device;     // the esand device's name, for logs and events
  std::string pool;       // RADOS pool, non-empty
  std::string image;      // image name, non-empty
  std::string ceph_conf;  // path of ceph.conf; empty = librados' default search
  std::string ceph_user;  // client id without "client." (as rbd --id); empty = "admin"
  uint32_t timeout_s = 30;  // connect, monitor and object operation timeout (seconds, > 0)
  uint64_t size_bytes = 0;  // 0 = the image's size
  bool read_only = false;
  bool write_through = false;
};

// True when esand was built with librbd (else open_rbd_device is kUnsupported).
bool rbd_available();
Result<std::unique_ptr<BlockDevice>> open_rbd_device(const RbdOptions& opts);

}  // namespace esan::backend
