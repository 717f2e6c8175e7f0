#include "server/state_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "scsi/pr_store.h"

namespace esan::server {

Status attach_state_dir(Runtime& rt, const std::string& dir) {
  namespace fs = std::filesystem;
  fs::path pr_dir = fs::path(dir) / "pr";
  std::error_code ec;
  fs::create_directories(pr_dir, ec);
  if (ec) return make_error(Errc::kIo, fmt::format("cannot create state directory {}: {}", pr_dir.string(), ec.message()));
  if (::access(pr_dir.c_str(), W_OK | X_OK) != 0)
    return make_error(Errc::kIo, fmt::format("state directory {} is not writable", pr_dir.string()));
  for (auto& [name, lu] : rt.devices)
    if (Status s = attach_device_state(dir, name, *lu); !s)
      return make_error(s.error().code, s.error().message + "; refusing to start (move the file away to start without it)");
  rt.state_dir = dir;
  return ok();
}

Status attach_device_state(const std::string& dir, const std::string& name, scsi::LogicalUnit& lu) {
  if (dir.empty()) return ok();
  std::filesystem::path pr_dir = std::filesystem::path(dir) / "pr";
  lu.reservations().set_store(std::make_unique<scsi::FilePrStore>((pr_dir / name).string(), name));
  if (Status s = lu.reservations().load(); !s)
    return make_error(s.error().code,
                      fmt::format("device '{}': persistent reservation state: {}", name, s.error().message));
  return ok();
}

}  // namespace esan::server
