// LogicalUnit: one SCSI direct-access logical unit (SBC) on top of a
// backend::BlockDevice, shared by every session that maps it.
//
// Contract:
//  - Identity (name, block size, NAA id, lb_per_pb_exp) is fixed at
//    construction and read without locks.
//  - Runtime attributes (management plane, update()): the flags read_only,
//    removable, rotational, thin_provisioned, write_through and nv_cache
//    are atomics (the READ/WRITE path loads them, no lock); the inquiry
//    strings are copied under a small mutex (config(); INQUIRY only). The
//    capacity is an atomic too (resize()).
//  - Mutable state is shared by sessions running on several reactor threads:
//      * WCE (caching page) and D_SENSE (control page): atomics.
//      * Medium loaded (removable LUs): atomic, read on every media command.
//      * Medium-removal prevention (one flag per I_T nexus) and the unit
//        attention queues (one per I_T nexus): behind a per-LU mutex.
//      * Write ordering against COMPARE AND WRITE / ORWRITE / WRITE ATOMIC:
//        the LU's RangeGuard (scsi/range_guard.h), lock-free while nothing
//        is held.
//    The READ/WRITE fast path takes no lock: it checks an atomic count of
//    queued unit attentions and only locks when that count is non-zero.
//  - Unit attention queues exist only for registered nexuses
//    (ua_register/ua_unregister); queueing for unknown nexuses is a no-op.
//    Each queue holds at most kMaxUaPerNexus entries; duplicates are dropped;
//    a reset-class condition (ASC 29h) replaces everything queued before it,
//    since a reset makes earlier conditions meaningless.
//  - Reservations (SPC-2 and persistent, reservations.h) live in the LU
//    and queue their unit attentions through ua_queue(). They, the shared
//    mode pages and the unit attentions owed to other nexuses change only
//    through the coordinator (scsi/shared_state.h).
//  - ALUA: the LU's device group (or none) is set at startup and may be
//    replaced at runtime, while the LU is mapped and serving commands, when
//    the management plane rebuilds the device groups (set_alua_group(), via
//    join_device_group(); mgmt/reconcile.cc then queues INQUIRY DATA HAS
//    CHANGED). Commands read it without a lock; every group the LU was ever
//    in stays alive as long as the LU, so a group a command loaded before a
//    swap stays valid.
//  - The LU owns its BlockDevice. execute() keeps the LU alive while I/O on
//    it is in flight (Task::lu_hold), even if the LUN maps drop it.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "backend/block_device.h"
#include "cluster/coordinator.h"
#include "common/result.h"
#include "scsi/lu_stats.h"
#include "scsi/reservations.h"
#include "scsi/range_guard.h"
#include "scsi/sanitize_state.h"

namespace esan::scsi {

class DeviceGroup;

struct LuConfig {
  std::string name;            // device name from config (used for default serial/ids)
  uint32_t block_size = 512;   // 512/1024/2048/4096
  bool read_only = false, removable = false, rotational = false, thin_provisioned = false;
  bool write_through = false, nv_cache = false;
  // SCST's lb_per_pb_exp: report the backend's physical block size through
  // the logical blocks per physical block exponent (READ CAPACITY(16)) and
  // the Block Limits granularities; false reports physical == logical.
  bool lb_per_pb_exp = true;
  // Empty = defaults: "ESAN", "esan-disk", "0100", name, hash-derived serial.
  std::string t10_vend_id, prod_id, prod_rev_lvl, t10_dev_id, usn;
  // 0 = derived from the name. Used as the 64-bit vendor specific identifier
  // extension of the NAA-6 designator (see LogicalUnit::naa_designator()).
  uint64_t naa_id = 0;
};

// Largest single READ/WRITE/VERIFY transfer, advertised in the Block Limits
// VPD page; longer commands get INVALID FIELD IN CDB.
inline constexpr uint32_t kMaxTransferBytes = 8u << 20;
// Locally administered OUI used in our NAA-6 designators.
inline constexpr uint32_t kNaaOui = 0x024553;
inline constexpr size_t kMaxUaPerNexus = 8;
// UNMAP limits advertised in the Block Limits VPD page (thin LUs): at most
// this many descriptors, and max_unmap_blocks() blocks per command.
inline constexpr uint32_t kMaxUnmapDescriptors = 256;
inline constexpr uint32_t kMaxUnmapBytes = 1u << 30;
// MAXIMUM COMPARE AND WRITE LENGTH (blocks).
inline constexpr uint32_t kMaxCompareAndWriteBlocks = 255;

class LogicalUnit {
 public:
  // Listens to the backend's own capacity changes (an RBD image resized
  // elsewhere): the LU takes the new capacity (whole blocks) and every nexus
  // gets CAPACITY DATA HAS CHANGED, as for resize().
  LogicalUnit(LuConfig cfg, std::unique_ptr<backend::BlockDevice> dev);
  ~LogicalUnit();
  LogicalUnit(const LogicalUnit&) = delete;
  LogicalUnit& operator=(const LogicalUnit&) = delete;

