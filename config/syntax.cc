// Syntax-tree parser for scst.conf; see syntax.h for the contract.
#include "config/syntax.h"

#include <fmt/format.h>

#include "config/keywords.h"
#include "config/lexer.h"

namespace esan::config {

namespace {

class TreeBuilder {
 public:
  explicit TreeBuilder(std::string_view file) : file_(file) {}

  Result<std::vector<Node>> run(const std::vector<Token>& tokens) {
    for (const Token& t : tokens) {
      switch (t.kind) {
        case Token::Kind::kWord: words_.push_back(&t); break;
        case Token::Kind::kNewline:
          if (!words_.empty()) {
            flush();
            can_attach_ = true;
          }
          break;
        case Token::Kind::kOpen:
          if (auto s = open(t); !s) return std::unexpected(s.error());
          break;
        case Token::Kind::kClose:
          flush();
          if (open_.empty()) return fail(t.line, "unexpected '}'");
          open_.pop_back();
          can_attach_ = false;
          break;
        case Token::Kind::kEnd:
          flush();
          if (!open_.empty()) {
            const Node& n = *open_.back();
            std::string what = n.keyword;
            if (!n.args.empty()) what += fmt::format(" '{}'", n.args[0]);
            return fail(n.line, fmt::format("unbalanced braces: '{{' of {} is never closed", what));
          }
          break;
      }
    }
    return std::move(root_);
  }

 private:
  std::vector<Node>& level() { return open_.empty() ? root_ : open_.back()->children; }

  std::unexpected<Error> fail(int line, std::string_view reason) const {
    return make_error(Errc::kInvalidArgument, fmt::format("{}:{}: {}", file_, line, reason));
  }

  Status open(const Token& t) {
    if (words_.empty()) {
      auto& lv = level();
      if (!can_attach_ || lv.empty() || lv.back().has_block)
        return fail(t.line, "'{' with no keyword");
    } else {
      flush();
    }
    Node& n = level().back();
    n.has_block = true;
    open_.push_back(&n);
    can_attach_ = false;
    return ok();
  }

  // Turns the pending words into one or more statements at the current level.
  void flush() {
    size_t i = 0;
    while (i < words_.size()) {
      Node n;
      n.keyword = words_[i]->text;
      n.line = words_[i]->line;
      size_t end = words_.size();
      int arity = fixed_arity(n.keyword);
      if (arity >= 0) {
        size_t split = i + 1 + size_t(arity);
        if (split < words_.size() && !words_[split]->quoted && is_keyword(words_[split]->text))
          end = split;
      }
      for (size_t j = i + 1; j < end; ++j) n.args.push_back(words_[j]->text);
      level().push_back(std::move(n));
      i = end;
    }
    words_.clear();
  }

  std::string_view file_;
  std::vector<Node> root_;
  std::vector<Node*> open_;  // sections whose '}' has not been seen yet
  std::vector<const Token*> words_;
  bool can_attach_ = false;  // the last statement here ended at a newline
};

}  // namespace

Result<std::vector<Node>> parse_syntax(std::string_view text, std::string_view file_name) {
  auto tokens = tokenize(text, file_name);
  if (!tokens) return std::unexpected(tokens.error());
  return TreeBuilder(file_name).run(*tokens);
}

}  // namespace esan::config
