// translate(): connection options and the choice of spelling, then the
// spelling's own parser (modern.cc, scstadmin.cc).
#include "tools/esanctl/call.h"

namespace esan::ctl {
namespace {

// --socket PATH, --url URL, --token-file F, --json, --help / -h; in the
// scstadmin spelling also with one dash (-socket, -token_file ...).
struct Global {
  std::string_view name;
  bool value;
};
constexpr Global kGlobals[] = {{"socket", true}, {"url", true},   {"token-file", true}, {"token_file", true},
                               {"json", false},  {"help", false}, {"h", false}};

bool is_scstadmin_word(const std::string& a) { return a.size() > 2 && a[0] == '-' && a[1] != '-'; }

}  // namespace

Result<Invocation> translate(const std::vector<std::string>& args, const Context& ctx) {
  Invocation inv;
  if (!ctx.env_socket.empty()) inv.conn.socket = ctx.env_socket;
  // The scstadmin spelling when called by that name, or when the first word
  // that is not a connection option is a one-dash scstadmin operation.
  bool scst = ctx.scstadmin;
  std::vector<std::string> rest;
  bool first_word = true;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string name;
    if (a.starts_with("--")) name = a.substr(2);
    else if (a.starts_with("-") && (scst || a == "-h" || first_word)) name = a.substr(1);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) value = name.substr(eq + 1), name.resize(eq), has_value = true;
    const Global* g = nullptr;
    for (const auto& cand : kGlobals)
      if (!name.empty() && cand.name == name) g = &cand;
    if (!g) {
      if (first_word && !scst && is_scstadmin_word(a) && a != "-h") scst = true;
      first_word = false;
      rest.push_back(a);
      continue;
    }
    if (g->value && !has_value) {
      if (i + 1 >= args.size()) return make_error(Errc::kInvalidArgument, "option " + a + " needs a value");
      value = args[++i];
    } else if (!g->value && has_value) {
      return make_error(Errc::kInvalidArgument, "option --" + name + " takes no value");
    }
    if (name == "socket") inv.conn.socket = value;
    else if (name == "url") inv.conn.url = value;
    else if (name == "token-file" || name == "token_file") inv.conn.token_file = value;
    else if (name == "json") inv.json = true;
    else inv.help = true;
  }
  if (!inv.conn.url.empty() && !inv.conn.url.starts_with("http://"))
    return make_error(Errc::kInvalidArgument, "--url must look like http://HOST:PORT, got '" + inv.conn.url + "'");
  if (!inv.conn.token_file.empty() && inv.conn.url.empty())
    return make_error(Errc::kInvalidArgument, "--token-file applies only with --url (the unix socket needs no token)");
  if (inv.conn.url.empty() && inv.conn.socket.empty()) return make_error(Errc::kInvalidArgument, "--socket needs a path");
  if (inv.help || rest.empty()) {
    if (!inv.help && !scst) return make_error(Errc::kInvalidArgument, "no command given (try --help)");
    inv.help = true;
    inv.help_text = scst ? scstadmin_usage() : modern_usage();
    return inv;
  }
  auto calls = scst ? translate_scstadmin(rest, ctx) : translate_modern(rest, ctx);
  if (!calls) return std::unexpected(calls.error());
  inv.calls = std::move(*calls);
  return inv;
}

}  // namespace esan::ctl