  // ---- identity ----
  // A copy of the current configuration with every default filled in.
  LuConfig config() const;
  const std::string& name() const { return cfg_.name; }
  uint32_t block_size() const { return cfg_.block_size; }
  unsigned block_shift() const { return block_shift_; }
  uint64_t num_blocks() const { return num_blocks_.load(std::memory_order_relaxed); }
  bool read_only() const { return read_only_.load(std::memory_order_relaxed); }
  bool removable() const { return removable_.load(std::memory_order_relaxed); }
  bool rotational() const { return rotational_.load(std::memory_order_relaxed); }
  bool write_through() const { return write_through_.load(std::memory_order_relaxed); }
  bool nv_cache() const { return nv_cache_.load(std::memory_order_relaxed); }
  // Thin provisioning is in effect (configured and the backend can discard).
  bool thin() const { return thin_.load(std::memory_order_relaxed); }

  // ---- runtime changes (management plane; any thread) ----
  // Sets the runtime attributes of `c` (flags and inquiry strings; empty
  // strings = defaults; the other fields of `c` are ignored). Every nexus
  // gets INQUIRY DATA HAS CHANGED (3Fh/03h) when an inquiry string,
  // removable, rotational or thin provisioning changed, and MODE PARAMETERS
  // CHANGED (2Ah/01h) when read_only or write_through changed (WP, WCE).
  // A write_through change also resets WCE to its new default.
  void update(const LuConfig& c);
  // New capacity (bytes, rounded down to blocks): the backend grows or
  // shrinks first (BlockDevice::resize), then the LU; every nexus gets
  // CAPACITY DATA HAS CHANGED (2Ah/09h). Nothing changes on error.
  Status resize(uint64_t size_bytes);
  uint32_t max_transfer_blocks() const { return kMaxTransferBytes >> block_shift_; }
  // LOGICAL BLOCKS PER PHYSICAL BLOCK EXPONENT (READ CAPACITY(16)): log2 of
  // physical / logical block size when lb_per_pb_exp is set (0 when the
  // physical block is not larger), else 0.
  unsigned lbppb_exp() const { return lbppb_exp_; }
  uint32_t lbppb() const { return 1u << lbppb_exp_; }
  // MAXIMUM ATOMIC TRANSFER LENGTH (WRITE ATOMIC): the maximum transfer
  // length, a multiple of the atomic granularity lbppb().
  uint32_t max_atomic_blocks() const { return max_transfer_blocks() / lbppb() * lbppb(); }
  // MAXIMUM UNMAP LBA COUNT: 1 GiB, and at most 2^20 blocks.
  uint32_t max_unmap_blocks() const {
    uint32_t n = kMaxUnmapBytes >> block_shift_;
    return n < (1u << 20) ? n : (1u << 20);
  }
  // MAXIMUM WRITE SAME LENGTH: below 2^16 blocks (libiscsi's WRITE SAME
  // tests otherwise WRITE 65536 blocks, beyond the maximum transfer length).
  uint32_t max_write_same_blocks() const {
    uint32_t n = max_unmap_blocks();
    return n < 0xFFFFu ? n : 0xFFFFu;
  }
  // 16-byte NAA-6 (IEEE Registered Extended) designator.
  std::array<uint8_t, 16> naa_designator() const;
  backend::BlockDevice& device() { return *dev_; }

