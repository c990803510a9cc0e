#include "common/flag_set.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"

namespace cxone {

FlagSet::FlagSet(std::string env_prefix, std::string usage_header)
    : env_prefix_(std::move(env_prefix)),
      usage_header_(std::move(usage_header)) {}

FlagSet::Flag& FlagSet::Add(std::string name, Kind kind, void* target,
                            std::string help, std::string default_text) {
  Flag flag;
  flag.name = std::move(name);
  flag.kind = kind;
  flag.target = target;
  flag.help = std::move(help);
  flag.default_text = std::move(default_text);
  flags_.push_back(std::move(flag));
  return flags_.back();
}

void FlagSet::AddString(std::string name, std::string* target,
                        std::string help) {
  Add(std::move(name), Kind::kString, target, std::move(help), *target);
}

void FlagSet::AddDuration(std::string name, absl::Duration* target,
                          DurationRange range, std::string help) {
  Add(std::move(name), Kind::kDuration, target, std::move(help),
      absl::FormatDuration(*target))
      .duration_range = range;
}

void FlagSet::AddInt(std::string name, int64_t* target, IntRange range,
                     std::string help) {
  Add(std::move(name), Kind::kInt, target, std::move(help),
      absl::StrCat(*target))
      .int_range = range;
}

void FlagSet::AddDouble(std::string name, double* target, DoubleRange range,
                        std::string help) {
  Add(std::move(name), Kind::kDouble, target, std::move(help),
      absl::StrCat(*target))
      .double_range = range;
}

void FlagSet::AddBool(std::string name, bool* target, std::string help) {
  Add(std::move(name), Kind::kBool, target, std::move(help),
      *target ? "true" : "false");
}

void FlagSet::AddAddress(std::string name, std::string* target, PortUse use,
                         std::string help) {
  Add(std::move(name), Kind::kAddress, target, std::move(help), *target)
      .port_use = use;
}

void FlagSet::MarkSecret(const std::string& name) {
  if (Flag* flag = Find(name)) flag->secret = true;
}

FlagSet::Flag* FlagSet::Find(const std::string& name) {
  return const_cast<Flag*>(std::as_const(*this).Find(name));
}

const FlagSet::Flag* FlagSet::Find(const std::string& name) const {
  for (const Flag& flag : flags_) {
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

std::string FlagSet::RangeText(const Flag& flag) {
  switch (flag.kind) {
    case Kind::kInt:
      if (flag.int_range.max == std::numeric_limits<int64_t>::max()) {
        return absl::StrCat("at least ", flag.int_range.min);
      }
      return absl::StrCat(flag.int_range.min, " to ", flag.int_range.max);
    case Kind::kDouble:
      return absl::StrCat(flag.double_range.min, " to ", flag.double_range.max);
    case Kind::kDuration:
      if (flag.duration_range.max == absl::InfiniteDuration()) {
        return absl::StrCat("at least ",
                            absl::FormatDuration(flag.duration_range.min));
      }
      return absl::StrCat(absl::FormatDuration(flag.duration_range.min), " to ",
                          absl::FormatDuration(flag.duration_range.max));
    case Kind::kAddress:
      return flag.port_use == PortUse::kListen ? "port 0 to 65535"
                                               : "port 1 to 65535";
    case Kind::kString:
    case Kind::kBool:
      return "";
  }
  return "";
}

absl::Status FlagSet::Assign(Flag& flag, const std::string& value,
                             const std::string& source) {
  const std::string shown = flag.secret ? "[REDACTED]" : value;
  auto bad = [&](absl::string_view want) {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": expected ", want, ", got \"", shown, "\""));
  };
  auto out_of_range = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, ": ", what, " is out of range: expected ", RangeText(flag)));
  };
  switch (flag.kind) {
    case Kind::kString:
      *static_cast<std::string*>(flag.target) = value;
      return absl::OkStatus();
    case Kind::kDuration: {
      absl::Duration parsed;
      if (!absl::ParseDuration(value, &parsed)) {
        return bad(absl::StrCat("a duration such as 500ms, 30s or 5m (",
                                RangeText(flag), ")"));
      }
      if (parsed < flag.duration_range.min ||
          parsed > flag.duration_range.max) {
        return out_of_range(shown);
      }
      *static_cast<absl::Duration*>(flag.target) = parsed;
      return absl::OkStatus();
    }
    case Kind::kInt: {
      int64_t parsed;
      if (!absl::SimpleAtoi(value, &parsed)) {
        return bad(absl::StrCat("an integer (", RangeText(flag), ")"));
      }
      if (parsed < flag.int_range.min || parsed > flag.int_range.max) {
        return out_of_range(shown);
      }
      *static_cast<int64_t*>(flag.target) = parsed;
      return absl::OkStatus();
    }
    case Kind::kDouble: {
      double parsed;
      if (!absl::SimpleAtod(value, &parsed) || !std::isfinite(parsed)) {
        return bad(absl::StrCat("a number (", RangeText(flag), ")"));
      }
      if (parsed < flag.double_range.min || parsed > flag.double_range.max) {
        return out_of_range(shown);
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
    case Kind::kAddress: {
      // The port follows the last colon; an IPv6 host is bracketed, so its
      // own colons come before it.
      const size_t colon = value.rfind(':');
      const absl::string_view host =
          colon == std::string::npos
              ? absl::string_view()
              : absl::string_view(value).substr(0, colon);
      const std::string port_text =
          colon == std::string::npos ? "" : value.substr(colon + 1);
      if (host.empty() || port_text.empty() ||
          !std::all_of(port_text.begin(), port_text.end(),
                       absl::ascii_isdigit)) {
        return bad("HOST:PORT");
      }
      int64_t port;
      // Digits only, so a failure means more digits than int64_t holds.
      if (!absl::SimpleAtoi(port_text, &port) || port > 65535 ||
          (port == 0 && flag.port_use == PortUse::kConnect)) {
        return out_of_range(absl::StrCat("port ", port_text));
      }
      *static_cast<std::string*>(flag.target) = value;
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
      absl::Status status =
          Assign(flag, *value, absl::StrCat("$", var, " (--", flag.name, ")"));
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

std::vector<size_t> FlagSet::PositionalIndices(
    const std::vector<std::string>& args) const {
  std::vector<size_t> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      for (size_t rest = i + 1; rest < args.size(); ++rest) {
        positional.push_back(rest);
      }
      break;
    }
    if (!absl::StartsWith(arg, "--")) {
      // "-h" is --help; any other single-dash word is an argument, as in
      // Parse().
      if (arg != "-h") positional.push_back(i);
      continue;
    }
    if (arg.find('=') != std::string::npos) continue;
    const Flag* flag = Find(arg.substr(2));
    if (flag != nullptr && flag->kind != Kind::kBool) ++i;  // its value
  }
  return positional;
}

std::string FlagSet::ValueText(const Flag& flag) const {
  if (flag.secret) return "[REDACTED]";
  switch (flag.kind) {
    case Kind::kString:
    case Kind::kAddress:
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
    std::vector<std::string> notes;
    if (!flag.default_text.empty() && !flag.secret) {
      notes.push_back(absl::StrCat("default: ", flag.default_text));
    }
    if (std::string range = RangeText(flag); !range.empty()) {
      notes.push_back(std::move(range));
    }
    if (!notes.empty()) {
      absl::StrAppend(&text, "  (", absl::StrJoin(notes, "; "), ")");
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
