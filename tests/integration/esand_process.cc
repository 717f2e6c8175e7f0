#include "tests/integration/esand_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#ifndef ESAND_PATH
#error "ESAND_PATH must be defined (path of the esand binary)"
#endif

namespace esan::it {

namespace fs = std::filesystem;

namespace {
// A target that closes a connection must give the test's client EPIPE, not
// kill the whole test binary with SIGPIPE (libiscsi writes with plain
// send()). Installed before main() runs any test.
const bool kSigpipeIgnored = [] {
  ::signal(SIGPIPE, SIG_IGN);
  return true;
}();
}  // namespace
using namespace std::chrono_literals;

int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  int port = -1;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

bool PortAccepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

std::string MakeTempDir(const std::string& tag) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/esan-it-";
  for (char c : tag) tmpl += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  tmpl += "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) return {};
  return std::string(buf.data());
}

bool WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool MakeSparseFile(const std::string& path, off_t size) {
  int fd = ::open(path.c_str(), O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  bool ok = ::ftruncate(fd, size) == 0;
  ::close(fd);
  return ok;
}

EsandProcess::EsandProcess(const std::string& tag) {
  dir_ = MakeTempDir(tag);
  if (dir_.empty()) {
    ADD_FAILURE() << "mkdtemp failed: " << std::strerror(errno);
    dir_ = "/tmp";
  }
  config_path_ = dir_ + "/esan.conf";
  log_path_ = dir_ + "/esand.log";
  // esand is started through a symlink with a name of its own: a name-based
  // kill aimed at a developer's esand (pkill esand) on a shared machine must
  // not take a test's target down.
  exe_ = dir_ + "/esan-it-target";
  std::error_code ec;
  fs::create_symlink(ESAND_PATH, exe_, ec);
  if (ec) exe_ = ESAND_PATH;
}

EsandProcess::~EsandProcess() {
  if (pid_ > 0) {
    if (Running()) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
    pid_ = -1;
  }
  if (::testing::Test::HasFailure()) PrintOutput();
  const char* keep = std::getenv("ESAN_IT_KEEP");
  if (!(keep && *keep == '1') && dir_ != "/tmp") {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  } else {
    std::printf("[esand] kept %s\n", dir_.c_str());
  }
}

void EsandProcess::WriteConfig(const std::string& text) {
  ASSERT_TRUE(WriteFile(config_path_, text)) << config_path_;
}

std::string EsandProcess::Url(const std::string& iqn, int lun) const {
  return "iscsi://" + portal() + "/" + iqn + "/" + std::to_string(lun);
}

std::vector<std::string> EsandProcess::Args(const Options& opts) const {
  std::vector<std::string> a = {exe_, "--config", config_path_, "--listen", portal(), "--state-dir", state_dir(),
                                "--mgmt-socket", mgmt_socket(),
                                "--nop-interval", std::to_string(opts.nop_interval),
                                "--log-level", opts.log_level};
  if (opts.nop_timeout) {
    a.push_back("--nop-timeout");
    a.push_back(std::to_string(*opts.nop_timeout));
  }
  if (opts.login_timeout) {
    a.push_back("--login-timeout");
    a.push_back(std::to_string(*opts.login_timeout));
  }
  for (const auto& x : opts.extra_args) a.push_back(x);
  return a;
}

pid_t EsandProcess::Spawn(const std::vector<std::string>& args) {
  ++starts_;
  {
    std::ofstream log(log_path_, std::ios::app);
    log << "=== esand start #" << starts_ << ":";
    for (const auto& a : args) log << ' ' << a;
    log << "\n";
  }
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  int logfd = ::open(log_path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (logfd < 0) return -1;
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = ::fork();
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::dup2(devnull, 0);
    ::dup2(logfd, 1);
    ::dup2(logfd, 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    // A test binary that crashes must not leave its target running.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::execv(argv[0], argv.data());
    const char msg[] = "exec of esand failed\n";
    (void)!::write(2, msg, sizeof(msg) - 1);
    ::_exit(127);
  }
  ::close(logfd);
  ::close(devnull);
  return pid;
}

::testing::AssertionResult EsandProcess::Start(const Options& opts) {
  if (pid_ > 0 && Running()) return ::testing::AssertionFailure() << "esand already running";
  if (port_ == 0) port_ = FreeLoopbackPort();
  if (port_ <= 0) return ::testing::AssertionFailure() << "no free port";
  pid_ = Spawn(Args(opts));
  if (pid_ < 0) return ::testing::AssertionFailure() << "fork failed: " << std::strerror(errno);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!Running()) {
      return ::testing::AssertionFailure()
             << "esand exited before listening on " << portal() << "; output:\n"
             << Output();
    }
    // Ready: iSCSI accepts, and so does the management API (it starts last).
    if (PortAccepts(port_) && UnixSocketAccepts(mgmt_socket())) return ::testing::AssertionSuccess();
    std::this_thread::sleep_for(20ms);
  }
  return ::testing::AssertionFailure() << "esand did not accept connections on " << portal() << " and "
                                       << mgmt_socket() << " within 10 s";
}

