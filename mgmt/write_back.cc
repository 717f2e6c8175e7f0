// write_file_atomically(); see write_back.h.
#include "mgmt/write_back.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace esan::mgmt {

namespace {

std::unexpected<Error> io_error(const std::string& path, std::string_view step, int err) {
  return make_error(Errc::kIo, fmt::format("cannot write {}: {}: {}", path, step, strerror(err)));
}

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return make_error(Errc::kIo, strerror(errno));
    text.remove_prefix(size_t(n));
  }
  return ok();
}

}  // namespace

Status write_file_atomically(const std::string& path, std::string_view text) {
  mode_t mode = 0600;
  struct stat st {};
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists) mode = st.st_mode & 07777;
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return io_error(path, "create temp file", errno);
  auto fail = [&](std::string_view step, int err) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return io_error(path, step, err);
  };
  if (::fchmod(fd, mode) < 0) return fail("chmod", errno);
  if (auto s = write_all(fd, text); !s) return fail("write", errno);
  if (::fsync(fd) < 0) return fail("fsync", errno);
  if (::close(fd) < 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return io_error(path, "close", err);
  }
  if (exists) {
    std::string bak = path + ".bak";
    ::unlink(bak.c_str());
    if (::link(path.c_str(), bak.c_str()) < 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      return io_error(path, "keep previous as .bak", err);
    }
  }
  if (::rename(tmp.c_str(), path.c_str()) < 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return io_error(path, "rename", err);
  }
  int dfd = ::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return io_error(path, "open directory", errno);
  int r = ::fsync(dfd);
  int err = errno;
  ::close(dfd);
  if (r < 0) return io_error(path, "fsync directory", err);
  return ok();
}

}  // namespace esan::mgmt
