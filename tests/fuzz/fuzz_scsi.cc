// Fuzz target: the SCSI command dispatcher (scsi/dispatcher.h) -- any CDB,
// any Data-Out, on two I_T nexuses sharing an in-memory LU (LUN 0), a null
// LU (LUN 1) and unmapped LUNs, with backend completions inline or deferred,
// interleaved with resets and LUN map changes. Tasks run on a queue
// executor (QueueExecutor), drained with the deferred completions, like the
// scsi unit tests' TestExecutor.
//
// Input: byte 0: bit 0 thin, 1 removable, 2 read-only, 3 4096-byte blocks,
// 4 deferred completions, 5 LUN 1 mapped read-only, 6 write-through,
// 7 lb_per_pb_exp off. Byte 1: bit 0 leave the power-on unit attentions
// queued, bit 1 nv_cache, bit 2 rotational. Then up to 64 records: a control
// byte (bit 0 nexus B; bits 1-2 LUN 0, 1, 7 or 16383; bits 3-4 direction
// none/in/out, or 3 = a task-management action chosen by CDB byte 0; bit 5
// finish deferred I/O and posted work first; bit 6 32-byte CDB; bit 7
// expected length in units of 64 bytes), 2 bytes expected length, 2 bytes
// Data-Out length, the CDB, the Data-Out bytes.
//
// Oracles: every task completes exactly once (task_done twice, or a task
// left unfinished once all I/O has completed, is a finding); the backend
// never sees a request beyond the device; status and sense are well formed;
// each persistent reservation state saved round trips through the PR file
// format; nothing leaks (ASan). ESAN_FUZZ_VERBOSE=1 prints each command's
// outcome.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <memory>
#include <vector>

#include "backend/block_device.h"
#include "common/bytes.h"
#include "scsi/dispatcher.h"
#include "scsi/logical_unit.h"
#include "scsi/nexus.h"
#include "scsi/pr_store.h"
#include "scsi/shared_state.h"
#include "scsi/sense.h"
#include "reactor/queue_executor.h"
#include "scsi/task.h"
#include "tests/fuzz/fuzz_check.h"

using namespace esan;
using namespace esan::scsi;
using backend::IoOp;
using backend::IoRequest;

namespace {

constexpr size_t kMaxRecords = 64;
constexpr uint64_t kMemBlocks = 128;

// In-memory device with a provisioning map (one bit per 512 bytes) and
// completions inline or queued until drain().
class MemDevice final : public backend::BlockDevice {
 public:
  MemDevice(uint64_t size, bool discard, bool deferred)
      : mem_(size, 0), mapped_(size / 512, true), discard_(discard), deferred_(deferred) {}
  uint64_t size_bytes() const override { return mem_.size(); }
  const char* kind() const override { return "mem"; }
  bool supports_discard() const override { return discard_; }
  backend::MapExtent map_status(uint64_t offset, uint64_t len) const override {
    FUZZ_CHECK(len > 0 && offset + len <= mem_.size(), "map_status outside the device");
    size_t first = offset / 512, last = (offset + len - 1) / 512;
    bool m = mapped_[first];
    size_t i = first;
    while (i <= last && mapped_[i] == m) ++i;
    uint64_t end = std::min<uint64_t>(uint64_t(i) * 512, offset + len);
    return backend::MapExtent{m, end - offset};
  }
  void submit(IoRequest& req) override {
    int res = int(req.len);
    if (req.op != IoOp::kFlush)
      FUZZ_CHECK(req.offset + req.len <= mem_.size() && req.offset + req.len >= req.offset,
                 "I/O beyond the device");
    if (fail_next) {
      fail_next = false;
      res = -5;  // EIO
    } else {
      switch (req.op) {
        case IoOp::kRead: std::memcpy(req.buf, mem_.data() + req.offset, req.len); break;
        case IoOp::kWrite:
          std::memcpy(mem_.data() + req.offset, req.buf, req.len);
          set_mapped(req.offset, req.len, true);
          break;
        case IoOp::kDiscard:
        case IoOp::kWriteZeroes:
          std::memset(mem_.data() + req.offset, 0, req.len);
          set_mapped(req.offset, req.len, req.op == IoOp::kWriteZeroes);
          break;
        case IoOp::kFlush: res = 0; break;
        case IoOp::kCompareAndWrite: res = -95; break;  // EOPNOTSUPP: never supported here
      }
    }
    if (deferred_) pending_.push_back({&req, res});
    else req.on_done(req, res);
  }
  // Completes the deferred I/O; returns whether there was any.
  bool drain() {
    bool any = !pending_.empty();
    while (!pending_.empty()) {
      auto [req, res] = pending_.front();
      pending_.pop_front();
      req->on_done(*req, res);
    }
    return any;
  }
  bool fail_next = false;