  // ---- mode page state (any thread) ----
  bool wce() const { return wce_.load(std::memory_order_relaxed); }
  void set_wce(bool v) { wce_.store(v, std::memory_order_relaxed); }
  bool d_sense() const { return d_sense_.load(std::memory_order_relaxed); }
  void set_d_sense(bool v) { d_sense_.store(v, std::memory_order_relaxed); }
  // Control page SWP (software write protect): every write of every nexus
  // gets DATA PROTECT while set; cleared by a reset.
  bool swp() const { return swp_.load(std::memory_order_relaxed); }
  void set_swp(bool v) { swp_.store(v, std::memory_order_relaxed); }
  // Writes must reach stable storage before completion (FUA on every write).
  bool force_fua() const { return write_through() || !wce(); }

  // ---- removable medium ----
  bool medium_present() const { return medium_present_.load(std::memory_order_acquire); }
  // Sets/clears this nexus' PREVENT MEDIUM REMOVAL flag.
  void set_prevent(uint64_t nexus_id, bool prevent);
  bool removal_prevented() const;
  // LOEJ=1: load (true) or eject (false). Returns false when removal is
  // prevented by any nexus (nothing changes then). Loading queues NOT READY
  // TO READY CHANGE (28h/00h) for the other nexuses.
  bool load_eject(uint64_t nexus_id, bool load);

  // ---- unit attentions ----
  // Creates the nexus' queue (if needed) and queues `asc` on it.
  void ua_register(uint64_t nexus_id, uint16_t asc);
  // Drops the nexus' queue and its prevent flag (I_T nexus loss).
  void ua_unregister(uint64_t nexus_id);
  // Moves what is still queued for nexus `from` onto the queue of `to`, in
  // order, as if queued now (a reset-class condition among them replaces
  // what `to` had). For a session reinstated (RFC 7143 6.3.5) while its
  // predecessor of the same I_T nexus identity is still registered: unit
  // attentions belong to the I_T nexus, not to the session. A no-op when
  // either nexus is not registered.
  void ua_inherit(uint64_t from, uint64_t to);
  void ua_queue(uint64_t nexus_id, uint16_t asc);
  // Queues `asc` for every registered nexus (resets: SAM-5 establishes the
  // unit attention on every I_T nexus, the requester's included).
  void ua_queue_all(uint16_t asc);
  void backend_resized(uint64_t size_bytes);  // the capacity listener (see the constructor)
  // Queues `asc` for every registered nexus but the one with identity
  // `except` (which may be on another node: then every local nexus).
  void ua_queue_others(ItNexusId except, uint16_t asc);
  // How to abort this nexus' tasks on this LU (nexus_attached() sets it
  // from Nexus::abort_tasks); abort_tasks_of() calls it, if any, without
  // the LU's lock. Any thread.
  void set_aborter(uint64_t nexus_id, std::function<void()> abort);
  void abort_tasks_of(uint64_t nexus_id);
  // Cheap check for the fast path: false means no nexus has a UA queued.
  bool ua_maybe_pending() const { return ua_count_.load(std::memory_order_acquire) != 0; }
  // Removes and returns the oldest UA queued for this nexus.
  std::optional<uint16_t> ua_take(uint64_t nexus_id);
  // Number of UAs queued for this nexus (tests, logs).
  size_t ua_pending(uint64_t nexus_id) const;

  // ---- ALUA (see alua.h) ----
  // The device group this LU belongs to; nullptr = none (no ALUA: TPGS 0).
  // A lock-free load; a group once set stays alive as long as the LU.
  DeviceGroup* alua_group() const { return alua_group_.load(std::memory_order_acquire); }
  // Any thread, any time (use join_device_group() to enter a group; nullptr
  // leaves it); the LU keeps `dg` alive.
  void set_alua_group(std::shared_ptr<DeviceGroup> dg);

  // ---- target ports (INQUIRY MULTIP) ----
  // How many local target ports (distinct relative target port ids of the
  // configured targets) export this LU; set by the transport's target
  // registry whenever its targets change. Any thread.
  uint16_t target_ports() const { return target_ports_.load(std::memory_order_relaxed); }
  void set_target_ports(uint16_t n) { target_ports_.store(n, std::memory_order_relaxed); }

