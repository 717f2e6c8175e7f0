// Runner: drives Options::sessions libiscsi sessions, each keeping
// Options::queue_depth commands outstanding, from one thread (poll over all
// session sockets), for Options::seconds.
//
// Contract:
//  - connect() logs every session in (CHAP from the URL's user%secret),
//    clears the power-on unit attention and reads the LU's capacity; any
//    failure comes back as an Error naming the session.
//  - fill() (only for --verify) writes the pattern (tools/bench/pattern.h)
//    over the whole range, 1 MiB per command.
//  - run() issues commands until the time is up, then waits for every
//    outstanding command (at most 30 s) and returns the totals. A command
//    that fails (SCSI status other than GOOD, or a transport error) counts
//    as an error and is not re-issued on that slot; with --verify a read
//    whose data differs from the pattern counts as a miscompare.
//  - progress(second, ios, bytes) is called about once a second with the
//    figures of the second that ended.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"
#include "tools/bench/latency.h"
#include "tools/bench/options.h"

struct iscsi_context;

namespace esan::bench {

struct Totals {
  uint64_t reads = 0, writes = 0, read_bytes = 0, write_bytes = 0;
  uint64_t errors = 0, miscompares = 0;
  std::string first_error;
  LatencyHistogram latency;  // every completed command, reads and writes
  double seconds = 0;        // from the first issue to the last completion
  uint32_t lu_block_size = 0;
  uint64_t lu_blocks = 0;
};

using ProgressFn = std::function<void(unsigned second, uint64_t ios, uint64_t bytes)>;

class Runner {
 public:
  static Result<std::unique_ptr<Runner>> connect(const Options& opts);
  ~Runner();
  Status fill();
  Result<Totals> run(const ProgressFn& progress);

  struct Session;
  struct Slot;

 private:
  explicit Runner(const Options& opts);
  Status poll_once(int timeout_ms);
  void issue(Slot& slot);
  static void on_done(::iscsi_context* ctx, int status, void* command_data, void* private_data);

  Options opts_;
  std::vector<std::unique_ptr<Session>> sessions_;
  uint64_t range_units_ = 0;  // range / block_bytes
  uint64_t seed_ = 0;
  bool stopping_ = false;
  unsigned outstanding_ = 0;
  Totals totals_;
  uint64_t window_ios_ = 0, window_bytes_ = 0;
  bool filling_ = false;
  uint64_t fill_next_ = 0, fill_end_ = 0;
};

}  // namespace esan::bench
