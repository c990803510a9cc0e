// FlagParser: a program's settings, read with CLI11 from the command line,
// the environment and, where the program accepts one, a config file.
//
// Each setting is a flag, `--name VALUE` or `--name=VALUE`, of the program
// or of one of its commands. Commands are CLI11 subcommands
// (`cxone-compile webhooks replay --compile NAME`): a command's flags follow
// its word, while the program's own flags (global ones such as --server) may
// come before or after any command word.
//
// Where a value comes from, strongest first:
//   1. the command line;
//   2. the environment: flag `--poll-interval` under prefix "CXONE_" is
//      $CXONE_POLL_INTERVAL, and a flag starting with the prefix's word is
//      not prefixed twice (`--cxone-base-url` reads $CXONE_BASE_URL). Only
//      the variables of the program's flags and of the command given are
//      read, so a variable meant for one command never breaks another;
//   3. the file of `--config FILE` (see AddConfigFile()): CLI11's TOML/INI
//      format, one `key = value` a line, the keys the program's flag names
//      (`poll-interval = "250ms"`; `poll_interval` reads the same);
//   4. the default: the target's value when its flag was added.
// CLI11 2.1 on its own applies a config file before the environment
// (App::_process_config_file runs before App::_process_env, which fills only
// options still empty), so there a file would beat the environment. So
// CLI11 parses the command line (and the file's syntax), and Parse() then
// applies the environment and the file itself, each only to flags still
// unset, through CLI11's own checks and conversions.
//
// Every number, duration, address and choice is checked (flag_checks.h). An
// error names where the value came from and the problem:
//   --workers: 0 is out of range: expected 1 to 64
//   $CXONE_WORKERS (--workers): 0 is out of range: expected 1 to 64
//   config file "/etc/cxone.toml", key workers: 0 is out of range: …
// A flag takes the last of several values given, except one added with
// AddStrings(), which takes them all.
// A flag marked secret is never echoed: Usage() hides its default,
// EffectiveConfig() shows "[REDACTED]", errors replace its value.
//
// Not thread-safe: configure and parse in main before threads start. The
// targets passed to Add*() must outlive the FlagParser.
#ifndef CXONE_COMMON_FLAG_PARSER_H_
#define CXONE_COMMON_FLAG_PARSER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/env_lookup.h"
#include "common/flag_checks.h"
#include "nlohmann/json.hpp"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace cxone {

class FlagParser;

// Where a flag's value came from, weakest first: a stronger source wins, so
// sources compare by strength.
enum class FlagSource { kDefault, kConfigFile, kEnvironment, kCommandLine };

// The flags of one command, or of the program itself (FlagParser is its
// root command). Each Add*() registers `--name`; the target holds the
// default on entry and the value after FlagParser::Parse(). Numbers and
// durations come with the range they accept (REQUIRES: min <= max); a
// default may lie outside it as a "not given" marker (e.g. -1).
class FlagCommand {
 public:
  FlagCommand(const FlagCommand&) = delete;
  FlagCommand& operator=(const FlagCommand&) = delete;
  virtual ~FlagCommand();

  void AddString(std::string name, std::string* target, std::string help);
  // A flag that may be given more than once (`--label a=b --label c=d`):
  // `target` holds every value given, in order (what it held is the
  // default, replaced by any value given). From the environment (or a
  // config file) its value is a comma-separated list
  // (`CXONE_LABEL=a=b,c=d`; empty items are left out, so an empty variable
  // leaves the default), so the values themselves cannot hold commas.
  void AddStrings(std::string name, std::vector<std::string>* target,
                  std::string help);
  // A string that must be one of `choices`.
  void AddChoice(std::string name, std::string* target,
                 std::vector<std::string> choices, std::string help);
  void AddDuration(std::string name, absl::Duration* target,
                   DurationRange range, std::string help);
  void AddInt(std::string name, int64_t* target, IntRange range,
              std::string help);
  void AddDouble(std::string name, double* target, DoubleRange range,
                 std::string help);
  // A HOST:PORT address whose port `use` allows.
  void AddAddress(std::string name, std::string* target, PortUse use,
                  std::string help);
  // `--name` alone means true; `--name=false`; values true/false, 1/0, …
  void AddBool(std::string name, bool* target, std::string help);
  // Marks flag `name` of this command as secret: never echoed.
  void MarkSecret(const std::string& name);

  // A positional argument (FLOW_ID), in the order added; optional: the
  // caller checks whether it was given. Not read from the environment.
  void AddArgument(std::string name, std::string* target);
  // Every remaining positional argument (FLOW_ID...), in order; none is
  // allowed. After any AddArgument() of the same command.
  void AddArguments(std::string name, std::vector<std::string>* target);

  // A command under this one, run as `... WORD [its flags]`. Its --help
  // prints `usage_header` and the flags, or, when the header is empty, the
  // usage of the nearest command above with one.
  FlagCommand& AddCommand(std::string word, std::string usage_header);

