#include "tests/ha/lab.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

namespace esan::ha {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kSlots = 64;
constexpr char kPrefix[] = "esha";             // namespaces esha<S>-..., host veth esha<S>
constexpr char kLockDir[] = "/run/esan-ha-lab";  // slot-<S>.lock: "pid P\ndir D\n"
constexpr int kSubnetBase = 231;               // 10.231.<4S + net>.0/24
// Private in every node, whatever the Options add.
const std::vector<std::string> kCorosyncDirs = {"/etc/corosync", "/var/lib/corosync", "/var/log/corosync"};
constexpr char kLabLink[] = "/run/esan-lab";     // in a node: -> the Lab's dir()

std::string SlotLockPath(int slot) { return std::string(kLockDir) + "/slot-" + std::to_string(slot) + ".lock"; }
std::string HostIfName(int slot) { return kPrefix + std::to_string(slot); }
std::string NsPrefix(int slot) { return kPrefix + std::to_string(slot) + "-"; }

// Removes slot's namespaces, host veth and the directory named in its lock
// file (text), whoever made them: the caller holds the slot's lock.
void CleanSlot(int slot, const std::string& lock_text) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir("/run/netns")) {
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n.rfind(NsPrefix(slot), 0) == 0) names.push_back(n);
    }
    ::closedir(d);
  }
  // Nodes first (their processes), the hub (and with it every veth) last.
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    bool ha = a.ends_with("-hub"), hb = b.ends_with("-hub");
    return ha != hb ? hb : a < b;
  });
  for (const auto& n : names) KillNetns("/run/netns/" + n);
  RunProgram({"ip", "link", "del", HostIfName(slot)}, 5s);
  for (const auto& n : names) RunProgram({"ip", "netns", "del", n}, 5s);
  std::smatch m;
  static const std::regex dir_re("(^|\n)dir (/[^\n]+)");
  if (std::regex_search(lock_text, m, dir_re)) {
    std::string dir = m[2];
    // Only a Lab directory (MakeLabDir's pattern) is ever removed.
    if (fs::path(dir).filename().string().rfind(std::string(kPrefix) + "-lab-", 0) == 0) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  }
}

std::string ReadFd(int fd) {
  std::string s;
  char buf[4096];
  ::lseek(fd, 0, SEEK_SET);
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) s.append(buf, size_t(n));
  return s;
}

std::string MakeLabDir(int slot) {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/" + kPrefix + "-lab-" +
                     std::to_string(slot) + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr) return {};
  ::chmod(buf.data(), 0755);
  return buf.data();
}

template <typename Pred>
bool PollUntil(std::chrono::milliseconds timeout, Pred pred) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
}

std::string Ids(const std::vector<int>& v) {
  std::string s = "{";
  for (int i : v) s += (s.size() > 1 ? "," : "") + std::to_string(i);
  return s + "}";
}

}  // namespace

Lab::Lab(Options opts) : opts_(opts), node_(size_t(opts.nodes) + 1) {}

Lab::~Lab() {
  if (::testing::Test::HasFailure() && slot_ >= 0) PrintDiagnostics();
  Teardown();
}

std::string Lab::NodeDir(int node) const { return dir_ + "/" + NodeName(node); }
std::string Lab::NetnsName(int node) const { return NsPrefix(slot_) + "n" + std::to_string(node); }
std::string Lab::HubName() const { return NsPrefix(slot_) + "hub"; }

std::string Lab::Address(int node, int net) const {
  return "10." + std::to_string(kSubnetBase) + "." + std::to_string(4 * slot_ + net) + "." + std::to_string(node);
}
std::string Lab::HostAddress() const { return Address(254, kFront); }

pid_t Lab::Anchor(int node) const { return node_.at(size_t(node)).anchor; }
pid_t Lab::CorosyncPid(int node) const { return node_.at(size_t(node)).corosync; }

std::vector<std::string> Lab::Wrapper(int node) const {
  return {ResolveOnPath("nsenter"), "-t", std::to_string(Anchor(node)), "-n", "-m", "-u", "--"};
}

