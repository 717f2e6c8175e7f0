// Test helpers for the scsi layer's gtest files (header only, not part of
// esan_scsi): an in-memory BlockDevice with error injection and deferred
// completion, the executor tasks run on (TestExecutor, or a real reactor for
// LUs on io_uring backends), a fixture owning one nexus + one LU, CDB
// builders and sense assertions.
#pragma once

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <initializer_list>
#include <memory>
#include <optional>
#include <vector>

#include "backend/block_device.h"
#include "common/bytes.h"
#include "reactor/executor.h"
#include "reactor/queue_executor.h"
#include "reactor/reactor_thread.h"
#include "reactor/reactor.h"
#include "scsi/dispatcher.h"
#include "scsi/logical_unit.h"
#include "scsi/nexus.h"
#include "scsi/sense.h"
#include "scsi/shared_state.h"
#include "scsi/task.h"

namespace esan::scsi::testing {

using backend::IoOp;
using backend::IoRequest;

// In-memory device. Completes inline unless `deferred` is set, in which case
// completions (and provisioning queries, in `pending_maps`) wait until
// run_pending(). With `caw` set it performs IoOp::kCompareAndWrite itself
// (supports_compare_and_write), as the rbd backend does through librbd.
class MemDevice final : public backend::BlockDevice {
 public:
  struct Op {
    IoOp op;
    bool fua;
    uint64_t offset;
    uint32_t len;
    bool given = false;  // IoRequest::give was set (its buffer, the one written from)
  };
  explicit MemDevice(uint64_t size, bool discard = false) : mem(size, 0), discard_(discard) {}
  uint64_t size_bytes() const override { return mem.size(); }
  const char* kind() const override { return "mem"; }
  bool supports_discard() const override { return discard_; }
  void drop_cache() override { ++cache_drops; }
  int cache_drops = 0;
  backend::MapExtent map_status(uint64_t offset, uint64_t len) const override {
    return map_fn ? map_fn(offset, len) : backend::MapExtent{true, len};
  }
  void map_status_async(backend::MapQuery& q) override {
    ++map_queries;
    if (deferred) return pending_maps.push_back(&q);
    answer(q);
  }
  bool supports_compare_and_write(uint64_t, uint32_t) const override { return caw; }
  // With `lend` set, reads the submitter lets it share (IoRequest::may_share)
  // come back in a buffer of the device's own, lent with IoRequest::lease;
  // last_lease follows the latest one.
  bool lend = false;
  std::weak_ptr<const void> last_lease;
  void submit(IoRequest& req) override {
    log.push_back({req.op, req.fua, req.offset, req.len, req.give && req.give->data() == req.buf});
    int res = int(req.len);
    if (fail_op && *fail_op == req.op) {
      res = fail_errno;
      fail_op.reset();
    } else {
      EXPECT_LE(req.offset + req.len, mem.size());
      switch (req.op) {
        case IoOp::kRead:
          if (lend && req.may_share) {  // as rbd does: a buffer of its own, lent
            auto copy = std::make_shared<std::vector<uint8_t>>(mem.begin() + long(req.offset),
                                                               mem.begin() + long(req.offset + req.len));
            req.shared = copy->data();
            last_lease = copy;
            req.lease = std::move(copy);
            break;
          }
          std::memcpy(req.buf, mem.data() + req.offset, req.len);
          break;
        case IoOp::kWrite: std::memcpy(mem.data() + req.offset, req.buf, req.len); break;
        case IoOp::kDiscard:
        case IoOp::kWriteZeroes: std::memset(mem.data() + req.offset, 0, req.len); break;
        case IoOp::kFlush: res = 0; break;
        case IoOp::kCompareAndWrite:
          if (!caw) {
            res = -EOPNOTSUPP;
            break;
          }
          for (uint32_t i = 0; i < req.len; ++i) {
            if (mem[req.offset + i] != req.buf[i]) {
              req.miscompare_at = i;
              res = -EILSEQ;
              break;
            }
          }
          if (res >= 0) std::memcpy(mem.data() + req.offset, req.buf + req.len, req.len);
          break;
      }
    }
    if (deferred)
      pending.push_back({&req, res});
    else
      req.on_done(req, res);
  }
  void run_pending() {
    while (!pending_maps.empty()) {
      backend::MapQuery* q = pending_maps.front();
      pending_maps.pop_front();
      answer(*q);
    }
    while (!pending.empty()) {
      auto [req, res] = pending.front();
      pending.pop_front();
      req->on_done(*req, res);
    }
  }
  void fail_next(IoOp op, int err) {
    fail_op = op;
    fail_errno = err;
  }

