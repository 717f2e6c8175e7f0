// esan-tui's command line: esanctl's connection options.
//
// Contract: parse_options() is pure: --socket PATH, --url URL,
// --token-file FILE (also --opt=VALUE), -h/--help; $ESAN_SOCKET (passed in)
// is the default socket. Anything else is an Error (kInvalidArgument)
// naming the word.
#pragma once

#include <string>
#include <vector>

#include "client/http.h"

namespace esan::tui {

struct Options {
  client::Connection conn;
  bool help = false;
};

Result<Options> parse_options(const std::vector<std::string>& args, const std::string& env_socket);

extern const char* const kUsage;

}  // namespace esan::tui
