// Executor: where a piece of work continues. The SCSI layer and the backends
// hand completions back through the executor a task was submitted on (its
// reactor, in production), never through a thread-local lookup, so unit
// tests drive the same code path with an executor of their own.
//
// Contract: post(fn) is thread-safe and runs fn later, exactly once, on the
// executor's own thread (for a Reactor, after its current batch); it never
// runs fn inline.
#pragma once

#include <functional>

namespace esan::reactor {

class Executor {
 public:
  virtual void post(std::function<void()> fn) = 0;

 protected:
  ~Executor() = default;
};

}  // namespace esan::reactor
