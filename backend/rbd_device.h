// RBD backend: a Ceph RADOS block device image as a BlockDevice (librbd).
//
// Opening (open_rbd_device): connects to the cluster named by ceph_conf as
// client.<ceph_user>, opens pool/image and sizes the device. Every step is
// bounded by `timeout_s` (client_mount_timeout, rados_mon_op_timeout), so an
// unreachable cluster, a missing pool or a missing image is an error naming
// pool, image and the Ceph error after at most about that long, never a
// hang. Synchronous: call it off the reactors (config load, management).
//
// I/O: librbd's asynchronous API. submit() starts the operation and returns;
// librbd completes it on one of its own threads, which hands the result to
// req.reactor through Reactor::post (the reactor's eventfd), where on_done
// runs. No thread per command, no blocking call on a reactor. REQUIRES
// req.reactor (a request without one fails with -EINVAL).
//  kRead/kWrite  rbd_aio_read / rbd_aio_write; a FUA or write_through write
//                is followed by rbd_aio_flush before it completes
//  kFlush        rbd_aio_flush (librbd's cache, if enabled, is written back)
//  kDiscard      rbd_aio_discard (reads of the range then return zeros:
//                rbd_skip_partial_discard is off, so partial objects are zeroed)
//  kWriteZeroes  rbd_aio_write_zeroes
// Object operations time out after timeout_s (rados_osd_op_timeout): a
// cluster that stops answering fails commands with -ETIMEDOUT (and friends),
// which the SCSI layer answers with a retryable status (scsi/sbc_io.cc
// fail_io); later commands succeed again once the cluster is back. The
// first such error posts a health_failed event (fields device, path =
// "rbd:pool/image", state "failed", error), the first success after it
// health_recovered: the events the backend probes post for file devices.
//
// Capacity: size_bytes (0 = the image's size; else at most the image's).
// resize() grows the image (rbd_resize) when asked for more than it has and
// never shrinks it (a smaller size only exposes less). A resize made
// elsewhere (rbd resize) is noticed through librbd's update watch; a device
// exposing the whole image follows it and tells its capacity listener
// (BlockDevice::set_capacity_listener) from its watch thread (one per device).
//
// drop_cache(): rbd_flush + rbd_invalidate_cache (HA role changes).
// map_status(): everything mapped (the default): librbd's allocation query
// (rbd_diff_iterate2) is a cluster round trip, which map_status()'s
// synchronous "cheap, any thread" contract does not allow on a reactor.
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