bool UnixSocketAccepts(const std::string& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

bool EsandProcess::Running() {
  if (pid_ <= 0) return false;
  int st = 0;
  pid_t r = ::waitpid(pid_, &st, WNOHANG);
  if (r == 0) return true;
  if (r == pid_) {
    // Exited: remember the status for a later Stop()/WaitExit().
    last_status_ = st;
    have_status_ = true;
  }
  return false;
}

void EsandProcess::Signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

ExitInfo EsandProcess::WaitExit(std::chrono::milliseconds timeout) {
  ExitInfo info;
  if (pid_ <= 0) return info;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
      pid_ = -1;
      have_status_ = false;
      return info;  // exited == false
    }
    std::this_thread::sleep_for(10ms);
  }
  info.exited = true;
  if (have_status_) {
    if (WIFEXITED(last_status_)) {
      info.exit_code = WEXITSTATUS(last_status_);
    } else if (WIFSIGNALED(last_status_)) {
      info.signaled = true;
      info.signal = WTERMSIG(last_status_);
    }
  }
  have_status_ = false;
  pid_ = -1;
  return info;
}

::testing::AssertionResult EsandProcess::Stop(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return ::testing::AssertionFailure() << "esand not started";
  if (!Running()) {
    ExitInfo info = WaitExit(0ms);
    return ::testing::AssertionFailure()
           << "esand had already exited before SIGTERM (code " << info.exit_code << ", signal "
           << info.signal << ")";
  }
  auto t0 = std::chrono::steady_clock::now();
  ::kill(pid_, SIGTERM);
  ExitInfo info = WaitExit(timeout);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  if (!info.exited) {
    return ::testing::AssertionFailure() << "esand did not exit within " << timeout.count()
                                         << " ms of SIGTERM (killed)";
  }
  if (info.signaled) {
    return ::testing::AssertionFailure() << "esand died of signal " << info.signal
                                         << " after SIGTERM";
  }
  if (info.exit_code != 0) {
    return ::testing::AssertionFailure() << "esand exited with status " << info.exit_code
                                         << " after SIGTERM (" << ms.count() << " ms)";
  }
  return ::testing::AssertionSuccess() << "esand exited 0 after " << ms.count() << " ms";
}

ExitInfo EsandProcess::RunToExit(std::chrono::milliseconds timeout) {
  if (port_ == 0) port_ = FreeLoopbackPort();
  pid_ = Spawn(Args(Options{}));
  bool accepted = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running() && std::chrono::steady_clock::now() < deadline) {
    if (PortAccepts(port_)) accepted = true;
    std::this_thread::sleep_for(5ms);
  }
  ExitInfo info = WaitExit(0ms);
  info.accepted_connections = accepted;
  info.output = Output();
  return info;
}

std::string EsandProcess::Output() const { return ReadFile(log_path_); }

void EsandProcess::PrintOutput() const {
  std::string out = Output();
  constexpr size_t kMax = 64 * 1024;
  std::printf("----- esand output (%s)%s -----\n", log_path_.c_str(),
              out.size() > kMax ? ", last 64 KiB" : "");
  if (out.size() > kMax) out = out.substr(out.size() - kMax);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::printf("----- end of esand output -----\n");
  std::fflush(stdout);
}

}  // namespace esan::it
