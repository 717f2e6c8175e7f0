#include "reactor/reactor.h"

#include <sys/eventfd.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/log.h"

namespace esan::reactor {

class Reactor::WakeOp final : public Op {
 public:
  explicit WakeOp(Reactor* r) : r_(r) {}
  void complete(int, uint32_t) override {
    r_->drain_posted();
    if (!r_->stopping_.load()) r_->arm_wakeup();
  }

 private:
  Reactor* r_;
};

class Reactor::TimerOp final : public Op {
 public:
  explicit TimerOp(Reactor* r) : r_(r) {}
  void complete(int, uint32_t) override {
    r_->run_ticks();
    if (!r_->stopping_.load()) r_->arm_timer();
  }

 private:
  Reactor* r_;
};

class Reactor::AfterOp final : public Op {
 public:
  AfterOp(Reactor* r, uint32_t ms, std::function<void()> fn) : r_(r), fn_(std::move(fn)) {
    ts_.tv_sec = ms / 1000;
    ts_.tv_nsec = int64_t(ms % 1000) * 1'000'000;
  }
  void complete(int, uint32_t) override {
    r_->after_ops_.erase(this);
    auto fn = std::move(fn_);
    delete this;
    fn();
  }
  __kernel_timespec* ts() { return &ts_; }

