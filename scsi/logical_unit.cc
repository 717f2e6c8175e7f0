#include "scsi/logical_unit.h"

#include <algorithm>
#include <cstdio>

#include "common/bytes.h"
#include "common/log.h"
#include "scsi/sense.h"

namespace esan::scsi {
namespace {

// FNV-1a, 64 bit: stable across runs and builds, good enough for ids.
uint64_t fnv1a64(std::string_view s, uint64_t seed = 0xcbf29ce484222325ull) {
  uint64_t h = seed;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

void fill_defaults(LuConfig& c) {
  if (c.t10_vend_id.empty()) c.t10_vend_id = "ESAN";
  if (c.prod_id.empty()) c.prod_id = "esan-disk";
  if (c.prod_rev_lvl.empty()) c.prod_rev_lvl = "0100";
  if (c.t10_dev_id.empty()) c.t10_dev_id = c.name;
  if (c.usn.empty()) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(fnv1a64(c.name)));
    c.usn = buf;
  }
  if (c.naa_id == 0) {
    c.naa_id = fnv1a64(c.name, 0x84222325cbf29ce4ull);
    if (c.naa_id == 0) c.naa_id = 1;
  }
}

}  // namespace

LogicalUnit::LogicalUnit(LuConfig cfg, std::unique_ptr<backend::BlockDevice> dev)
    : cfg_(std::move(cfg)), dev_(std::move(dev)) {
  fill_defaults(cfg_);
  block_shift_ = unsigned(__builtin_ctz(cfg_.block_size));
  num_blocks_ = dev_->size_bytes() >> block_shift_;
  thin_ = cfg_.thin_provisioned && dev_->supports_discard();
  read_only_ = cfg_.read_only;
  removable_ = cfg_.removable;
  rotational_ = cfg_.rotational;
  write_through_ = cfg_.write_through;
  nv_cache_ = cfg_.nv_cache;
  uint32_t pbs = dev_->physical_block_size();
  if (cfg_.lb_per_pb_exp && pbs > cfg_.block_size && (pbs & (pbs - 1)) == 0)
    lbppb_exp_ = unsigned(__builtin_ctz(pbs)) - block_shift_;
  wce_.store(!cfg_.write_through);
  dev_->set_capacity_listener([this](uint64_t bytes) { backend_resized(bytes); });
}

LogicalUnit::~LogicalUnit() { dev_->set_capacity_listener({}); }

void LogicalUnit::backend_resized(uint64_t size_bytes) {
  std::lock_guard lk(cfg_mu_);
  uint64_t blocks = size_bytes >> block_shift_;
  if (blocks == 0 || blocks == num_blocks()) return;
  num_blocks_.store(blocks);
  ua_queue_all(asc::kCapacityDataHasChanged);
}

LuConfig LogicalUnit::config() const {
  std::lock_guard lk(cfg_mu_);
  LuConfig c = cfg_;
  c.read_only = read_only();
  c.removable = removable();
  c.rotational = rotational();
  c.thin_provisioned = cfg_.thin_provisioned;
  c.write_through = write_through();
  c.nv_cache = nv_cache();
  return c;
}

void LogicalUnit::update(const LuConfig& c) {
  LuConfig next = c;
  next.name = cfg_.name;
  next.naa_id = cfg_.naa_id;
  fill_defaults(next);
  bool inquiry = false, mode = false;
  {
    std::lock_guard lk(cfg_mu_);
    auto set_str = [&](std::string LuConfig::*f) {
      if (cfg_.*f == next.*f) return;
      cfg_.*f = next.*f;
      inquiry = true;
    };
    set_str(&LuConfig::t10_vend_id);
    set_str(&LuConfig::prod_id);
    set_str(&LuConfig::prod_rev_lvl);
    set_str(&LuConfig::t10_dev_id);
    set_str(&LuConfig::usn);
    if (cfg_.thin_provisioned != c.thin_provisioned) {
      cfg_.thin_provisioned = c.thin_provisioned;
      thin_.store(c.thin_provisioned && dev_->supports_discard());
      inquiry = true;
    }
  }
  auto set_flag = [](std::atomic<bool>& f, bool v, bool& changed) {
    if (f.exchange(v) != v) changed = true;
  };
  set_flag(removable_, c.removable, inquiry);
  set_flag(rotational_, c.rotational, inquiry);
  set_flag(nv_cache_, c.nv_cache, inquiry);
  set_flag(read_only_, c.read_only, mode);
  bool wt_changed = false;
  set_flag(write_through_, c.write_through, wt_changed);
  if (wt_changed) {
    dev_->set_write_through(c.write_through);
    wce_.store(!c.write_through);
    mode = true;
  }
  if (inquiry) ua_queue_all(asc::kInquiryDataHasChanged);
  if (mode) ua_queue_all(asc::kModeParametersChanged);
}

