// Fuzzes the decoders of CXone's responses (server/upstream/
// response_parser.h) with one body given to each. Properties:
// - the known secret never comes out, in a decoded field or an error
//   message, however the body carries it (the parsers' redaction promise);
// - an error of the token decoder never quotes the body's access_token,
//   which no Redactor knows yet;
// - what is accepted is what the header promises: a token with a non-empty
//   value and a positive lifetime, a trigger with a valid compileId,
//   diagnostics with non-negative locations, and ParseConflictCompileId's
//   id valid or empty.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/redactor.h"
#include "common/resource_name.h"
#include "fuzz/fuzz_check.h"
#include "nlohmann/json.hpp"
#include "server/upstream/response_parser.h"

namespace {

// In the seed corpus too, so that the fuzzer starts from bodies that echo it.
constexpr char kSecret[] = "s3cr3t-Fuzz-Value";

void CheckClean(absl::string_view text, const char* where) {
  FUZZ_CHECK(!absl::StrContains(text, kSecret), "the secret leaked in %s",
             where);
}

void CheckDiagnostics(const std::vector<cxone::upstream::Diagnostic>& all) {
  for (const auto& diagnostic : all) {
    CheckClean(diagnostic.code, "a diagnostic's code");
    CheckClean(diagnostic.message, "a diagnostic's message");
    FUZZ_CHECK(diagnostic.line >= 0 && diagnostic.column >= 0,
               "a negative location");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const cxone::Redactor* const redactor = [] {
    auto* made = new cxone::Redactor();
    made->AddPermanentSecret(kSecret);
    return made;
  }();
  const absl::string_view body(reinterpret_cast<const char*>(data), size);
  namespace up = cxone::upstream;

  absl::StatusOr<up::AccessToken> token = up::ParseTokenResponse(body);
  if (token.ok()) {
    FUZZ_CHECK(!token->value.empty(), "an empty token accepted");
    FUZZ_CHECK(token->expires_in > absl::ZeroDuration(),
               "a token that has expired already accepted");
  } else {
    const nlohmann::json document =
        nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (document.is_object() && document.contains("access_token") &&
        document["access_token"].is_string()) {
      const std::string value = document["access_token"].get<std::string>();
      FUZZ_CHECK(value.size() < 4 ||
                     !absl::StrContains(token.status().message(), value),
                 "a token response's error quotes its access_token");
    }
  }

  absl::StatusOr<up::TriggerResult> trigger =
      up::ParseTriggerResponse(body, *redactor);
  if (trigger.ok()) {
    FUZZ_CHECK(cxone::ValidateId("compileId", trigger->compile_id).ok(),
               "an invalid compileId accepted");
    CheckClean(trigger->compile_id, "a trigger's compileId");
    CheckClean(trigger->status, "a trigger's status");
  } else {
    CheckClean(trigger.status().message(), "a trigger's error");
  }

  absl::StatusOr<up::CompileStatus> status =
      up::ParseStatusResponse(body, *redactor);
  if (status.ok()) {
    CheckClean(status->status, "a status");
    CheckClean(status->flow_id, "a status's flowId");
    CheckClean(status->compile_id, "a status's compileId");
    CheckDiagnostics(status->errors);
    CheckDiagnostics(status->warnings);
  } else {
    CheckClean(status.status().message(), "a status's error");
  }

  const std::string conflict = up::ParseConflictCompileId(body, *redactor);
  FUZZ_CHECK(conflict.empty() || cxone::ValidateId("compileId", conflict).ok(),
             "an invalid conflicting compileId");
  CheckClean(conflict, "a conflict's compileId");

  const std::string summary = up::SummarizeErrorBody(body, *redactor);
  CheckClean(summary, "an error summary");
  FUZZ_CHECK(!summary.empty(), "an empty summary");
  // Three parts of at most 120 characters and "...", two ": " between.
  FUZZ_CHECK(summary.size() <= 3 * 123 + 4, "an unbounded summary");
  return 0;
}
