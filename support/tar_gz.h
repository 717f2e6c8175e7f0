// Writing a gzip-compressed tar archive (POSIX ustar) of files held in
// memory: the support bundle's container, written without a subprocess.
//
// Contract: pure functions of their arguments. tar() gives the archive
// (a 512-byte ustar header per file, its data padded to 512 bytes, two zero
// blocks at the end) that GNU tar, bsdtar and Python's tarfile read; regular
// files only (directories are implied by the names). A name longer than 100
// bytes is split at a '/' into ustar's prefix (at most 155) and name (at
// most 100); a name that cannot be split so, an empty or absolute name, a
// name with a ".." component, or data of 8 GiB or more is refused
// (kInvalidArgument) and nothing is produced. gzip() is RFC 1952 (zlib).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace esan::support {

struct TarEntry {
  std::string name;  // relative path inside the archive, '/' separated
  std::string data;
  uint32_t mode = 0644;
  int64_t mtime = 0;  // seconds since the epoch
};

Result<std::string> tar(const std::vector<TarEntry>& entries);
Result<std::string> gzip(std::string_view data);
// gzip(tar(entries)).
Result<std::string> tar_gz(const std::vector<TarEntry>& entries);

}  // namespace esan::support
