#include "alerts/sinks.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <thread>

extern char** environ;

namespace esan::alerts {

namespace {

std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
  return out;
}

std::string rfc2822_date(int64_t time_ms) {
  time_t secs = static_cast<time_t>(time_ms / 1000);
  tm t{};
  gmtime_r(&secs, &t);
  char buf[64];
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &t);
  return buf;
}

class MailSink : public Sink {
 public:
  MailSink(SinkConfig cfg, std::string host) : cfg_(std::move(cfg)), host_(std::move(host)) {}
  std::string deliver(const events::Event& e, uint64_t suppressed) override {
    return run(cfg_.sendmail, mail_text(cfg_, host_, e, suppressed));
  }

 private:
  static std::string run(const std::vector<std::string>& argv_s, const std::string& input) {
    int in[2], err[2];
    if (pipe2(in, O_CLOEXEC) != 0) return fmt::format("pipe: {}", std::strerror(errno));
    if (pipe2(err, O_CLOEXEC) != 0) {
      ::close(in[0]), ::close(in[1]);
      return fmt::format("pipe: {}", std::strerror(errno));
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, err[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    std::vector<char*> argv;
    for (const auto& a : argv_s) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(in[0]);
    ::close(err[1]);
    if (rc != 0) {
      ::close(in[1]), ::close(err[0]);
      return fmt::format("cannot run {}: {}", argv_s[0], std::strerror(rc));
    }
    // The message is small (a few KiB, below the pipe's buffer); a command
    // that does not read it gets EPIPE (SIGPIPE is ignored by esand).
    size_t off = 0;
    while (off < input.size()) {
      ssize_t n = ::write(in[1], input.data() + off, input.size() - off);
      if (n <= 0) break;
      off += size_t(n);
    }
    ::close(in[1]);
    std::string output;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    int status = 0;
    bool exited = false;
    for (;;) {
      pollfd p{err[0], POLLIN, 0};
      if (::poll(&p, 1, 100) > 0) {
        char buf[1024];
        ssize_t n = ::read(err[0], buf, sizeof buf);
        if (n > 0 && output.size() < 4096) output.append(buf, size_t(n));
      }
      if (waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      if (std::chrono::steady_clock::now() > deadline) break;
    }
    ::close(err[0]);
    if (!exited) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return fmt::format("{} did not finish within 15 s (killed)", argv_s[0]);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
    std::string why = WIFEXITED(status) ? fmt::format("exit status {}", WEXITSTATUS(status))
                                        : fmt::format("signal {}", WTERMSIG(status));
    return fmt::format("{} failed ({}): {}", argv_s[0], why, one_line(output));
  }

  SinkConfig cfg_;
  std::string host_;
};

class WebhookSink : public Sink {
 public:
  WebhookSink(SinkConfig cfg, std::string host) : cfg_(std::move(cfg)), host_(std::move(host)) {
    split_url(cfg_.url, origin_, path_);
  }
  std::string deliver(const events::Event& e, uint64_t suppressed) override {
    nlohmann::json body = event_json(e);
    body["host"] = host_;
    if (suppressed) body["suppressed"] = suppressed;
    httplib::Client cli(origin_);
    cli.set_connection_timeout(5, 0);
    cli.set_read_timeout(5, 0);
    cli.set_write_timeout(5, 0);
    auto res = cli.Post(path_.c_str(), body.dump(), "application/json");
    if (!res) return fmt::format("POST {}: {}", cfg_.url, httplib::to_string(res.error()));
    if (res->status / 100 != 2) return fmt::format("POST {}: HTTP {}", cfg_.url, res->status);
    return "";
  }

 private:
  SinkConfig cfg_;
  std::string host_, origin_, path_;
};

int facility_of(const std::string& f) {
  if (f == "user") return LOG_USER;
  if (f.starts_with("local") && f.size() == 6 && f[5] >= '0' && f[5] <= '7') return (16 + (f[5] - '0')) << 3;
  return LOG_DAEMON;
}

class SyslogSink : public Sink {
 public:
  explicit SyslogSink(SinkConfig cfg) : facility_(facility_of(cfg.facility)) {}
  std::string deliver(const events::Event& e, uint64_t suppressed) override {
    int prio = e.severity == events::Severity::kInfo      ? LOG_INFO
               : e.severity == events::Severity::kWarning ? LOG_WARNING
               : e.severity == events::Severity::kError   ? LOG_ERR
                                                          : LOG_CRIT;
    std::string text = fmt::format("event {} {} {}: {}", e.seq, events::kind_name(e.kind),
                                   events::severity_name(e.severity), one_line(e.message));
    for (const auto& [k, v] : e.fields) text += fmt::format(" {}={}", k, one_line(v));
    if (suppressed) text += fmt::format(" ({} earlier alerts suppressed)", suppressed);
    static std::once_flag opened;
    std::call_once(opened, [] { openlog("esand", LOG_PID | LOG_NDELAY, LOG_DAEMON); });
    syslog(facility_ | prio, "%s", text.c_str());
    return "";
  }

 private:
  int facility_;
};

}  // namespace

std::unique_ptr<Sink> make_sink(const SinkConfig& cfg, std::string host) {
  switch (cfg.type) {
    case SinkType::kMail:
      return std::make_unique<MailSink>(cfg, std::move(host));
    case SinkType::kWebhook:
      return std::make_unique<WebhookSink>(cfg, std::move(host));
    case SinkType::kSyslog:
      return std::make_unique<SyslogSink>(cfg);
  }
  return nullptr;
}

nlohmann::json event_json(const events::Event& e) {
  nlohmann::json fields = nlohmann::json::object();
  for (const auto& [k, v] : e.fields) fields[k] = v;
  return nlohmann::json{{"seq", e.seq},
                        {"time", events::format_time(e.time_ms)},
                        {"kind", events::kind_name(e.kind)},
                        {"severity", events::severity_name(e.severity)},
                        {"message", e.message},
                        {"fields", std::move(fields)}};
}

std::string mail_text(const SinkConfig& cfg, const std::string& host, const events::Event& e, uint64_t suppressed) {
  std::string to;
  for (const auto& t : cfg.to) to += (to.empty() ? "" : ", ") + t;
  std::string from = cfg.from.empty() ? "esand@" + host : cfg.from;
  std::string text = fmt::format(
      "To: {}\nFrom: {}\nSubject: [esan {}] {} {}: {}\nDate: {}\nMIME-Version: 1.0\n"
      "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n",
      to, one_line(from), one_line(host), events::severity_name(e.severity), events::kind_name(e.kind),
      one_line(e.message.substr(0, 150)), rfc2822_date(e.time_ms));
  text += e.message + "\n\n";
  text += fmt::format("host: {}\nevent: {}\ntime: {}\nkind: {}\nseverity: {}\n", host, e.seq,
                      events::format_time(e.time_ms), events::kind_name(e.kind), events::severity_name(e.severity));
  for (const auto& [k, v] : e.fields) text += fmt::format("{}: {}\n", k, v);
  if (suppressed)
    text += fmt::format("\n{} earlier alert(s) to this sink were suppressed (duplicates or rate limit).\n", suppressed);
  return text;
}

}  // namespace esan::alerts
