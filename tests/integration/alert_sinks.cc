#include "tests/integration/alert_sinks.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstring>
#include <filesystem>
#include <thread>

#include "tests/integration/esand_process.h"

namespace esan::it {
namespace {

// Polls pred() every 50 ms until it holds or `wait` has passed.
template <class P>
bool Within(std::chrono::milliseconds wait, P pred) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

AlertSinks::AlertSinks(std::string dir, int http_status) : dir_(std::move(dir)) {
  http_port_ = FreeLoopbackPort();
  smtp_port_ = FreeLoopbackPort();
  const std::string out = dir_ + "/sinks.out";
  std::vector<std::string> args{"/usr/bin/python3",         ALERT_SINKS_PATH,           dir_,
                                std::to_string(http_port_), std::to_string(smtp_port_), std::to_string(http_status)};
  int rc = 0;
  pid_ = SpawnToFile(args, out, &rc);
  if (pid_ < 0) {
    ADD_FAILURE() << "cannot start " << args[0] << " " << ALERT_SINKS_PATH << ": " << std::strerror(rc);
    return;
  }
  ready_ = Within(std::chrono::seconds(20), [&] { return ReadFile(out).find("ready") != std::string::npos; });
  if (!ready_) ADD_FAILURE() << "alert_sinks.py did not start: " << ReadFile(out);
  WriteFile(msmtprc(), "account default\nhost 127.0.0.1\nport " + std::to_string(smtp_port_) +
                           "\nfrom esand@test.example\nauth off\ntls off\nlogfile " + dir_ + "/msmtp.log\n");
  ::chmod(msmtprc().c_str(), 0600);  // msmtp refuses a configuration others may read
}

AlertSinks::~AlertSinks() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

std::string AlertSinks::webhook_url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(http_port_) + path;
}

std::vector<nlohmann::json> AlertSinks::Hooks() const {
  std::vector<nlohmann::json> out;
  const std::string text = ReadFile(dir_ + "/webhook.log");
  size_t at = 0;
  for (size_t nl; at < text.size() && (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
    out.push_back(nlohmann::json::parse(text.substr(at, nl - at), nullptr, false));
  return out;
}

std::vector<std::string> AlertSinks::Mails() const {
  std::vector<std::string> out;
  for (int i = 1; std::filesystem::exists(dir_ + "/mail." + std::to_string(i)); ++i)
    out.push_back(ReadFile(dir_ + "/mail." + std::to_string(i)));
  return out;
}

bool AlertSinks::HookOfKind(const std::string& kind, const std::string& text) const {
  for (const auto& h : Hooks())
    if (h.is_object() && h.value("kind", "") == kind &&
        (text.empty() || h.value("message", "").find(text) != std::string::npos))
      return true;
  return false;
}

bool AlertSinks::Got(const std::string& kind, const std::string& text, std::chrono::milliseconds wait) const {
  return Within(wait, [&] { return HookOfKind(kind, text); });
}

bool AlertSinks::MailWith(const std::string& words) const {
  for (const auto& m : Mails())
    if (m.find(words) != std::string::npos) return true;
  return false;
}

}  // namespace esan::it
