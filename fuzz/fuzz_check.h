// FUZZ_CHECK: the property checks of the fuzz targets. A broken property
// aborts, which libFuzzer reports as a crash and saves the input for.
#ifndef CXONE_FUZZ_FUZZ_CHECK_H_
#define CXONE_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition, ...)                                             \
  do {                                                                         \
    if (!(condition)) {                                                        \
      std::fprintf(stderr, "%s:%d: property broken: %s\n", __FILE__, __LINE__, \
                   #condition);                                                \
      std::fprintf(stderr, "  " __VA_ARGS__);                                  \
      std::fprintf(stderr, "\n");                                              \
      std::abort();                                                            \
    }                                                                          \
  } while (false)

#endif  // CXONE_FUZZ_FUZZ_CHECK_H_
