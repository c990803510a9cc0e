#include "common/flag_set.h"

#include <cmath>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace cxone {

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

std::vector<std::string> ArgsOf(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return args;
}

FlagSet::FlagSet(std::string env_prefix, std::string usage_header)
    : env_prefix_(std::move(env_prefix)),
      usage_header_(std::move(usage_header)) {}

void FlagSet::AddString(std::string name, std::string* target,
                        std::string help) {
  flags_.push_back(
      {std::move(name), Kind::kString, target, std::move(help), *target});
}

void FlagSet::AddDuration(std::string name, absl::Duration* target,
                          std::string help) {
  flags_.push_back({std::move(name), Kind::kDuration, target, std::move(help),
                    absl::FormatDuration(*target)});
}

void FlagSet::AddInt(std::string name, int64_t* target, std::string help) {
  flags_.push_back({std::move(name), Kind::kInt, target, std::move(help),
                    absl::StrCat(*target)});
}

void FlagSet::AddDouble(std::string name, double* target, std::string help) {
  flags_.push_back({std::move(name), Kind::kDouble, target, std::move(help),
                    absl::StrCat(*target)});
}

void FlagSet::AddBool(std::string name, bool* target, std::string help) {
  flags_.push_back({std::move(name), Kind::kBool, target, std::move(help),
                    *target ? "true" : "false"});
}

void FlagSet::MarkSecret(const std::string& name) {
  if (Flag* flag = Find(name)) flag->secret = true;
}

FlagSet::Flag* FlagSet::Find(const std::string& name) {
  for (Flag& flag : flags_) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

std::string FlagSet::EnvName(const std::string& name) const {
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

absl::Status FlagSet::Assign(Flag& flag, const std::string& value,
                             const std::string& source) {
  auto bad = [&](absl::string_view want) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": expected ", want, ", got \"",
                     flag.secret ? "[REDACTED]" : value, "\""));
  };
  switch (flag.kind) {
    case Kind::kString:
      *static_cast<std::string*>(flag.target) = value;
      return absl::OkStatus();
    case Kind::kDuration: {
      absl::Duration parsed;
      if (!absl::ParseDuration(value, &parsed) ||
          parsed < absl::ZeroDuration()) {
        return bad("a non-negative duration such as 500ms, 30s or 5m");
      }
      *static_cast<absl::Duration*>(flag.target) = parsed;
      return absl::OkStatus();
    }
    case Kind::kInt: {
      int64_t parsed;
      if (!absl::SimpleAtoi(value, &parsed)) return bad("an integer");
      *static_cast<int64_t*>(flag.target) = parsed;
      return absl::OkStatus();
    }
    case Kind::kDouble: {
      double parsed;
      if (!absl::SimpleAtod(value, &parsed) || !std::isfinite(parsed)) {
        return bad("a number");
      }
      *static_cast<double*>(flag.target) = parsed;
      return absl::OkStatus();
    }
    case Kind::kBool: {
      bool parsed;
      if (!absl::SimpleAtob(value, &parsed)) return bad("true or false");
      *static_cast<bool*>(flag.target) = parsed;
      return absl::OkStatus();
    }
  }
  return absl::InternalError("unknown flag kind");
}

absl::StatusOr<std::vector<std::string>> FlagSet::Parse(
    const std::vector<std::string>& args, const EnvLookup& env) {
  // Environment first, so that the command line overrides it.
  for (Flag& flag : flags_) {
    const std::string var = EnvName(flag.name);
    if (std::optional<std::string> value = env(var); value.has_value()) {
      absl::Status status = Assign(flag, *value, absl::StrCat("$", var));
      if (!status.ok()) return status;
    }
  }
  std::vector<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      positional.insert(positional.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      return positional;
    }
    if (!absl::StartsWith(arg, "--")) {
      positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    Flag* flag = Find(name);
    if (flag == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, " (see --help)"));
    }
    if (!value.has_value()) {
      if (flag->kind == Kind::kBool) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args[++i];
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat("flag --", name, " needs a value"));
      }
    }
    absl::Status status = Assign(*flag, *value, absl::StrCat("--", name));
    if (!status.ok()) return status;
  }
  return positional;
}

std::string FlagSet::ValueText(const Flag& flag) const {
  if (flag.secret) return "[REDACTED]";
  switch (flag.kind) {
    case Kind::kString:
      return *static_cast<const std::string*>(flag.target);
    case Kind::kDuration:
      return absl::FormatDuration(
          *static_cast<const absl::Duration*>(flag.target));
    case Kind::kInt:
      return absl::StrCat(*static_cast<const int64_t*>(flag.target));
    case Kind::kDouble:
      return absl::StrCat(*static_cast<const double*>(flag.target));
    case Kind::kBool:
      return *static_cast<const bool*>(flag.target) ? "true" : "false";
  }
  return "";
}

std::string FlagSet::Usage() const {
  std::string text = usage_header_;
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += "\nFlags (each also read from the environment variable shown):\n";
  for (const Flag& flag : flags_) {
    absl::StrAppend(&text, "  --", flag.name, "  [$", EnvName(flag.name), "]");
    if (!flag.default_text.empty() && !flag.secret) {
      absl::StrAppend(&text, "  (default: ", flag.default_text, ")");
    }
    absl::StrAppend(&text, "\n      ", flag.help, "\n");
  }
  return text;
}

nlohmann::json FlagSet::EffectiveConfig() const {
  nlohmann::json config = nlohmann::json::object();
  for (const Flag& flag : flags_) config[flag.name] = ValueText(flag);
  return config;
}

}  // namespace cxone
