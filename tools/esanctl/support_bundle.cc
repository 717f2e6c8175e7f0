#include "tools/esanctl/support_bundle.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>

#include "tools/esanctl/util.h"

#ifndef ESAN_VERSION
#define ESAN_VERSION "0.0.0"
#endif

extern char** environ;

namespace esan::ctl {
namespace {

using json = nlohmann::json;
using support::Bundle;

constexpr size_t kMaxLogRead = 64u << 20;  // the tail of a log file read at most

std::string utc(int64_t t, const char* fmt) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

// One GET; the body of a 2xx answer, else an error in words.
Result<std::string> get(const Fetch& fetch, const std::string& path) {
  auto r = fetch(read_call(path, View::kText));
  if (!r) return std::unexpected(r.error());
  if (r->status < 200 || r->status >= 300) return make_error(Errc::kInvalidArgument, error_message(*r));
  return r->body;
}

// GET path into name as it is (a text answer), or its failure.
void text_piece(Bundle& b, const Fetch& fetch, const std::string& name, const std::string& path) {
  if (auto text = get(fetch, path))
    b.add(name, "GET " + path, std::move(*text));
  else
    b.fail(name, "GET " + path, text.error().message);
}

// GET path into name (and, with view, its esanctl rendering into text_name).
std::optional<json> api_piece(Bundle& b, const Fetch& fetch, const std::string& name, const std::string& path,
                              View view = View::kText, const std::string& text_name = "") {
  std::string source = "GET " + path;
  auto body = get(fetch, path);
  if (!body) {
    b.fail(name, source, body.error().message);
    if (!text_name.empty()) b.fail(text_name, source + " (esanctl's table)", body.error().message);
    return std::nullopt;
  }
  auto j = json::parse(*body, nullptr, false);
  b.add(name, source, j.is_discarded() ? *body : j.dump(2) + "\n");
  if (!text_name.empty()) b.add(text_name, source + " (esanctl's table)", render(read_call(path, view), *body, false));
  return j.is_discarded() ? std::optional<json>() : std::optional<json>(std::move(j));
}

void file_piece(Bundle& b, const std::string& name, const std::string& path, const std::string& fallback = "") {
  auto text = read_text_file(path, "file");
  if (!text && !fallback.empty()) {
    auto other = read_text_file(fallback, "file");
    if (other) return b.add(name, "file " + fallback, std::move(*other));
  }
  if (!text) return b.fail(name, "file " + path, text.error().message);
  b.add(name, "file " + path, std::move(*text));
}

// The last n lines of text.
std::string last_lines(std::string_view text, uint64_t n) {
  size_t end = text.size();
  if (end > 0 && text[end - 1] == '\n') --end;
  size_t pos = end;
  for (uint64_t seen = 0; pos > 0; --pos)
    if (text[pos - 1] == '\n' && ++seen == n) break;
  return std::string(text.substr(pos));
}

void log_file_piece(Bundle& b, const std::string& path, uint64_t lines) {
  std::string source = "file " + path + ", last " + std::to_string(lines) + " lines";
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return b.fail("logs/esand.log", source, "cannot open " + path + ": " + std::strerror(errno));
  auto size = static_cast<size_t>(in.tellg());
  size_t from = size > kMaxLogRead ? size - kMaxLogRead : 0;
  std::string text(size - from, '\0');
  in.seekg(static_cast<std::streamoff>(from));
  if (!in.read(text.data(), static_cast<std::streamsize>(text.size())))
    return b.fail("logs/esand.log", source, "cannot read " + path);
  b.add("logs/esand.log", source, last_lines(text, lines));
}

// Runs argv (no shell) and returns its exit status and stdout + stderr.
Result<std::pair<int, std::string>> run(const std::vector<std::string>& argv) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return make_error(Errc::kIo, std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0].c_str(), &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return make_error(Errc::kNotFound, "cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  std::string out;
  char buf[65536];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (out.size() < kMaxLogRead) out.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return std::pair{WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), std::move(out)};
}

void journal_piece(Bundle& b, const Local& local, uint64_t lines) {
  std::vector<std::string> argv{local.journalctl,      "-u",         "esand", "-n",
                                std::to_string(lines), "--no-pager", "-o",    "short-iso"};
  std::string source;
  for (const auto& a : argv) source += (source.empty() ? "" : " ") + a;
  auto r = run(argv);
  if (!r)
    return b.fail("logs/esand.log", source,
                  r.error().message + " (esand logs to its stderr; give that file with --log-file)");
  if (r->first != 0)
    return b.fail("logs/esand.log", source, "exit status " + std::to_string(r->first) + ": " + r->second);
  b.add("logs/esand.log", source, std::move(r->second));
}

// The configuration history: the log (JSON and esanctl's table), the text
// of the newest revisions and a patch log of them, all plain text.
void history_pieces(Bundle& b, const Fetch& fetch, uint64_t keep) {
  auto h = api_piece(b, fetch, "config/history.json", "/v1/config/history", View::kHistory, "config/history.txt");
  if (!h || !h->is_object()) return;
  std::string repo = h->value("repository", "");
  if (repo.ends_with(".history")) {
    std::string file = repo.substr(0, repo.size() - 8);
    file_piece(b, "config/file/" + file.substr(file.rfind('/') + 1), file);
  }
  json revs = h->value("revisions", json::array());
  size_t total = revs.size(), n = keep == 0 ? total : std::min<size_t>(total, keep);
  std::string patch;
  size_t failed = 0;
  for (size_t i = 0; i < n; ++i) {
    const json& r = revs[i];
    std::string rev = r.value("rev", "");
    if (rev.empty()) continue;
    char num[16];
    std::snprintf(num, sizeof num, "%04zu", total - i);
    std::string name = std::string("config/revisions/") + num + "-" + rev.substr(0, 12) + ".conf";
    text_piece(b, fetch, name, "/v1/config/history/" + seg(rev));

    patch += "revision " + rev + "\nauthor   " + r.value("author", "?") + "\ndate     " +
             (r.contains("time") && r["time"].is_number() ? utc(r["time"].get<int64_t>(), "%Y-%m-%d %H:%M:%SZ") : "?") +
             "\n\n    " + r.value("message", "") + "\n\n";
    if (i + 1 < total) {
      std::string from = revs[i + 1].value("rev", "");
      std::string dpath = "/v1/config/diff?from=" + seg(from) + "&to=" + seg(rev);
      if (auto d = get(fetch, dpath))
        patch += *d;
      else
        patch += "(diff not collected: " + d.error().message + ")\n", ++failed;
    } else {
      patch += "(the first revision: its text is config/revisions/" + std::string(num) + "-" + rev.substr(0, 12) +
               ".conf)\n";
    }
    patch += "\n";
  }
  if (n == 0) patch = "(no revisions)\n";
  std::string source = "GET /v1/config/diff between the newest " + std::to_string(n) + " of " + std::to_string(total) +
                       " revisions (--revisions)";
  if (failed) source += "; " + std::to_string(failed) + " diffs failed, named in the file";
  b.add("config/history.patch", source, std::move(patch));
}

// GET {luns} and the groups of every target, as one JSON object by target.
void lun_pieces(Bundle& b, const Fetch& fetch, const std::optional<json>& targets) {
  std::string source = "GET /v1/targets/{t}/luns and /v1/targets/{t}/groups for each target";
  if (!targets || !targets->is_array()) return b.fail("luns.json", source, "the target list was not collected");
  json out = json::object();
  std::string errors;
  for (const auto& t : *targets) {
    std::string name = t.is_object() ? t.value("name", "") : "";
    if (name.empty()) continue;
    for (const char* what : {"luns", "groups"}) {
      auto body = get(fetch, "/v1/targets/" + seg(name) + "/" + what);
      auto j = body ? json::parse(*body, nullptr, false) : json();
      if (!body) errors += name + " " + what + ": " + body.error().message + "; ";
      out[name][what] = body && !j.is_discarded() ? j : json(nullptr);
    }
  }
  if (!errors.empty()) return b.fail("luns.json", source, errors);
  b.add("luns.json", source, out.dump(2) + "\n");
}

void system_pieces(Bundle& b, const Local& local) {
  b.add("system/esanctl-version.txt", "esanctl's own version", std::string("esanctl ") + ESAN_VERSION + "\n");
  struct utsname u {};
  if (::uname(&u) == 0)
    b.add("system/uname.txt", "uname(2)",
          std::string(u.sysname) + " " + u.nodename + " " + u.release + " " + u.version + " " + u.machine + "\n");
  else
    b.fail("system/uname.txt", "uname(2)", std::strerror(errno));
  file_piece(b, "system/os-release", local.os_release, local.os_release_fallback);
}

}  // namespace

