// esanctl (also installed as scstadmin): a client of esand's management API.
// argv -> translate() -> send() each call -> render(). Exit status: 0 done,
// 1 refused by esand, 2 usage error, 3 cannot connect.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "tools/esanctl/call.h"
#include "tools/esanctl/http.h"
#include "tools/esanctl/render.h"

using namespace esan::ctl;

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
