// Running one of Pacemaker's command-line tools: argv (no shell), stdin
// from /dev/null, stdout and stderr captured, no other descriptor of the
// caller inherited, bounded time.
//
// Contract:
//  * find_tool(name, dirs) is the first dirs[i]/name that is an executable
//    file, or "" (dirs empty: $PATH's directories, then /usr/sbin, /sbin).
//  * run(argv, timeout): argv[0] is a path. Blocks the calling thread
//    until the tool exits or `timeout` passes; then it is killed (SIGKILL),
//    reaped and timed_out is set. An error only when it cannot be started
//    (kIo with strerror). Output beyond 4 MiB per stream is dropped.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace esan::pacemaker {

struct ToolResult {
  int exit_code = -1;  // -1: killed by a signal (timed_out says whether by us)
  bool timed_out = false;
  std::string out, err;
};

std::string find_tool(std::string_view name, const std::vector<std::string>& dirs = {});
Result<ToolResult> run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout);

}  // namespace esan::pacemaker
