#include "common/flag_parser.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <utility>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace cxone {

struct FlagParser::Flag {
  const FlagCommand* command;
  CLI::Option* option;
  std::string name;
  std::string help;
  std::string default_text;
  std::string range_text;  // "" for a plain string or bool
  std::function<std::string()> value;
  bool is_bool = false;
  // AddStrings(): given more than once, and a comma-separated list from the
  // environment or the file.
  bool is_list = false;
  bool secret = false;
  FlagSource source = FlagSource::kDefault;
};

struct FlagParser::FileSecret {
  std::string key;
  std::string* target;
  std::string help;
};

namespace {

constexpr char kRedacted[] = "[REDACTED]";

// What every command shares: global flags reach the program from below any
// command word (fallthrough); unknown words are kept (allow_extras) so that
// Parse() can say what they are; at most one command at each level; a flag
// given twice takes its last value, as a later layer of a shell script
// overrides an earlier one.
void Configure(CLI::App& app) {
  app.fallthrough();
  app.allow_extras();
  app.require_subcommand(0, 1);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

// CLI11's message, except for a missing value, which it words as "--listen:
// 1 required TEXT missing".
std::string CliErrorText(const CLI::ParseError& error) {
  std::string text = error.what();
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr &&
      absl::StrContains(text, " required ")) {
    const size_t colon = text.find(": ");
    if (colon != std::string::npos) {
      return absl::StrCat(text.substr(0, colon), " needs a value");
    }
  }
  return text;
}

// The first word of a config file's key, as errors show it: a line without
// '=' is read whole as a key, and the rest of it may be a secret.
std::string KeyWordOf(absl::string_view key) {
  size_t end = 0;
  while (end < key.size() && end < 64 &&
         (absl::ascii_isalnum(static_cast<unsigned char>(key[end])) ||
          key[end] == '-' || key[end] == '_')) {
    ++end;
  }
  return std::string(key.substr(0, end));
}

// The flag name in an unknown argument: "--lisen=x" → "lisen".
std::string FlagNameOf(absl::string_view arg) {
  while (absl::ConsumePrefix(&arg, "-")) {
  }
  return std::string(arg.substr(0, arg.find('=')));
}

}  // namespace

FlagCommand::FlagCommand(FlagParser* parser, FlagCommand* parent,
                         std::string path, std::string usage_header)
    : parser_(parser),
      parent_(parent),
      path_(std::move(path)),
      usage_header_(std::move(usage_header)) {}

FlagCommand::~FlagCommand() = default;

void FlagCommand::AddString(std::string name, std::string* target,
                            std::string help) {
  CLI::Option* option = app_->add_option(absl::StrCat("--", name), *target);
  parser_->Register(*this, option, std::move(name), std::move(help), *target,
                    "", [target] { return *target; });
}

void FlagCommand::AddStrings(std::string name, std::vector<std::string>* target,
                             std::string help) {
  // One value per occurrence (a vector option would also take the words
  // after it, the command's arguments among them), and all of them kept,
  // unlike the other flags' last-one-wins.
  CLI::Option* option =
      app_->add_option(absl::StrCat("--", name), *target)
          ->expected(1)
          ->allow_extra_args(false)
          ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  parser_
      ->Register(*this, option, std::move(name), std::move(help),
                 absl::StrJoin(*target, ","), "repeatable",
                 [target] { return absl::StrJoin(*target, ","); })
      .is_list = true;
}

void FlagCommand::AddChoice(std::string name, std::string* target,
                            std::vector<std::string> choices,
                            std::string help) {
  const std::string choices_text = ChoicesText(choices);
  CLI::Option* option = app_->add_option(absl::StrCat("--", name), *target)
                            ->check(OneOf(std::move(choices)));
  parser_->Register(*this, option, std::move(name), std::move(help), *target,
                    choices_text, [target] { return *target; });
}