 private:
  Reactor* r_;
  std::function<void()> fn_;
  __kernel_timespec ts_{};
};

namespace {
std::optional<uint64_t> clock_ns(clockid_t id) {
  timespec ts;
  if (clock_gettime(id, &ts) != 0) return std::nullopt;
  return uint64_t(ts.tv_sec) * 1'000'000'000u + uint64_t(ts.tv_nsec);
}
uint64_t now_ns() { return clock_ns(CLOCK_MONOTONIC).value_or(0); }
}  // namespace

Reactor::Reactor(int index) : Executor(this), index_(index) {}

Result<std::unique_ptr<Reactor>> Reactor::create(int index, unsigned entries) {
  std::unique_ptr<Reactor> r(new Reactor(index));
  // Only this reactor's thread submits (SINGLE_ISSUER), and completions'
  // task work runs when that thread asks for events instead of interrupting
  // it (DEFER_TASKRUN, Linux 6.1). The ring starts disabled so its issuer is
  // the thread that enables it in run(). Older kernels: a plain ring.
  io_uring_params p{};
  p.flags = IORING_SETUP_CLAMP | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_R_DISABLED;
  int rc = io_uring_queue_init_params(entries, &r->ring_, &p);
  if (rc == -EINVAL) {
    p = io_uring_params{};
    p.flags = IORING_SETUP_CLAMP;
    rc = io_uring_queue_init_params(entries, &r->ring_, &p);
  }
  r->deferred_taskrun_ = (p.flags & IORING_SETUP_DEFER_TASKRUN) != 0;
  if (rc < 0) return make_error(Errc::kIo, std::string("io_uring_queue_init: ") + strerror(-rc));
  r->event_fd_ = eventfd(0, EFD_CLOEXEC);
  if (r->event_fd_ < 0) return make_error(Errc::kIo, std::string("eventfd: ") + strerror(errno));
  r->wake_op_ = std::make_unique<WakeOp>(r.get());
  r->timer_op_ = std::make_unique<TimerOp>(r.get());
  return r;
}

Reactor::~Reactor() {
  if (thread_.joinable()) {
    stop();
    thread_.join();
  }
  if (event_fd_ >= 0) close(event_fd_);
  io_uring_queue_exit(&ring_);
  // Waits that never ran (executor.h: dropped unrun).
  for (AfterOp* op : after_ops_) delete op;
}

io_uring_sqe* Reactor::get_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (!sqe) {
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void Reactor::arm_wakeup() {
  io_uring_sqe* sqe = get_sqe();
  io_uring_prep_read(sqe, event_fd_, &wake_value_, sizeof wake_value_, 0);
  set_op(sqe, wake_op_.get());
}

void Reactor::arm_timer() {
  io_uring_sqe* sqe = get_sqe();
  io_uring_prep_timeout(sqe, &tick_ts_, 0, 0);
  set_op(sqe, timer_op_.get());
}

void Reactor::post(std::function<void()> fn) {
  {
    std::lock_guard lk(post_mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(event_fd_, &one, sizeof one);
}

void Reactor::drain_posted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard lk(post_mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
  run_deferred();
}

uint64_t Reactor::add_tick(std::function<void()> fn) {
  uint64_t id = next_tick_id_++;
  ticks_.push_back(Tick{id, std::move(fn)});
  return id;
}

void Reactor::post_after(uint32_t ms, std::function<void()> fn) {
  auto* op = new AfterOp(this, ms, std::move(fn));
  after_ops_.insert(op);
  io_uring_sqe* sqe = get_sqe();
  io_uring_prep_timeout(sqe, op->ts(), 0, 0);
  set_op(sqe, op);
}

void Reactor::cancel_tick(uint64_t id) {
  for (auto& t : ticks_)
    if (t.id == id) t.fn = nullptr;
}

uint64_t Reactor::busy_ns() const {
  if (running_.load(std::memory_order_acquire)) {
    auto cpu = clock_ns(cpu_clock_.load(std::memory_order_relaxed));
    // The thread may have just ended (its clock is gone): use the final figure.
    if (cpu && running_.load(std::memory_order_acquire)) {
      uint64_t poll = poll_spent_ns_.load(std::memory_order_relaxed);
      return *cpu > poll ? *cpu - poll : 0;
    }
  }
  return final_busy_ns_.load(std::memory_order_acquire);
}

std::optional<double> busy_ratio_between(uint64_t prev_wall_ns, uint64_t prev_busy_ns, uint64_t wall_ns,
                                         uint64_t busy_ns) {
  if (prev_wall_ns == 0 || wall_ns <= prev_wall_ns) return std::nullopt;
  double r = double(busy_ns - std::min(busy_ns, prev_busy_ns)) / double(wall_ns - prev_wall_ns);
  return std::min(r, 1.0);
}

void Reactor::sample_load() {
  uint64_t wall = now_ns(), busy = busy_ns();
  if (auto r = busy_ratio_between(sample_wall_ns_, sample_busy_ns_, wall, busy))
    busy_ratio_.store(*r, std::memory_order_relaxed);
  sample_wall_ns_ = wall;
  sample_busy_ns_ = busy;
}

void Reactor::run_ticks() {
  sample_load();
  // Ticks may add or cancel ticks while running: iterate by index over a
  // snapshot of the size, then compact cancelled entries.
  size_t n = ticks_.size();
  for (size_t i = 0; i < n; ++i)
    if (ticks_[i].fn) {
      auto fn = ticks_[i].fn;
      fn();
    }
  std::erase_if(ticks_, [](const Tick& t) { return !t.fn; });
}

void Reactor::run_deferred() {
  // Deferred work may defer more; loop until quiet.
  while (!deferred_.empty()) {
    std::vector<std::function<void()>> batch;
    batch.swap(deferred_);
    for (auto& fn : batch) fn();
  }
}

// Busy-poll variant of io_uring_submit_and_wait(ring, 1); see reactor.h.
// Only this path reads the clock: the default (poll_ns_ == 0) adds nothing
// to the loop.
void Reactor::submit_poll_or_wait() {
  if (worker_io_ == 0 && last_block_ns_ < kBusyWindowNs && !io_uring_cq_ready(&ring_)) {
    io_uring_submit(&ring_);
    // Poll time is counted in this thread's CPU time, not wall time: the
    // yields below give the CPU away.
    uint64_t cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID).value_or(0);
    uint64_t until = now_ns() + poll_ns_;
    while (!io_uring_cq_ready(&ring_) && now_ns() < until) {
      // Completions' task work runs only when we ask for events.
      if (deferred_taskrun_) io_uring_get_events(&ring_);
      // Let any other runnable thread (a local initiator, backend workers)
      // have the CPU: on a busy machine the poll must not take it from them.
      sched_yield();
    }
    uint64_t cpu1 = clock_ns(CLOCK_THREAD_CPUTIME_ID).value_or(cpu0);
    poll_spent_ns_.store(poll_spent_ns_.load(std::memory_order_relaxed) + (cpu1 - std::min(cpu0, cpu1)),
                         std::memory_order_relaxed);
  }
  if (io_uring_cq_ready(&ring_)) {
    io_uring_submit(&ring_);
    return;
  }
  uint64_t t0 = now_ns();
  io_uring_submit_and_wait(&ring_, 1);
  last_block_ns_ = now_ns() - t0;
}

// Sleeps the coalescing time asked this turn (see reactor.h). Returns true
// when completions are ready afterwards.
bool Reactor::coalesce() {
  uint64_t ask = coalesce_ask_ns_;
  coalesce_ask_ns_ = UINT64_MAX;
  if (ask == UINT64_MAX || ask == 0 || coalesce_max_ns_ == 0 || worker_io_ != 0 || io_uring_cq_ready(&ring_))
    return false;
  ask = std::min(ask, coalesce_max_ns_);
  // A timed sleep ends later than asked (timer and wake-up latency; tens of
  // microseconds on a VM): ask the kernel for less by the lateness seen so
  // far, but for at least a quarter, so the lateness keeps being measured.
  uint64_t sleep = std::max(ask > coalesce_late_ns_ ? ask - coalesce_late_ns_ : 0, ask / 4);
  __kernel_timespec ts{static_cast<long long>(sleep / 1'000'000'000u), static_cast<long long>(sleep % 1'000'000'000u)};
  // Wake on the timeout only: no count of completions can be reached (the
  // kernel clamps the count to the completion queue's size).
  io_uring_cqe* cqe;
  uint64_t t0 = now_ns();
  io_uring_submit_and_wait_timeout(&ring_, &cqe, UINT32_MAX >> 1, &ts, nullptr);
  uint64_t took = now_ns() - t0;
  uint64_t late = std::min(took > sleep ? took - sleep : 0, coalesce_max_ns_);
  coalesce_late_ns_ = (coalesce_late_ns_ * 7 + late) / 8;
  if (!io_uring_cq_ready(&ring_) && deferred_taskrun_) io_uring_get_events(&ring_);
  return io_uring_cq_ready(&ring_) != 0;
}

void Reactor::run() {
  if (deferred_taskrun_) {
    // liburing 2.3 declares io_uring_enable_rings() but does not export it.
    if (syscall(__NR_io_uring_register, ring_.ring_fd, IORING_REGISTER_ENABLE_RINGS, nullptr, 0) < 0)
      ESAN_LOG_ERROR("reactor {}: enabling the ring: {}", index_, strerror(errno));
  }
  clockid_t cid;
  if (pthread_getcpuclockid(pthread_self(), &cid) == 0) {
    cpu_clock_.store(cid, std::memory_order_relaxed);
    running_.store(true, std::memory_order_release);
  }
  sample_load();  // the first tick measures from here
  arm_wakeup();
  arm_timer();
  while (!stopping_.load(std::memory_order_relaxed)) {
    if (!coalesce()) {
      if (poll_ns_) submit_poll_or_wait();
      else io_uring_submit_and_wait(&ring_, 1);
    }
    io_uring_cqe* cqe;
    unsigned head;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      auto* op = static_cast<Op*>(io_uring_cqe_get_data(cqe));
      int res = cqe->res;
      uint32_t flags = cqe->flags;
      // Mark seen before running the handler so handlers may submit freely.
      io_uring_cq_advance(&ring_, 1);
      if (op) op->complete(res, flags);
    }
    run_deferred();
  }
  drain_posted();
  uint64_t busy = busy_ns();
  final_busy_ns_.store(busy, std::memory_order_release);
  running_.store(false, std::memory_order_release);
}

void Reactor::start_thread() {
  thread_ = std::thread([this] { run(); });
}

void Reactor::join() {
  if (thread_.joinable()) thread_.join();
}

void Reactor::stop() {
  stopping_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = write(event_fd_, &one, sizeof one);
}

}  // namespace esan::reactor
