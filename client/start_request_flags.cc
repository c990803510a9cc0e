#include "client/start_request_flags.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/labels.h"
#include "google/protobuf/util/json_util.h"

namespace cxone::client {

// Struct's JSON parser is the one the gateway's peers use, but the top-level
// check is ours: only an object makes sense as the `directives` object CXone
// expects.
absl::Status ParseDirectives(const std::string& json,
                             google::protobuf::Struct* directives) {
  absl::string_view trimmed = absl::StripLeadingAsciiWhitespace(json);
  if (trimmed.empty() || trimmed.front() != '{') {
    return absl::InvalidArgumentError(
        "--directives: expected a JSON object such as {\"debug\": true}");
  }
  auto status = google::protobuf::util::JsonStringToMessage(json, directives);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--directives: not a valid JSON object: ",
                     status.message().ToString()));
  }
  return absl::OkStatus();
}

absl::Status ParseLabels(
    const std::vector<std::string>& given,
    google::protobuf::Map<std::string, std::string>* labels) {
  Labels parsed;
  for (const std::string& label : given) {
    const size_t equals = label.find('=');
    if (equals == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--label \"", label,
          "\": expected KEY=VALUE, e.g. pipeline=checkout (VALUE may be "
          "empty: KEY=)"));
    }
    const std::string key = label.substr(0, equals);
    const std::string value = label.substr(equals + 1);
    for (absl::Status valid :
         {ValidateLabelKeySyntax(key), ValidateLabelValueSyntax(value)}) {
      if (!valid.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--label \"", label, "\": ", valid.message()));
      }
    }
    auto [it, inserted] = parsed.emplace(key, value);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat("--label ", key, " is given twice (", key, "=",
                       it->second, " and ", label, "); a key has one value"));
    }
  }
  // The limits on the set (how many, how many bytes).
  if (absl::Status valid = ValidateLabels(parsed); !valid.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--label: ", valid.message()));
  }
  labels->insert(parsed.begin(), parsed.end());
  return absl::OkStatus();
}

}  // namespace cxone::client
