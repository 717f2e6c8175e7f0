// Builder helpers; see context.h for the contract.
#include "config/context.h"

#include <fmt/format.h>

#include <algorithm>

#include "config/values.h"

namespace esan::config {

std::unexpected<Error> Context::fail(int line, std::string_view reason) const {
  if (file_.empty()) return make_error(Errc::kInvalidArgument, std::string(reason));
  return make_error(Errc::kInvalidArgument, fmt::format("{}:{}: {}", file_, line, reason));
}

void Context::warn(int line, std::string_view message) {
  if (file_.empty()) return warnings_.emplace_back(line, std::string(message)), void();
  warnings_.emplace_back(line, fmt::format("{}:{}: {}", file_, line, message));
}

void Context::finish() {
  std::stable_sort(warnings_.begin(), warnings_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& w : warnings_) cfg_.warnings.push_back(std::move(w.second));
  warnings_.clear();
}

void Context::warn_unimplemented(const Node& n) {
  warn(n.line, fmt::format("attribute '{}' is not implemented by esand yet (ignored)", n.keyword));
}

std::unexpected<Error> Context::unknown(const Node& n, Section in) const {
  const char* what = n.has_block ? "section" : "attribute";
  return fail(n.line, fmt::format("unknown {} '{}' in {}", what, n.keyword, section_name(in)));
}

Result<std::string> Context::name(const Node& n) const {
  if (n.args.size() != 1 || n.args[0].empty())
    return fail(n.line, fmt::format("{} needs exactly one name", n.keyword));
  return n.args[0];
}

Status Context::no_block(const Node& n) const {
  if (n.has_block)
    return fail(n.line, fmt::format("attribute '{}' cannot open a block", n.keyword));
  return ok();
}

Result<std::string> Context::text(const Node& n) const {
  if (auto s = no_block(n); !s) return std::unexpected(s.error());
  if (n.args.empty()) return fail(n.line, fmt::format("attribute '{}' needs a value", n.keyword));
  std::string v = n.args[0];
  for (size_t i = 1; i < n.args.size(); ++i) v += " " + n.args[i];
  return v;
}

Result<std::string> Context::single(const Node& n) const {
  if (auto s = no_block(n); !s) return std::unexpected(s.error());
  if (n.args.size() != 1)
    return fail(n.line, fmt::format("attribute '{}' takes exactly one value", n.keyword));
  return n.args[0];
}

Result<bool> Context::boolean(const Node& n) const {
  auto v = single(n);
  if (!v) return std::unexpected(v.error());
  auto b = parse_bool01(*v);
  if (!b) return fail(n.line, fmt::format("attribute '{}': {}", n.keyword, b.error()));
  return *b;
}

Result<uint64_t> Context::number(const Node& n, uint64_t max) const {
  auto v = single(n);
  if (!v) return std::unexpected(v.error());
  auto u = parse_uint(*v, max);
  if (!u) return fail(n.line, fmt::format("attribute '{}': {}", n.keyword, u.error()));
  return *u;
}

Result<std::string> Context::user(const Node& n) const {
  auto v = text(n);
  if (!v) return v;
  auto space = v->find_first_of(" \t");
  auto start = space == std::string::npos ? space : v->find_first_not_of(" \t", space);
  if (space == 0 || start == std::string::npos)
    return fail(n.line, fmt::format("attribute '{}' needs \"name secret\"", n.keyword));
  std::string name = v->substr(0, space);
  std::string_view secret = std::string_view(*v).substr(start);
  // Messages name the user, never the secret.
  if (secret.find_first_of(" \t") != std::string_view::npos)
    return fail(n.line, fmt::format("{} '{}': the secret must be one word (no spaces)", n.keyword,
                                    name));
  if (secret.size() < kMinChapSecret)
    return fail(n.line, fmt::format("{} '{}': the secret is shorter than {} bytes", n.keyword,
                                    name, kMinChapSecret));
  if (secret.size() > kMaxChapSecret)
    return fail(n.line, fmt::format("{} '{}': the secret is longer than {} bytes", n.keyword, name,
                                    kMaxChapSecret));
  if (name.size() > kMaxChapName)
    return fail(n.line, fmt::format("{}: the user name is longer than {} bytes", n.keyword,
                                    kMaxChapName));
  return name + " " + std::string(secret);
}

Status SeenOnce::check(const Context& ctx, const Node& n) {
  auto [it, inserted] = first_line_.emplace(n.keyword, n.line);
  if (!inserted)
    return ctx.fail(n.line, fmt::format("attribute '{}' given twice (first at line {})", n.keyword,
                                        it->second));
  return ok();
}

}  // namespace esan::config
