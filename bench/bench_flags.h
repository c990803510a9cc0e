// Flag parsing for the benchmarks: `--name=value` integers with a range;
// a missing, malformed or out-of-range value means the default.
#ifndef CXONE_BENCH_BENCH_FLAGS_H_
#define CXONE_BENCH_BENCH_FLAGS_H_

#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace cxone::bench {

inline int64_t IntFlag(int argc, char** argv, const std::string& name,
                       int64_t fallback, int64_t max, int64_t min = 1) {
  const std::string prefix = absl::StrCat("--", name, "=");
  for (int i = 1; i < argc; ++i) {
    int64_t value;
    if (absl::StartsWith(argv[i], prefix) &&
        absl::SimpleAtoi(std::string(argv[i]).substr(prefix.size()), &value) &&
        value >= min && value <= max) {
      return value;
    }
  }
  return fallback;
}

}  // namespace cxone::bench

#endif  // CXONE_BENCH_BENCH_FLAGS_H_