void FlagCommand::AddDuration(std::string name, absl::Duration* target,
                              DurationRange range, std::string help) {
  // DurationIn() has checked the text and written it canonically, so it
  // parses.
  CLI::Option* option = app_->add_option_function<std::string>(
                                absl::StrCat("--", name),
                                [target](const std::string& text) {
                                  (void)absl::ParseDuration(text, target);
                                })
                            ->transform(DurationIn(range));
  parser_->Register(*this, option, std::move(name), std::move(help),
                    absl::FormatDuration(*target), RangeText(range),
                    [target] { return absl::FormatDuration(*target); });
}

void FlagCommand::AddInt(std::string name, int64_t* target, IntRange range,
                         std::string help) {
  CLI::Option* option = app_->add_option(absl::StrCat("--", name), *target)
                            ->transform(IntegerIn(range));
  parser_->Register(*this, option, std::move(name), std::move(help),
                    absl::StrCat(*target), RangeText(range),
                    [target] { return absl::StrCat(*target); });
}

void FlagCommand::AddDouble(std::string name, double* target, DoubleRange range,
                            std::string help) {
  CLI::Option* option = app_->add_option(absl::StrCat("--", name), *target)
                            ->transform(NumberIn(range));
  parser_->Register(*this, option, std::move(name), std::move(help),
                    absl::StrCat(*target), RangeText(range),
                    [target] { return absl::StrCat(*target); });
}

void FlagCommand::AddAddress(std::string name, std::string* target, PortUse use,
                             std::string help) {
  CLI::Option* option =
      app_->add_option(absl::StrCat("--", name), *target)->check(HostPort(use));
  parser_->Register(*this, option, std::move(name), std::move(help), *target,
                    RangeText(use), [target] { return *target; });
}

void FlagCommand::AddBool(std::string name, bool* target, std::string help) {
  CLI::Option* option = app_->add_flag(absl::StrCat("--", name), *target)
                            ->transform(TrueOrFalse());
  parser_
      ->Register(*this, option, std::move(name), std::move(help),
                 *target ? "true" : "false", "",
                 [target] { return std::string(*target ? "true" : "false"); })
      .is_bool = true;
}

void FlagCommand::MarkSecret(const std::string& name) {
  if (FlagParser::Flag* flag = parser_->Find(*this, name)) flag->secret = true;
}

void FlagCommand::AddArgument(std::string name, std::string* target) {
  app_->add_option(std::move(name), *target);
}

