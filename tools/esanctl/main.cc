// esanctl (also installed as scstadmin): a client of esand's management API.
// argv -> translate() -> send() each call -> render(). Exit status: 0 done,
// 1 refused by esand, 2 usage error, 3 cannot connect; support-bundle
// (support_bundle.h): 0 written, 1 not written.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "tools/esanctl/call.h"
#include "tools/esanctl/http.h"
#include "tools/esanctl/render.h"
#include "tools/esanctl/support_bundle.h"

using namespace esan::ctl;

// esanctl events --follow: long polls from each answer's "next" until esand
// goes away (exit 3) or refuses (exit 1). --json prints one event per line.
static int follow(const Invocation& inv, ApiCall call, const std::string& self) {
  std::string base = call.path.substr(0, call.path.rfind("since="));
  for (;;) {
    auto reply = send(inv.conn, call);
    if (!reply) {
      std::fprintf(stderr, "%s: %s\n", self.c_str(), reply.error().message.c_str());
      return 3;
    }
    if (reply->status < 200 || reply->status >= 300) {
      std::fprintf(stderr, "%s: %s\n", self.c_str(), error_message(*reply).c_str());
      return 1;
    }
    auto j = nlohmann::json::parse(reply->body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("next") || !j["next"].is_number_unsigned()) {
      std::fprintf(stderr, "%s: unexpected answer: %s\n", self.c_str(), reply->body.substr(0, 200).c_str());
      return 1;
    }
    auto evs = j.value("events", nlohmann::json::array());
    if (inv.json) {
      for (const auto& e : evs) std::printf("%s\n", e.dump().c_str());
    } else {
      std::fputs(render(call, reply->body, false).c_str(), stdout);
    }
    std::fflush(stdout);
    // esand answers at once when it has too many long polls already (or is
    // stopping): do not spin.
    if (evs.empty()) std::this_thread::sleep_for(std::chrono::seconds(1));
    call.path = base + "since=" + std::to_string(j["next"].get<uint64_t>());
  }
}

int main(int argc, char** argv) {
  std::string self = std::filesystem::path(argc > 0 ? argv[0] : "esanctl").filename().string();
  Context ctx;
  ctx.scstadmin = self == "scstadmin";
  std::error_code ec;
  ctx.cwd = std::filesystem::current_path(ec).string();
  if (const char* s = std::getenv("ESAN_SOCKET")) ctx.env_socket = s;
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);

  auto inv = translate(args, ctx);
  if (!inv) {
    std::fprintf(stderr, "%s: %s\n", self.c_str(), inv.error().message.c_str());
    return 2;
  }
  if (inv->help) {
    std::fputs(inv->help_text.c_str(), stdout);
    return 0;
  }
  for (const auto& call : inv->calls) {
    if (call.bundle) {
      Local local;
      local.token_file = inv->conn.token_file;
      local.endpoint = inv->conn.url.empty() ? "unix socket " + inv->conn.socket : inv->conn.url;
      return run_support_bundle([&](const ApiCall& c) { return send(inv->conn, c); }, *call.bundle, local, self);
    }
    if (call.follow) return follow(*inv, call, self);
    auto reply = send(inv->conn, call);
    if (!reply) {
      std::fprintf(stderr, "%s: %s\n", self.c_str(), reply.error().message.c_str());
      return reply.error().code == esan::Errc::kIo ? 3 : 2;
    }
    if (reply->status < 200 || reply->status >= 300) {
      if (inv->json && !reply->body.empty()) std::fputs(render(call, reply->body, true).c_str(), stdout);
      std::fprintf(stderr, "%s: %s\n", self.c_str(), error_message(*reply).c_str());
      return 1;
    }
    std::fputs(render(call, reply->body, inv->json).c_str(), stdout);
  }
  return 0;
}