std::vector<std::string> Lab::PrivatePaths() const {
  std::vector<std::string> v = kCorosyncDirs;
  v.insert(v.end(), opts_.private_dirs.begin(), opts_.private_dirs.end());
  return v;
}

std::string Lab::PrivateDir(int node, const std::string& path) const {
  std::string name = path.substr(path.starts_with('/') ? 1 : 0);
  std::replace(name.begin(), name.end(), '/', '-');
  return NodeDir(node) + "/" + name;
}

ExecResult Lab::Exec(int node, const std::vector<std::string>& argv, std::chrono::milliseconds timeout) const {
  if (Anchor(node) <= 0) return ExecResult{-1, false, NodeName(node) + " has no anchor process"};
  std::vector<std::string> full = Wrapper(node);
  full.insert(full.end(), argv.begin(), argv.end());
  return RunProgram(full, timeout);
}

::testing::AssertionResult Lab::TakeSlot() {
  if (::mkdir(kLockDir, 0755) != 0 && errno != EEXIST)
    return ::testing::AssertionFailure() << "mkdir " << kLockDir << ": " << std::strerror(errno);
  // Start at a pid-dependent slot so that parallel Labs rarely contend.
  const int first = int(::getpid() % kSlots);
  for (int i = 0; i < kSlots; ++i) {
    int s = (first + i) % kSlots;
    int fd = ::open(SlotLockPath(s).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      continue;
    }
    // Ours now: whatever an earlier holder left behind goes first.
    CleanSlot(s, ReadFd(fd));
    // The front subnet must not be in use on this machine by anyone else.
    std::string front = "10." + std::to_string(kSubnetBase) + "." + std::to_string(4 * s + kFront) + ".";
    std::string host_nets = RunProgram({"ip", "-4", "-o", "addr", "show"}).output + RunProgram({"ip", "-4", "route", "show"}).output;
    if (host_nets.find(front) != std::string::npos) {
      ::close(fd);
      continue;
    }
    slot_ = s;
    slot_fd_ = fd;
    dir_ = MakeLabDir(s);
    if (dir_.empty()) return ::testing::AssertionFailure() << "mkdtemp: " << std::strerror(errno);
    std::string text = "pid " + std::to_string(::getpid()) + "\ndir " + dir_ + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) != ssize_t(text.size()))
      return ::testing::AssertionFailure() << "cannot write " << SlotLockPath(s);
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no free HA lab slot (all " << kSlots << " locked in " << kLockDir << ")";
}

