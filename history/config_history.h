// ConfigHistory: every version of one configuration file, as commits in a
// git repository of its own (libgit2), with who changed it and why.
//
// Contract:
//  * The repository is bare (no work tree, no index): commits are built
//    from the text in memory, so git never reads or writes the live config
//    file. Each commit's tree holds one entry, the file under `file_name`
//    (the config's base name). History is linear on branch "main".
//    dir_for(config) is where esand keeps it: "<config>.history" beside the
//    file, so each config file has its own history and nothing else in its
//    directory (the API token file, FILE.bak) is ever recorded.
//  * open(dir, file_name): opens the repository at `dir`, creating it (and
//    missing parent directories) when `dir` does not exist. A `dir` that
//    exists but is not a git repository is an error (kIo), never replaced.
//    Lock files a process killed in the middle of a commit left behind
//    (HEAD.lock, refs/heads/main.lock) are removed: one process (the esand
//    serving that config file) writes a history, and it is opening it.
//  * commit(text, author, message): records `text` as the file's next
//    version and returns the new revision (40 hex digits). When `text` is
//    what the head already holds, nothing is committed and the head's
//    revision is returned (no empty commits). The author is a name (a user
//    name, a token's name, "esand"); angle brackets and line breaks are
//    dropped from it, an empty one becomes "unknown"; its e-mail is
//    name@host. `message` is the commit message (one line: the operation).
//  * log(limit): newest first, at most `limit` entries (0 = all).
//  * resolve(rev), show(rev), diff(from, to): `rev` is anything git's
//    rev-parse accepts that names a commit (full or abbreviated id, HEAD,
//    HEAD~2, main). Unknown or malformed -> kNotFound naming the rev;
//    ambiguous abbreviation -> kInvalidArgument. show() is the file's text at
//    that revision. diff() is a unified diff (git's patch format, paths
//    a/FILE b/FILE) from `from` to `to`; "" when they hold the same text.
//  * push_to(url): after each commit that creates a revision (and on
//    push()), "main" is pushed, forced, to the repository at `url` (a path
//    to a bare repository, created when missing, or any URL libgit2 can
//    push to). A failed push is returned by push() and logged by commit(),
//    whose revision stands (the history is local first).
//  * Thread-safe: one mutex around every repository operation.
//  * Errors from libgit2 are kIo with its message and the repository path.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace esan::history {

struct Entry {
  std::string rev;      // 40 hex digits
  int64_t time = 0;     // commit time, seconds since the epoch (UTC)
  std::string author;   // name
  std::string message;  // first line
};

class ConfigHistory {
 public:
  static std::string dir_for(const std::string& config_path) { return config_path + ".history"; }
  static Result<std::unique_ptr<ConfigHistory>> open(const std::string& dir, const std::string& file_name);
  ~ConfigHistory();
  ConfigHistory(const ConfigHistory&) = delete;
  ConfigHistory& operator=(const ConfigHistory&) = delete;

  Result<std::string> commit(std::string_view text, std::string_view author, std::string_view message);
  Result<std::vector<Entry>> log(size_t limit = 0) const;
  Result<std::string> resolve(std::string_view rev) const;
  Result<std::string> show(std::string_view rev) const;
  Result<std::string> diff(std::string_view from, std::string_view to) const;
  // The head's revision, "" when nothing is recorded yet.
  Result<std::string> head() const;

  void push_to(std::string url);
  Status push();

  const std::string& dir() const { return dir_; }
  const std::string& file_name() const { return file_; }

 private:
  struct Impl;
  ConfigHistory(std::string dir, std::string file);
  Status push_locked();

  std::string dir_, file_, push_url_;
  std::unique_ptr<Impl> impl_;
  mutable std::mutex mu_;
};

}  // namespace esan::history
