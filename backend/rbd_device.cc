// See rbd_device.h.
#include "backend/rbd_device.h"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#if ESAN_HAVE_RBD

#include <rados/librados.h>
#include <rbd/librbd.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "common/log.h"
#include "events/event_log.h"
#include "reactor/reactor.h"

namespace esan::backend {
namespace {

class RbdDevice final : public BlockDevice {
 public:
  RbdDevice(const RbdOptions& o, rados_t cluster, librados::IoCtx io, std::unique_ptr<librbd::Image> img,
            uint64_t image_size, uint64_t object_size, uint64_t stripe_unit)
      : name_(o.pool + "/" + o.image), device_(o.device), cluster_(cluster), io_(std::move(io)),
        img_(std::move(img)),
        size_(o.size_bytes ? o.size_bytes : image_size), image_size_(image_size),
        follow_(o.size_bytes == 0 || o.size_bytes == image_size), write_through_(o.write_through),
        read_only_(o.read_only), query_window_(kQueryObjects * std::max<uint64_t>(object_size, 4096)),
        stripe_unit_(stripe_unit ? stripe_unit : object_size) {
    watcher_ = std::thread([this] { worker_loop(); });
    if (int r = img_->update_watch(&update_ctx_, &watch_handle_); r < 0) {
      watch_handle_ = 0;
      ESAN_LOG_WARN("rbd image '{}': cannot watch for resizes: {}", name_, strerror(-r));
    } else {
      watching_ = true;
    }
  }

  ~RbdDevice() override {
    if (watching_) img_->update_unwatch(watch_handle_);
    {
      std::lock_guard lk(watch_mu_);
      stop_ = true;
    }
    watch_cv_.notify_all();
    watcher_.join();
    if (!read_only_) img_->flush();
    img_->close();
    img_.reset();
    io_.close();
    rados_shutdown(cluster_);
  }

  uint64_t size_bytes() const override { return size_.load(std::memory_order_relaxed); }
  const char* kind() const override { return "rbd"; }
  bool supports_discard() const override { return true; }
  bool writable() const override { return !read_only_; }
  void set_write_through(bool on) override { write_through_.store(on, std::memory_order_relaxed); }

  void set_capacity_listener(std::function<void(uint64_t)> fn) override {
    std::lock_guard lk(listener_mu_);
    listener_ = std::move(fn);
  }

  Status resize(uint64_t size_bytes) override {
    if (size_bytes == 0) return make_error(Errc::kInvalidArgument, "size 0");
    std::lock_guard lk(resize_mu_);
    uint64_t image = 0;
    if (int r = img_->size(&image); r < 0)
      return make_error(Errc::kIo, fmt::format("rbd image '{}': cannot read its size: {}", name_, strerror(-r)));
    if (size_bytes > image) {
      if (read_only_) return make_error(Errc::kInvalidArgument, fmt::format("rbd image '{}' is open read-only", name_));
      if (int r = img_->resize(size_bytes); r < 0)
        return make_error(Errc::kIo, fmt::format("rbd image '{}': cannot grow to {} bytes: {}", name_, size_bytes,
                                                 strerror(-r)));
      image = size_bytes;
    }
    image_size_ = image;
    follow_ = size_bytes == image;
    size_.store(size_bytes);
    return ok();
  }

  void drop_cache() override {
    if (!read_only_) img_->flush();
    img_->invalidate_cache();
  }

  bool supports_compare_and_write(uint64_t offset, uint32_t len) const override {
    if (len == 0 || read_only_) return false;
    uint64_t last = offset + len - 1;
    return offset / kCawSector == last / kCawSector && (stripe_unit_ == 0 || offset / stripe_unit_ == last / stripe_unit_);
  }

  // The allocation query runs on the device's worker thread (a cluster
  // round trip); the result is posted to q.reactor.
  void map_status_async(MapQuery& q) override {
    if (!q.reactor) return q.on_done(q, -EINVAL);
    q.reactor->worker_io_started();
    {
      std::lock_guard lk(watch_mu_);
      queries_.push_back(&q);
    }
    watch_cv_.notify_all();
  }