Status LogicalUnit::resize(uint64_t size_bytes) {
  std::lock_guard lk(cfg_mu_);
  uint64_t blocks = size_bytes >> block_shift_;
  if (blocks == 0)
    return make_error(Errc::kInvalidArgument, "logical unit '" + cfg_.name + "': new size is smaller than one block");
  uint64_t bytes = blocks << block_shift_;
  uint64_t old = num_blocks();
  if (blocks == old) return ok();
  if (blocks < old) num_blocks_.store(blocks);  // shrink: stop I/O beyond the end first
  if (auto s = dev_->resize(bytes); !s) {
    num_blocks_.store(old);
    return s;
  }
  num_blocks_.store(blocks);
  ua_queue_all(asc::kCapacityDataHasChanged);
  return ok();
}

void LogicalUnit::set_alua_group(std::shared_ptr<DeviceGroup> dg) {
  std::lock_guard lk(mu_);
  alua_group_.store(dg.get(), std::memory_order_release);
  if (dg) alua_groups_.push_back(std::move(dg));
}

std::array<uint8_t, 16> LogicalUnit::naa_designator() const {
  std::array<uint8_t, 16> d{};
  // NAA=6 | IEEE company id (24 bits) | vendor specific identifier (36 bits,
  // zero) | vendor specific identifier extension (64 bits).
  d[0] = uint8_t(0x60 | ((kNaaOui >> 20) & 0x0F));
  d[1] = uint8_t(kNaaOui >> 12);
  d[2] = uint8_t(kNaaOui >> 4);
  d[3] = uint8_t((kNaaOui & 0x0F) << 4);
  store_be64(d.data() + 8, cfg_.naa_id);
  return d;
}

void LogicalUnit::set_prevent(uint64_t nexus_id, bool prevent) {
  std::lock_guard lk(mu_);
  auto it = nexus_.find(nexus_id);
  if (it == nexus_.end()) {
    if (!prevent) return;
    it = nexus_.emplace(nexus_id, NexusState{}).first;
  }
  if (it->second.prevent != prevent) {
    it->second.prevent = prevent;
    if (prevent)
      prevent_count_.fetch_add(1);
    else
      prevent_count_.fetch_sub(1);
  }
}

bool LogicalUnit::removal_prevented() const { return prevent_count_.load() != 0; }

bool LogicalUnit::load_eject(uint64_t nexus_id, bool load) {
  std::lock_guard lk(mu_);
  if (prevent_count_.load() != 0) return false;
  bool was = medium_present_.load();
  medium_present_.store(load, std::memory_order_release);
  if (load && !was) {
    for (auto& [id, ns] : nexus_)
      if (id != nexus_id) push_ua_locked(ns, 0x2800);  // NOT READY TO READY CHANGE
  }
  return true;
}

void LogicalUnit::push_ua_locked(NexusState& ns, uint16_t asc) {
  if ((asc >> 8) == 0x29) {
    ua_count_.fetch_sub(uint32_t(ns.ua.size()));
    ns.ua.clear();
  } else {
    if (std::find(ns.ua.begin(), ns.ua.end(), asc) != ns.ua.end()) return;
    if (ns.ua.size() >= kMaxUaPerNexus) return;
  }
  ns.ua.push_back(asc);
  ua_count_.fetch_add(1);
}

void LogicalUnit::ua_register(uint64_t nexus_id, uint16_t asc) {
  std::lock_guard lk(mu_);
  push_ua_locked(nexus_[nexus_id], asc);
}

void LogicalUnit::set_aborter(uint64_t nexus_id, std::function<void()> abort) {
  std::lock_guard lk(mu_);
  nexus_[nexus_id].abort = std::move(abort);
}

void LogicalUnit::abort_tasks_of(uint64_t nexus_id) {
  std::function<void()> abort;
  {
    std::lock_guard lk(mu_);
    auto it = nexus_.find(nexus_id);
    if (it != nexus_.end()) abort = it->second.abort;
  }
  if (abort) abort();
}

