// load_config_file(): read a file, parse it, optionally check backing files.
//
// Contract (see model.h): read failures are Errc::kIo "path: cannot read:
// <strerror>"; parse/validation errors are those of parse_config() with the
// path as file name; with check_files every fileio/blockio filename must
// open read-only, else Errc::kIo
// "path:line: device 'x': cannot open 'file': <strerror>".
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/log.h"
#include "config/model.h"

namespace esan::config {

namespace {

std::unexpected<Error> read_error(const std::string& path, int err) {
  return make_error(Errc::kIo, fmt::format("{}: cannot read: {}", path, strerror(err)));
}

Result<std::string> read_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return read_error(path, errno);
  std::string text;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return read_error(path, err);
    }
    if (n == 0) break;
    text.append(buf, size_t(n));
  }
  ::close(fd);
  return text;
}

Status check_backing_files(const Config& cfg, const std::string& path) {
  for (const DeviceConfig& d : cfg.devices) {
    if (d.handler == Handler::kNullIo || d.handler == Handler::kRbd) continue;
    int fd = ::open(d.filename.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      int err = errno;
      return make_error(Errc::kIo, fmt::format("{}:{}: device '{}': cannot open '{}': {}", path,
                                               d.line, d.name, d.filename, strerror(err)));
    }
    ::close(fd);
  }
  return ok();
}

}  // namespace

Result<Config> load_config_file(const std::string& path, bool check_files) {
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  auto cfg = parse_config(*text, path);
  if (!cfg) return cfg;
  if (check_files)
    if (auto s = check_backing_files(*cfg, path); !s) return std::unexpected(s.error());
  ESAN_LOG_DEBUG("config {}: {} devices, {} targets, {} warnings", path, cfg->devices.size(),
                 cfg->targets.size(), cfg->warnings.size());
  return cfg;
}

}  // namespace esan::config