  std::vector<uint8_t> mem;
  std::vector<Op> log;
  // Scripted provisioning map (default: everything mapped).
  std::function<backend::MapExtent(uint64_t, uint64_t)> map_fn;
  bool deferred = false;
  std::deque<std::pair<IoRequest*, int>> pending;
  std::deque<backend::MapQuery*> pending_maps;
  int map_queries = 0;
  std::optional<int> map_error;  // provisioning queries fail with this (-errno)
  bool caw = false;
  std::optional<IoOp> fail_op;
  int fail_errno = -EIO;

 private:
  void answer(backend::MapQuery& q) {
    if (map_error) return q.on_done(q, *map_error);
    BlockDevice::map_status_async(q);
  }
  bool discard_;
};

// The executor the tests' tasks run on, standing in for their reactor (see
// reactor/queue_executor.h): posted work runs when the test drains it.
using TestExecutor = reactor::QueueExecutor;

// A real reactor on a thread of its own, for LUs on io_uring backends (they
// queue I/O on the submitting task's reactor's ring).
using reactor::ReactorThread;

inline LuConfig named(std::string name) {
  LuConfig c;
  c.name = std::move(name);
  return c;
}

struct Owner : TaskOwner {
  int done = 0;
  void task_done(Task&) override { ++done; }
};

// One LU mapped at LUN 0 for one attached nexus (initial UA already drained),
// its shared state changes committed through production's single-node
// coordinator and completed on the fixture's executor.
struct Fixture {
  explicit Fixture(LuConfig cfg = named("disk0"), uint64_t blocks = 2048, bool map_read_only = false) {
    if (cfg.name.empty()) cfg.name = "disk0";
    auto d = std::make_unique<MemDevice>(blocks * cfg.block_size, cfg.thin_provisioned);
    dev = d.get();
    auto r = make_logical_unit(std::move(cfg), std::move(d));
    EXPECT_TRUE(r.has_value());
    lu = *r;
    shared.state->add(lu);
    auto map = std::make_shared<LunMap>();
    (*map)[0] = LunMapping{lu, map_read_only};
    nexus = make_nexus(map);
  }

  // A nexus of its own I_T identity (ISID from its id) through port `rel_tgt_id`.
  std::unique_ptr<Nexus> make_nexus(std::shared_ptr<const LunMap> map, bool drain = true, uint16_t rel_tgt_id = 1) {
    auto n = std::make_unique<Nexus>();
    n->id = next_nexus_id();
    n->initiator_name = "iqn.2024-01.test:init";
    n->initiator_port = n->initiator_name + ",i,0x" + std::to_string(100000000000 + n->id);
    n->rel_tgt_id = rel_tgt_id;
    n->target_name = "iqn.2024-01.test:target";
    n->luns = std::move(map);
    nexus_attached(*n);
    if (drain) lu->ua_take(n->id);
    return n;
  }

  // Fills `t` as a transport would for `cdb` (this fixture owns it), without
  // executing it: tests of commands left in flight call execute() themselves.
  void prepare(Task& t, const std::vector<uint8_t>& cdb, DataDir dir, const std::vector<uint8_t>& out = {},
               uint32_t expected = 0, uint64_t lun = 0) {
    size_t i = 0;
    for (uint8_t b : cdb) t.cdb[i++] = b;
    t.cdb_len = 16;
    t.lun = lun;
    t.dir = dir;
    t.expected_len = expected;
    t.owner = &owner;
    t.executor = &exec;
    if (dir == DataDir::kOut) {
      t.data.resize(out.size());
      if (!out.empty()) std::memcpy(t.data.data(), out.data(), out.size());
    }
  }

  Task run(const std::vector<uint8_t>& cdb, DataDir dir = DataDir::kNone, const std::vector<uint8_t>& out = {},
           uint32_t expected = 1u << 24, Nexus* on = nullptr, uint64_t lun = 0) {
    Task t;
    prepare(t, cdb, dir, out, expected, lun);
    int before = owner.done;
    execute(on ? *on : *nexus, t);
    // What the command posted runs, as its reactor would (a shared state
    // change completes once its coordinator has applied it).
    exec.drain();
    if (owner.done == before && dev->pending.empty() && dev->pending_maps.empty()) settle([&] { return owner.done > before; });
    EXPECT_EQ(owner.done, before + 1) << "task_done must run exactly once";
    return t;
  }

  // Runs the executor until pred() holds (commands waiting for a commit).
  void settle(const std::function<bool()>& pred) { EXPECT_TRUE(exec.run_until(pred)) << "nothing completed in 5 s"; }
  // Runs deferred backend completions, committed shared state changes and
  // posted work until none is left (each may start more).
  void settle() {
    do {
      dev->run_pending();
      bool flushed = false;
      shared.coordinator->barrier(&exec, [&](Result<cluster::Reply>) { flushed = true; });
      settle([&] { return flushed; });
    } while (exec.drain() > 0 || !dev->pending.empty() || !dev->pending_maps.empty());
  }
  // LOGICAL UNIT RESET / TARGET RESET from `on`, waited for like the transport does.
  void reset_lun(Nexus& on, uint64_t lun) {
    bool done = false;
    lun_reset(on, lun, exec, [&] { done = true; });
    settle([&] { return done; });
  }
  void reset_target(Nexus& on, bool cold) {
    bool done = false;
    target_reset(on, cold, exec, [&] { done = true; });
    settle([&] { return done; });
  }