  // The command words from the program down to this one ("webhooks
  // replay"); "" for the program.
  const std::string& path() const { return path_; }

 protected:
  FlagCommand(FlagParser* parser, FlagCommand* parent, std::string path,
              std::string usage_header);

 private:
  friend class FlagParser;

  FlagParser* const parser_;
  FlagCommand* const parent_;
  const std::string path_;
  const std::string usage_header_;
  CLI::App* app_ = nullptr;             // owned by the root's CLI::App
  std::vector<FlagCommand*> commands_;  // owned by parser_
};

class FlagParser : public FlagCommand {
 public:
  // `env_prefix` "" reads no environment variable. `usage_header` opens
  // Usage().
  FlagParser(std::string env_prefix, std::string usage_header);
  ~FlagParser() override;

  // Adds `--config FILE` (and its variable): the settings file of source 3
  // above. Its keys are the program's flags (not a command's); a key it
  // does not know, a value out of range, an unreadable file or a section is
  // an error naming the file and the key.
  void AddConfigFile(std::string help);
  // A key the config file may hold that is no flag: a secret that must
  // not show in process listings (the server's client-secret). Never
  // echoed. REQUIRES: AddConfigFile() was called.
  void AddConfigFileSecret(std::string key, std::string* target,
                           std::string help);

  // Parses `args` (without the program name), then the environment through
  // `env`, then the config file. `--help`/`-h` sets help_requested() and
  // assigns nothing from the environment or file. Errors are
  // InvalidArgument: an unknown flag, command or argument, a missing or
  // malformed value, a value out of range, a bad config file. Call once.
  absl::Status Parse(const std::vector<std::string>& args,
                     const EnvLookup& env);

  bool help_requested() const { return help_requested_; }

  // The words of the command given, e.g. {"webhooks", "replay"}; empty when
  // none was given.
  std::vector<std::string> command() const;

  // What --help prints: the usage of the command --help was given to (else
  // the program's): its header, its flags with variable, default, range and
  // help, its commands' flags, and the global flags above it.
  std::string Usage() const;

  // Name → value of each of the program's flags, secrets redacted.
  nlohmann::json EffectiveConfig() const;

  // Where the value of the program's flag `name` came from.
  FlagSource SourceOf(const std::string& name) const;

  // The environment variable that sets flag `name`; "" without a prefix.
  std::string EnvName(const std::string& name) const;

  // The config file read; "" when none was given.
  std::string config_file() const;

 private:
  friend class FlagCommand;
  struct Flag;
  struct FileSecret;

  // Registers the option `option` of `command` (its range shown as
  // `range_text`) and returns its record.
  Flag& Register(FlagCommand& command, CLI::Option* option, std::string name,
                 std::string help, std::string default_text,
                 std::string range_text, std::function<std::string()> value);
  Flag* Find(const FlagCommand& command, const std::string& name);
  const Flag* Find(const FlagCommand& command, const std::string& name) const;
  // Whether some command has a flag `name` that is not a bool.
  bool TakesAValue(const std::string& name) const;
  // `text` (an error about `args`) with the values `args` gives secret
  // flags replaced by [REDACTED].
  std::string RedactSecretArgs(std::string text,
                               const std::vector<std::string>& args) const;
  // `args` with each command's own flags that came before its word moved
  // to just after it, where CLI11 looks for them: a pipeline may write
  // `--limit 5 webhooks dead-letters`. Flags of commands not given stay
  // where they are (and are refused, naming their command).
  std::vector<std::string> CommandFlagsAfterTheirWords(
      const std::vector<std::string>& args) const;
  // The commands given, the program first.
  std::vector<const FlagCommand*> GivenChain() const;
  // Assigns `value` from the environment or the file to `flag`; errors
  // start with `where`.
  absl::Status Assign(Flag& flag, const std::string& value,
                      const std::string& where);
  absl::Status ExplainExtra(const std::string& extra) const;
  absl::Status ApplyConfigFile(const std::string& path);
  std::string UsageOf(const FlagCommand& command) const;
  void AppendFlags(const std::string& heading, const FlagCommand& command,
                   std::string* text) const;

  const std::string env_prefix_;
  std::unique_ptr<CLI::App> root_app_;
  std::vector<std::unique_ptr<FlagCommand>> owned_commands_;
  std::vector<std::unique_ptr<Flag>> flags_;
  std::vector<FileSecret> file_secrets_;
  std::string config_file_;
  bool has_config_file_ = false;
  bool help_requested_ = false;
  const FlagCommand* help_command_ = nullptr;
};

// Converts argv to the vector Parse() takes (dropping argv[0]).
std::vector<std::string> ArgsOf(int argc, char** argv);

}  // namespace cxone

#endif  // CXONE_COMMON_FLAG_PARSER_H_
