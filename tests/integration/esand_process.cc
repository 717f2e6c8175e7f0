#include "tests/integration/esand_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
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

namespace {
// The port the kernel gives a socket bound to addr (port 0), or -1.
int BoundPort(sockaddr_in addr) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
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
}  // namespace

int FreeLoopbackPort() {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return BoundPort(addr);
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

int FreePort(const std::string& address) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (address == "127.0.0.1" || ::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1)
    return FreeLoopbackPort();
  int port = BoundPort(addr);
  // Not an address of this network namespace (EADDRNOTAVAIL): esand runs in
  // another one; any port free here is as good a guess there (and Start
  // moves on if esand finds it taken).
  return port > 0 ? port : FreeLoopbackPort();
}

bool PortAccepts(const std::string& address, int port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, address.c_str(), &addr.sin_addr) != 1) return false;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  if (!ok && errno == EINPROGRESS) {
    // A non-loopback address may be unreachable (a node cut off in the HA
    // lab): do not wait for the kernel's SYN retries.
    pollfd p{fd, POLLOUT, 0};
    int err = 0;
    socklen_t len = sizeof(err);
    ok = ::poll(&p, 1, 500) == 1 && ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
  }
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

std::string SanitizerReport(const std::string& output) {
  for (const char* marker : {"Sanitizer:", ": runtime error:"}) {
    size_t at = output.find(marker);
    if (at == std::string::npos) continue;
    size_t begin = output.rfind('\n', at);
    begin = begin == std::string::npos ? 0 : begin + 1;
    return output.substr(begin, output.find('\n', at) - begin);
  }
  return {};
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
  // A sanitizer build's report (ASan, LSan, UBSan) lands in esand's log,
  // whether or not the process still ran: any report fails the test.
  if (std::string report = SanitizerReport(Output()); !report.empty())
    ADD_FAILURE() << "esand reported a sanitizer error: " << report;
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

namespace {
// prog itself if it names a path, else its first match on PATH (resolved
// before fork: the child only calls execv).
std::string ResolveOnPath(const std::string& prog) {
  if (prog.find('/') != std::string::npos) return prog;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
  for (std::string d; std::getline(dirs, d, ':');) {
    std::string cand = (d.empty() ? "." : d) + "/" + prog;
    if (::access(cand.c_str(), X_OK) == 0) return cand;
  }
  return prog;
}
}  // namespace

pid_t SpawnToFile(const std::vector<std::string>& args, const std::string& out, int* err) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    *err = rc;
    return -1;
  }
  return pid;
}

pid_t EsandProcess::Spawn(const std::vector<std::string>& esand_args) {
  ++starts_;
  std::vector<std::string> args = wrapper_;
  args.insert(args.end(), esand_args.begin(), esand_args.end());
  {
    std::ofstream log(log_path_, std::ios::app);
    log << "=== esand start #" << starts_ << ":";
    for (const auto& a : args) log << ' ' << a;
    log << "\n";
  }
  std::string prog = ResolveOnPath(args[0]);
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
    ::execv(prog.c_str(), argv.data());
    const char msg[] = "exec of esand failed\n";
    (void)!::write(2, msg, sizeof(msg) - 1);
    ::_exit(127);
  }
  ::close(logfd);
  ::close(devnull);
  return pid;
}

bool ListensOn(pid_t pid, int port) { return ListensOn(pid, "127.0.0.1", port); }

// True if process pid holds the socket listening on address:port
// (/proc/PID/net/tcp, the table of pid's network namespace, gives the
// listener's inode, /proc/PID/fd the process's).
bool ListensOn(pid_t pid, const std::string& address, int port) {
  in_addr a{};
  if (::inet_pton(AF_INET, address.c_str(), &a) != 1) return false;
  std::ifstream tcp("/proc/" + std::to_string(pid) + "/net/tcp");
  std::string line, inode;
  char want[32];
  // The kernel prints the address as the host-order integer of its
  // network-order bytes.
  std::snprintf(want, sizeof(want), "%08X:%04X", unsigned(a.s_addr), port);
  std::getline(tcp, line);  // header
  while (std::getline(tcp, line)) {
    std::istringstream f(line);
    std::string sl, local, remote, st, skip;
    f >> sl >> local >> remote >> st;
    if (local != want || st != "0A") continue;
    for (int i = 0; i < 5; ++i) f >> skip;  // tx:rx tr:when retrnsmt uid timeout
    f >> inode;
    break;
  }
  if (inode.empty()) return false;
  std::string target = "socket:[" + inode + "]";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    std::error_code ec2;
    if (fs::read_symlink(e.path(), ec2).string() == target) return true;
  }
  return false;
}

int EsandProcess::ChoosePort() {
  if (port_ == 0) port_ = FreeLoopbackPort();
  return port_;
}

int EsandProcess::ChoosePort(const std::string& address) {
  if (address != address_) port_ = 0;
  address_ = address;
  if (port_ == 0) port_ = FreePort(address_);
  return port_;
}

::testing::AssertionResult EsandProcess::Start(const Options& opts) {
  if (pid_ > 0 && Running()) return ::testing::AssertionFailure() << "esand already running";
  if (opts.address != address_) port_ = 0;
  address_ = opts.address;
  wrapper_ = opts.wrapper;
  if (port_ == 0) port_ = FreePort(address_);
  if (port_ <= 0) return ::testing::AssertionFailure() << "no free port";
  // On a shared machine another process may take the port between a stop
  // and a restart: the listener must be this esand, and if its bind fails
  // because the port is taken, it starts again on a new port.
  for (int attempt = 0;; ++attempt) {
    size_t log_at = Output().size();
    pid_ = Spawn(Args(opts));
    if (pid_ < 0) return ::testing::AssertionFailure() << "fork failed: " << std::strerror(errno);
    auto deadline = std::chrono::steady_clock::now() + 10s;
    bool exited = false;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!Running()) {
        exited = true;
        break;
      }
      // Ready: iSCSI accepts (on this esand), and so does the management API (it starts last).
      if (PortAccepts(address_, port_) && ListensOn(pid_, address_, port_) && UnixSocketAccepts(mgmt_socket()))
        return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(20ms);
    }
    if (!exited) {
      return ::testing::AssertionFailure() << "esand did not accept connections on " << portal()
                                           << " within 10 s";
    }
    ExitInfo info = WaitExit(0ms);
    if (Output().find("Address already in use", log_at) != std::string::npos && attempt < 3) {
      port_ = FreePort(address_);
      continue;
    }
    return ::testing::AssertionFailure() << "esand exited (status " << info.exit_code
                                         << ") before listening on " << portal() << "; output:\n"
                                         << Output();
  }
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
  if (port_ == 0) port_ = FreePort(address_);
  pid_ = Spawn(Args(Options{}));
  bool accepted = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (Running() && std::chrono::steady_clock::now() < deadline) {
    if (PortAccepts(address_, port_)) accepted = true;
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
