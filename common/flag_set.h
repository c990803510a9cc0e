// FlagSet: a program's settings, each a `--name=value` flag that may also be
// given through an environment variable.
//
// Precedence: command line, then environment, then the default. The variable
// of flag `--poll-interval` under prefix "CXONE_" is CXONE_POLL_INTERVAL; a
// flag whose name already starts with the prefix's word is not prefixed twice
// (`--cxone-base-url` reads CXONE_BASE_URL).
//
// Usage() lists every flag with its variable, default and help, which is what
// `--help` prints. EffectiveConfig() gives every value for the start-up log,
// with values of flags marked secret replaced by "[REDACTED]".
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
#include "nlohmann/json.hpp"

namespace cxone {

// Looks up an environment variable; std::nullopt when unset. Injected so that
// tests do not touch the process environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The process environment.
EnvLookup ProcessEnv();

class FlagSet {
 public:
  FlagSet(std::string env_prefix, std::string usage_header);
  FlagSet(const FlagSet&) = delete;
  FlagSet& operator=(const FlagSet&) = delete;

  // Each Add*() registers `--name`; the target holds the default on entry and
  // the parsed value after Parse().
  void AddString(std::string name, std::string* target, std::string help);
  void AddDuration(std::string name, absl::Duration* target, std::string help);
  void AddInt(std::string name, int64_t* target, std::string help);
  void AddDouble(std::string name, double* target, std::string help);
  // A bool flag: `--name`, `--name=true|false`; env values true/false/1/0.
  void AddBool(std::string name, bool* target, std::string help);
  // Marks flag `name` as secret: its value is never echoed (usage, config
  // dump, error messages). Production secrets never come as flag values;
  // this is for the simulator's own test credential.
  void MarkSecret(const std::string& name);

  // Parses `args` (without the program name). Returns the positional
  // arguments in order. `--` ends flag parsing. Errors (unknown flag, missing
  // or malformed value) are InvalidArgument naming the flag or variable.
  // `--help`/`-h` sets help_requested() and stops parsing.
  absl::StatusOr<std::vector<std::string>> Parse(
      const std::vector<std::string>& args, const EnvLookup& env);

  bool help_requested() const { return help_requested_; }

  // The text `--help` prints.
  std::string Usage() const;

  // Name → value of every flag, secrets redacted.
  nlohmann::json EffectiveConfig() const;

  // The environment variable that sets flag `name`.
  std::string EnvName(const std::string& name) const;

 private:
  enum class Kind { kString, kDuration, kInt, kDouble, kBool };
  struct Flag {
    std::string name;
    Kind kind;
    void* target;
    std::string help;
    std::string default_text;
    bool secret = false;
  };

  Flag* Find(const std::string& name);
  absl::Status Assign(Flag& flag, const std::string& value,
                      const std::string& source);
  std::string ValueText(const Flag& flag) const;

  std::string env_prefix_;
  std::string usage_header_;
  std::vector<Flag> flags_;
  bool help_requested_ = false;
};

// Converts argv to the vector Parse() takes (dropping argv[0]).
std::vector<std::string> ArgsOf(int argc, char** argv);

}  // namespace cxone

#endif  // CXONE_COMMON_FLAG_SET_H_
