// System > Write a support bundle: esanctl's support bundle
// (tools/esanctl/support_bundle.h) collected through esan-tui's Api and
// written to a file on this machine.
//
// Contract: write_bundle() reads values "file" (an absolute path, else an
// Error naming the field) and "force" ("yes": replace an existing file);
// it makes GET requests only and returns the line to show ("support
// bundle written to FILE (N files)", plus the pieces not collected), or
// why nothing was written (the file exists, an I/O failure).
#pragma once

#include "tui/actions.h"

namespace esan::tui {

Result<std::string> write_bundle(Api& api, const Values& values);

}  // namespace esan::tui
