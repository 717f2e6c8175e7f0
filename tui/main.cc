// esan-tui: the esan appliance console (screen.h) over esand's management
// API (client/http.h). Exit status: 0 quit, 2 usage error.
#include <clocale>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tui/options.h"
#include "tui/screen.h"

int main(int argc, char** argv) {
  std::setlocale(LC_ALL, "");  // ncursesw draws lines and accents per the locale
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  const char* env = std::getenv("ESAN_SOCKET");
  auto opts = esan::tui::parse_options(args, env ? env : "");
  if (!opts) {
    std::fprintf(stderr, "esan-tui: %s\n", opts.error().message.c_str());
    return 2;
  }
  if (opts->help) {
    std::fputs(esan::tui::kUsage, stdout);
    return 0;
  }
  esan::tui::HttpApi api(opts->conn);
  return esan::tui::run(api);
}