 private:
  void set_mapped(uint64_t off, uint32_t len, bool m) {
    for (uint64_t i = off / 512; i < (off + len + 511) / 512 && i < mapped_.size(); ++i) mapped_[i] = m;
  }
  std::vector<uint8_t> mem_;
  std::vector<bool> mapped_;
  bool discard_, deferred_;
  std::deque<std::pair<IoRequest*, int>> pending_;
};

// Saves nothing, but checks that each state survives the PR file format.
class CheckingPrStore final : public PrStore {
 public:
  explicit CheckingPrStore(std::string device) : device_(std::move(device)) {}
  Status save(const PrState& st) override {
    auto back = parse_pr_state(format_pr_state(st, device_), device_);
    FUZZ_CHECK(back.has_value(), "a saved PR state does not parse back");
    FUZZ_CHECK(*back == st, "a saved PR state does not round trip");
    return ok();
  }
  Result<std::optional<PrState>> load() override { return std::optional<PrState>(); }
  std::string describe() const override { return "fuzz"; }

 private:
  std::string device_;
};

// The harness' reactor: posted work runs when the harness settles.
using FuzzExecutor = reactor::QueueExecutor;

// Every change proposed so far applied and its completion run: keeps each
// input's run deterministic although the coordinator has its own thread.
void settle(cluster::Coordinator& co, FuzzExecutor& ex) {
  bool flushed = false;
  co.barrier(&ex, [&](Result<cluster::Reply>) { flushed = true; });
  FUZZ_CHECK(ex.run_until([&] { return flushed; }, std::chrono::seconds(10)),
             "the shared state coordinator stopped answering");
}

struct Slot {
  Task task;
  int done = 0;
};

struct Owner final : TaskOwner {
  void task_done(Task& t) override {
    auto* s = static_cast<Slot*>(t.transport_ctx);
    FUZZ_CHECK(s->done == 0, "task_done ran twice for one task");
    ++s->done;
    FUZZ_CHECK(t.status == kGood || t.status == kCheckCondition || t.status == kConditionMet ||
                   t.status == kBusy || t.status == kReservationConflict || t.status == kTaskSetFull ||
                   t.status == kTaskAborted,
               "unknown SCSI status");
    FUZZ_CHECK(t.sense_len <= sizeof t.sense, "sense length");
    static const bool verbose = std::getenv("ESAN_FUZZ_VERBOSE") != nullptr;
    if (verbose) {
      ParsedSense ps = parse_sense(t.sense, t.sense_len);
      std::fprintf(stderr, "lun %d op %02x -> status %02x key %x asc %04x, %zu bytes\n", int(t.lun), t.cdb[0],
                   t.status, unsigned(ps.key), unsigned(ps.asc), t.data.size());
    }
    if (t.status == kCheckCondition)
      FUZZ_CHECK(parse_sense(t.sense, t.sense_len).valid, "CHECK CONDITION without valid sense data");
  }
};

std::shared_ptr<LogicalUnit> make_lu(LuConfig cfg, std::unique_ptr<backend::BlockDevice> dev) {
  auto lu = make_logical_unit(std::move(cfg), std::move(dev));
  FUZZ_CHECK(lu.has_value(), "make_logical_unit failed");
  (*lu)->reservations().set_store(std::make_unique<CheckingPrStore>((*lu)->name()));
  return *lu;
}

std::unique_ptr<Nexus> attach(std::shared_ptr<const LunMap> map, const char* initiator, bool keep_ua) {
  auto n = std::make_unique<Nexus>();
  n->id = next_nexus_id();
  n->initiator_name = initiator;
  n->initiator_port = std::string(initiator) + ",i,0x00023d000001";
  n->target_name = "iqn.2024-01.org.esan:fuzz";
  n->luns = std::move(map);
  nexus_attached(*n);
  if (!keep_ua)
    for (auto& [lun, m] : *n->luns)
      while (m.lu->ua_take(n->id)) {}
  return n;
}

}  // namespace