  void submit(IoRequest& req) override {
    req.done_bytes = 0;
    if (!req.reactor) return req.on_done(req, -EINVAL);
    if (req.op == IoOp::kCompareAndWrite && !supports_compare_and_write(req.offset, req.len))
      return req.on_done(req, -EOPNOTSUPP);
    bool fua = (req.op == IoOp::kWrite || req.op == IoOp::kCompareAndWrite) &&
               (req.fua || write_through_.load(std::memory_order_relaxed));
    auto* op = new Op{this, &req, nullptr, 0, fua, 0, {}};
    req.reactor->worker_io_started();
    start(*op, req.op);
  }

 private:
  struct Op {
    RbdDevice* dev;
    IoRequest* req;
    librbd::RBD::AioCompletion* c;
    ssize_t result;
    bool flush_after;  // a FUA write: flush once the write is done
    uint64_t mismatch;  // kCompareAndWrite: librbd's offset of the first difference
    // kRead: librbd's buffers (lent to the submitter when they are one
    // piece); kWrite, kCompareAndWrite: the data, which librbd keeps until
    // the OSD has it (its write cache completes writes earlier): the
    // submitter's buffer when it gives it, else a copy.
    ceph::bufferlist bl;
  };

  // librbd 1.16 (Ceph 16) refuses a compare-and-write that leaves one
  // 512-byte sector (and any that crosses a stripe unit): -EINVAL.
  static constexpr uint64_t kCawSector = 512;
  // One allocation query covers at most this many objects' worth of bytes
  // (one librados request per object without whole_object).
  static constexpr uint64_t kQueryObjects = 64;

  void start(Op& op, IoOp what) {
    IoRequest& req = *op.req;
    op.c = new librbd::RBD::AioCompletion(&op, &RbdDevice::on_complete);
    const char* data = reinterpret_cast<const char*>(req.buf);
    op.bl.clear();
    int r = 0;
    switch (what) {
      case IoOp::kRead: r = img_->aio_read(req.offset, req.len, op.bl, op.c); break;
      case IoOp::kWrite:
        write_data(req, op.bl);
        r = img_->aio_write(req.offset, req.len, op.bl, op.c);
        break;
      case IoOp::kFlush: r = img_->aio_flush(op.c); break;
      case IoOp::kDiscard: r = img_->aio_discard(req.offset, req.len, op.c); break;
      case IoOp::kWriteZeroes: r = img_->aio_write_zeroes(req.offset, req.len, op.c, 0, 0); break;
      case IoOp::kCompareAndWrite: {
        ceph::bufferlist cmp;
        cmp.append(data, req.len);
        op.bl.append(data + req.len, req.len);
        r = img_->aio_compare_and_write(req.offset, req.len, cmp, op.bl, op.c, &op.mismatch, 0);
        break;
      }
    }
    if (r < 0) {  // not started: complete here, on the submitting thread
      op.c->release();
      op.result = r;
      op.flush_after = false;
      finish(op);
    }
  }

  // A write's bytes as a bufferlist librbd may keep after completing it:
  // the submitter's storage when it gives it (IoRequest::give, which gets a
  // fresh buffer of the same size), else a copy.
  static void write_data(IoRequest& req, ceph::bufferlist& bl) {
    AlignedBuffer* given = req.give;
    if (given && given->data() == req.buf && given->size() >= req.len) {
      AlignedBuffer kept(given->size());
      given->swap(kept);
      bl.append(ceph::buffer::ptr(ceph::buffer::claim_malloc(req.len, reinterpret_cast<char*>(kept.release()))));
      return;
    }
    bl.append(reinterpret_cast<const char*>(req.buf), req.len);
  }

  // librbd's thread: hand the result to the submitting reactor.
  static void on_complete(librbd::completion_t c, void* arg) {
    auto* op = static_cast<Op*>(arg);
    auto* comp = static_cast<librbd::RBD::AioCompletion*>(c);
    op->result = comp->get_return_value();
    comp->release();
    op->req->reactor->post([op] { op->dev->finish(*op); });
  }

  // The submitting reactor's thread.
  void finish(Op& op) {
    if (op.result >= 0 && op.flush_after) {
      op.flush_after = false;
      return start(op, IoOp::kFlush);
    }
    IoRequest& req = *op.req;
    int res = op.result < 0 ? int(op.result) : int(req.len);
    if (req.op == IoOp::kRead && res >= 0) res = deliver_read(op, req);
    if (req.op == IoOp::kCompareAndWrite) {
      if (res == -EILSEQ) req.miscompare_at = uint32_t(std::min<uint64_t>(op.mismatch, req.len - 1));
      ESAN_LOG_DEBUG("rbd image '{}': librbd compare-and-write of {} bytes at {}: {}", name_, req.len, req.offset,
                     res == -EILSEQ ? fmt::format("miscompare at byte {}", req.miscompare_at)
                     : res < 0      ? std::string(strerror(-res))
                                    : std::string("written"));
    }
    note_reachability(res);
    req.reactor->worker_io_done();
    delete &op;
    req.on_done(req, res);
  }

