#include "common/flag_checks.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace cxone {
namespace {

std::string OutOfRange(const std::string& what, const std::string& range) {
  return absl::StrCat(what, " is out of range: expected ", range);
}

std::string Expected(const std::string& want, const std::string& got) {
  return absl::StrCat("expected ", want, ", got \"", got, "\"");
}

}  // namespace

std::string RangeText(const IntRange& range) {
  if (range.max == std::numeric_limits<int64_t>::max()) {
    return absl::StrCat("at least ", range.min);
  }
  return absl::StrCat(range.min, " to ", range.max);
}

std::string RangeText(const DoubleRange& range) {
  return absl::StrCat(range.min, " to ", range.max);
}

std::string RangeText(const DurationRange& range) {
  if (range.max == absl::InfiniteDuration()) {
    return absl::StrCat("at least ", absl::FormatDuration(range.min));
  }
  return absl::StrCat(absl::FormatDuration(range.min), " to ",
                      absl::FormatDuration(range.max));
}

std::string RangeText(PortUse use) {
  return use == PortUse::kListen ? "port 0 to 65535" : "port 1 to 65535";
}

std::string ChoicesText(const std::vector<std::string>& choices) {
  if (choices.size() <= 1) return absl::StrJoin(choices, "");
  return absl::StrCat(absl::StrJoin(choices.begin(), choices.end() - 1, ", "),
                      " or ", choices.back());
}

CLI::Validator DurationIn(DurationRange range) {
  const std::string range_text = RangeText(range);
  return CLI::Validator(
      [range, range_text](std::string& value) -> std::string {
        absl::Duration parsed;
        if (!absl::ParseDuration(value, &parsed)) {
          return Expected(absl::StrCat("a duration such as 500ms, 30s or 5m (",
                                       range_text, ")"),
                          value);
        }
        if (parsed < range.min || parsed > range.max) {
          return OutOfRange(value, range_text);
        }
        value = absl::FormatDuration(parsed);
        return "";
      },
      range_text, "duration");
}

CLI::Validator IntegerIn(IntRange range) {
  const std::string range_text = RangeText(range);
  return CLI::Validator(
      [range, range_text](std::string& value) -> std::string {
        int64_t parsed;
        if (!absl::SimpleAtoi(value, &parsed)) {
          return Expected(absl::StrCat("an integer (", range_text, ")"), value);
        }
        if (parsed < range.min || parsed > range.max) {
          return OutOfRange(value, range_text);
        }
        value = absl::StrCat(parsed);
        return "";
      },
      range_text, "integer");
}

CLI::Validator NumberIn(DoubleRange range) {
  const std::string range_text = RangeText(range);
  return CLI::Validator(
      [range, range_text](std::string& value) -> std::string {
        double parsed;
        if (!absl::SimpleAtod(value, &parsed) || !std::isfinite(parsed)) {
          return Expected(absl::StrCat("a number (", range_text, ")"), value);
        }
        if (parsed < range.min || parsed > range.max) {
          return OutOfRange(value, range_text);
        }
        // Every digit a double holds, so that CLI11 reads back this value.
        value = absl::StrFormat("%.17g", parsed);
        return "";
      },
      range_text, "number");
}

CLI::Validator HostPort(PortUse use) {
  return CLI::Validator(
      [use](std::string& value) -> std::string {
        // The port follows the last colon; an IPv6 host is bracketed, so
        // its own colons come before it.
        const size_t colon = value.rfind(':');
        const bool has_host = colon != std::string::npos && colon > 0;
        const std::string port_text =
            colon == std::string::npos ? "" : value.substr(colon + 1);
        if (!has_host || port_text.empty() ||
            !std::all_of(port_text.begin(), port_text.end(),
                         absl::ascii_isdigit)) {
          return Expected("HOST:PORT", value);
        }
        int64_t port;
        // Digits only, so a failure means more digits than int64_t holds.
        if (!absl::SimpleAtoi(port_text, &port) || port > 65535 ||
            (port == 0 && use == PortUse::kConnect)) {
          return OutOfRange(absl::StrCat("port ", port_text), RangeText(use));
        }
        return "";
      },
      "HOST:PORT", "host_port");
}

CLI::Validator TrueOrFalse() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        bool parsed;
        if (!absl::SimpleAtob(value, &parsed)) {
          return Expected("true or false", value);
        }
        value = parsed ? "true" : "false";
        return "";
      },
      "true or false", "bool");
}

CLI::Validator OneOf(std::vector<std::string> choices) {
  const std::string text = ChoicesText(choices);
  return CLI::Validator(
      [choices = std::move(choices), text](std::string& value) -> std::string {
        if (std::find(choices.begin(), choices.end(), value) == choices.end()) {
          return Expected(text, value);
        }
        return "";
      },
      text, "one_of");
}

}  // namespace cxone
