// FlagSet: a program's settings, each a `--name=value` flag that may also be
// given through an environment variable.
//
// Precedence: command line, then environment, then the default. The variable
// of flag `--poll-interval` under prefix "CXONE_" is CXONE_POLL_INTERVAL; a
// flag whose name already starts with the prefix's word is not prefixed twice
// (`--cxone-base-url` reads CXONE_BASE_URL).
//
// Every numeric flag is declared with the range it accepts (both ends
// included), and every address flag checks its port: a value outside is an
// error naming the flag, the value and the range, never a value that wraps or
// a zero interval that busy-loops. The range bounds what is given (command
// line or environment); a default may lie outside it as a "not given" marker
// (e.g. -1 for an optional sequence number).
//
// Usage() lists every flag with its variable, default, range and help, which
// is what `--help` prints. EffectiveConfig() gives every value for the start-up
// log, with values of flags marked secret replaced by "[REDACTED]".
//
// Not thread-safe: configure and parse in main before any thread starts. The
// targets passed to Add*() must outlive the FlagSet.
#ifndef CXONE_COMMON_FLAG_SET_H_
#define CXONE_COMMON_FLAG_SET_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/env_lookup.h"
#include "common/flag_checks.h"
#include "common/flag_parser.h"
#include "nlohmann/json.hpp"

namespace cxone {

class FlagSet {
 public:
  FlagSet(std::string env_prefix, std::string usage_header);
  FlagSet(const FlagSet&) = delete;
  FlagSet& operator=(const FlagSet&) = delete;

  // Each Add*() registers `--name`; the target holds the default on entry and
  // the parsed value after Parse(). Numbers and durations come with the
  // range they accept; REQUIRES: range.min <= range.max.
  void AddString(std::string name, std::string* target, std::string help);
  void AddDuration(std::string name, absl::Duration* target,
                   DurationRange range, std::string help);
  void AddInt(std::string name, int64_t* target, IntRange range,
              std::string help);
  void AddDouble(std::string name, double* target, DoubleRange range,
                 std::string help);
  // A HOST:PORT address (IPv6 hosts in brackets, "[::1]:50051"): the host
  // must not be empty and the port must be a number that `use` allows.
  void AddAddress(std::string name, std::string* target, PortUse use,
                  std::string help);
  // A bool flag: `--name`, `--name=true|false`; env values true/false/1/0.
  void AddBool(std::string name, bool* target, std::string help);
  // Marks flag `name` as secret: its value is never echoed (usage, config
  // dump, error messages). Production secrets never come as flag values;
  // this is for the simulator's own test credential.
  void MarkSecret(const std::string& name);

  // Parses `args` (without the program name). Returns the positional
  // arguments in order. `--` ends flag parsing. Errors (unknown flag, missing
  // or malformed value, a value out of range) are InvalidArgument naming the
  // flag (and the variable, for a value from the environment).
  // `--help`/`-h` sets help_requested() and stops parsing.
  absl::StatusOr<std::vector<std::string>> Parse(
      const std::vector<std::string>& args, const EnvLookup& env);

  bool help_requested() const { return help_requested_; }

  // The indices in `args` of the arguments that Parse() would return as
  // positional, found without assigning or checking any value: how a
  // program with commands finds its command word among the flags before it
  // knows which command's flags apply (`--server ADDR health`). Register
  // the flags of every command first; a name registered twice counts once.
  // `--help` takes no value here; a flag not registered is taken to carry
  // its value after "=" (its command's Parse() will refuse it anyway).
  std::vector<size_t> PositionalIndices(
      const std::vector<std::string>& args) const;

  // The text `--help` prints.
  std::string Usage() const;

  // Name → value of every flag, secrets redacted.
  nlohmann::json EffectiveConfig() const;

  // The environment variable that sets flag `name`.
  std::string EnvName(const std::string& name) const;

 private:
  enum class Kind { kString, kDuration, kInt, kDouble, kBool, kAddress };
  struct Flag {
    std::string name;
    Kind kind;
    void* target;
    std::string help;
    std::string default_text;
    bool secret = false;
    // The range of kInt, kDouble and kDuration (the member of its kind);
    // the port use of kAddress.
    IntRange int_range = {0, 0};
    DoubleRange double_range = {0, 0};
    DurationRange duration_range = {absl::ZeroDuration(), absl::ZeroDuration()};
    PortUse port_use = PortUse::kListen;
  };

  // The accepted values of `flag` as Usage() and errors show them ("" for a
  // string or bool flag).
  static std::string RangeText(const Flag& flag);

  // Registers a flag of `kind` writing to `target`; returns it so that the
  // caller sets its range.
  Flag& Add(std::string name, Kind kind, void* target, std::string help,
            std::string default_text);
  Flag* Find(const std::string& name);
  const Flag* Find(const std::string& name) const;
  absl::Status Assign(Flag& flag, const std::string& value,
                      const std::string& source);
  std::string ValueText(const Flag& flag) const;

  std::string env_prefix_;
  std::string usage_header_;
  std::vector<Flag> flags_;
  bool help_requested_ = false;
};

}  // namespace cxone

#endif  // CXONE_COMMON_FLAG_SET_H_