void LogicalUnit::ua_unregister(uint64_t nexus_id) {
  std::lock_guard lk(mu_);
  auto it = nexus_.find(nexus_id);
  if (it == nexus_.end()) return;
  ua_count_.fetch_sub(uint32_t(it->second.ua.size()));
  if (it->second.prevent) prevent_count_.fetch_sub(1);
  nexus_.erase(it);
}

void LogicalUnit::ua_inherit(uint64_t from, uint64_t to) {
  if (from == to) return;
  std::lock_guard lk(mu_);
  auto f = nexus_.find(from);
  auto t = nexus_.find(to);
  if (f == nexus_.end() || t == nexus_.end()) return;
  std::deque<uint16_t> moved;
  moved.swap(f->second.ua);
  ua_count_.fetch_sub(uint32_t(moved.size()));
  for (uint16_t asc : moved) push_ua_locked(t->second, asc);
}

void LogicalUnit::ua_queue(uint64_t nexus_id, uint16_t asc) {
  std::lock_guard lk(mu_);
  auto it = nexus_.find(nexus_id);
  if (it != nexus_.end()) push_ua_locked(it->second, asc);
}

void LogicalUnit::ua_queue_others(ItNexusId except, uint16_t asc) {
  std::optional<uint64_t> skip = rsv_.nexus_of(except);
  std::lock_guard lk(mu_);
  for (auto& [id, ns] : nexus_)
    if (id != skip) push_ua_locked(ns, asc);
}

void LogicalUnit::ua_queue_all(uint16_t asc) {
  std::lock_guard lk(mu_);
  for (auto& [id, ns] : nexus_) push_ua_locked(ns, asc);
}

std::optional<uint16_t> LogicalUnit::ua_take(uint64_t nexus_id) {
  if (!ua_maybe_pending()) return std::nullopt;
  std::lock_guard lk(mu_);
  auto it = nexus_.find(nexus_id);
  if (it == nexus_.end() || it->second.ua.empty()) return std::nullopt;
  uint16_t asc = it->second.ua.front();
  it->second.ua.pop_front();
  ua_count_.fetch_sub(1);
  return asc;
}

size_t LogicalUnit::ua_pending(uint64_t nexus_id) const {
  std::lock_guard lk(mu_);
  auto it = nexus_.find(nexus_id);
  return it == nexus_.end() ? 0 : it->second.ua.size();
}

void LogicalUnit::reset_prevent() {
  std::lock_guard lk(mu_);
  for (auto& [id, ns] : nexus_) ns.prevent = false;
  prevent_count_.store(0);
}

void LogicalUnit::reset_mode_pages() {
  wce_.store(!write_through());
  d_sense_.store(false);
  swp_.store(false);
}

void LogicalUnit::set_coordinator(std::shared_ptr<cluster::Coordinator> co) {
  std::lock_guard lk(cfg_mu_);
  if (coordinator_ && coordinator_ != co) old_coordinators_.push_back(coordinator_);
  coordinator_raw_.store(co.get(), std::memory_order_release);
  coordinator_ = std::move(co);
}

std::shared_ptr<cluster::Coordinator> LogicalUnit::coordinator() const {
  std::lock_guard lk(cfg_mu_);
  return coordinator_;
}

Result<std::shared_ptr<LogicalUnit>> make_logical_unit(LuConfig cfg, std::unique_ptr<backend::BlockDevice> dev) {
  if (!dev) return make_error(Errc::kInvalidArgument, "logical unit '" + cfg.name + "': no backing device");
  switch (cfg.block_size) {
    case 512:
    case 1024:
    case 2048:
    case 4096:
      break;
    default:
      return make_error(Errc::kInvalidArgument, "logical unit '" + cfg.name + "': block size " +
                                                    std::to_string(cfg.block_size) +
                                                    " is not one of 512, 1024, 2048, 4096");
  }
  if (dev->size_bytes() < cfg.block_size)
    return make_error(Errc::kInvalidArgument, "logical unit '" + cfg.name + "': device is smaller than one block");
  if (cfg.thin_provisioned && !dev->supports_discard())
    ESAN_LOG_WARN("logical unit '{}': backend '{}' cannot discard; thin provisioning disabled", cfg.name,
                  dev->kind());
  auto lu = std::make_shared<LogicalUnit>(std::move(cfg), std::move(dev));
  if (lu->device().size_bytes() % lu->block_size() != 0)
    ESAN_LOG_WARN("logical unit '{}': size is not a multiple of the block size; the tail is unused", lu->name());
  return lu;
}

}  // namespace esan::scsi