  // run() for a LU on an io_uring backend: the command runs on `rt`'s
  // reactor (its executor), and this returns once it has completed.
  Task run_on(ReactorThread& rt, const std::vector<uint8_t>& cdb, DataDir dir = DataDir::kNone,
              const std::vector<uint8_t>& out = {}, uint32_t expected = 1u << 24) {
    Task t;
    prepare(t, cdb, dir, out, expected);
    t.executor = &rt.reactor();
    struct Done : TaskOwner {
      std::promise<void> p;
      int calls = 0;
      void task_done(Task&) override {
        if (++calls == 1) p.set_value();
      }
    } done;
    t.owner = &done;
    rt.call([&] { execute(*nexus, t); });
    EXPECT_EQ(done.p.get_future().wait_for(std::chrono::seconds(30)), std::future_status::ready);
    rt.call([] {});  // the completion's stack has unwound
    EXPECT_EQ(done.calls, 1) << "task_done must run exactly once";
    return t;
  }

  TestExecutor exec;
  LocalSharedState shared = start_local_shared_state(std::make_shared<AluaRegistry>());
  std::shared_ptr<LogicalUnit> lu;
  MemDevice* dev = nullptr;
  std::unique_ptr<Nexus> nexus;
  Owner owner;
  ~Fixture() { shared.coordinator->stop(); }
};

// ---- CDB builders (b1 = byte 1 flags) ----
inline std::vector<uint8_t> cdb6(uint8_t op, uint32_t lba, uint8_t len) {
  return {op, uint8_t((lba >> 16) & 0x1F), uint8_t(lba >> 8), uint8_t(lba), len, 0};
}
inline std::vector<uint8_t> cdb10(uint8_t op, uint32_t lba, uint16_t len, uint8_t b1 = 0) {
  std::vector<uint8_t> c(10, 0);
  c[0] = op;
  c[1] = b1;
  store_be32(&c[2], lba);
  store_be16(&c[7], len);
  return c;
}
inline std::vector<uint8_t> cdb12(uint8_t op, uint32_t lba, uint32_t len, uint8_t b1 = 0) {
  std::vector<uint8_t> c(12, 0);
  c[0] = op;
  c[1] = b1;
  store_be32(&c[2], lba);
  store_be32(&c[6], len);
  return c;
}
inline std::vector<uint8_t> cdb16(uint8_t op, uint64_t lba, uint32_t len, uint8_t b1 = 0) {
  std::vector<uint8_t> c(16, 0);
  c[0] = op;
  c[1] = b1;
  store_be64(&c[2], lba);
  store_be32(&c[10], len);
  return c;
}
inline std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = uint8_t(seed + i * 7 + (i >> 9));
  return v;
}
// The bytes a command produced, as the transport sends them (data_in()).
inline std::vector<uint8_t> bytes_of(const Task& t) { return {t.data_in(), t.data_in() + t.data.size()}; }

// ---- sense assertions ----
inline ParsedSense sense_of(const Task& t) { return parse_sense(t.sense, t.sense_len); }

inline void expect_sense(const Task& t, SenseKey key, uint16_t asc) {
  EXPECT_EQ(t.status, kCheckCondition);
  ParsedSense s = sense_of(t);
  EXPECT_TRUE(s.valid);
  EXPECT_EQ(int(s.key), int(key));
  EXPECT_EQ(s.asc, asc) << std::hex << "got asc " << s.asc << " want " << asc;
}

// INVALID FIELD IN CDB with the field pointer at byte/bit (bit -1: BPV=0).
inline void expect_invalid_cdb(const Task& t, uint16_t byte, int bit = -1) {
  expect_sense(t, SenseKey::kIllegalRequest, asc::kInvalidFieldInCdb);
  ParsedSense s = sense_of(t);
  ASSERT_TRUE(s.sksv);
  EXPECT_EQ(s.sks[0] & 0x40, 0x40) << "C/D must point at the CDB";
  EXPECT_EQ(load_be16(s.sks + 1), byte);
  if (bit < 0) {
    EXPECT_EQ(s.sks[0] & 0x08, 0);
  } else {
    EXPECT_EQ(s.sks[0] & 0x08, 0x08);
    EXPECT_EQ(s.sks[0] & 0x07, bit);
  }
}

inline void expect_good(const Task& t) {
  EXPECT_EQ(t.status, kGood);
  if (t.status != kGood) {
    ParsedSense s = sense_of(t);
    ADD_FAILURE() << std::hex << "key " << int(s.key) << " asc " << s.asc;
  }
}

}  // namespace esan::scsi::testing
