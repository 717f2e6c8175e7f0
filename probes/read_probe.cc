// The default probe (scheduler.h): a fresh open and a read of the first block.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "probes/scheduler.h"

namespace esan::probes {

namespace {
constexpr size_t kProbeBytes = 4096;
}

std::string read_probe(const Target& t) {
  if (t.path.empty()) return "";
  bool direct = t.direct;
  int fd = -1;
  if (direct) {
    fd = ::open(t.path.c_str(), O_RDONLY | O_CLOEXEC | O_DIRECT);
    if (fd < 0 && errno == EINVAL) direct = false;  // a file system without O_DIRECT
  }
  if (fd < 0) fd = ::open(t.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fmt::format("cannot open {}: {}", t.path, std::strerror(errno));
  void* buf = nullptr;
  if (::posix_memalign(&buf, kProbeBytes, kProbeBytes) != 0) {
    ::close(fd);
    return "out of memory";
  }
  ssize_t n = ::pread(fd, buf, kProbeBytes, 0);
  int err = errno;
  std::free(buf);
  ::close(fd);
  if (n < 0) return fmt::format("cannot read {}: {}", t.path, std::strerror(err));
  return "";
}

}  // namespace esan::probes
