// Test harness: runs a real esand process for integration tests.
//
// An EsandProcess owns a fresh temporary directory (config, backing files,
// esand's stderr, and its --state-dir, dir()/state, kept across restarts), picks a free loopback port, starts esand on
// 127.0.0.1:PORT, waits until the port accepts connections and stops it with
// SIGTERM, expecting exit status 0.  If the test has failed by the time the
// object is destroyed, esand's output is printed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace esan::it {

// A port on 127.0.0.1 that was free a moment ago (bind port 0, read, close).
int FreeLoopbackPort();

// Creates a fresh directory under $TMPDIR (or /tmp).
std::string MakeTempDir(const std::string& tag);

// Writes text to path (truncating); returns false on error.
bool WriteFile(const std::string& path, const std::string& text);
std::string ReadFile(const std::string& path);

// Creates a sparse file of the given size.
bool MakeSparseFile(const std::string& path, off_t size);

// Result of a process run to completion (see RunToExit).
struct ExitInfo {
  bool exited = false;      // false: did not exit within the timeout (killed)
  int exit_code = -1;       // valid when exited and !signaled
  bool signaled = false;
  int signal = 0;
  bool accepted_connections = false;  // something listened on the port
  std::string output;       // stdout + stderr
};

class EsandProcess {
 public:
  struct Options {
    int nop_interval = 0;
    std::optional<int> nop_timeout;
    std::optional<int> login_timeout;
    std::string log_level = "debug";
    std::vector<std::string> extra_args;
  };

  // tag names the temp directory (e.g. the test name).
  explicit EsandProcess(const std::string& tag);
  ~EsandProcess();
  EsandProcess(const EsandProcess&) = delete;
  EsandProcess& operator=(const EsandProcess&) = delete;

  const std::string& dir() const { return dir_; }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  const std::string& config_path() const { return config_path_; }
  // The --state-dir every start of this esand uses.
  std::string state_dir() const { return dir_ + "/state"; }
  // Its management API socket (--mgmt-socket).
  std::string mgmt_socket() const { return dir_ + "/esand.sock"; }

  // Writes the config file (dir/esan.conf).
  void WriteConfig(const std::string& text);

  // Starts esand on 127.0.0.1:port() (a free port is chosen on the first
  // start and reused by later starts) and waits up to 10 s for the port to
  // accept connections.
  ::testing::AssertionResult Start(const Options& opts);
  ::testing::AssertionResult Start() { return Start(Options{}); }

  // SIGTERM; expects exit status 0 within timeout.
  ::testing::AssertionResult Stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  // Sends a signal without waiting.
  void Signal(int sig);
  // Waits for the process to exit (after Signal); returns the wait status
  // via ExitInfo (output not filled in).
  ExitInfo WaitExit(std::chrono::milliseconds timeout);

  // True while the process is running (reaps it if it exited).
  bool Running();

  // Runs esand with the current config and the usual arguments, expecting it
  // to exit on its own within timeout (for bad configs).  Records whether
  // anything accepted connections on the port meanwhile.
  ExitInfo RunToExit(std::chrono::milliseconds timeout = std::chrono::seconds(10));

  int port() const { return port_; }
  std::string portal() const { return "127.0.0.1:" + std::to_string(port_); }
  // iscsi://127.0.0.1:PORT/IQN/LUN
  std::string Url(const std::string& iqn, int lun) const;
  pid_t pid() const { return pid_; }

  // Everything esand printed so far (this start and earlier ones).
  std::string Output() const;
  // Dumps the output to stdout (called automatically on failure).
  void PrintOutput() const;

 private:
  std::vector<std::string> Args(const Options& opts) const;
  pid_t Spawn(const std::vector<std::string>& args);

  std::string dir_;
  std::string config_path_;
  std::string log_path_;
  std::string exe_;
  int port_ = 0;
  pid_t pid_ = -1;
  int starts_ = 0;
  int last_status_ = 0;
  bool have_status_ = false;
};

// True if a TCP connection to 127.0.0.1:port succeeds right now.
bool PortAccepts(int port);
// True if a connection to the unix socket at path succeeds right now.
bool UnixSocketAccepts(const std::string& path);

}  // namespace esan::it
