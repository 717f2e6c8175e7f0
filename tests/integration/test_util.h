// Small helpers shared by the integration test files.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace esan::it {

// One vdisk_fileio DEVICE block (one attribute per line).
inline std::string FileioDevice(const std::string& name, const std::string& path,
                                const std::vector<std::string>& attrs = {}) {
  std::string s = "    DEVICE " + name + " {\n        filename " + path + "\n";
  for (const auto& a : attrs) s += "        " + a + "\n";
  return s + "    }\n";
}

inline std::string NullioDevice(const std::string& name, int size_mb) {
  return "    DEVICE " + name + " {\n        size_mb " + std::to_string(size_mb) + "\n    }\n";
}

inline std::string Handler(const std::string& handler, const std::string& devices) {
  return "HANDLER " + handler + " {\n" + devices + "}\n";
}

// TARGET_DRIVER iscsi { enabled 1 <targets> }
inline std::string IscsiDriver(const std::string& targets) {
  return "TARGET_DRIVER iscsi {\n    enabled 1\n" + targets + "}\n";
}

// A TARGET block; body lines are indented by the caller's convention.
inline std::string Target(const std::string& iqn, const std::string& body, bool enabled = true) {
  return "    TARGET " + iqn + " {\n        enabled " + (enabled ? "1" : "0") + "\n" + body +
         "    }\n";
}

struct CommandOutput {
  int exit_code = -1;  // -1: did not exit normally
  std::string output;  // stdout + stderr
};

// Runs a shell command line, capturing stdout and stderr.
inline CommandOutput RunCommand(const std::string& cmdline) {
  CommandOutput r;
  std::string full = cmdline + " 2>&1";
  FILE* f = ::popen(full.c_str(), "r");
  if (f == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) r.output.append(buf, n);
  int st = ::pclose(f);
  if (st != -1 && WIFEXITED(st)) r.exit_code = WEXITSTATUS(st);
  return r;
}

// True if an executable named prog is on PATH.
inline bool OnPath(const std::string& prog) {
  return RunCommand("command -v " + prog + " >/dev/null").exit_code == 0;
}

}  // namespace esan::it
