// A support bundle: named pieces of text gathered from a system, each with
// how it was obtained (or why it could not be), written as one .tar.gz.
//
// Contract:
//  * add() and fail() record pieces in order; nothing is redacted or
//    written until entries().
//  * entries() first lets the Redactor learn from every piece's text (so a
//    secret found in any of them, e.g. an old revision of the config, is
//    known to all), then passes every piece's text and the MANIFEST through
//    Redactor::redact() (support/redact.h): no byte reaches the archive
//    around it. Files are named TOP/NAME; TOP/MANIFEST lists every piece,
//    collected or not, with its size and source, and the error of those
//    that failed.
//  * write_new_file() puts bytes at path without ever leaving a partial
//    file: a temporary file in the same directory (mode 0600), written and
//    fsynced, is linked to path (refused with kExists when path exists) or,
//    with replace, renamed over it; on any failure the temporary file is
//    removed and the error (kExists, kIo) names the path and the reason.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "support/redact.h"
#include "support/tar_gz.h"

namespace esan::support {

struct Piece {
  std::string name;    // path inside the bundle, e.g. "config/running.conf"
  std::string source;  // how it was obtained: "GET /v1/config", "file /etc/os-release"
  bool ok = false;
  std::string text;  // the piece (ok) or the error (not ok)
};

class Bundle {
 public:
  // top: the archive's top directory, e.g. "esan-support-host-20260101T000000Z".
  explicit Bundle(std::string top) : top_(std::move(top)) {}

  void add(std::string name, std::string source, std::string text);
  void fail(std::string name, std::string source, std::string error);
  // A secret known from outside the pieces (the API token).
  void add_secret(std::string_view secret) { redactor_.add_secret(secret); }

  const std::vector<Piece>& pieces() const { return pieces_; }
  size_t failures() const;

  // The archive's files: TOP/MANIFEST first (header: lines put at its top),
  // then each collected piece, all redacted. mtime: the files' time.
  std::vector<TarEntry> entries(std::string_view header, int64_t mtime);

 private:
  std::string top_;
  std::vector<Piece> pieces_;
  Redactor redactor_;
};

Status write_new_file(const std::string& path, std::string_view bytes, bool replace);

}  // namespace esan::support
