// A webhook alert sink for the tests: an HTTP server on 127.0.0.1 (a port
// of its own) on a thread of its own, keeping each POST body as JSON.
#pragma once

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace esan::it {

class WebhookListener {
 public:
  WebhookListener() {
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      bodies_.push_back(nlohmann::json::parse(req.body, nullptr, false));
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // The socket listens from bind_to_any_port() on: a POST sent before the
    // thread accepts waits in the backlog.
  }
  ~WebhookListener() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  std::string url(const std::string& path = "/alerts") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<nlohmann::json> bodies() const {
    std::lock_guard lock(mu_);
    return bodies_;
  }
  // Whether an alert of `kind` (and, when given, holding `text` in its
  // message) arrived within `wait`.
  bool Got(const std::string& kind, const std::string& text = "",
           std::chrono::milliseconds wait = std::chrono::seconds(20)) const {
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      for (const auto& b : bodies())
        if (b.is_object() && b.value("kind", "") == kind &&
            (text.empty() || b.value("message", "").find(text) != std::string::npos))
          return true;
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<nlohmann::json> bodies_;
};

}  // namespace esan::it
