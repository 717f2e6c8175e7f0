// Tool runner; see run.h.
#include "pacemaker/run.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace esan::pacemaker {

namespace {

constexpr size_t kMaxOutput = 4u << 20;

struct Fd {
  int fd = -1;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

}  // namespace

std::string find_tool(std::string_view name, const std::vector<std::string>& dirs) {
  std::vector<std::string> search = dirs;
  if (search.empty()) {
    const char* path = std::getenv("PATH");
    std::string_view p = path ? path : "";
    while (!p.empty()) {
      size_t colon = p.find(':');
      if (colon != 0) search.emplace_back(p.substr(0, colon));
      if (colon == std::string_view::npos) break;
      p.remove_prefix(colon + 1);
    }
    search.emplace_back("/usr/sbin");
    search.emplace_back("/sbin");
  }
  for (const auto& d : search) {
    std::string f = d + "/" + std::string(name);
    struct stat st {};
    if (::stat(f.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(f.c_str(), X_OK) == 0) return f;
  }
  return "";
}

Result<ToolResult> run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  if (argv.empty()) return make_error(Errc::kInvalidArgument, "no tool to run");
  int outp[2], errp[2];
  if (::pipe2(outp, O_CLOEXEC) != 0) return make_error(Errc::kIo, fmt::format("pipe: {}", std::strerror(errno)));
  Fd out_r{outp[0]}, out_w{outp[1]};
  if (::pipe2(errp, O_CLOEXEC) != 0) return make_error(Errc::kIo, fmt::format("pipe: {}", std::strerror(errno)));
  Fd err_r{errp[0]}, err_w{errp[1]};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_w.fd, 1);
  posix_spawn_file_actions_adddup2(&fa, err_w.fd, 2);
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);  // none of esand's sockets or files
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return make_error(Errc::kIo, fmt::format("cannot run {}: {}", argv[0], std::strerror(rc)));
  out_w.reset();
  err_w.reset();

  ToolResult r;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  Fd* fds[2] = {&out_r, &err_r};
  std::string* into[2] = {&r.out, &r.err};
  while (out_r.fd >= 0 || err_r.fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      r.timed_out = true;
      break;
    }
    pollfd p[2];
    int n = 0, which[2];
    for (int i = 0; i < 2; ++i)
      if (fds[i]->fd >= 0) {
        p[n] = pollfd{fds[i]->fd, POLLIN, 0};
        which[n++] = i;
      }
    int ready = ::poll(p, n, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (int k = 0; k < n && ready > 0; ++k) {
      if (!(p[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t got = ::read(p[k].fd, buf, sizeof buf);
      if (got > 0) {
        std::string& s = *into[which[k]];
        if (s.size() < kMaxOutput) s.append(buf, std::min<size_t>(size_t(got), kMaxOutput - s.size()));
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        fds[which[k]]->reset();
      }
    }
  }
  int status = 0;
  if (r.timed_out) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return r;
  }
  // Both pipes closed: the tool has exited (or closed them); wait for it within the deadline.
  for (;;) {
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) return r;
    if (std::chrono::steady_clock::now() >= deadline) {
      r.timed_out = true;
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return r;
    }
    ::usleep(2000);
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace esan::pacemaker
