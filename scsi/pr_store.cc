#include "scsi/pr_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace esan::scsi {

std::string format_pr_state(const PrState& st, std::string_view device) {
  std::string s =
      "# esan persistent reservation state; written atomically by esand, do not edit while it runs\n"
      "esan-pr 1\n";
  s += fmt::format("device {}\ngeneration {}\naptpl {}\nreservation {}\n", device, st.generation,
                   st.aptpl ? 1 : 0, st.type);
  for (const Registrant& r : st.regs)
    s += fmt::format("registrant 0x{:016x} {} {} {} {}\n", r.key, r.rel_tgt_id, r.all_tg_pt ? 1 : 0,
                     r.holder ? 1 : 0, r.port);
  s += "end\n";
  return s;
}

namespace {

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> w;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t b = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > b) w.push_back(line.substr(b, i - b));
  }
  return w;
}

template <class T>
bool to_num(std::string_view s, T& out, int base = 10) {
  if (base == 16) {
    if (s.size() < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
    s.remove_prefix(2);
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

bool to_bit(std::string_view s, bool& out) {
  if (s != "0" && s != "1") return false;
  out = s == "1";
  return true;
}

// Checks what a valid state must satisfy (reservation and holders agree).
std::string validate(const PrState& st) {
  if (st.type != 0 && !pr::valid_type(st.type)) return fmt::format("invalid reservation type {}", st.type);
  if (st.regs.size() > pr::kMaxRegistrants) return "too many registrants";
  size_t holders = 0;
  for (const Registrant& r : st.regs) holders += r.holder;
  if (!st.reserved() && holders) return "a holder without a reservation";
  if (st.reserved() && pr::all_registrants(st.type) && (holders || st.regs.empty()))
    return "an all-registrants reservation needs registrants and no single holder";
  if (st.reserved() && !pr::all_registrants(st.type) && holders != 1)
    return "the reservation needs exactly one holder";
  return {};
}

}  // namespace

Result<PrState> parse_pr_state(std::string_view text, std::string_view device) {
  PrState st;
  int line_no = 0;
  bool header = false, ended = false, have_dev = false, have_gen = false, have_aptpl = false, have_res = false;
  auto bad = [&](std::string_view why) {
    return make_error(Errc::kInvalidArgument, fmt::format("line {}: {}", line_no, why));
  };
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    if (ended) return bad("text after 'end'");
    auto w = split_words(line);
    if (w.empty()) continue;
    if (!header) {
      if (w.size() != 2 || w[0] != "esan-pr") return bad("not an esan persistent reservation file");
      if (w[1] != "1") return bad(fmt::format("unsupported format version {}", w[1]));
      header = true;
    } else if (w[0] == "device" && w.size() == 2) {
      if (w[1] != device) return bad(fmt::format("belongs to device '{}', not '{}'", w[1], device));
      have_dev = true;
    } else if (w[0] == "generation" && w.size() == 2) {
      if (!to_num(w[1], st.generation)) return bad("invalid generation");
      have_gen = true;
    } else if (w[0] == "aptpl" && w.size() == 2) {
      if (!to_bit(w[1], st.aptpl)) return bad("invalid aptpl");
      have_aptpl = true;
    } else if (w[0] == "reservation" && w.size() == 2) {
      if (!to_num(w[1], st.type)) return bad("invalid reservation type");
      have_res = true;
    } else if (w[0] == "registrant" && w.size() == 6) {
      Registrant r;
      if (!to_num(w[1], r.key, 16)) return bad("invalid key");
      if (!to_num(w[2], r.rel_tgt_id)) return bad("invalid relative target port id");
      if (!to_bit(w[3], r.all_tg_pt) || !to_bit(w[4], r.holder)) return bad("invalid flag");
      r.port = std::string(w[5]);
      st.regs.push_back(std::move(r));
    } else if (w[0] == "end" && w.size() == 1) {
      ended = true;
    } else {
      return bad(fmt::format("unexpected '{}'", line));
    }
  }
  if (!header) return make_error(Errc::kInvalidArgument, "empty file");
  if (!ended) return make_error(Errc::kInvalidArgument, "truncated (no 'end' line)");
  if (!have_dev || !have_gen || !have_aptpl || !have_res)
    return make_error(Errc::kInvalidArgument, "missing device, generation, aptpl or reservation line");
  if (std::string why = validate(st); !why.empty()) return make_error(Errc::kInvalidArgument, why);
  return st;
}

namespace {

Status sys_error(const std::string& what, const std::string& path) {
  return make_error(Errc::kIo, fmt::format("{} {}: {}", what, path, std::strerror(errno)));
}

}  // namespace

Status FilePrStore::save(const PrState& st) {
  std::string text = format_pr_state(st, device_);
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return sys_error("cannot create", tmp);
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status e = sys_error("cannot write", tmp);
      ::close(fd);
      return e;
    }
    off += size_t(n);
  }
  if (::fsync(fd) != 0) {
    Status e = sys_error("cannot fsync", tmp);
    ::close(fd);
    return e;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path_.c_str()) != 0) return sys_error("cannot rename to", path_);
  size_t slash = path_.rfind('/');
  std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path_.substr(0, slash));
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return sys_error("cannot open directory", dir);
  int rc = ::fsync(dfd);
  Status e = rc == 0 ? ok() : sys_error("cannot fsync directory", dir);
  ::close(dfd);
  return e;
}

Result<std::optional<PrState>> FilePrStore::load() {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<PrState>();
    return std::unexpected(sys_error("cannot open", path_).error());
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status e = sys_error("cannot read", path_);
      ::close(fd);
      return std::unexpected(e.error());
    }
    if (n == 0) break;
    text.append(buf, size_t(n));
  }
  ::close(fd);
  auto st = parse_pr_state(text, device_);
  if (!st) return make_error(Errc::kInvalidArgument, fmt::format("{}: {}", path_, st.error().message));
  return std::optional<PrState>(std::move(*st));
}

}  // namespace esan::scsi
