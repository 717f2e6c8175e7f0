// Shared pieces of the management API integration tests: a session doing
// verified I/O on its own thread (to show it is not disturbed), and checks
// of API answers.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/integration/iscsi_client.h"
#include "tests/integration/mgmt_client.h"

namespace esan::it {

// 2xx, else a failure showing the answer.
inline ::testing::AssertionResult Ok(const HttpResult& r) {
  if (r.status >= 200 && r.status < 300) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.Describe();
}

// `status` and the documented error body {"error": {"code": code, ...}}.
inline ::testing::AssertionResult Refused(const HttpResult& r, int status, const std::string& code) {
  if (r.status == status && r.json.is_object() && r.json.contains("error") &&
      r.json["error"].value("code", "") == code && !r.json["error"].value("message", "").empty())
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected " << status << " " << code << ", got " << r.Describe();
}

// Writes and reads back 4 KiB blocks of LUN 0 in a loop on its own thread
// until stopped; counts rounds and remembers the first failure.
class BackgroundIo {
 public:
  explicit BackgroundIo(Context ctx) : ctx_(std::move(ctx)) {
    thread_ = std::thread([this] { Run(); });
  }
  ~BackgroundIo() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t rounds() const { return rounds_.load(); }
  const std::string& failure() const { return failure_; }  // after Stop()
  // Waits (at most 20 s) until at least one more round completed than `from`.
  ::testing::AssertionResult Progressed(uint64_t from) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (rounds_.load() <= from && !failed_.load() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (rounds_.load() > from) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "the background session made no progress"
                                         << (failed_.load() ? " (it failed)" : "");
  }
  iscsi_context* context() { return ctx_.get(); }

 private:
  void Run() {
    for (uint64_t i = 0; !stop_; ++i) {
      auto data = TestData(4096, 1000 + i);
      uint64_t lba = (i % 64) * 8;
      auto w = Write16(ctx_.get(), 0, lba, data.data(), data.size());
      std::vector<uint8_t> back;
      auto r = w ? Read16(ctx_.get(), 0, lba, data.size(), &back) : w;
      if (!w || !r || back != data) {
        failure_ = !w ? w.message() : !r ? r.message() : "data read back differs";
        failed_ = true;
        return;
      }
      rounds_.fetch_add(1);
    }
  }
  Context ctx_;
  std::thread thread_;
  std::atomic<bool> stop_{false}, failed_{false};
  std::atomic<uint64_t> rounds_{0};
  std::string failure_;
};

}  // namespace esan::it
