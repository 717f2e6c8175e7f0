#include "support/bundle.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace esan::support {
namespace {

std::string why(const std::string& path, const char* what) {
  return "cannot write " + path + ": " + what + ": " + std::strerror(errno);
}

}  // namespace

void Bundle::add(std::string name, std::string source, std::string text) {
  pieces_.push_back(Piece{std::move(name), std::move(source), true, std::move(text)});
}

void Bundle::fail(std::string name, std::string source, std::string error) {
  pieces_.push_back(Piece{std::move(name), std::move(source), false, std::move(error)});
}

size_t Bundle::failures() const {
  size_t n = 0;
  for (const auto& p : pieces_) n += p.ok ? 0 : 1;
  return n;
}

std::vector<TarEntry> Bundle::entries(std::string_view header, int64_t mtime) {
  for (const auto& p : pieces_) redactor_.learn(p.text);
  std::vector<TarEntry> files;
  std::string manifest(header);
  manifest += "\nSTATUS  BYTES     FILE  <-  SOURCE\n";
  for (const auto& p : pieces_) {
    if (p.ok) {
      std::string text = redactor_.redact(p.text);
      char line[64];
      std::snprintf(line, sizeof line, "ok      %-8zu  ", text.size());
      manifest += line + p.name + "  <-  " + p.source + "\n";
      files.push_back(TarEntry{top_ + "/" + p.name, std::move(text), 0644, mtime});
    } else {
      manifest += "FAILED  -         " + p.name + "  <-  " + p.source + "\n        error: " + p.text + "\n";
    }
  }
  files.insert(files.begin(), TarEntry{top_ + "/MANIFEST", redactor_.redact(manifest), 0644, mtime});
  return files;
}

Status write_new_file(const std::string& path, std::string_view bytes, bool replace) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!replace && fs::symlink_status(path, ec).type() != fs::file_type::not_found && !ec)
    return make_error(Errc::kExists, path + " exists (--force replaces it)");
  fs::path p(path);
  if (p.filename().empty()) return make_error(Errc::kInvalidArgument, "'" + path + "' names a directory, not a file");
  fs::path dir = p.parent_path().empty() ? fs::path(".") : p.parent_path();
  std::string base = ".";
  base += p.filename().string();
  base += ".XXXXXX";
  std::string tmpl = (dir / base).string();
  int fd = ::mkstemp(tmpl.data());
  if (fd < 0) return make_error(Errc::kIo, why(path, ("cannot create a file in " + dir.string()).c_str()));
  auto fail = [&](const char* what) {
    auto e = make_error(Errc::kIo, why(path, what));
    ::close(fd);
    ::unlink(tmpl.c_str());
    return e;
  };
  for (size_t off = 0; off < bytes.size();) {
    ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("write");
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("fsync");
  if (::close(fd) != 0) {
    auto e = make_error(Errc::kIo, why(path, "close"));
    ::unlink(tmpl.c_str());
    return e;
  }
  if (replace) {
    if (::rename(tmpl.c_str(), path.c_str()) != 0) {
      auto e = make_error(Errc::kIo, why(path, "rename"));
      ::unlink(tmpl.c_str());
      return e;
    }
    return ok();
  }
  if (::link(tmpl.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmpl.c_str());
    if (err == EEXIST) return make_error(Errc::kExists, path + " exists (--force replaces it)");
    errno = err;
    return make_error(Errc::kIo, why(path, "link"));
  }
  ::unlink(tmpl.c_str());
  return ok();
}

}  // namespace esan::support