std::string bundle_top(const std::string& host, int64_t now) {
  std::string h;
  for (char c : host) h += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ? c : '_';
  return "esan-support-" + (h.empty() ? std::string("host") : h) + "-" + utc(now, "%Y%m%dT%H%M%SZ");
}

void collect(Bundle& b, const Fetch& fetch, const BundleRequest& req, const Local& local) {
  if (!local.token_file.empty()) {
    if (auto token = read_text_file(local.token_file, "token file"))
      b.add_secret(token->substr(0, token->find_first_of("\r\n")));
  }
  api_piece(b, fetch, "version.json", "/v1/version");
  system_pieces(b, local);
  api_piece(b, fetch, "health.json", "/v1/health", View::kHealth, "health.txt");
  text_piece(b, fetch, "config/running.conf", "/v1/config");
  history_pieces(b, fetch, req.revisions);
  auto targets = api_piece(b, fetch, "targets.json", "/v1/targets", View::kTargetList, "targets.txt");
  lun_pieces(b, fetch, targets);
  api_piece(b, fetch, "devices.json", "/v1/devices", View::kDeviceList, "devices.txt");
  api_piece(b, fetch, "driver.json", "/v1/driver");
  api_piece(b, fetch, "alua.json", "/v1/alua/device-groups", View::kAluaList, "alua.txt");
  api_piece(b, fetch, "sessions.json", "/v1/sessions", View::kSessionList, "sessions.txt");
  api_piece(b, fetch, "stats.json", "/v1/stats", View::kStats, "stats.txt");
  text_piece(b, fetch, "metrics.txt", "/metrics");
  api_piece(b, fetch, "events.json", "/v1/events?since=0&limit=10000", View::kEvents, "events.txt");
  api_piece(b, fetch, "alerts.json", "/v1/alerts", View::kAlerts, "alerts.txt");
  if (!req.log_file.empty())
    log_file_piece(b, req.log_file, req.log_lines);
  else
    journal_piece(b, local, req.log_lines);
}