  // A read's bytes, in librbd's buffers: lent to the submitter when they
  // are one piece and it takes them (IoRequest::may_share: a READ's
  // Data-In is sent from them), else copied into req.buf. The C API's
  // rbd_aio_read would copy them into req.buf every time.
  static int deliver_read(Op& op, IoRequest& req) {
    if (op.bl.length() != req.len) return -EIO;
    if (req.may_share && op.bl.is_contiguous()) {
      auto held = std::make_shared<ceph::bufferlist>(std::move(op.bl));
      req.shared = reinterpret_cast<const uint8_t*>(held->c_str());
      req.lease = std::move(held);
    } else {
      op.bl.begin().copy(req.len, reinterpret_cast<char*>(req.buf));
    }
    return int(req.len);
  }

  static bool unreachable_error(int err) {
    switch (-err) {
      case ETIMEDOUT: case ENOTCONN: case ECONNREFUSED: case ECONNRESET: case EHOSTUNREACH: case ENETUNREACH:
      case ESHUTDOWN: case EAGAIN: case EBUSY:
        return true;
      default:
        return false;
    }
  }

  // health_failed on the first "cannot reach the cluster" error,
  // health_recovered on the first success after it (any reactor).
  void note_reachability(int res) {
    std::string path = "rbd:" + name_;
    if (res >= 0) {
      if (!unreachable_.load(std::memory_order_relaxed) || !unreachable_.exchange(false)) return;
      ESAN_LOG_INFO("device {}: rbd image '{}' answers again", device_, name_);
      events::post(events::Kind::kHealthRecovered, events::Severity::kInfo,
                   fmt::format("device {}: rbd image '{}' answers again", device_, name_),
                   {{"device", device_}, {"path", path}, {"was", "failed"}});
      return;
    }
    if (!unreachable_error(res) || unreachable_.exchange(true)) return;
    ESAN_LOG_WARN("device {}: rbd image '{}' does not answer: {}", device_, name_, strerror(-res));
    events::post(events::Kind::kHealthFailed, events::Severity::kError,
                 fmt::format("device {}: rbd image '{}' does not answer: {}", device_, name_, strerror(-res)),
                 {{"device", device_}, {"path", path}, {"state", "failed"}, {"error", strerror(-res)}});
  }

  // librbd's update watch: wakes the worker (image_changed).
  struct UpdateWatch final : librbd::UpdateWatchCtx {
    explicit UpdateWatch(RbdDevice* d) : dev(d) {}
    void handle_notify() override { dev->on_update(); }
    RbdDevice* dev;
  };

  void on_update() {
    {
      std::lock_guard lk(watch_mu_);
      changed_ = true;
    }
    watch_cv_.notify_all();
  }

  // The device's worker thread: librbd's update callback only wakes it, so
  // nothing slow runs on librbd's notification thread; allocation queries
  // (map_status_async) run here one after another, off the reactors.
  void worker_loop() {
    std::unique_lock lk(watch_mu_);
    for (;;) {
      watch_cv_.wait(lk, [&] { return stop_ || changed_ || !queries_.empty(); });
      if (stop_) return;
      if (changed_) {
        changed_ = false;
        lk.unlock();
        image_changed();
        lk.lock();
        continue;
      }
      MapQuery* q = queries_.front();
      queries_.pop_front();
      lk.unlock();
      run_query(*q);
      lk.lock();
    }
  }

  struct Allocated {
    uint64_t off, len;
  };
  static int on_diff(uint64_t off, size_t len, int exists, void* arg) {
    if (exists && len) static_cast<std::vector<Allocated>*>(arg)->push_back({off, len});
    return 0;
  }

