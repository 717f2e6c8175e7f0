// Fuzz target: the scst.conf parser (config/model.h) and its writer.
//
// Input: the configuration text.
// Oracles: a rejected text gets Errc::kInvalidArgument with a message
// "fuzz.conf:<line>: ..."; an accepted one is written back with
// write_config(), and that text must parse to an equivalent() Config and
// write back to the very same text (the writer is a fixpoint).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "config/model.h"
#include "tests/fuzz/fuzz_check.h"

using namespace esan;
using namespace esan::config;

ESAN_FUZZ_QUIET_LOGS()

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* in, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(in), size);
  auto cfg = parse_config(text, "fuzz.conf");
  if (!cfg) {
    FUZZ_CHECK(cfg.error().code == Errc::kInvalidArgument, "parse error with another code");
    std::string_view msg = cfg.error().message;
    FUZZ_CHECK(msg.starts_with("fuzz.conf:"), "parse error message without the file name");
    size_t digits = msg.find_first_not_of("0123456789", 10);
    FUZZ_CHECK(digits != std::string_view::npos && digits > 10 && msg.substr(digits, 2) == ": ",
               "parse error message without 'file:line: '");
    return 0;
  }
  std::string out = write_config(*cfg);
  auto again = parse_config(out, "written.conf");
  if (!again) {
    std::fprintf(stderr, "written text:\n%s\nerror: %s\n", out.c_str(), again.error().message.c_str());
    FUZZ_CHECK(false, "write_config() output does not parse");
  }
  FUZZ_CHECK(equivalent(*cfg, *again), "write_config() output parses to a different config");
  FUZZ_CHECK(write_config(*again) == out, "write_config() is not a fixpoint");
  return 0;
}
