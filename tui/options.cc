#include "tui/options.h"

namespace esan::tui {

const char* const kUsage =
    "usage: esan-tui [--socket PATH | --url http://HOST:PORT [--token-file FILE]]\n"
    "The esan appliance console: live sessions and statistics, and menus to\n"
    "manage devices, targets, hosts and ALUA through esand's management API.\n"
    "  --socket PATH       esand's unix socket (default $ESAN_SOCKET or /run/esan/esand.sock)\n"
    "  --url URL           esand's TCP listener (--mgmt-listen) instead\n"
    "  --token-file FILE   the bearer token for --url (first line)\n";

Result<Options> parse_options(const std::vector<std::string>& args, const std::string& env_socket) {
  Options o;
  if (!env_socket.empty()) o.conn.socket = env_socket;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string a = args[i];
    if (a == "-h" || a == "--help") {
      o.help = true;
      continue;
    }
    std::string value;
    bool inline_value = false;
    if (auto eq = a.find('='); a.starts_with("--") && eq != std::string::npos) {
      value = a.substr(eq + 1);
      a = a.substr(0, eq);
      inline_value = true;
    }
    std::string* into = a == "--socket"       ? &o.conn.socket
                        : a == "--url"        ? &o.conn.url
                        : a == "--token-file" ? &o.conn.token_file
                                              : nullptr;
    if (!into) return make_error(Errc::kInvalidArgument, "unknown option '" + args[i] + "' (see --help)");
    if (!inline_value) {
      if (i + 1 >= args.size()) return make_error(Errc::kInvalidArgument, a + " needs a value");
      value = args[++i];
    }
    if (value.empty()) return make_error(Errc::kInvalidArgument, a + " needs a value");
    *into = value;
  }
  if (!o.conn.token_file.empty() && o.conn.url.empty())
    return make_error(Errc::kInvalidArgument, "--token-file goes with --url (the unix socket needs no token)");
  o.conn.read_timeout_s = 30;
  return o;
}

}  // namespace esan::tui
