// Atomic replacement of a file (the config write-back, docs/API.md).
//
// Contract: write_file_atomically(path, text) writes `text` to a temp file
// in path's directory, fsyncs it, keeps the current file (if any) as
// "path.bak" (a hard link, so `path` never disappears), renames the temp
// file over `path` and fsyncs the directory. On any error the temp file is
// removed, `path` is unchanged and the error (Errc::kIo) names the path and
// the failed step. The new file gets the old file's mode (0600 if none).
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace esan::mgmt {

Status write_file_atomically(const std::string& path, std::string_view text);

}  // namespace esan::mgmt