Result<BundleOutcome> write_support_bundle(const Fetch& fetch, const BundleRequest& req, const Local& local,
                                           const std::string& tool) {
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  Bundle b(bundle_top(host, now));
  collect(b, fetch, req, local);
  std::string header = "esan support bundle\n";
  header += "created:  " + utc(now, "%Y-%m-%d %H:%M:%SZ") + " by " + tool + " " + ESAN_VERSION + " on " + host + "\n";
  header += "esand:    " + local.endpoint + "\n";
  header +=
      "redaction: in every file (support/redact.h): CHAP secrets (IncomingUser, OutgoingUser,\n"
      "          esan_peer_chap) in the config and every revision of it, values of keys named *secret*,\n"
      "          *password*, *token*, Authorization headers, the API token, and every such value found\n"
      "          again wherever else it appears, are replaced by <redacted>\n";
  auto files = b.entries(header, now);
  auto gz = support::tar_gz(files);
  if (!gz) return make_error(gz.error().code, "cannot build the archive: " + gz.error().message);
  if (auto w = support::write_new_file(req.file, *gz, req.force); !w) return std::unexpected(w.error());
  BundleOutcome out;
  out.written = "support bundle written to " + req.file + " (" + std::to_string(files.size()) + " files)";
  for (const auto& p : b.pieces())
    if (!p.ok) out.failed.push_back(p.name);
  return out;
}

int run_support_bundle(const Fetch& fetch, const BundleRequest& req, const Local& local, const std::string& self) {
  if (!req.force && ::access(req.file.c_str(), F_OK) == 0) {
    std::fprintf(stderr, "%s: %s exists (--force replaces it)\n", self.c_str(), req.file.c_str());
    return 1;
  }
  auto out = write_support_bundle(fetch, req, local, "esanctl");
  if (!out) {
    std::fprintf(stderr, "%s: %s\n", self.c_str(), out.error().message.c_str());
    return 1;
  }
  std::printf("%s\n", out->written.c_str());
  if (!out->failed.empty()) {
    std::string names;
    for (const auto& n : out->failed) names += (names.empty() ? "" : ", ") + n;
    std::fprintf(stderr, "%s: %zu piece(s) could not be collected (see MANIFEST): %s\n", self.c_str(),
                 out->failed.size(), names.c_str());
  }
  return 0;
}

}  // namespace esan::ctl
