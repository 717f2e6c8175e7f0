// Opening the file and block backends: validates the path, sizes the device.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "backend/block_device.h"
#include "backend/uring_device.h"
#include "common/log.h"

namespace esan::backend {
namespace {

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + strerror(errno);
}

Result<std::unique_ptr<BlockDevice>> open_device(const FileOptions& opts, bool direct) {
  int flags = (opts.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC;
  int fd = open(opts.path.c_str(), flags | (direct ? O_DIRECT : 0));
  if (fd < 0 && direct && errno == EINVAL) {
    // Some filesystems (older tmpfs) refuse O_DIRECT: fall back to buffered
    // I/O rather than refusing the device.
    ESAN_LOG_WARN("'{}' does not support O_DIRECT; using buffered I/O", opts.path);
    direct = false;
    fd = open(opts.path.c_str(), flags);
  }
  if (fd < 0) return make_error(Errc::kIo, errno_text("cannot open", opts.path));
  struct stat st {};
  if (fstat(fd, &st) < 0) {
    auto e = errno_text("cannot stat", opts.path);
    close(fd);
    return make_error(Errc::kIo, e);
  }
  uint64_t size = 0;
  bool blockdev = S_ISBLK(st.st_mode);
  if (blockdev) {
    if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
      auto e = errno_text("cannot size", opts.path);
      close(fd);
      return make_error(Errc::kIo, e);
    }
  } else if (S_ISREG(st.st_mode)) {
    size = uint64_t(st.st_size);
  } else {
    close(fd);
    return make_error(Errc::kInvalidArgument, "'" + opts.path + "' is neither a regular file nor a block device");
  }
  if (opts.size_bytes) {
    if (blockdev && opts.size_bytes > size) {
      close(fd);
      return make_error(Errc::kInvalidArgument, "size larger than block device '" + opts.path + "'");
    }
    size = opts.size_bytes;
  }
  if (size == 0) {
    close(fd);
    return make_error(Errc::kInvalidArgument, "'" + opts.path + "' is empty (size 0)");
  }
  return std::unique_ptr<BlockDevice>(new UringDevice(fd, size, opts.write_through, direct, blockdev, opts.read_only));
}

}  // namespace

Result<std::unique_ptr<BlockDevice>> open_file_device(const FileOptions& opts) { return open_device(opts, false); }
Result<std::unique_ptr<BlockDevice>> open_block_device(const FileOptions& opts) { return open_device(opts, true); }

}  // namespace esan::backend
