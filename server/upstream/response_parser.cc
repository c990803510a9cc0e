#include "server/upstream/response_parser.h"

#include <limits>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/resource_name.h"
#include "nlohmann/json.hpp"

namespace cxone::upstream {
namespace {

using nlohmann::json;

constexpr size_t kQuotedBodyLimit = 120;

// A printable, bounded excerpt of untrusted text for an error message. The
// text is redacted whole before it is cut: cut first, a secret straddling
// the cut would leave its start behind, no longer matching.
std::string Excerpt(absl::string_view untrusted, const Redactor& redactor) {
  const std::string text = redactor.Scrub(untrusted);
  std::string shown;
  for (char c : absl::string_view(text).substr(0, kQuotedBodyLimit)) {
    shown.push_back(absl::ascii_isprint(static_cast<unsigned char>(c)) ? c
                                                                       : '?');
  }
  if (text.size() > kQuotedBodyLimit) shown += "...";
  return shown;
}

// Parses `body` as a JSON object. Errors quote an excerpt of the body,
// redacted by `quote_with`; with nullptr they never quote it.
absl::StatusOr<json> ParseObject(absl::string_view body, absl::string_view what,
                                 const Redactor* quote_with) {
  auto quoted = [&] {
    return quote_with == nullptr
               ? std::string()
               : absl::StrCat(": \"", Excerpt(body, *quote_with), "\"");
  };
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return absl::UnavailableError(
        absl::StrCat("CXone ", what, " response is not JSON", quoted()));
  }
  if (!document.is_object()) {
    return absl::UnavailableError(absl::StrCat(
        "CXone ", what, " response is JSON but not an object", quoted()));
  }
  return document;
}

absl::Status WrongShape(absl::string_view what, absl::string_view detail) {
  return absl::UnavailableError(
      absl::StrCat("CXone ", what, " response has the wrong shape: ", detail));
}

// Reads an optional non-negative integer location field; anything else
// (negative, fractional, string) counts as "no location".
int LocationField(const json& location, const char* key) {
  auto it = location.find(key);
  if (it == location.end() || !it->is_number_integer()) return 0;
  int64_t value = it->get<int64_t>();
  if (value <= 0 || value > std::numeric_limits<int>::max()) return 0;
  return static_cast<int>(value);
}

absl::StatusOr<Diagnostic> ParseDiagnostic(const json& item,
                                           absl::string_view field,
                                           size_t index, bool allow_string,
                                           const Redactor& redactor) {
  if (allow_string && item.is_string()) {
    return Diagnostic{"", redactor.Scrub(item.get<std::string>()), 0, 0};
  }
  if (!item.is_object()) {
    return WrongShape("status",
                      absl::StrCat(field, "[", index, "] is not an object"));
  }
  Diagnostic diagnostic;
  if (auto code = item.find("code"); code != item.end()) {
    if (!code->is_string()) {
      return WrongShape(
          "status", absl::StrCat(field, "[", index, "].code is not a string"));
    }
    diagnostic.code = redactor.Scrub(code->get<std::string>());
  }
  if (auto message = item.find("message");
      message != item.end() && message->is_string()) {
    diagnostic.message = redactor.Scrub(message->get<std::string>());
  }
  if (auto location = item.find("location");
      location != item.end() && location->is_object()) {
    diagnostic.line = LocationField(*location, "line");
    // A column without a line locates nothing.
    diagnostic.column =
        diagnostic.line > 0 ? LocationField(*location, "column") : 0;
  }
  return diagnostic;
}

absl::Status ParseDiagnostics(const json& document, const char* field,
                              bool allow_strings, const Redactor& redactor,
                              std::vector<Diagnostic>* out) {
  auto it = document.find(field);
  if (it == document.end() || it->is_null()) return absl::OkStatus();
  if (!it->is_array()) {
    return WrongShape("status", absl::StrCat(field, " is not an array"));
  }
  for (size_t i = 0; i < it->size(); ++i) {
    absl::StatusOr<Diagnostic> diagnostic =
        ParseDiagnostic((*it)[i], field, i, allow_strings, redactor);
    if (!diagnostic.ok()) return diagnostic.status();
    out->push_back(*std::move(diagnostic));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AccessToken> ParseTokenResponse(absl::string_view body) {
  absl::StatusOr<json> document =
      ParseObject(body, "token", /*quote_with=*/nullptr);
  if (!document.ok()) return document.status();
  AccessToken token;
  auto access = document->find("access_token");
  if (access == document->end() || !access->is_string() ||
      access->get<std::string>().empty()) {
    return WrongShape("token", "access_token is missing or not a string");
  }
  token.value = access->get<std::string>();
  if (auto type = document->find("token_type"); type != document->end()) {
    if (!type->is_string() ||
        !absl::EqualsIgnoreCase(type->get<std::string>(), "bearer")) {
      return WrongShape("token", "token_type is not Bearer");
    }
  }
  token.expires_in = absl::Seconds(3600);
  if (auto expires = document->find("expires_in"); expires != document->end()) {
    if (!expires->is_number() || expires->get<double>() <= 0) {
      return WrongShape("token", "expires_in is not a positive number");
    }
    token.expires_in = absl::Seconds(expires->get<double>());
  }
  if (auto scope = document->find("scope");
      scope != document->end() && scope->is_string()) {
    token.scope = scope->get<std::string>();
  }
  return token;
}

absl::StatusOr<TriggerResult> ParseTriggerResponse(absl::string_view body,
                                                   const Redactor& redactor) {
  absl::StatusOr<json> document = ParseObject(body, "trigger", &redactor);
  if (!document.ok()) return document.status();
  auto id = document->find("compileId");
  if (id == document->end() || !id->is_string()) {
    return WrongShape("trigger", "compileId is missing or not a string");
  }
  TriggerResult result;
  result.compile_id = redactor.Scrub(id->get<std::string>());
  if (absl::Status valid = ValidateId("compileId", result.compile_id);
      !valid.ok()) {
    return WrongShape("trigger", valid.message());
  }
  result.status = "QUEUED";
  if (auto status = document->find("status"); status != document->end()) {
    if (!status->is_string()) {
      return WrongShape("trigger", "status is not a string");
    }
    result.status = redactor.Scrub(status->get<std::string>());
  }
  return result;
}

absl::StatusOr<CompileStatus> ParseStatusResponse(absl::string_view body,
                                                  const Redactor& redactor) {
  absl::StatusOr<json> document = ParseObject(body, "status", &redactor);
  if (!document.ok()) return document.status();
  CompileStatus status;
  auto value = document->find("status");
  if (value == document->end() || !value->is_string()) {
    return WrongShape("status", "status is missing or not a string");
  }
  status.status = redactor.Scrub(value->get<std::string>());
  if (auto flow = document->find("flowId");
      flow != document->end() && flow->is_string()) {
    status.flow_id = redactor.Scrub(flow->get<std::string>());
  }
  if (auto compile = document->find("compileId");
      compile != document->end() && compile->is_string()) {
    status.compile_id = redactor.Scrub(compile->get<std::string>());
  }
  if (absl::Status errors =
          ParseDiagnostics(*document, "errors",
                           /*allow_strings=*/false, redactor, &status.errors);
      !errors.ok()) {
    return errors;
  }
  if (absl::Status warnings =
          ParseDiagnostics(*document, "warnings",
                           /*allow_strings=*/true, redactor, &status.warnings);
      !warnings.ok()) {
    return warnings;
  }
  return status;
}

std::string ParseConflictCompileId(absl::string_view body,
                                   const Redactor& redactor) {
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) return "";
  auto id = document.find("compileId");
  if (id == document.end() || !id->is_string()) return "";
  std::string compile_id = redactor.Scrub(id->get<std::string>());
  return ValidateId("compileId", compile_id).ok() ? compile_id : "";
}

std::string SummarizeErrorBody(absl::string_view body,
                               const Redactor& redactor) {
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) {
    return body.empty() ? "(empty body)"
                        : absl::StrCat("\"", Excerpt(body, redactor), "\"");
  }
  std::string summary;
  for (const char* key : {"error", "error_description", "message"}) {
    auto it = document.find(key);
    if (it == document.end() || !it->is_string()) continue;
    if (!summary.empty()) summary += ": ";
    summary += Excerpt(it->get<std::string>(), redactor);
  }
  return summary.empty() ? absl::StrCat("\"", Excerpt(body, redactor), "\"")
                         : summary;
}

}  // namespace cxone::upstream