  // ---- write ordering (COMPARE AND WRITE, ORWRITE, WRITE ATOMIC) ----
  RangeGuard& ranges() { return ranges_; }

  // ---- SANITIZE (scsi/sanitize.cc) ----
  SanitizeState& sanitize() { return sanitize_; }
  const SanitizeState& sanitize() const { return sanitize_; }

  // Hard reset (LOGICAL UNIT RESET, target reset) effects on LU state
  // (SAM-5 hard reset), in two parts: reset_prevent() clears every local
  // nexus' prevent flag (local, at once); the shared part -- mode
  // parameters (WCE, D_SENSE, SWP) back to their defaults, the SPC-2
  // reservation ended, the reset's unit attention on every nexus -- is a
  // shared change (scsi/shared_state.h) whose applier calls
  // reset_mode_pages(). Persistent reservations survive.
  void reset_prevent();
  void reset_mode_pages();

  // ---- shared state (scsi/shared_state.h) ----
  // Where this LU's shared changes are proposed; set by SharedState::add
  // before the LU is mapped. Null only for an LU no SharedState has taken
  // (commands that change shared state then fail, INTERNAL TARGET FAILURE).
  void set_coordinator(std::shared_ptr<cluster::Coordinator> co);
  std::shared_ptr<cluster::Coordinator> coordinator() const;
  // The coordinator's ready() (any thread, lock-free; true without one).
  bool shared_state_ready() const {
    const cluster::Coordinator* co = coordinator_raw_.load(std::memory_order_acquire);
    return !co || co->ready();
  }

  // ---- command counters and latency (lu_stats.h; recorded by dispatcher.cc) ----
  LuStats& stats() { return stats_; }
  const LuStats& stats() const { return stats_; }

  // ---- reservations (thread-safe; see reservations.h) ----
  Reservations& reservations() { return rsv_; }
  const Reservations& reservations() const { return rsv_; }

 private:
  struct NexusState {
    std::deque<uint16_t> ua;
    bool prevent = false;
    std::function<void()> abort;  // set_aborter()
  };
  void push_ua_locked(NexusState& ns, uint16_t asc);

  LuConfig cfg_;
  std::unique_ptr<backend::BlockDevice> dev_;
  unsigned block_shift_ = 9;
  std::atomic<uint64_t> num_blocks_{0};
  unsigned lbppb_exp_ = 0;
  std::atomic<bool> read_only_{false}, removable_{false}, rotational_{false};
  std::atomic<bool> write_through_{false}, nv_cache_{false}, thin_{false};

  std::atomic<DeviceGroup*> alua_group_{nullptr};
  std::vector<std::shared_ptr<DeviceGroup>> alua_groups_;  // every group ever set; guarded by mu_
  mutable std::mutex cfg_mu_;  // guards the inquiry strings of cfg_ (and resize), coordinator_
  std::shared_ptr<cluster::Coordinator> coordinator_;
  // coordinator_.get(); every coordinator ever set is kept alive in
  // old_coordinators_ so a racing reader's pointer stays valid.
  std::atomic<const cluster::Coordinator*> coordinator_raw_{nullptr};
  std::vector<std::shared_ptr<cluster::Coordinator>> old_coordinators_;  // guarded by cfg_mu_

  std::atomic<bool> wce_{true};
  std::atomic<bool> d_sense_{false};
  std::atomic<bool> swp_{false};
  std::atomic<bool> medium_present_{true};
  std::atomic<uint32_t> ua_count_{0};
  std::atomic<uint32_t> prevent_count_{0};
  std::atomic<uint16_t> target_ports_{0};

  mutable std::mutex mu_;
  std::unordered_map<uint64_t, NexusState> nexus_;  // guarded by mu_
  RangeGuard ranges_;
  SanitizeState sanitize_;
  LuStats stats_;

  Reservations rsv_{[this](uint64_t nexus_id, uint16_t asc) { ua_queue(nexus_id, asc); },
                    [this](uint64_t nexus_id) { abort_tasks_of(nexus_id); }};
};

// Validates the config (block size, capacity) and builds the LU.
Result<std::shared_ptr<LogicalUnit>> make_logical_unit(LuConfig cfg, std::unique_ptr<backend::BlockDevice> dev);

}  // namespace esan::scsi
