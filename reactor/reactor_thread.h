// ReactorThread: a real Reactor running on a thread of its own, for tests of
// code that must run on a reactor (io_uring backends queue I/O on the
// submitting reactor's ring; completions come back on that thread). Header
// only; esand itself starts its reactors in server/.
#pragma once

#include <future>
#include <memory>

#include <gtest/gtest.h>

#include "reactor/reactor.h"

namespace esan::reactor {

class ReactorThread {
 public:
  ReactorThread() {
    auto r = Reactor::create(0);
    EXPECT_TRUE(r.has_value());
    reactor_ = std::move(*r);
    reactor_->start_thread();
  }
  ~ReactorThread() {
    reactor_->stop();
    reactor_->join();
  }
  Reactor& reactor() { return *reactor_; }
  // Runs fn on the reactor's thread; returns once it has (and so once
  // everything posted before it has run).
  void call(std::function<void()> fn) {
    std::promise<void> done;
    reactor_->post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

 private:
  std::unique_ptr<Reactor> reactor_;
};

}  // namespace esan::reactor
