#include "common/labels.h"

#include <optional>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/quoted.h"

namespace cxone {
namespace {

// How a key is put together, said in every message about its shape.
constexpr absl::string_view kKeyShape =
    "a key is a name, optionally after a prefix and one '/' "
    "(\"example.com/name\")";

// The rule for a prefix in brief; the fault said after it names the part of
// the rule a prefix breaks.
constexpr absl::string_view kPrefixRule =
    "a prefix must be a lowercase DNS subdomain (a-z, 0-9, '-', '.')";

// The character rule a name and a value share.
constexpr absl::string_view kNameCharacters =
    "characters of A-Z, a-z, 0-9, '-', '_' and '.', starting and ending with "
    "a letter or digit";

bool IsAlnum(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c));
}

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// `text`'s byte at `offset`, quoted, as the subject of "… is not allowed".
std::string ByteAt(absl::string_view text, size_t offset) {
  return absl::StrCat(Quoted(text.substr(offset, 1)), " at byte ", offset,
                      " is not allowed");
}

// RFC 1123's bound on each dot-separated label of a host name.
constexpr size_t kMaxPrefixPartLength = 63;

// What is wrong with a non-empty name or value (they share a rule), or
// nullopt if nothing is. Characters are checked before the length so that a
// length in bytes is also one in characters.
std::optional<std::string> NameFault(absl::string_view text,
                                     size_t max_length) {
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') {
      return ByteAt(text, i);
    }
  }
  if (text.size() > max_length) {
    return absl::StrCat("it is ", text.size(), " characters long, and at most ",
                        max_length, " are allowed");
  }
  if (!IsAlnum(text.front())) {
    return absl::StrCat("it starts with ", Quoted(text.substr(0, 1)));
  }
  if (!IsAlnum(text.back())) {
    return absl::StrCat("it ends with ", Quoted(text.substr(text.size() - 1)));
  }
  return std::nullopt;
}

// What is wrong with a non-empty prefix, or nullopt if nothing is.
std::optional<std::string> PrefixFault(absl::string_view prefix) {
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = prefix[i];
    if (!IsLowerAlnum(c) && c != '-' && c != '.') return ByteAt(prefix, i);
  }
  if (prefix.size() > kMaxLabelPrefixLength) {
    return absl::StrCat("it is ", prefix.size(),
                        " characters long, and at most ", kMaxLabelPrefixLength,
                        " are allowed");
  }
  for (absl::string_view part : absl::StrSplit(prefix, '.')) {
    if (part.empty()) {
      return std::string(
          "it has an empty part (a leading, trailing or doubled '.')");
    }
    // Kubernetes' own check bounds only the whole prefix; RFC 1123, which
    // it cites, bounds each part too, and so does this.
    if (part.size() > kMaxPrefixPartLength) {
      return absl::StrCat("its part ", Quoted(part), " is ", part.size(),
                          " characters long, and a part is at most ",
                          kMaxPrefixPartLength);
    }
    // Only '-' is left to be at an edge: every other byte was checked above.
    if (!IsLowerAlnum(part.front()) || !IsLowerAlnum(part.back())) {
      return absl::StrCat(
          "its part ", Quoted(part), " ",
          IsLowerAlnum(part.front()) ? "ends" : "starts", " with '-', and ",
          "each part must start and end with a letter or digit");
    }
  }
  return std::nullopt;
}

}  // namespace

absl::Status ValidateLabelKeySyntax(absl::string_view key) {
  if (key.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("key \"\" is empty: ", kKeyShape));
  }
  std::vector<absl::string_view> parts = absl::StrSplit(key, '/');
  if (parts.size() > 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key ", Quoted(key), " has more than one '/': ", kKeyShape));
  }
  absl::string_view name = parts.back();
  if (parts.size() == 2) {
    absl::string_view prefix = parts.front();
    if (prefix.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "key ", Quoted(key),
          " has an empty prefix before '/': drop the '/' or put a DNS "
          "subdomain such as \"example.com\" before it"));
    }
    if (std::optional<std::string> fault = PrefixFault(prefix)) {
      return absl::InvalidArgumentError(
          absl::StrCat("key ", Quoted(key), " has an invalid prefix ",
                       Quoted(prefix), ": ", kPrefixRule, "; ", *fault));
    }
  }
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("key ", Quoted(key),
                     " has an empty name after the '/': a name must be 1 to ",
                     kMaxLabelNameLength, " ", kNameCharacters));
  }
  if (std::optional<std::string> fault = NameFault(name, kMaxLabelNameLength)) {
    // Without a prefix the key is the name; quoting it twice would be noise.
    std::string subject =
        parts.size() == 2 ? absl::StrCat("key ", Quoted(key),
                                         " has an invalid name ", Quoted(name))
                          : absl::StrCat("key ", Quoted(key), " is invalid");
    return absl::InvalidArgumentError(
        absl::StrCat(subject, ": a name must be 1 to ", kMaxLabelNameLength,
                     " ", kNameCharacters, "; ", *fault));
  }
  return absl::OkStatus();
}

absl::Status ValidateLabelValueSyntax(absl::string_view value) {
  if (value.empty()) return absl::OkStatus();
  if (std::optional<std::string> fault =
          NameFault(value, kMaxLabelValueLength)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "value ", Quoted(value), " is invalid: a value must be empty or 1 to ",
        kMaxLabelValueLength, " ", kNameCharacters, "; ", *fault));
  }
  return absl::OkStatus();
}

absl::Status ValidateLabelKey(absl::string_view key) {
  absl::Status status = ValidateLabelKeySyntax(key);
  if (status.ok()) return status;
  return absl::InvalidArgumentError(absl::StrCat("labels: ", status.message()));
}

absl::Status ValidateLabelValue(absl::string_view key,
                                absl::string_view value) {
  absl::Status status = ValidateLabelValueSyntax(value);
  if (status.ok()) return status;
  return absl::InvalidArgumentError(
      absl::StrCat("labels[", Quoted(key), "]: ", status.message()));
}

absl::Status ValidateLabels(const Labels& labels) {
  // The limits first: they bound the work the per-label checks do.
  if (labels.size() > kMaxLabels) {
    return absl::InvalidArgumentError(
        absl::StrCat("labels: ", labels.size(), " labels given; at most ",
                     kMaxLabels, " are allowed per compile"));
  }
  size_t total_bytes = 0;
  for (const auto& [key, value] : labels) {
    total_bytes += key.size() + value.size();
  }
  if (total_bytes > kMaxLabelBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "labels: keys and values total ", total_bytes, " bytes; at most ",
        kMaxLabelBytes, " are allowed per compile"));
  }
  for (const auto& [key, value] : labels) {
    if (absl::Status status = ValidateLabelKey(key); !status.ok()) {
      return status;
    }
    if (absl::Status status = ValidateLabelValue(key, value); !status.ok()) {
      return status;
    }
  }
  return absl::OkStatus();
}

}  // namespace cxone