void FlagCommand::AddArguments(std::string name,
                               std::vector<std::string>* target) {
  app_->add_option(std::move(name), *target)
      ->expected(0, CLI::detail::expected_max_vector_size)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

FlagCommand& FlagCommand::AddCommand(std::string word,
                                     std::string usage_header) {
  std::string path = path_.empty() ? word : absl::StrCat(path_, " ", word);
  std::unique_ptr<FlagCommand> command(
      new FlagCommand(parser_, this, std::move(path), std::move(usage_header)));
  command->app_ = app_->add_subcommand(std::move(word));
  Configure(*command->app_);
  commands_.push_back(command.get());
  parser_->owned_commands_.push_back(std::move(command));
  return *commands_.back();
}

FlagParser::FlagParser(std::string env_prefix, std::string usage_header)
    : FlagCommand(this, nullptr, "", std::move(usage_header)),
      env_prefix_(std::move(env_prefix)),
      root_app_(std::make_unique<CLI::App>()) {
  app_ = root_app_.get();
  Configure(*app_);
}

FlagParser::~FlagParser() = default;

FlagParser::Flag& FlagParser::Register(FlagCommand& command,
                                       CLI::Option* option, std::string name,
                                       std::string help,
                                       std::string default_text,
                                       std::string range_text,
                                       std::function<std::string()> value) {
  auto flag = std::make_unique<Flag>();
  flag->command = &command;
  flag->option = option;
  flag->name = std::move(name);
  flag->help = std::move(help);
  flag->default_text = std::move(default_text);
  flag->range_text = std::move(range_text);
  flag->value = std::move(value);
  flags_.push_back(std::move(flag));
  return *flags_.back();
}

FlagParser::Flag* FlagParser::Find(const FlagCommand& command,
                                   const std::string& name) {
  return const_cast<Flag*>(std::as_const(*this).Find(command, name));
}

const FlagParser::Flag* FlagParser::Find(const FlagCommand& command,
                                         const std::string& name) const {
  for (const std::unique_ptr<Flag>& flag : flags_) {
    if (flag->command == &command && flag->name == name) return flag.get();
  }
  return nullptr;
}

void FlagParser::AddConfigFile(std::string help) {
  has_config_file_ = true;
  AddString("config", &config_file_, std::move(help));
}

void FlagParser::AddConfigFileSecret(std::string key, std::string* target,
                                     std::string help) {
  file_secrets_.push_back({std::move(key), target, std::move(help)});
}

std::string FlagParser::EnvName(const std::string& name) const {
  if (env_prefix_.empty()) return "";
  std::string upper =
      absl::AsciiStrToUpper(absl::StrReplaceAll(name, {{"-", "_"}}));
  if (absl::StartsWith(upper, env_prefix_)) return upper;
  // "CXONE_" + "CXONE_BASE_URL" would repeat the word: drop the prefix's
  // word when the flag already starts with it.
  std::string word = env_prefix_;
  if (!word.empty() && word.back() == '_') word.pop_back();
  if (absl::StartsWith(upper, absl::StrCat(word, "_"))) return upper;
  return absl::StrCat(env_prefix_, upper);
}

bool FlagParser::TakesAValue(const std::string& name) const {
  for (const std::unique_ptr<Flag>& flag : flags_) {
    if (flag->name == name && !flag->is_bool) return true;
  }
  return false;
}

std::string FlagParser::RedactSecretArgs(
    std::string text, const std::vector<std::string>& args) const {
  auto is_secret = [this](absl::string_view name) {
    for (const std::unique_ptr<Flag>& flag : flags_) {
      if (flag->secret && flag->name == name) return true;
    }
    return false;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view arg = args[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "--")) continue;
    const size_t equals = arg.find('=');
    std::string value;
    if (equals != absl::string_view::npos) {
      if (!is_secret(arg.substr(0, equals))) continue;
      value = std::string(arg.substr(equals + 1));
    } else {
      if (!is_secret(arg) || i + 1 == args.size()) continue;
      value = args[++i];
    }
    if (!value.empty()) text = absl::StrReplaceAll(text, {{value, kRedacted}});
  }
  return text;
}

std::vector<std::string> FlagParser::CommandFlagsAfterTheirWords(
    const std::vector<std::string>& args) const {
  // A flag ahead of its command's word, with its value when it takes one.
  struct Waiting {
    std::string name;
    std::vector<std::string> tokens;
  };
  std::vector<const FlagCommand*> chain = {this};
  auto owned_by_chain = [&chain](const Flag& flag) {
    return std::find(chain.begin(), chain.end(), flag.command) != chain.end();
  };
  std::vector<Waiting> waiting;
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      out.insert(out.end(), args.begin() + i, args.end());
      break;
    }
    const bool is_flag =
        arg.size() > 1 && arg[0] == '-' &&
        !absl::ascii_isdigit(static_cast<unsigned char>(arg[1]));
    if (is_flag) {
      const std::string name = FlagNameOf(arg);
      bool known_here = false;
      bool of_another_command = false;
      for (const std::unique_ptr<Flag>& flag : flags_) {
        if (flag->name != name) continue;
        if (owned_by_chain(*flag)) {
          known_here = true;
        } else {
          of_another_command = true;
        }
      }
      const bool takes_value = TakesAValue(name) &&
                               arg.find('=') == std::string::npos &&
                               i + 1 < args.size();
      if (known_here || !of_another_command) {
        out.push_back(arg);
        if (takes_value) out.push_back(args[++i]);
        continue;
      }
      Waiting held{name, {arg}};
      if (takes_value) held.tokens.push_back(args[++i]);
      waiting.push_back(std::move(held));
      continue;
    }
    out.push_back(arg);
    const FlagCommand* entered = nullptr;
    for (const FlagCommand* command : chain.back()->commands_) {
      if (command->app_->get_name() == arg) entered = command;
    }
    if (entered == nullptr) continue;
    chain.push_back(entered);
    for (auto it = waiting.begin(); it != waiting.end();) {
      if (Find(*entered, it->name) == nullptr) {
        ++it;
        continue;
      }
      out.insert(out.end(), it->tokens.begin(), it->tokens.end());
      it = waiting.erase(it);
    }
  }
  // Flags of commands never given: where CLI11 will refuse them.
  for (const Waiting& held : waiting) {
    out.insert(out.end(), held.tokens.begin(), held.tokens.end());
  }
  return out;
}

