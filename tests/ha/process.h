// Programs the HA lab runs on this machine: to completion with their
// output (RunProgram), in the background (SpawnProgram, ChildRunning,
// Reap), and the processes of a network namespace (PidsInNetns,
// KillNetns). No namespaces are entered here: lab.h prefixes argv with its
// nsenter wrapper. Every child started here gets SIGKILL when the test
// process dies (PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace esan::ha {

struct ExecResult {
  int exit_code = -1;      // -1: did not exit normally
  bool timed_out = false;  // killed at the timeout
  std::string output;      // stdout + stderr
};

// Runs argv (argv[0] looked up on PATH) to completion with stdin from
// /dev/null, capturing stdout and stderr; killed after timeout.
ExecResult RunProgram(const std::vector<std::string>& argv,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Starts argv (argv[0] looked up on PATH) in the background: stdin
// /dev/null, stdout and stderr appended to output (after a "=== start:"
// line), env entries "NAME=VALUE" added to this process's environment.
::testing::AssertionResult SpawnProgram(const std::vector<std::string>& argv, const std::string& output,
                                        pid_t* pid, const std::vector<std::string>& env = {});
// Whether pid (a child of this process) still runs; reaps it and sets pid
// to -1 once it has exited.
bool ChildRunning(pid_t& pid);
// Waits (bounded, 2 s) for a child that was killed.
void Reap(pid_t pid);

// prog itself if it has a '/', else its path on PATH (+ /usr/sbin:/sbin),
// else prog.
std::string ResolveOnPath(const std::string& prog);

// Pids of every process whose network namespace is the one bound at path
// (e.g. /run/netns/NAME); SIGKILL to them until none is left (bounded, 2.5 s).
std::vector<pid_t> PidsInNetns(const std::string& path);
void KillNetns(const std::string& path);

// Small text helpers: a file's bytes (empty if unreadable), the last max
// bytes of s, argv joined with spaces.
std::string ReadAll(const std::string& path);
std::string Tail(const std::string& s, size_t max);
std::string Join(const std::vector<std::string>& v);

}  // namespace esan::ha
