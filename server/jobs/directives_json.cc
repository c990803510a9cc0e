#include "server/jobs/directives_json.h"

#include <cmath>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/stubs/common.h"

namespace cxone {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

// Keys longer than this are cut in error messages.
constexpr size_t kMaxKeyInPath = 40;

bool IsIdentifier(absl::string_view key) {
  if (key.empty() || absl::ascii_isdigit(key[0])) return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(c) && c != '_' && c != '-') return false;
  }
  return true;
}

bool IsUtf8(absl::string_view text) {
  return google::protobuf::internal::IsStructurallyValidUTF8(text.data(),
                                                             text.size());
}

absl::Status Refuse(const std::string& path, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", why));
}

absl::StatusOr<nlohmann::json> ToJson(const Value& value, std::string& path,
                                      int depth);

absl::StatusOr<nlohmann::json> ToJson(const Struct& object, std::string& path,
                                      int depth) {
  if (depth > kMaxDirectivesDepth) {
    return Refuse(path, absl::StrCat("nested deeper than ", kMaxDirectivesDepth,
                                     " levels of objects and arrays"));
  }
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : object.fields()) {
    const size_t length = path.size();
    AppendJsonPathKey(&path, key);
    if (!IsUtf8(key)) return Refuse(path, "the key is not valid UTF-8");
    absl::StatusOr<nlohmann::json> converted = ToJson(value, path, depth);
    if (!converted.ok()) return converted.status();
    path.resize(length);
    out[key] = *std::move(converted);
  }
  return out;
}

absl::StatusOr<nlohmann::json> ToJson(const ListValue& list, std::string& path,
                                      int depth) {
  if (depth > kMaxDirectivesDepth) {
    return Refuse(path, absl::StrCat("nested deeper than ", kMaxDirectivesDepth,
                                     " levels of objects and arrays"));
  }
  nlohmann::json out = nlohmann::json::array();
  for (int i = 0; i < list.values_size(); ++i) {
    const size_t length = path.size();
    absl::StrAppend(&path, "[", i, "]");
    absl::StatusOr<nlohmann::json> converted =
        ToJson(list.values(i), path, depth);
    if (!converted.ok()) return converted.status();
    path.resize(length);
    out.push_back(*std::move(converted));
  }
  return out;
}

absl::StatusOr<nlohmann::json> Number(double number, const std::string& path) {
  if (std::isnan(number)) {
    return Refuse(path, "NaN cannot be sent: JSON has no such number");
  }
  if (std::isinf(number)) {
    return Refuse(path, "Infinity cannot be sent: JSON has no such number");
  }
  if (std::fabs(number) > kMaxExactInteger) {
    return Refuse(
        path, absl::StrCat(
                  "the number ", nlohmann::json(number).dump(),
                  " is beyond ±(2^53 - 1): a Struct number is a double and "
                  "cannot carry such integers exactly; pass it as a string"));
  }
  // Whole numbers as integers, as the client most likely wrote them.
  if (number == std::trunc(number)) {
    return nlohmann::json(static_cast<int64_t>(number));
  }
  return nlohmann::json(number);
}

absl::StatusOr<nlohmann::json> ToJson(const Value& value, std::string& path,
                                      int depth) {
  switch (value.kind_case()) {
    case Value::kNullValue:
      return nlohmann::json(nullptr);
    case Value::kNumberValue:
      return Number(value.number_value(), path);
    case Value::kStringValue:
      if (!IsUtf8(value.string_value())) {
        return Refuse(path, "the string is not valid UTF-8");
      }
      return nlohmann::json(value.string_value());
    case Value::kBoolValue:
      return nlohmann::json(value.bool_value());
    case Value::kStructValue:
      return ToJson(value.struct_value(), path, depth + 1);
    case Value::kListValue:
      return ToJson(value.list_value(), path, depth + 1);
    case Value::KIND_NOT_SET:
      break;
  }
  return Refuse(path,
                "the value has no kind set, which JSON cannot carry (set "
                "null_value for null)");
}

}  // namespace

void AppendJsonPathKey(std::string* path, absl::string_view key) {
  if (IsIdentifier(key) && key.size() <= kMaxKeyInPath) {
    absl::StrAppend(path, ".", key);
    return;
  }
  const bool cut = key.size() > kMaxKeyInPath;
  if (cut) key = key.substr(0, kMaxKeyInPath);
  // Invalid UTF-8 (or a key cut inside a character) is shown as U+FFFD.
  std::string quoted = nlohmann::json(std::string(key))
                           .dump(-1, ' ', /*ensure_ascii=*/true,
                                 nlohmann::json::error_handler_t::replace);
  if (cut) quoted.insert(quoted.size() - 1, "...");
  absl::StrAppend(path, "[", quoted, "]");
}

absl::StatusOr<nlohmann::json> DirectivesJson(
    const compilev1::StartCompileRequest& request) {
  if (!request.has_directives()) return nlohmann::json();
  std::string path = "directives";
  absl::StatusOr<nlohmann::json> json = ToJson(request.directives(), path, 1);
  if (!json.ok()) return json;
  if (const size_t bytes = json->dump().size(); bytes > kMaxDirectivesBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("directives: ", bytes, " bytes as JSON; at most ",
                     kMaxDirectivesBytes, " are allowed"));
  }
  return json;
}

}  // namespace cxone
