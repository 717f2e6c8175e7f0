// Test harness: runs a real esand process for integration tests.
//
// An EsandProcess owns a fresh temporary directory (config, backing files,
// esand's stderr, and its --state-dir, dir()/state, kept across restarts), picks a free port, starts esand on
// ADDRESS:PORT (127.0.0.1 unless Options::address says otherwise), waits until the port accepts connections
// and stops it with SIGTERM, expecting exit status 0. Options::wrapper runs it through a command that
// execs it in the same process (e.g. nsenter into an HA lab node's namespaces, tests/ha/lab.h).  When the object is destroyed, a
// sanitizer report in esand's output (ASan/UBSan builds) fails the test; if
// the test has failed by then, esand's output is printed.
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
// The same on address; for an address this process cannot bind (one in another network
// namespace) a port number that is free on loopback here.
int FreePort(const std::string& address);

// Creates a fresh directory under $TMPDIR (or /tmp).
std::string MakeTempDir(const std::string& tag);

// Writes text to path (truncating); returns false on error.
bool WriteFile(const std::string& path, const std::string& text);
std::string ReadFile(const std::string& path);

// Creates a sparse file of the given size.
bool MakeSparseFile(const std::string& path, off_t size);

// Starts the program args[0] (a path) with args, its stdout and stderr
// going to the file `out` (truncated). Returns its pid, or -1 with the
// error number in *err.
pid_t SpawnToFile(const std::vector<std::string>& args, const std::string& out, int* err);

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
    // The IPv4 address esand listens on (--listen ADDRESS:PORT).
    std::string address = "127.0.0.1";
    // An argv prefix esand is started through, e.g. {"nsenter", "-t", PID, "-n", "-m", "-u", "--"}.
    // It must exec esand in the process it was started as (nsenter without -p does), so that
    // pid() is esand's. Empty: esand is executed directly.
    std::vector<std::string> wrapper;
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

  // Starts esand on opts.address:port() (a free port is chosen on the first
  // start and reused by later starts, unless another process took it
  // meanwhile) and waits up to 10 s until esand itself listens there (as
  // seen in its own network namespace) and a connection to it succeeds.
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
  // Picks the port now, before the first start, so that another process's
  // config can name it (a start that then finds it taken moves elsewhere).
  int ChoosePort();
  // The same for starts on address (e.g. an HA lab node's front address):
  // the next Start with that Options::address keeps the port.
  int ChoosePort(const std::string& address);
  // The address of the last Start (127.0.0.1 before the first).
  const std::string& address() const { return address_; }
  std::string portal() const { return address_ + ":" + std::to_string(port_); }
  // iscsi://ADDRESS:PORT/IQN/LUN
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
  std::string address_ = "127.0.0.1";
  std::vector<std::string> wrapper_;
  int port_ = 0;
  pid_t pid_ = -1;
  int starts_ = 0;
  int last_status_ = 0;
  bool have_status_ = false;
};

// The first line of a sanitizer report (ASan/LSan "...Sanitizer: ...",
// UBSan "file:line: runtime error: ...") in a process's output, or "".
std::string SanitizerReport(const std::string& output);

// True if process pid holds the socket listening on 127.0.0.1:port.
bool ListensOn(pid_t pid, int port);
// The same for an IPv4 address, looked up in pid's own network namespace
// (/proc/PID/net/tcp), so it also works for a process in another one.
bool ListensOn(pid_t pid, const std::string& address, int port);

// True if a TCP connection to 127.0.0.1:port succeeds right now.
bool PortAccepts(int port);
// True if a TCP connection to address:port succeeds within 500 ms.
bool PortAccepts(const std::string& address, int port);
// True if a connection to the unix socket at path succeeds right now.
bool UnixSocketAccepts(const std::string& path);

}  // namespace esan::it
