// FUZZ_CHECK(cond, what): the fuzz targets' oracle. A violated property is a
// finding: print it and abort, which libFuzzer reports as a crash and saves
// the input. (assert() would vanish under NDEBUG.)
//
// ESAN_FUZZ_QUIET_LOGS() defines LLVMFuzzerInitialize to send the project's
// logs to a null sink: messages are still formatted (at every level), but
// stderr stays free for findings and the fuzzer stays fast.
#pragma once

#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#define ESAN_FUZZ_QUIET_LOGS()                                                              \
  extern "C" int LLVMFuzzerInitialize(int*, char***) {                                      \
    spdlog::set_default_logger(std::make_shared<spdlog::logger>(                            \
        "fuzz", std::make_shared<spdlog::sinks::null_sink_mt>()));                          \
    spdlog::set_level(spdlog::level::trace);                                                \
    return 0;                                                                               \
  }

#define FUZZ_CHECK(cond, what)                                                       \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, __LINE__, \
                   #cond, what);                                                     \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)
