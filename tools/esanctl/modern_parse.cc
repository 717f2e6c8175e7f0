// Parsing esanctl's own spelling against the command table (modern.h).
#include "tools/esanctl/modern.h"

namespace esan::ctl {
namespace {

using modern::Calls;
using modern::Command;
using modern::kCommands;
using modern::Parsed;

// Options that take a value; every other known option is a flag.
bool takes_value(std::string_view o) {
  return o == "group" || o == "handler" || o == "state" || o == "rel-tgt-id" || o == "timeout-ms" || o == "limit" ||
         o == "since" || o == "log-file" || o == "log-lines" || o == "revisions" || o == "kind" || o == "severity";
}
bool known_option(std::string_view o) {
  return takes_value(o) || o == "force" || o == "read-only" || o == "outgoing" || o == "prometheus" || o == "follow";
}
bool listed(std::string_view list, std::string_view word) {
  for (size_t at = 0; at <= list.size();) {
    size_t sp = list.find(' ', at);
    if (list.substr(at, sp == std::string_view::npos ? sp : sp - at) == word) return true;
    if (sp == std::string_view::npos) break;
    at = sp + 1;
  }
  return false;
}

}  // namespace

Calls translate_modern(const std::vector<std::string>& args, const Context& ctx) {
  Parsed p;
  p.ctx = &ctx;
  std::vector<std::string> words;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!a.starts_with("--")) {
      words.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1), name.resize(eq), inline_value = true;
    }
    if (!known_option(name)) return make_error(Errc::kInvalidArgument, "unknown option --" + name);
    if (takes_value(name) && !inline_value) {
      if (i + 1 >= args.size()) return make_error(Errc::kInvalidArgument, "option --" + name + " needs a value");
      value = args[++i];
    } else if (!takes_value(name) && inline_value) {
      return make_error(Errc::kInvalidArgument, "option --" + name + " takes no value");
    }
    if (p.opt.contains(name)) return make_error(Errc::kInvalidArgument, "option --" + name + " given twice");
    p.opt[name] = value;
  }
  if (words.empty()) return make_error(Errc::kInvalidArgument, "no command given");
  const std::string& noun = words[0];
  const Command* cmd = nullptr;
  bool noun_known = false;
  for (const auto& c : kCommands) {
    if (c.noun != noun) continue;
    noun_known = true;
    if (c.verb.empty() || (words.size() > 1 && c.verb == words[1])) {
      cmd = &c;
      break;
    }
  }
  if (!noun_known) return make_error(Errc::kInvalidArgument, "unknown command '" + noun + "'");
  if (!cmd) {
    std::string verbs;
    for (const auto& c : kCommands)
      if (c.noun == noun) verbs += (verbs.empty() ? "" : "|") + std::string(c.verb);
    return make_error(Errc::kInvalidArgument, words.size() > 1 ? "unknown command '" + noun + " " + words[1] +
                                                                     "' (expected " + noun + " " + verbs + ")"
                                                               : "'" + noun + "' needs one of: " + verbs);
  }
  std::string full = std::string(cmd->noun) + (cmd->verb.empty() ? "" : " " + std::string(cmd->verb));
  std::string usage = " (usage: esanctl " + full + (cmd->synopsis.empty() ? "" : " ") + std::string(cmd->synopsis) + ")";
  std::span<const std::string> rest(words.begin() + (cmd->verb.empty() ? 1 : 2), words.end());
  for (const auto& w : rest) {
    bool is_attr = cmd->attrs && w.find('=') != std::string::npos;
    if (is_attr || !p.attrs.empty()) p.attrs.push_back(w);
    else p.pos.push_back(w);
  }
  if (p.pos.size() < cmd->min_pos) return make_error(Errc::kInvalidArgument, "'" + full + "' needs more arguments" + usage);
  if (p.pos.size() > cmd->max_pos)
    return make_error(Errc::kInvalidArgument, "unexpected argument '" + p.pos[cmd->max_pos] + "'" + usage);
  if (cmd->attrs && p.attrs.empty() && cmd->synopsis.find("[ATTR") == std::string_view::npos)
    return make_error(Errc::kInvalidArgument, "'" + full + "' needs at least one ATTR=VALUE" + usage);
  for (const auto& [name, v] : p.opt)
    if (!listed(cmd->options, name)) return make_error(Errc::kInvalidArgument, "--" + name + " does not apply to '" + full + "'");
  p.force = p.opt.contains("force");
  if (!cmd->required.empty() && !p.opt.contains(std::string(cmd->required)))
    return make_error(Errc::kInvalidArgument, "'" + full + "' needs --" + std::string(cmd->required) + usage);
  return cmd->build(p);
}

std::string modern_commands() {
  std::string out;
  for (const auto& c : kCommands) {
    std::string line = "  esanctl " + std::string(c.noun) + (c.verb.empty() ? "" : " " + std::string(c.verb));
    if (!c.synopsis.empty()) line += " " + std::string(c.synopsis);
    out += line + "\n";
  }
  return out;
}

}  // namespace esan::ctl
