// Flags of the benchmarks, read by FlagParser (common/flag_parser.h):
// `--name=value` or `--name value`, each number with its range, `--help`
// listing them all. No environment variables: a benchmark's figures depend
// on its command line alone. A malformed or out-of-range value, or an
// unknown flag, stops the benchmark before it starts, naming the flag.
#ifndef CXONE_BENCH_BENCH_FLAGS_H_
#define CXONE_BENCH_BENCH_FLAGS_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/flag_parser.h"

namespace cxone::bench {

// Parses argv into the flags registered on `flags` (made with an empty
// environment prefix). On --help prints the usage and exits 0; on a mistake
// prints it as "PROGRAM: error" and exits 2.
inline void ParseFlagsOrExit(FlagParser& flags, int argc, char** argv,
                             const char* program) {
  const absl::Status parsed = flags.Parse(ArgsOf(argc, argv), ProcessEnv());
  if (!parsed.ok()) {
    std::fprintf(stderr, "%s: %s\n", program,
                 std::string(parsed.message()).c_str());
    std::exit(2);
  }
  if (flags.help_requested()) {
    std::fputs(flags.Usage().c_str(), stdout);
    std::exit(0);
  }
}

}  // namespace cxone::bench

#endif  // CXONE_BENCH_BENCH_FLAGS_H_
