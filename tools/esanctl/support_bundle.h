// esanctl support-bundle FILE: what a support engineer needs to diagnose a
// system, gathered by esanctl from esand's API and the local machine and
// written as one .tar.gz with every secret removed (support/).
//
// Contract:
//  * collect() asks esand through `fetch` (GET requests only: it changes
//    nothing) and reads local files and commands; a piece it cannot get is
//    recorded as failed in the bundle (its MANIFEST says why) and the others
//    are still collected. It never throws and never fails as a whole: with
//    esand down, the bundle still holds the local pieces and the log.
//  * The pieces (names inside the archive's top directory) are listed in
//    docs/ARCHITECTURE.md ("Support bundle") and esanctl(8). The
//    configuration history goes in as text only: each revision's config and
//    the diffs between them, never git objects, all through the redactor.
//  * run_support_bundle() writes the archive to req.file through
//    support::write_new_file() (no partial file, FILE refused when it exists
//    unless req.force) and returns the exit status: 0 written (pieces that
//    failed are named on stderr and in the MANIFEST), 1 not written (the
//    reason on stderr).
#pragma once

#include <functional>

#include "support/bundle.h"
#include "tools/esanctl/call.h"
#include "tools/esanctl/render.h"

namespace esan::ctl {

using Fetch = std::function<Result<Reply>(const ApiCall&)>;

// What collect() reads from the machine; tests point it elsewhere.
struct Local {
  std::string os_release = "/etc/os-release";
  std::string os_release_fallback = "/usr/lib/os-release";
  std::string journalctl = "journalctl";  // looked up in PATH
  std::string token_file;                 // the API token in use (--token-file): a known secret
  std::string endpoint;                   // where esand was asked, for the MANIFEST
};

void collect(support::Bundle& bundle, const Fetch& fetch, const BundleRequest& req, const Local& local);

// The archive's top directory: esan-support-HOST-YYYYMMDDTHHMMSSZ.
std::string bundle_top(const std::string& host, int64_t now);

int run_support_bundle(const Fetch& fetch, const BundleRequest& req, const Local& local, const std::string& self);

// run_support_bundle() without printing (esan-tui's System menu uses it):
// collects and writes the archive (tool names the writer in the MANIFEST's
// header); the line to show and the pieces that could not be collected, or
// why nothing was written (write_new_file's errors: the file exists and
// req.force is not set, an I/O failure).
struct BundleOutcome {
  std::string written;              // "support bundle written to FILE (N files)"
  std::vector<std::string> failed;  // pieces recorded as failed in the MANIFEST
};
Result<BundleOutcome> write_support_bundle(const Fetch& fetch, const BundleRequest& req, const Local& local,
                                           const std::string& tool);

}  // namespace esan::ctl
