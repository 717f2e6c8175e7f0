// Internal to esanctl's modern spelling: the command table (modern.cc)
// and the parser that walks it (modern_parse.cc).
#pragma once

#include <map>
#include <span>

#include "tools/esanctl/call.h"

namespace esan::ctl::modern {

using Calls = Result<std::vector<ApiCall>>;

struct Parsed {
  std::vector<std::string> pos;    // positional words
  std::vector<std::string> attrs;  // trailing ATTR=VALUE words
  std::map<std::string, std::string> opt;
  bool force = false;
  const Context* ctx = nullptr;
  std::string opt_or(const std::string& k, const std::string& dflt = "") const {
    auto it = opt.find(k);
    return it == opt.end() ? dflt : it->second;
  }
};

struct Command {
  std::string_view noun, verb, synopsis;
  size_t min_pos, max_pos;
  bool attrs;                 // trailing ATTR=VALUE words allowed
  std::string_view options;   // allowed options, space separated ("force" = --force)
  std::string_view required;  // options that must be given
  Calls (*build)(const Parsed&);
};

// Every command, in help order.
extern const std::span<const Command> kCommands;

}  // namespace esan::ctl::modern
