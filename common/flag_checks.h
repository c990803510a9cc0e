// Flag checks: the CLI11 validators that every program here puts on its
// numbers, durations, addresses and choices, so that a value a setting does
// not accept is refused with the same words everywhere:
//
//   1ns is out of range: expected 10ms to 1h
//   expected a duration such as 500ms, 30s or 5m (10ms to 1h), got "soon"
//   port 99999 is out of range: expected port 0 to 65535
//
// CLI11 puts the flag in front ("--poll-interval: 1ns is out of range: …");
// FlagParser (flag_parser.h) puts the environment variable or the config
// file's key there instead when the value came from one of them.
//
// Each validator is a CLI11 transform: it checks the text before CLI11
// converts it and rewrites it to the canonical form CLI11's conversion
// reads ("+5 " becomes "5"), so a value that passed the check always
// converts. Ranges include both ends. Durations use Abseil's syntax
// (absl::ParseDuration: "250ms", "30s", "1h30m").
//
// Stateless values; thread-safe.
#ifndef CXONE_COMMON_FLAG_CHECKS_H_
#define CXONE_COMMON_FLAG_CHECKS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "CLI/Error.hpp"
#include "CLI/Validators.hpp"
#include "absl/time/time.h"

namespace cxone {

// The values a numeric flag accepts, `min` and `max` included. Unbounded
// above: std::numeric_limits<int64_t>::max() (or absl::InfiniteDuration()),
// which RangeText() shows as "at least MIN".
struct IntRange {
  int64_t min;
  int64_t max;
};
struct DoubleRange {
  double min;
  double max;
};
struct DurationRange {
  absl::Duration min;
  absl::Duration max;
};

// What the port of a HOST:PORT flag may be.
enum class PortUse {
  kListen,   // 0 to 65535; 0 picks a free port
  kConnect,  // 1 to 65535
};

// The accepted values as help and errors show them: "1 to 64",
// "at least 1", "10ms to 1h", "port 0 to 65535".
std::string RangeText(const IntRange& range);
std::string RangeText(const DoubleRange& range);
std::string RangeText(const DurationRange& range);
std::string RangeText(PortUse use);

// An absl duration within `range`; rewrites the text to
// absl::FormatDuration's form. The one check of every duration flag.
CLI::Validator DurationIn(DurationRange range);

// An integer (int64) within `range`.
CLI::Validator IntegerIn(IntRange range);

// A finite number within `range`.
CLI::Validator NumberIn(DoubleRange range);

// HOST:PORT (an IPv6 host in brackets, "[::1]:50051"): the host not empty,
// the port digits that `use` allows. Never wraps: 65536 is refused, not 0.
CLI::Validator HostPort(PortUse use);

// true or false (also t/f, yes/no, y/n, 1/0); rewrites to "true"/"false".
CLI::Validator TrueOrFalse();

// One of `choices`, spelt exactly.
CLI::Validator OneOf(std::vector<std::string> choices);

// "a, b or c", as help and errors list choices.
std::string ChoicesText(const std::vector<std::string>& choices);

}  // namespace cxone

#endif  // CXONE_COMMON_FLAG_CHECKS_H_