  // The allocation of [q.offset, q.offset + min(q.len, query_window_)) from
  // Image::diff_iterate2 against the image's beginning (no snapshot), the
  // parent's data included: what it reports is mapped, the rest
  // deallocated (never written, discarded whole objects, truncated tails).
  // whole_object 0: extents as exact as librbd knows them -- an object's
  // stored extent, so a discard inside an object that leaves its size
  // stays mapped; with or without fast-diff.
  void run_query(MapQuery& q) {
    uint64_t begin = q.offset, end = q.offset + std::min(q.len, query_window_);
    std::vector<Allocated> got;
    int r = img_->diff_iterate2(nullptr, begin, end - begin, true, false, &RbdDevice::on_diff, &got);
    q.extents.clear();
    if (r >= 0) {
      r = 0;
      std::sort(got.begin(), got.end(), [](const Allocated& a, const Allocated& b) { return a.off < b.off; });
      uint64_t pos = begin;
      auto add = [&](bool mapped, uint64_t len) {
        if (len == 0) return;
        if (!q.extents.empty() && q.extents.back().mapped == mapped) q.extents.back().len += len;
        else q.extents.push_back(MapExtent{mapped, len});
      };
      for (const Allocated& a : got) {
        uint64_t s = std::max(a.off, pos), e = std::min(a.off + a.len, end);
        if (e <= s) continue;
        add(false, s - pos);
        add(true, e - s);
        pos = e;
      }
      add(false, end - pos);
    }
    q.reactor->post([this, &q, r] {
      q.reactor->worker_io_done();
      note_reachability(r);
      q.on_done(q, r);
    });
  }

  void image_changed() {
    uint64_t image = 0;
    if (img_->size(&image) < 0) return;
    uint64_t now;
    {
      std::lock_guard lk(resize_mu_);
      if (image == image_size_) return;
      ESAN_LOG_INFO("rbd image '{}' resized: {} -> {} bytes", name_, image_size_, image);
      image_size_ = image;
      now = size_.load();
      if (follow_ || image < now) now = image;
      if (now == size_.load()) return;
      size_.store(now);
    }
    std::lock_guard lk(listener_mu_);
    if (listener_) listener_(now);
  }