ESAN_FUZZ_QUIET_LOGS()

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* in, size_t size) {
  if (size < 2) return 0;
  uint8_t f0 = in[0], f1 = in[1];
  LuConfig cfg;
  cfg.thin_provisioned = f0 & 1;
  cfg.removable = f0 & 2;
  cfg.read_only = f0 & 4;
  cfg.block_size = f0 & 8 ? 4096 : 512;
  cfg.write_through = f0 & 0x40;
  cfg.lb_per_pb_exp = !(f0 & 0x80);
  cfg.nv_cache = f1 & 2;
  cfg.rotational = f1 & 4;
  bool deferred = f0 & 0x10;

  auto dev = std::make_unique<MemDevice>(kMemBlocks * cfg.block_size, cfg.thin_provisioned, deferred);
  MemDevice* mem = dev.get();
  LuConfig mem_cfg = cfg;
  mem_cfg.name = "mem0";
  LuConfig null_cfg = cfg;
  null_cfg.name = "null1";
  auto mem_lu = make_lu(mem_cfg, std::move(dev));
  auto null_lu = make_lu(null_cfg, backend::make_null_device(1u << 20));
  FuzzExecutor ex;
  // One coordinator thread for the whole run (not one per input); each
  // input's LUs replace the previous input's under the same names.
  static LocalSharedState shared = start_local_shared_state(std::make_shared<AluaRegistry>());
  shared.state->add(mem_lu);
  shared.state->add(null_lu);

  auto full = std::make_shared<LunMap>();
  (*full)[0] = LunMapping{mem_lu, false};
  (*full)[1] = LunMapping{null_lu, bool(f0 & 0x20)};
  auto only0 = std::make_shared<LunMap>();
  (*only0)[0] = LunMapping{mem_lu, false};
  auto a = attach(full, "iqn.2024-01.org.esan:initiator-a", f1 & 1);
  auto b = attach(full, "iqn.2024-01.org.esan:initiator-b", f1 & 1);

  Owner owner;
  std::deque<std::unique_ptr<Slot>> slots;
  size_t off = 2;
  while (off < size && slots.size() < kMaxRecords) {
    uint8_t ctl = in[off++];
    Nexus& nexus = ctl & 1 ? *b : *a;
    static constexpr uint64_t kLuns[] = {0, 1, 7, 16383};
    uint64_t lun = kLuns[(ctl >> 1) & 3];
    unsigned dir = (ctl >> 3) & 3;
    size_t cdb_len = ctl & 0x40 ? 32 : 16;
    uint8_t hdr[4] = {};
    for (size_t i = 0; i < 4 && off < size; ++i) hdr[i] = in[off++];
    uint32_t expected = uint32_t(load_be16(hdr)) * (ctl & 0x80 ? 64 : 1);
    uint32_t out_len = load_be16(hdr + 2);
    uint8_t cdb[32] = {};
    for (size_t i = 0; i < cdb_len && off < size; ++i) cdb[i] = in[off++];
    out_len = uint32_t(std::min<size_t>({out_len, size - off, expected}));

    if (ctl & 0x20) {
      mem->drain();
      ex.drain();
    }
    if (dir == 3) {  // task management and friends
      switch (cdb[0] % 5) {
        case 0: lun_reset(nexus, lun, ex, [] {}); break;
        case 1: target_reset(nexus, cdb[1] & 1, ex, [] {}); break;
        case 2: clear_task_set(nexus, lun); break;
        case 3: set_lun_map(nexus, nexus.luns == full ? only0 : full); break;
        case 4: mem->fail_next = true; break;
      }
      settle(*shared.coordinator, ex);
      continue;
    }
    auto slot = std::make_unique<Slot>();
    Task& t = slot->task;
    std::memcpy(t.cdb, cdb, cdb_len);
    t.cdb_len = uint8_t(cdb_len);
    t.lun = lun;
    t.expected_len = expected;
    t.dir = dir == 1 ? DataDir::kIn : dir == 2 ? DataDir::kOut : DataDir::kNone;
    t.tag = slots.size();
    t.owner = &owner;
    t.executor = &ex;
    t.transport_ctx = slot.get();
    if (t.dir == DataDir::kOut) {
      t.data.resize(out_len);
      if (out_len) std::memcpy(t.data.data(), in + off, out_len);
      off += out_len;
    }
    slots.push_back(std::move(slot));
    execute(nexus, slots.back()->task);
    settle(*shared.coordinator, ex);
  }
  // Everything left in flight finishes: backend completions, commits, posted
  // work (each may start more), and paced jobs (sanitize) by their ticks.
  for (int round = 0;; ++round) {
    // Until a pass finds nothing: settling runs posted work (a resumed
    // write), which may queue more deferred I/O.
    for (bool busy = true; busy;) {
      busy = mem->drain();
      settle(*shared.coordinator, ex);
      busy = ex.drain() > 0 || mem->drain() || busy;
    }
    bool open = false;
    for (auto& s : slots) open = open || s->done == 0;
    if (!open || !ex.tick()) break;
    FUZZ_CHECK(round < 100000, "a paced job never ended");
  }
  for (auto& s : slots) FUZZ_CHECK(s->done == 1, "a task never completed");
  nexus_detached(*a);
  nexus_detached(*b);
  settle(*shared.coordinator, ex);
  shared.state->remove(mem_lu->name());
  shared.state->remove(null_lu->name());
  return 0;
}