std::vector<const FlagCommand*> FlagParser::GivenChain() const {
  std::vector<const FlagCommand*> chain = {this};
  for (;;) {
    const FlagCommand* next = nullptr;
    for (const FlagCommand* command : chain.back()->commands_) {
      if (command->app_->parsed()) next = command;
    }
    if (next == nullptr) return chain;
    chain.push_back(next);
  }
}

std::vector<std::string> FlagParser::command() const {
  std::vector<std::string> words;
  for (const FlagCommand* command : GivenChain()) {
    if (command != this) words.push_back(command->app_->get_name());
  }
  return words;
}

absl::Status FlagParser::Parse(const std::vector<std::string>& args,
                               const EnvLookup& env) {
  // CLI11 takes the arguments last first. It reads `--name=` as `--name`
  // and so takes the next argument, even `--json`, as the value: give it
  // the empty value it says instead.
  std::vector<std::string> reversed;
  bool options_ended = false;
  for (const std::string& arg : CommandFlagsAfterTheirWords(args)) {
    options_ended = options_ended || arg == "--";
    if (!options_ended && absl::StartsWith(arg, "--") &&
        absl::EndsWith(arg, "=") && TakesAValue(FlagNameOf(arg))) {
      reversed.push_back(arg.substr(0, arg.size() - 1));
      reversed.push_back("");
    } else {
      reversed.push_back(arg);
    }
  }
  std::reverse(reversed.begin(), reversed.end());
  try {
    app_->parse(reversed);
  } catch (const CLI::CallForHelp&) {
    help_requested_ = true;
    help_command_ = GivenChain().back();
    return absl::OkStatus();
  } catch (const CLI::ParseError& error) {
    // A validator may quote the value it refused, a secret's too.
    return absl::InvalidArgumentError(
        RedactSecretArgs(CliErrorText(error), args));
  }
  if (std::vector<std::string> extras = app_->remaining(true);
      !extras.empty()) {
    absl::Status extra = ExplainExtra(extras.front());
    return absl::Status(extra.code(),
                        RedactSecretArgs(std::string(extra.message()), args));
  }
  for (const std::unique_ptr<Flag>& flag : flags_) {
    if (flag->option->count() > 0) flag->source = FlagSource::kCommandLine;
  }
  const std::vector<const FlagCommand*> given = GivenChain();
  if (!env_prefix_.empty()) {
    for (const std::unique_ptr<Flag>& flag : flags_) {
      if (flag->source != FlagSource::kDefault ||
          std::find(given.begin(), given.end(), flag->command) == given.end()) {
        continue;
      }
      const std::string var = EnvName(flag->name);
      if (std::optional<std::string> value = env(var); value.has_value()) {
        if (absl::Status assigned = Assign(
                *flag, *value, absl::StrCat("$", var, " (--", flag->name, ")"));
            !assigned.ok()) {
          return assigned;
        }
        flag->source = FlagSource::kEnvironment;
      }
    }
  }
  if (has_config_file_ && !config_file_.empty()) {
    return ApplyConfigFile(config_file_);
  }
  return absl::OkStatus();
}