void Lab::CleanupLeftovers(int except) {
  std::set<int> slots;
  auto note = [&](const std::string& name) {
    if (name.rfind(kPrefix, 0) != 0) return;
    size_t i = std::strlen(kPrefix), j = i;
    while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
    if (j == i) return;
    if (j != name.size() && name[j] != '-') return;
    int s = std::atoi(name.substr(i, j - i).c_str());
    if (s >= 0 && s < kSlots && s != except) slots.insert(s);
  };
  if (DIR* d = ::opendir("/run/netns")) {
    while (dirent* e = ::readdir(d)) note(e->d_name);
    ::closedir(d);
  }
  if (DIR* d = ::opendir("/sys/class/net")) {
    while (dirent* e = ::readdir(d)) note(e->d_name);
    ::closedir(d);
  }
  ::mkdir(kLockDir, 0755);
  for (int s : slots) {
    int fd = ::open(SlotLockPath(s).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {  // its Lab is gone
      CleanSlot(s, ReadFd(fd));
      if (::ftruncate(fd, 0) != 0) {
      }
    }
    ::close(fd);
  }
}

::testing::AssertionResult Lab::BuildNetwork() {
  auto ip = [](const std::vector<std::string>& args) -> ::testing::AssertionResult {
    std::vector<std::string> argv = {"ip"};
    argv.insert(argv.end(), args.begin(), args.end());
    ExecResult r = RunProgram(argv, 10s);
    if (r.exit_code == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << Join(argv) << ": exit " << r.exit_code << ": " << r.output;
  };
  auto batch = [&](const std::string& ns, const std::string& name, const std::string& cmds) {
    std::string file = dir_ + "/" + name;
    std::ofstream(file) << cmds;
    return ns.empty() ? ip({"-batch", file}) : ip({"-n", ns, "-batch", file});
  };
  if (auto r = ip({"netns", "add", HubName()}); !r) return r;
  for (int n = 1; n <= opts_.nodes; ++n)
    if (auto r = ip({"netns", "add", NetnsName(n)}); !r) return r;
  std::string hub = "link set lo up\n";
  for (int net = 0; net <= kFront; ++net)
    hub += "link add br" + std::to_string(net) + " type bridge\nlink set br" + std::to_string(net) + " up\n";
  for (int n = 1; n <= opts_.nodes; ++n) {
    for (int net = 0; net <= kFront; ++net) {
      std::string h = "n" + std::to_string(n) + "l" + std::to_string(net);
      hub += "link add " + h + " type veth peer name eth" + std::to_string(net) + " netns " + NetnsName(n) + "\n";
      hub += "link set " + h + " master br" + std::to_string(net) + "\nlink set " + h + " up\n";
    }
  }
  // The test's own end: the peer goes to this process's network namespace.
  hub += "link add host type veth peer name " + HostIfName(slot_) + " netns " + std::to_string(::getpid()) + "\n";
  hub += "link set host master br" + std::to_string(kFront) + "\nlink set host up\n";
  if (auto r = batch(HubName(), "hub.ip", hub); !r) return r;
  for (int n = 1; n <= opts_.nodes; ++n) {
    std::string cmds = "link set lo up\n";
    for (int net = 0; net <= kFront; ++net) {
      cmds += "addr add " + Address(n, net) + "/24 dev eth" + std::to_string(net) + "\n";
      cmds += "link set eth" + std::to_string(net) + " up\n";
    }
    if (auto r = batch(NetnsName(n), NodeName(n) + ".ip", cmds); !r) return r;
  }
  return batch("", "host.ip",
               "addr add " + HostAddress() + "/24 dev " + HostIfName(slot_) + "\nlink set " + HostIfName(slot_) + " up\n");
}

::testing::AssertionResult Lab::WriteCorosyncConfig() {
  std::ostringstream c;
  c << "totem {\n"
       "    version: 2\n"
       "    cluster_name: "
    << kPrefix << slot_
    << "\n"
       "    transport: knet\n"
       "    crypto_cipher: aes256\n"
       "    crypto_hash: sha256\n"
       "    token: "
    << opts_.token_ms
    << "\n"
       "    token_coefficient: 0\n";
  for (int l = 0; l < kLinks; ++l)
    c << "    interface {\n        linknumber: " << l << "\n        knet_link_priority: " << (kLinks - 1 - l)
      << "\n    }\n";
  c << "}\nnodelist {\n";
  for (int n = 1; n <= opts_.nodes; ++n) {
    c << "    node {\n        name: " << NodeName(n) << "\n        nodeid: " << n << "\n";
    for (int l = 0; l < kLinks; ++l) c << "        ring" << l << "_addr: " << Address(n, l) << "\n";
    c << "    }\n";
  }
  c << "}\n"
       "quorum {\n    provider: corosync_votequorum\n}\n"
       "logging {\n"
       "    to_stderr: no\n"
       "    to_logfile: yes\n"
       "    logfile: /var/log/corosync/corosync.log\n"
       "    to_syslog: no\n"
       "    timestamp: hires\n"
       "}\n";
  std::ofstream(dir_ + "/corosync.conf") << c.str();
  ExecResult k = RunProgram({"corosync-keygen", "-k", dir_ + "/authkey"}, 20s);
  if (k.exit_code != 0) return ::testing::AssertionFailure() << "corosync-keygen: " << k.output;
  for (int n = 1; n <= opts_.nodes; ++n) {
    std::string d = NodeDir(n);
    std::error_code ec;
    for (const auto& path : PrivatePaths()) fs::create_directories(PrivateDir(n, path), ec);
    const std::string etc = PrivateDir(n, "/etc/corosync");
    fs::copy_file(dir_ + "/corosync.conf", etc + "/corosync.conf", fs::copy_options::overwrite_existing, ec);
    if (ec) return ::testing::AssertionFailure() << "copy corosync.conf: " << ec.message();
    fs::copy_file(dir_ + "/authkey", etc + "/authkey", fs::copy_options::overwrite_existing, ec);
    if (ec) return ::testing::AssertionFailure() << "copy authkey: " << ec.message();
    ::chmod((etc + "/authkey").c_str(), 0400);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Lab::WriteNodeFiles() {
  std::string nodes;
  for (int n = 1; n <= opts_.nodes; ++n) {
    struct stat st{};
    std::string ns = "/run/netns/" + NetnsName(n);
    if (::stat(ns.c_str(), &st) != 0) return ::testing::AssertionFailure() << "stat " << ns << ": " << std::strerror(errno);
    nodes += NodeName(n) + " " + std::to_string(st.st_ino) + "\n";
  }
  std::ofstream(dir_ + "/nodes") << nodes;
  std::error_code ec;
  for (size_t k = 0; k < opts_.overlays.size(); ++k) {
    for (const auto& [name, from] : opts_.overlays[k].files) {
      fs::path to = fs::path(OverlayDir(k)) / name;
      fs::create_directories(to.parent_path(), ec);
      fs::copy_file(from, to, fs::copy_options::overwrite_existing, ec);
      if (ec) return ::testing::AssertionFailure() << "copy " << from << ": " << ec.message();
      ::chmod(to.c_str(), 0755);
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Lab::StartAnchor(int node) {
  // Everything the child needs is prepared here: after fork it only makes
  // system calls.
  const std::string netns = "/run/netns/" + NetnsName(node);
  const std::string host = NodeName(node);
  const std::string d = NodeDir(node);
  struct Bind {
    std::string src, dst;
  };
  std::vector<Bind> binds;
  for (const auto& path : PrivatePaths()) {
    binds.push_back({PrivateDir(node, path), path});
    if (!fs::is_directory(path))
      return ::testing::AssertionFailure() << path << " does not exist (is everything installed? scripts/install-deps.sh)";
  }
  std::vector<Bind> overlays;  // src: overlay mount options
  for (size_t k = 0; k < opts_.overlays.size(); ++k)
    overlays.push_back({"lowerdir=" + OverlayDir(k) + ":" + opts_.overlays[k].dir, opts_.overlays[k].dir});
  const std::string lab_dir = dir_;
  const std::string sleep = ResolveOnPath("sleep");
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return ::testing::AssertionFailure() << "pipe: " << std::strerror(errno);
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    auto fail = [&](const char* what) {
      char msg[160];
      int n = std::snprintf(msg, sizeof msg, "%s: %s", what, std::strerror(errno));
      (void)!::write(p[1], msg, size_t(n));
      ::_exit(1);
    };
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(1);
    ::dup2(devnull, 0);
    ::dup2(devnull, 1);
    ::dup2(devnull, 2);
    int fd = ::open(netns.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail("open netns");
    if (::setns(fd, CLONE_NEWNET) != 0) fail("setns net");
    if (::unshare(CLONE_NEWNS | CLONE_NEWUTS) != 0) fail("unshare mount+uts");
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail("make / rprivate");
    if (::sethostname(host.data(), host.size()) != 0) fail("sethostname");
    for (const auto& b : binds)
      if (::mount(b.src.c_str(), b.dst.c_str(), nullptr, MS_BIND, nullptr) != 0) fail(b.dst.c_str());
    if (::mount("tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=64m") != 0) fail("tmpfs /run");
    ::mkdir("/run/lock", 01777);
    if (::symlink(lab_dir.c_str(), kLabLink) != 0) fail("symlink /run/esan-lab");
    for (const auto& o : overlays)
      if (::mount("esan-lab", o.dst.c_str(), "overlay", MS_RDONLY, o.src.c_str()) != 0) fail(o.dst.c_str());
    if (::mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=256m") != 0) fail("tmpfs /dev/shm");
    // /sys showing this network namespace's devices, as ip netns exec does
    // (best effort: nothing here depends on it).
    if (::umount2("/sys", MNT_DETACH) == 0) ::mount("sysfs", "/sys", "sysfs", 0, nullptr);
    if (::chdir("/") != 0) fail("chdir");
    (void)!::write(p[1], "OK", 2);
    char* const argv[] = {const_cast<char*>("sleep"), const_cast<char*>("infinity"), nullptr};
    ::execv(sleep.c_str(), argv);
    ::_exit(127);
  }
  ::close(p[1]);
  ::close(devnull);
  if (pid < 0) {
    ::close(p[0]);
    return ::testing::AssertionFailure() << "fork: " << std::strerror(errno);
  }
  std::string status;
  char buf[256];
  pollfd pfd{p[0], POLLIN, 0};
  auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    if (::poll(&pfd, 1, 100) <= 0) continue;
    ssize_t n = ::read(p[0], buf, sizeof buf);
    if (n <= 0) break;  // EOF: exec'd (or died)
    status.append(buf, size_t(n));
  }
  ::close(p[0]);
  node_[size_t(node)].anchor = pid;
  if (status != "OK") {
    ::kill(pid, SIGKILL);
    Reap(pid);
    node_[size_t(node)].anchor = -1;
    return ::testing::AssertionFailure() << NodeName(node) << " anchor: " << (status.empty() ? "died" : status);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Lab::Spawn(int node, const std::vector<std::string>& argv, const std::string& output,
                                      pid_t* pid_out, const std::vector<std::string>& env) {
  if (Anchor(node) <= 0) return ::testing::AssertionFailure() << NodeName(node) << " is off (no anchor process)";
  if (argv.empty()) return ::testing::AssertionFailure() << "Spawn: empty argv";
  std::vector<std::string> args = Wrapper(node);
  args.push_back(ResolveOnPath(argv[0]));
  args.insert(args.end(), argv.begin() + 1, argv.end());
  pid_t pid = -1;
  if (auto r = SpawnProgram(args, output, &pid, env); !r) return r;
  auto& spawned = node_[size_t(node)].spawned;
  std::erase_if(spawned, [](pid_t& p) { return !ChildRunning(p); });
  spawned.push_back(pid);
  *pid_out = pid;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Lab::StartCorosync(int node, bool wait) {
  if (CorosyncRunning(node)) return ::testing::AssertionFailure() << NodeName(node) << ": corosync already running";
  pid_t pid = -1;
  if (auto r = Spawn(node, {"corosync", "-f"}, NodeDir(node) + "/corosync.stdout", &pid); !r) return r;
  node_[size_t(node)].corosync = pid;
  return wait ? WaitCorosyncUp(node) : ::testing::AssertionSuccess();
}

::testing::AssertionResult Lab::WaitCorosyncUp(int node) {
  const std::string out = NodeDir(node) + "/corosync.stdout";
  // Up once its IPC answers (it forms or joins the membership on its own).
  bool up = PollUntil(10s, [&] {
    if (!CorosyncRunning(node)) return true;
    return Exec(node, {"corosync-cfgtool", "-s"}, 5s).exit_code == 0;
  });
  if (!CorosyncRunning(node))
    return ::testing::AssertionFailure() << NodeName(node) << ": corosync exited; output:\n" << ReadAll(out);
  if (!up) return ::testing::AssertionFailure() << NodeName(node) << ": corosync IPC did not answer within 10 s";
  return ::testing::AssertionSuccess();
}

bool Lab::CorosyncRunning(int node) { return ChildRunning(node_.at(size_t(node)).corosync); }

void Lab::KillCorosync(int node) {
  pid_t& pid = node_.at(size_t(node)).corosync;
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  int st = 0;
  ::waitpid(pid, &st, 0);
  std::erase(node_[size_t(node)].spawned, pid);
  pid = -1;
}

::testing::AssertionResult Lab::StopCorosync(int node, std::chrono::milliseconds timeout) {
  pid_t pid = node_.at(size_t(node)).corosync;
  if (!CorosyncRunning(node)) return ::testing::AssertionFailure() << NodeName(node) << ": corosync is not running";
  ::kill(pid, SIGTERM);
  if (PollUntil(timeout, [&] { return !CorosyncRunning(node); })) return ::testing::AssertionSuccess();
  KillCorosync(node);
  return ::testing::AssertionFailure() << NodeName(node) << ": corosync did not exit within " << timeout.count()
                                       << " ms of SIGTERM (killed)";
}

std::vector<pid_t> Lab::Processes(int node) const { return PidsInNetns("/run/netns/" + NetnsName(node)); }

::testing::AssertionResult Lab::PowerOff(int node) {
  Node& n = node_.at(size_t(node));
  KillNetns("/run/netns/" + NetnsName(node));
  for (pid_t p : n.spawned) Reap(p);
  Reap(n.anchor);
  n = Node{};
  std::vector<pid_t> left = Processes(node);
  if (left.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << NodeName(node) << ": " << left.size() << " processes survived SIGKILL";
}

::testing::AssertionResult Lab::Boot(int node) {
  Node& n = node_.at(size_t(node));
  // Reap what a fence agent killed; refuse a node that still runs.
  for (pid_t& p : n.spawned) ChildRunning(p);
  ChildRunning(n.anchor);
  if (std::vector<pid_t> left = Processes(node); !left.empty())
    return ::testing::AssertionFailure() << NodeName(node) << " is not off: " << left.size() << " processes run in it";
  n = Node{};
  if (auto r = StartAnchor(node); !r) return r;
  return StartCorosync(node);
}

::testing::AssertionResult Lab::RestartCorosync(int node) {
  KillCorosync(node);
  return StartCorosync(node);
}

QuorumView Lab::Quorum(int node) const {
  QuorumView v;
  ExecResult r = Exec(node, {"corosync-quorumtool", "-s"}, 5s);
  v.raw = r.output;
  v.answered = r.output.find("Quorum information") != std::string::npos;
  if (!v.answered) return v;
  std::smatch m;
  static const std::regex quorate_re("Quorate:\\s+(Yes|No)");
  static const std::regex votes_re("Total votes:\\s+(\\d+)");
  if (std::regex_search(r.output, m, quorate_re)) v.quorate = m[1] == "Yes";
  if (std::regex_search(r.output, m, votes_re)) v.total_votes = std::stoi(m[1]);
  size_t at = r.output.find("Membership information");
  if (at != std::string::npos) {
    std::istringstream in(r.output.substr(at));
    static const std::regex row_re("^\\s+(\\d+)\\s+(\\d+)\\s+\\S+");
    for (std::string line; std::getline(in, line);)
      if (std::regex_search(line, m, row_re)) v.members.push_back(std::stoi(m[1]));
  }
  std::sort(v.members.begin(), v.members.end());
  return v;
}

std::map<int, std::map<int, std::string>> Lab::Links(int node) const {
  std::map<int, std::map<int, std::string>> out;
  ExecResult r = Exec(node, {"corosync-cfgtool", "-s"}, 5s);
  if (r.exit_code != 0) return out;
  std::istringstream in(r.output);
  static const std::regex link_re("^LINK ID (\\d+)");
  static const std::regex node_re("nodeid:\\s*(\\d+):\\s*(\\S+)");
  int link = -1;
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (std::regex_search(line, m, link_re)) {
      link = std::stoi(m[1]);
      out[link];
    } else if (link >= 0 && std::regex_search(line, m, node_re)) {
      out[link][std::stoi(m[1])] = m[2];
    }
  }
  return out;
}

::testing::AssertionResult Lab::WaitQuorate(int node, std::chrono::milliseconds timeout, std::vector<int> members) const {
  std::sort(members.begin(), members.end());
  QuorumView v;
  if (PollUntil(timeout, [&] {
        v = Quorum(node);
        return v.quorate && (members.empty() || v.members == members);
      }))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << NodeName(node) << " not quorate" << (members.empty() ? "" : " with members " + Ids(members))
                                       << " within " << timeout.count() << " ms; last corosync-quorumtool -s:\n"
                                       << v.raw;
}

::testing::AssertionResult Lab::WaitNotQuorate(int node, std::chrono::milliseconds timeout) const {
  QuorumView v;
  if (PollUntil(timeout, [&] {
        v = Quorum(node);
        return v.answered && !v.quorate;
      }))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << NodeName(node) << " still quorate (or corosync unreachable) after "
                                       << timeout.count() << " ms; last corosync-quorumtool -s:\n"
                                       << v.raw;
}

::testing::AssertionResult Lab::WaitLinksConnected(int node, std::chrono::milliseconds timeout, std::vector<int> peers) const {
  if (peers.empty())
    for (int n = 1; n <= opts_.nodes; ++n)
      if (n != node) peers.push_back(n);
  std::string why;
  if (PollUntil(timeout, [&] {
        auto links = Links(node);
        if (links.size() != size_t(kLinks)) {
          why = "corosync-cfgtool -s listed " + std::to_string(links.size()) + " links";
          return false;
        }
        for (const auto& [link, status] : links)
          for (int p : peers) {
            auto it = status.find(p);
            std::string st = it == status.end() ? "(absent)" : it->second;
            if (st != "connected") {
              why = "link " + std::to_string(link) + " to node" + std::to_string(p) + ": " + st;
              return false;
            }
          }
        return true;
      }))
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << NodeName(node) << ": links not all connected within " << timeout.count()
                                       << " ms: " << why << "\n"
                                       << Exec(node, {"corosync-cfgtool", "-s"}, 5s).output;
}

::testing::AssertionResult Lab::CutLink(int node, int net) {
  ExecResult r = RunProgram({"ip", "-n", HubName(), "link", "set", "n" + std::to_string(node) + "l" + std::to_string(net), "down"});
  if (r.exit_code == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "cut " << NodeName(node) << " net " << net << ": " << r.output;
}

::testing::AssertionResult Lab::RestoreLink(int node, int net) {
  ExecResult r = RunProgram({"ip", "-n", HubName(), "link", "set", "n" + std::to_string(node) + "l" + std::to_string(net), "up"});
  if (r.exit_code == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "restore " << NodeName(node) << " net " << net << ": " << r.output;
}

std::string Lab::CorosyncLog(int node) const { return ReadAll(NodeDir(node) + "/log-corosync/corosync.log"); }

void Lab::PrintDiagnostics() const {
  for (int n = 1; n <= opts_.nodes; ++n) {
    std::printf("===== HA lab slot %d %s (%s, front %s) =====\n", slot_, NodeName(n).c_str(), NetnsName(n).c_str(),
                FrontAddress(n).c_str());
    if (Anchor(n) > 0) {
      std::printf("--- corosync-quorumtool -s\n%s", Quorum(n).raw.c_str());
      std::printf("--- corosync-cfgtool -s\n%s", Exec(n, {"corosync-cfgtool", "-s"}, 5s).output.c_str());
    }
    std::printf("--- corosync output\n%s", Tail(ReadAll(NodeDir(n) + "/corosync.stdout"), 4096).c_str());
    std::printf("--- corosync.log\n%s", Tail(CorosyncLog(n), 24 * 1024).c_str());
    std::printf("===== end of %s =====\n", NodeName(n).c_str());
  }
  std::fflush(stdout);
}

::testing::AssertionResult Lab::Start(std::chrono::milliseconds formation_timeout) {
  auto deadline = Clock::now() + formation_timeout;
  if (auto r = StartNodes(); !r) return r;
  std::vector<int> all;
  for (int n = 1; n <= opts_.nodes; ++n) all.push_back(n);
  for (int n = 1; n <= opts_.nodes; ++n) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (auto r = WaitQuorate(n, std::max(left, 100ms), all); !r) return r;
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Lab::StartNodes() {
  if (::geteuid() != 0)
    return ::testing::AssertionFailure() << "the HA lab needs root (network, mount and UTS namespaces, veths, "
                                            "bridges); run ha_test as root";
  if (opts_.nodes < 1 || opts_.nodes > 9) return ::testing::AssertionFailure() << "1..9 nodes";
  for (const auto& path : opts_.private_dirs)
    if (!path.starts_with('/') || path == "/")
      return ::testing::AssertionFailure() << "Lab::Options::private_dirs: '" << path << "' is not an absolute directory";
  for (const auto& o : opts_.overlays) {
    if (!o.dir.starts_with('/') || !fs::is_directory(o.dir))
      return ::testing::AssertionFailure() << "Lab::Options::overlays: '" << o.dir << "' is not a directory";
    for (const auto& [name, from] : o.files) {
      if (name.empty() || name.starts_with('/') || name.find("..") != std::string::npos)
        return ::testing::AssertionFailure() << "Lab::Options::overlays: '" << name << "' is not a relative path";
      if (::access(from.c_str(), X_OK) != 0)
        return ::testing::AssertionFailure() << "Lab::Options::overlays: " << from << " is not an executable file";
    }
  }
  for (const char* tool : {"ip", "nsenter", "corosync", "corosync-keygen", "corosync-quorumtool", "corosync-cfgtool"})
    if (ResolveOnPath(tool).find('/') == std::string::npos)
      return ::testing::AssertionFailure() << tool << " not found (scripts/install-deps.sh installs it)";
  if (auto r = TakeSlot(); !r) return r;
  CleanupLeftovers(slot_);
  if (auto r = BuildNetwork(); !r) return r;
  if (auto r = WriteCorosyncConfig(); !r) return r;
  if (auto r = WriteNodeFiles(); !r) return r;
  for (int n = 1; n <= opts_.nodes; ++n)
    if (auto r = StartAnchor(n); !r) return r;
  // All at once: each takes about half a second to start its transport.
  for (int n = 1; n <= opts_.nodes; ++n)
    if (auto r = StartCorosync(n, /*wait=*/false); !r) return r;
  for (int n = 1; n <= opts_.nodes; ++n)
    if (auto r = WaitCorosyncUp(n); !r) return r;
  return ::testing::AssertionSuccess();
}

void Lab::Teardown() {
  if (torn_down_ || slot_ < 0) return;
  torn_down_ = true;
  for (int n = 1; n <= opts_.nodes; ++n) KillNetns("/run/netns/" + NetnsName(n));
  for (int n = 1; n <= opts_.nodes; ++n) {
    for (pid_t p : node_[size_t(n)].spawned) Reap(p);
    Reap(node_[size_t(n)].anchor);
    node_[size_t(n)] = Node{};
  }
  KillNetns("/run/netns/" + HubName());
  RunProgram({"ip", "link", "del", HostIfName(slot_)}, 5s);
  for (int n = 1; n <= opts_.nodes; ++n) RunProgram({"ip", "netns", "del", NetnsName(n)}, 5s);
  RunProgram({"ip", "netns", "del", HubName()}, 5s);
  const char* keep = std::getenv("ESAN_HA_KEEP");
  if (keep && *keep == '1') {
    std::printf("[ha lab] kept %s\n", dir_.c_str());
  } else if (!dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  if (slot_fd_ >= 0) {
    // Nothing left for the slot's next holder to clean (a kept directory stays).
    if (::ftruncate(slot_fd_, 0) != 0) {
    }
    ::close(slot_fd_);  // releases the slot
    slot_fd_ = -1;
  }
}

}  // namespace esan::ha
