// Executor: where a piece of work continues. The SCSI layer and the backends
// hand completions back through the executor a task was submitted on (its
// reactor, in production), never through a thread-local lookup, so unit
// tests drive the same code path with an executor of their own.
//
// Contract:
//  - post(fn) is thread-safe and runs fn later, exactly once, on the
//    executor's own thread (for a Reactor, after its current batch); it
//    never runs fn inline.
//  - add_tick(fn) calls fn about once per second on the executor's thread
//    (for work paced in time, e.g. SANITIZE) until cancel_tick(id); both
//    only on the executor's thread.
//  - post_after(ms, fn) runs fn once on the executor's thread, about `ms`
//    milliseconds later (never inline; for short waits, e.g. a command held
//    while the HA pair changes roles). Only on the executor's thread; work
//    still waiting when the executor is destroyed is dropped unrun.
//  - reactor() is the Reactor this executor is, or nullptr for one that is
//    not (tests' executors). Backend I/O that needs a ring (io_uring
//    backends, backend/block_device.h) can only be submitted on a Reactor.
//    It is a plain pointer, not a virtual call: the READ/WRITE path reads it
//    for every backend request.
#pragma once

#include <cstdint>
#include <functional>

namespace esan::reactor {

class Reactor;

class Executor {
 public:
  virtual void post(std::function<void()> fn) = 0;
  virtual uint64_t add_tick(std::function<void()> fn) = 0;
  virtual void cancel_tick(uint64_t id) = 0;
  virtual void post_after(uint32_t ms, std::function<void()> fn) = 0;
  Reactor* reactor() const { return reactor_; }

 protected:
  Executor() = default;
  explicit Executor(Reactor* self) : reactor_(self) {}
  ~Executor() = default;

 private:
  Reactor* reactor_ = nullptr;
};

}  // namespace esan::reactor