absl::Status FlagParser::Assign(Flag& flag, const std::string& value,
                                const std::string& where) {
  std::string problem;
  if (flag.is_bool && value.empty()) {
    // CLI11 leaves an empty flag value unchecked.
    problem = "expected true or false, got \"\"";
  } else {
    try {
      if (!flag.is_list) {
        flag.option->add_result(value);
      } else {
        std::vector<std::string> items =
            absl::StrSplit(value, ',', absl::SkipEmpty());
        if (items.empty()) return absl::OkStatus();
        for (std::string& item : items) {
          flag.option->add_result(std::move(item));
        }
      }
      flag.option->run_callback();
      return absl::OkStatus();
    } catch (const CLI::Error& error) {
      problem = error.what();
      // CLI11 names the flag first; `where` names it already.
      absl::string_view rest = problem;
      if (absl::ConsumePrefix(&rest,
                              absl::StrCat(flag.option->get_name(), ": "))) {
        problem = std::string(rest);
      }
    }
  }
  if (flag.secret && !value.empty()) {
    problem = absl::StrReplaceAll(problem, {{value, kRedacted}});
  }
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", problem));
}

absl::Status FlagParser::ExplainExtra(const std::string& extra) const {
  const bool is_flag =
      extra.size() > 1 && extra[0] == '-' &&
      !absl::ascii_isdigit(static_cast<unsigned char>(extra[1]));
  if (is_flag) {
    const std::string name = FlagNameOf(extra);
    const FlagCommand* given = GivenChain().back();
    std::vector<std::string> owners;
    bool given_owns_it = false;
    for (const std::unique_ptr<Flag>& flag : flags_) {
      if (flag->name == name && flag->command != this) {
        owners.push_back(flag->command->path());
        given_owns_it = given_owns_it || flag->command == given;
      }
    }
    if (!owners.empty() && (given == this || given_owns_it)) {
      // No command given (a command given has its flags moved after its
      // word by CommandFlagsAfterTheirWords).
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " is a flag of ", ChoicesText(owners),
                       ": give that command too (see --help)"));
    }
    if (!owners.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", name, " is a flag of ", ChoicesText(owners),
                       ", not of ", given->path(), " (see --help)"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("unknown flag --", name, " (see --help)"));
  }
  const FlagCommand* deepest = GivenChain().back();
  if (!deepest->commands_.empty()) {
    std::vector<std::string> words;
    for (const FlagCommand* command : deepest->commands_) {
      words.push_back(command->app_->get_name());
    }
    return absl::InvalidArgumentError(absl::StrCat(
        deepest->path().empty() ? "" : absl::StrCat(deepest->path(), ": "),
        "unknown command \"", extra, "\"; expected ", ChoicesText(words)));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unexpected argument \"", extra, "\" (see --help)"));
}

absl::Status FlagParser::ApplyConfigFile(const std::string& path) {
  const std::string file = absl::StrCat("config file \"", path, "\"");
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--config: cannot read ", file, ": ",
                     error ? error.message() : "not a readable file"));
  }
  std::vector<CLI::ConfigItem> items;
  try {
    items = CLI::ConfigTOML().from_file(path);
  } catch (const CLI::Error& parse_error) {
    return absl::InvalidArgumentError(
        absl::StrCat("--config: cannot read ", file, ": ", parse_error.what()));
  }
  std::set<std::string> seen;
  for (const CLI::ConfigItem& item : items) {
    if (!item.parents.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          file, ": section [", KeyWordOf(item.parents.front()),
          "]: the file has no sections; put every key at the top"));
    }
    // Keys are flag names; the start-up log spells them with '_'.
    const std::string key = absl::StrReplaceAll(item.name, {{"_", "-"}});
    // A line without '=' is read whole as a key, and it may hold a secret
    // ("client-secret s3cr3t"): errors name only the key's first word.
    const std::string where =
        absl::StrCat(file, ", key ", KeyWordOf(item.name));
    if (!seen.insert(key).second) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": given twice"));
    }
    if (item.inputs.size() > 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": expected one value; quote a value with spaces or commas"));
    }
    const std::string value = item.inputs.empty() ? "" : item.inputs.front();
    // CLI11's reader ends a value at '#' even inside quotes, leaving the
    // opening quote: the value would be cut short without a word.
    if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      return absl::InvalidArgumentError(absl::StrCat(
          where,
          ": the quoted value has no closing quote on its line (a '#' "
          "starts a comment, even inside quotes)"));
    }
    bool is_secret = false;
    for (const FileSecret& secret : file_secrets_) {
      if (secret.key == key) {
        *secret.target = value;
        is_secret = true;
      }
    }
    if (is_secret) continue;
    Flag* flag = Find(*this, key);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(where,
                       ": unknown key (the keys are the flags of "
                       "--help, without the dashes)"));
    }
    if (key == "config") {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": a config file cannot name another"));
    }
    // The command line and the environment win over the file.
    if (flag->source != FlagSource::kDefault) continue;
    if (absl::Status assigned = Assign(*flag, value, where); !assigned.ok()) {
      return assigned;
    }
    flag->source = FlagSource::kConfigFile;
  }
  return absl::OkStatus();
}

