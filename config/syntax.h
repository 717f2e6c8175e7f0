// Generic syntax tree of an scst.conf file (layer 1, before any validation).
//
// Contract:
//  * A statement is "KEYWORD args..." ended by a newline, '{' or '}'. Ended
//    by '{' it opens a block whose statements become its children, closed by
//    the matching '}'. A '{' alone on a line opens the block of the statement
//    on the line(s) just before it (Allman style).
//  * Several statements may share one line when the first keyword has a
//    fixed arity (keywords.h) and the word after its values is a keyword:
//    "DEVICE d1  TARGET_GROUP tg {" is two statements.
//  * Errors, all "file:line: reason": unterminated quote, '{' with no
//    keyword, unexpected '}', unbalanced braces (reported at the line of the
//    section left open).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace esan::config {

struct Node {
  std::string keyword;
  std::vector<std::string> args;  // the remaining words, unquoted
  int line = 0;                   // line of the keyword
  std::vector<Node> children;     // statements inside the block
  bool has_block = false;         // the statement opened a { } block
};

Result<std::vector<Node>> parse_syntax(std::string_view text, std::string_view file_name);

}  // namespace esan::config
