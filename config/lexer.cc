// Lexer for scst.conf text; see lexer.h for the contract.
#include "config/lexer.h"

#include <fmt/format.h>

namespace esan::config {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

bool ends_word(char c) { return is_blank(c) || c == '\n' || c == '{' || c == '}' || c == '#'; }

}  // namespace

Result<std::vector<Token>> tokenize(std::string_view text, std::string_view file_name) {
  std::vector<Token> out;
  int line = 1;
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    char c = text[i];
    if (c == '\n') {
      out.push_back({Token::Kind::kNewline, {}, false, line});
      ++line;
      ++i;
    } else if (is_blank(c)) {
      ++i;
    } else if (c == '#') {
      while (i < n && text[i] != '\n') ++i;
    } else if (c == '{' || c == '}') {
      out.push_back({c == '{' ? Token::Kind::kOpen : Token::Kind::kClose, {}, false, line});
      ++i;
    } else {
      Token word{Token::Kind::kWord, {}, false, line};
      while (i < n && !ends_word(text[i])) {
        if (text[i] != '"') {
          word.text.push_back(text[i++]);
          continue;
        }
        word.quoted = true;
        ++i;  // opening quote
        bool closed = false;
        while (i < n && text[i] != '\n') {
          char q = text[i];
          if (q == '"') {
            closed = true;
            ++i;
            break;
          }
          if (q == '\\' && i + 1 < n && (text[i + 1] == '"' || text[i + 1] == '\\')) {
            word.text.push_back(text[i + 1]);
            i += 2;
            continue;
          }
          word.text.push_back(q);
          ++i;
        }
        if (!closed)
          return make_error(Errc::kInvalidArgument,
                            fmt::format("{}:{}: unterminated quote", file_name, line));
      }
      out.push_back(std::move(word));
    }
  }
  out.push_back({Token::Kind::kEnd, {}, false, line});
  return out;
}

std::string quote_word(std::string_view w) {
  if (!w.empty() && w.find_first_of(" \t\r\f\v\n#\"{}") == std::string_view::npos) return std::string(w);
  std::string out = "\"";
  for (char c : w) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace esan::config
