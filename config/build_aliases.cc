// ESAN_ALIASES section and the alias checks; see model.h and builders.h.
#include <fmt/format.h>

#include "config/builders.h"

namespace esan::config {

namespace {

bool alias_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

}  // namespace

Status check_initiator_alias(std::string_view initiator, std::string_view alias) {
  if (initiator.empty()) return make_error(Errc::kInvalidArgument, "the initiator name is empty");
  if (initiator.size() > kMaxInitiatorName)
    return make_error(Errc::kInvalidArgument,
                      fmt::format("the initiator name is longer than {} bytes", kMaxInitiatorName));
  for (char c : initiator)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f ||
        std::string_view("\"#{}*?\\").find(c) != std::string_view::npos)
      return make_error(Errc::kInvalidArgument,
                        fmt::format("initiator name '{}': an exact iSCSI name takes no blanks, control characters, "
                                    "quotes, braces, '#', '\\' or wildcards",
                                    initiator));
  if (alias.empty()) return make_error(Errc::kInvalidArgument, fmt::format("alias of '{}' is empty", initiator));
  if (alias.size() > kMaxAliasLength)
    return make_error(Errc::kInvalidArgument,
                      fmt::format("alias '{}' is longer than {} characters", alias, kMaxAliasLength));
  for (char c : alias)
    if (!alias_char(c))
      return make_error(Errc::kInvalidArgument,
                        fmt::format("alias '{}': only letters, digits, '.', '_' and '-' are allowed", alias));
  return ok();
}

Status build_aliases(Context& ctx, const Node& n) {
  if (!n.args.empty() || !n.has_block) return ctx.fail(n.line, "ESAN_ALIASES takes no name, only a { } block");
  auto& aliases = ctx.cfg().initiator_aliases;
  for (const Node& a : n.children) {
    if (auto s = ctx.no_block(a); !s) return s;
    if (a.args.size() != 1)
      return ctx.fail(a.line, fmt::format("alias of '{}': write one initiator name and one alias", a.keyword));
    if (auto s = check_initiator_alias(a.keyword, a.args[0]); !s) return ctx.fail(a.line, s.error().message);
    if (aliases.contains(a.keyword)) return ctx.fail(a.line, fmt::format("initiator '{}' has two aliases", a.keyword));
    for (const auto& [i, al] : aliases)
      if (al == a.args[0]) return ctx.fail(a.line, fmt::format("alias '{}' is already the alias of '{}'", al, i));
    aliases.emplace(a.keyword, a.args[0]);
  }
  return ok();
}

}  // namespace esan::config
