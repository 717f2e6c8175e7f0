// Lexer for scst.conf text (SCST's syntax).
//
// Contract:
//  * Words are separated by blanks (space, tab, CR, FF, VT); '\n' is a token
//    of its own because a line ends an attribute.
//  * '{' and '}' are tokens of their own even when glued to a word.
//  * '#' outside quotes starts a comment that runs to the end of the line.
//  * A double-quoted segment may hold blanks, '#', '{' and '}'; inside it
//    '\"' stands for '"' and '\\' for '\'; any other backslash is literal.
//    Quoted segments glued to plain text form one word ("a"b -> ab).
//    A quote must close on its own line, else "file:line: unterminated quote".
//  * The token list always ends with one kEnd token.
//  * quote_word(w) is the inverse for one word: w itself when the lexer
//    reads it back as one plain word, else w double-quoted with '"' and
//    '\\' escaped, so tokenize() returns exactly w.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace esan::config {

struct Token {
  enum class Kind { kWord, kOpen, kClose, kNewline, kEnd };
  Kind kind = Kind::kEnd;
  std::string text;     // the word, unquoted; empty for other kinds
  bool quoted = false;  // the word had at least one quoted segment
  int line = 0;         // 1-based
};

Result<std::vector<Token>> tokenize(std::string_view text, std::string_view file_name);

std::string quote_word(std::string_view w);

}  // namespace esan::config