std::string FlagParser::Usage() const {
  return UsageOf(help_command_ != nullptr ? *help_command_ : *this);
}

void FlagParser::AppendFlags(const std::string& heading,
                             const FlagCommand& command,
                             std::string* text) const {
  bool any = false;
  for (const std::unique_ptr<Flag>& flag : flags_) {
    if (flag->command != &command) continue;
    if (!any) absl::StrAppend(text, "\n", heading, ":\n");
    any = true;
    absl::StrAppend(text, "  --", flag->name);
    if (!env_prefix_.empty()) {
      absl::StrAppend(text, "  [$", EnvName(flag->name), "]");
    }
    std::vector<std::string> notes;
    if (!flag->default_text.empty() && !flag->secret) {
      notes.push_back(absl::StrCat("default: ", flag->default_text));
    }
    if (!flag->range_text.empty()) notes.push_back(flag->range_text);
    if (!notes.empty()) {
      absl::StrAppend(text, "  (", absl::StrJoin(notes, "; "), ")");
    }
    absl::StrAppend(text, "\n      ", flag->help, "\n");
  }
}

std::string FlagParser::UsageOf(const FlagCommand& command) const {
  const FlagCommand* shown = &command;
  while (shown->usage_header_.empty() && shown->parent_ != nullptr) {
    shown = shown->parent_;
  }
  std::string text = shown->usage_header_;
  if (!text.empty() && text.back() != '\n') text += '\n';
  const std::string own =
      shown == this ? "Flags" : absl::StrCat("Flags of ", shown->path());
  AppendFlags(env_prefix_.empty()
                  ? own
                  : absl::StrCat(own,
                                 " (each also read from the environment "
                                 "variable shown)"),
              *shown, &text);
  // The flags of the commands below, each after its word.
  std::vector<const FlagCommand*> below(shown->commands_.begin(),
                                        shown->commands_.end());
  for (size_t i = 0; i < below.size(); ++i) {
    AppendFlags(
        absl::StrCat("Flags of ", below[i]->path(), " (after its word)"),
        *below[i], &text);
    below.insert(below.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                 below[i]->commands_.begin(), below[i]->commands_.end());
  }
  for (const FlagCommand* above = shown->parent_; above != nullptr;
       above = above->parent_) {
    AppendFlags("Global flags (before or after the command word)", *above,
                &text);
  }
  if (shown == this && !file_secrets_.empty()) {
    absl::StrAppend(&text, "\nIn the --config file only (never echoed):\n");
    for (const FileSecret& secret : file_secrets_) {
      absl::StrAppend(&text, "  ", secret.key, "\n      ", secret.help, "\n");
    }
  }
  return text;
}

nlohmann::json FlagParser::EffectiveConfig() const {
  nlohmann::json config = nlohmann::json::object();
  for (const std::unique_ptr<Flag>& flag : flags_) {
    if (flag->command != this) continue;
    config[flag->name] = flag->secret ? kRedacted : flag->value();
  }
  return config;
}

FlagSource FlagParser::SourceOf(const std::string& name) const {
  const Flag* flag = Find(*this, name);
  return flag == nullptr ? FlagSource::kDefault : flag->source;
}

std::string FlagParser::config_file() const { return config_file_; }

std::vector<std::string> ArgsOf(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return args;
}

}  // namespace cxone
