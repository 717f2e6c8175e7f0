// Internal to esanctl's scstadmin spelling: the operation table
// (scstadmin.cc) and the parser that walks it (scstadmin_parse.cc).
#pragma once

#include <map>
#include <span>

#include "tools/esanctl/call.h"

namespace esan::ctl::scst {

using Calls = Result<std::vector<ApiCall>>;

// How an operation takes its value: always, when the next word is not an
// option (Getopt::Long's ":s"), or never.
enum class Arg { kValue, kOptional, kFlag };

struct Opts {
  std::string op;          // the operation, without its dash
  std::string name;        // the operation's value
  std::map<std::string, std::string> p;  // parameters (-driver iscsi ...)
  bool force = false;
  const Context* ctx = nullptr;
  std::string get(const std::string& k) const {
    auto it = p.find(k);
    return it == p.end() ? "" : it->second;
  }
};

using Build = Calls (*)(const Opts&);
struct Op {
  std::string_view name;
  Arg arg;
  Build build;  // nullptr: recognised but not supported by esan
};

// Every operation, and the parameters and flags they may be given.
extern const std::span<const Op> kOps;
extern const std::span<const char* const> kParams;
extern const std::span<const char* const> kFlags;

}  // namespace esan::ctl::scst
