// FUZZ_CHECK(cond, what): the fuzz targets' oracle. A violated property is a
// finding: print it and abort, which libFuzzer reports as a crash and saves
// the input. (assert() would vanish under NDEBUG.)
#pragma once

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, what)                                                       \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %s\n", __FILE__, __LINE__, \
                   #cond, what);                                                     \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)
