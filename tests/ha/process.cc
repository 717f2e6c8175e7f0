#include "tests/ha/process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

namespace esan::ha {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string ResolveOnPath(const std::string& prog) {
  if (prog.find('/') != std::string::npos) return prog;
  const char* path = std::getenv("PATH");
  std::string dirs = path && *path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  // Root's PATH has sbin; a test started with a user's PATH may not.
  dirs += ":/usr/sbin:/sbin";
  std::istringstream in(dirs);
  for (std::string d; std::getline(in, d, ':');) {
    std::string cand = (d.empty() ? "." : d) + "/" + prog;
    if (::access(cand.c_str(), X_OK) == 0) return cand;
  }
  return prog;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Tail(const std::string& s, size_t max) {
  return s.size() <= max ? s : "[...]\n" + s.substr(s.size() - max);
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& a : v) s += (s.empty() ? "" : " ") + a;
  return s;
}

// Pids of every process whose network namespace is the one bound at path.
std::vector<pid_t> PidsInNetns(const std::string& path) {
  struct stat want{};
  std::vector<pid_t> pids;
  if (::stat(path.c_str(), &want) != 0) return pids;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return pids;
  while (dirent* e = ::readdir(d)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    struct stat st{};
    std::string ns = std::string("/proc/") + e->d_name + "/ns/net";
    if (::stat(ns.c_str(), &st) == 0 && st.st_ino == want.st_ino && st.st_dev == want.st_dev)
      pids.push_back(pid_t(pid));
  }
  ::closedir(d);
  return pids;
}

// SIGKILLs every process in the namespace until none is left (bounded).
void KillNetns(const std::string& path) {
  for (int i = 0; i < 50; ++i) {
    std::vector<pid_t> pids = PidsInNetns(path);
    if (pids.empty()) return;
    for (pid_t p : pids) ::kill(p, SIGKILL);
    std::this_thread::sleep_for(50ms);
  }
}

// Reaps a child of this process that was killed (bounded).
void Reap(pid_t pid) {
  if (pid <= 0) return;
  for (int i = 0; i < 100; ++i) {
    int st = 0;
    pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return;
    std::this_thread::sleep_for(20ms);
  }
}

ExecResult RunProgram(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  ExecResult r;
  if (argv.empty()) return r;
  std::string prog = ResolveOnPath(argv[0]);
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    r.output = std::string("pipe: ") + std::strerror(errno);
    return r;
  }
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(devnull, 0);
    ::dup2(p[1], 1);
    ::dup2(p[1], 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::execv(prog.c_str(), cargv.data());
    const char msg[] = "exec failed\n";
    (void)!::write(2, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(p[1]);
  ::close(devnull);
  if (pid < 0) {
    ::close(p[0]);
    r.output = std::string("fork: ") + std::strerror(errno);
    return r;
  }
  auto deadline = Clock::now() + timeout;
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      r.timed_out = true;
      break;
    }
    pollfd pfd{p[0], POLLIN, 0};
    int n = ::poll(&pfd, 1, int(std::min<long long>(left, 1000)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    ssize_t got = ::read(p[0], buf, sizeof buf);
    if (got > 0) {
      r.output.append(buf, size_t(got));
      continue;
    }
    if (got < 0 && errno == EINTR) continue;
    break;  // EOF
  }
  ::close(p[0]);
  // Output closed: the child is exiting (or closed it and lingers, which
  // the deadline also covers).
  int st = 0;
  for (;;) {
    pid_t w = ::waitpid(pid, &st, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) return r;
    if (r.timed_out || Clock::now() >= deadline) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
      }
      break;
    }
    std::this_thread::sleep_for(2ms);
  }
  if (!r.timed_out && WIFEXITED(st)) r.exit_code = WEXITSTATUS(st);
  return r;
}

::testing::AssertionResult SpawnProgram(const std::vector<std::string>& argv, const std::string& output, pid_t* pid_out,
                                        const std::vector<std::string>& env) {
  if (argv.empty()) return ::testing::AssertionFailure() << "SpawnProgram: empty argv";
  std::vector<std::string> args = argv;
  args[0] = ResolveOnPath(argv[0]);
  std::vector<char*> cargv;
  for (const auto& a : args) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  std::vector<std::string> envs;
  for (char** e = environ; *e != nullptr; ++e) envs.emplace_back(*e);
  envs.insert(envs.end(), env.begin(), env.end());
  std::vector<char*> cenv;
  for (const auto& e : envs) cenv.push_back(const_cast<char*>(e.c_str()));
  cenv.push_back(nullptr);
  {
    std::ofstream(output, std::ios::app) << "=== start: " << Join(env) << (env.empty() ? "" : " ") << Join(args) << "\n";
  }
  int logfd = ::open(output.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (logfd < 0 || devnull < 0) {
    if (logfd >= 0) ::close(logfd);
    if (devnull >= 0) ::close(devnull);
    return ::testing::AssertionFailure() << "open " << output << ": " << std::strerror(errno);
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(devnull, 0);
    ::dup2(logfd, 1);
    ::dup2(logfd, 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::execve(cargv[0], cargv.data(), cenv.data());
    ::_exit(127);
  }
  ::close(logfd);
  ::close(devnull);
  if (pid < 0) return ::testing::AssertionFailure() << "fork: " << std::strerror(errno);
  *pid_out = pid;
  return ::testing::AssertionSuccess();
}

bool ChildRunning(pid_t& pid) {
  if (pid <= 0) return false;
  int st = 0;
  if (::waitpid(pid, &st, WNOHANG) == 0) return true;
  pid = -1;
  return false;
}

}  // namespace esan::ha