  std::string name_;    // pool/image
  std::string device_;  // esand's device name
  std::atomic<bool> unreachable_{false};
  rados_t cluster_;
  librados::IoCtx io_;
  std::unique_ptr<librbd::Image> img_;
  UpdateWatch update_ctx_{this};
  std::atomic<uint64_t> size_;
  std::mutex resize_mu_;  // image_size_, follow_, size_ changes
  uint64_t image_size_;
  bool follow_;
  std::atomic<bool> write_through_;
  bool read_only_;
  uint64_t watch_handle_ = 0;
  bool watching_ = false;
  uint64_t query_window_;  // bytes one allocation query covers at most
  uint64_t stripe_unit_;
  std::mutex watch_mu_;  // changed_, stop_, queries_
  std::condition_variable watch_cv_;
  bool changed_ = false, stop_ = false;
  std::deque<MapQuery*> queries_;  // allocation queries waiting for the worker
  std::thread watcher_;
  std::mutex listener_mu_;
  std::function<void(uint64_t)> listener_;
};

std::string where(const RbdOptions& o) { return fmt::format("rbd image '{}/{}'", o.pool, o.image); }

Status set_conf(rados_t c, const char* key, const std::string& value, const RbdOptions& o) {
  if (int r = rados_conf_set(c, key, value.c_str()); r < 0)
    return make_error(Errc::kIo, fmt::format("{}: cannot set {}: {}", where(o), key, strerror(-r)));
  return ok();
}

}  // namespace

bool rbd_available() { return true; }

Result<std::unique_ptr<BlockDevice>> open_rbd_device(const RbdOptions& o) {
  if (o.pool.empty() || o.image.empty())
    return make_error(Errc::kInvalidArgument, "an rbd device needs a pool and an image");
  if (o.timeout_s == 0) return make_error(Errc::kInvalidArgument, "rbd timeout must be > 0");
  std::string user = o.ceph_user.empty() ? "admin" : o.ceph_user;
  rados_t cluster = nullptr;
  if (int r = rados_create(&cluster, user.c_str()); r < 0)
    return make_error(Errc::kIo, fmt::format("{}: cannot create a Ceph client for client.{}: {}", where(o), user,
                                             strerror(-r)));
  auto fail = [&](Errc code, std::string msg) -> Result<std::unique_ptr<BlockDevice>> {
    rados_shutdown(cluster);
    return make_error(code, std::move(msg));
  };
  const char* conf = o.ceph_conf.empty() ? nullptr : o.ceph_conf.c_str();
  if (int r = rados_conf_read_file(cluster, conf); r < 0)
    return fail(Errc::kIo, fmt::format("{}: cannot read the Ceph configuration '{}': {}", where(o),
                                       o.ceph_conf.empty() ? "(default search path)" : o.ceph_conf, strerror(-r)));
  std::string t = std::to_string(o.timeout_s);
  for (const char* key : {"client_mount_timeout", "rados_mon_op_timeout", "rados_osd_op_timeout"})
    if (auto s = set_conf(cluster, key, t, o); !s) return fail(s.error().code, s.error().message);
  // Discard must zero exactly what it is asked to (UNMAP reports LBPRZ:
  // later reads return zeros): librbd skips parts of a discard smaller than
  // its granularity unless told not to.
  if (auto s = set_conf(cluster, "rbd_skip_partial_discard", "false", o); !s)
    return fail(s.error().code, s.error().message);
  // librbd's cache: off for write_through; otherwise write-back from the
  // first write, as the LU's write cache (WCE 1) tells initiators, which
  // then send SYNCHRONIZE CACHE (rbd flush) when they need stability. Ceph's
  // default would keep it write-through until the first flush, a guard for
  // guests that never flush.
  if (auto s = set_conf(cluster, o.write_through ? "rbd_cache" : "rbd_cache_writethrough_until_flush", "false", o);
      !s)
    return fail(s.error().code, s.error().message);
  if (int r = rados_connect(cluster); r < 0)
    return fail(Errc::kIo, fmt::format("{}: cannot connect to the Ceph cluster as client.{} (within {} s): {}",
                                       where(o), user, o.timeout_s, strerror(-r)));
  rados_ioctx_t pool = nullptr;
  if (int r = rados_ioctx_create(cluster, o.pool.c_str(), &pool); r < 0)
    return fail(Errc::kIo, fmt::format("{}: cannot open pool '{}': {}", where(o), o.pool, strerror(-r)));
  // The image through librbd's C++ API: its reads fill a bufferlist that
  // can be lent on (deliver_read). The C++ IoCtx takes its own reference.
  librados::IoCtx io;
  librados::IoCtx::from_rados_ioctx_t(pool, io);
  rados_ioctx_destroy(pool);
  auto img = std::make_unique<librbd::Image>();
  librbd::RBD rbd;
  int r = o.read_only ? rbd.open_read_only(io, *img, o.image.c_str(), nullptr)
                      : rbd.open(io, *img, o.image.c_str(), nullptr);
  uint64_t size = 0;
  if (r < 0) {
    io.close();
    return fail(Errc::kIo, fmt::format("{}: cannot open the image: {}", where(o), strerror(-r)));
  }
  r = img->size(&size);
  if (r < 0 || (o.size_bytes && o.size_bytes > size) || size == 0) {
    std::string msg = r < 0 ? fmt::format("{}: cannot read its size: {}", where(o), strerror(-r))
                      : size == 0 ? fmt::format("{} is empty (size 0)", where(o))
                                  : fmt::format("{}: size {} is larger than the image ({} bytes)", where(o),
                                                o.size_bytes, size);
    img->close();
    img.reset();
    io.close();
    return fail(r < 0 ? Errc::kIo : Errc::kInvalidArgument, std::move(msg));
  }
  librbd::image_info_t info{};
  if (img->stat(info, sizeof info) < 0) info.obj_size = 4u << 20;
  uint64_t stripe_unit = img->get_stripe_unit();
  if (stripe_unit == 0) stripe_unit = info.obj_size;
  return std::unique_ptr<BlockDevice>(new RbdDevice(o, cluster, std::move(io), std::move(img), size, info.obj_size, stripe_unit));
}

}  // namespace esan::backend

#else  // !ESAN_HAVE_RBD

namespace esan::backend {

bool rbd_available() { return false; }

Result<std::unique_ptr<BlockDevice>> open_rbd_device(const RbdOptions& o) {
  return make_error(Errc::kUnsupported, fmt::format("rbd image '{}/{}': esand was built without librbd "
                                                    "(install librbd-dev, librados-dev and libradospp-dev and rebuild)",
                                                    o.pool, o.image));
}

}  // namespace esan::backend

#endif
