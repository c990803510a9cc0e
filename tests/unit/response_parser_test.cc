#include "server/upstream/response_parser.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace cxone::upstream {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A Redactor that knows no secret: decoding keeps the text as it is.
const Redactor kNoSecrets;

TEST(ParseStatusResponse, ReadsStatusErrorsAndLocations) {
  auto status = ParseStatusResponse(R"({
    "flowId": "f", "compileId": "c", "status": "FAILED",
    "errors": [
      {"code": "SYNTAX_ERROR", "message": "bad", "location": {"line": 12, "column": 5}},
      {"code": "REFERENCE_ERROR", "message": "no loc"},
      {"code": "VALIDATION_ERROR", "message": "zero", "location": {"line": 0, "column": 0}},
      {"code": "X", "message": "col without line", "location": {"column": 7}}
    ],
    "warnings": ["plain string warning",
                 {"code": "W1", "message": "obj", "location": {"line": 3, "column": 1}}],
    "somethingNew": {"ignored": true}
  })",
                                    kNoSecrets);
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->status, "FAILED");
  EXPECT_EQ(status->flow_id, "f");
  ASSERT_EQ(status->errors.size(), 4u);
  EXPECT_EQ(status->errors[0].code, "SYNTAX_ERROR");
  EXPECT_EQ(status->errors[0].line, 12);
  EXPECT_EQ(status->errors[0].column, 5);
  EXPECT_EQ(status->errors[1].line, 0);
  EXPECT_EQ(status->errors[2].line, 0);
  EXPECT_EQ(status->errors[3].line, 0);
  EXPECT_EQ(status->errors[3].column, 0);
  ASSERT_EQ(status->warnings.size(), 2u);
  EXPECT_EQ(status->warnings[0].code, "");
  EXPECT_EQ(status->warnings[0].message, "plain string warning");
  EXPECT_EQ(status->warnings[1].line, 3);
}

TEST(ParseStatusResponse, KeepsUnknownStatusVerbatim) {
  auto status = ParseStatusResponse(R"({"status": "WARMING_UP"})", kNoSecrets);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->status, "WARMING_UP");
  EXPECT_TRUE(status->errors.empty());
}

TEST(ParseStatusResponse, NonJsonIsUnavailableAndQuotesTheBody) {
  auto status = ParseStatusResponse("<html>502 Bad Gateway</html>", kNoSecrets);
  EXPECT_TRUE(absl::IsUnavailable(status.status()));
  EXPECT_THAT(status.status().message(), HasSubstr("not JSON"));
  EXPECT_THAT(status.status().message(), HasSubstr("<html>502"));
}

TEST(ParseStatusResponse, WrongShapesAreErrorsNotSuccesses) {
  for (const char* body :
       {"[]", "\"QUEUED\"", "{}", R"({"status": 3})",
        R"({"status": "FAILED", "errors": {"code": "X"}})",
        R"({"status": "FAILED", "errors": ["a plain string error"]})",
        R"({"status": "FAILED", "errors": [{"code": 5}]})",
        R"({"status": "COMPLETED", "warnings": [7]})"}) {
    auto status = ParseStatusResponse(body, kNoSecrets);
    EXPECT_TRUE(absl::IsUnavailable(status.status())) << body;
  }
}

TEST(ParseStatusResponse, NullListsMeanNone) {
  auto status = ParseStatusResponse(
      R"({"status": "COMPLETED", "errors": null, "warnings": null})",
      kNoSecrets);
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->warnings.empty());
}

TEST(ParseTriggerResponse, ReadsCompileIdAndStatus) {
  auto result = ParseTriggerResponse(
      R"({"compileId": "c-1", "status": "QUEUED"})", kNoSecrets);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->compile_id, "c-1");
  EXPECT_EQ(result->status, "QUEUED");
  EXPECT_FALSE(result->already_running);
}

TEST(ParseTriggerResponse, MissingStatusMeansQueued) {
  auto result = ParseTriggerResponse(R"({"compileId": "c-1"})", kNoSecrets);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, "QUEUED");
}

TEST(ParseTriggerResponse, RejectsMissingOrUnsafeCompileId) {
  EXPECT_FALSE(
      ParseTriggerResponse(R"({"status": "QUEUED"})", kNoSecrets).ok());
  EXPECT_FALSE(ParseTriggerResponse(R"({"compileId": 7})", kNoSecrets).ok());
  EXPECT_FALSE(
      ParseTriggerResponse(R"({"compileId": "../admin"})", kNoSecrets).ok());
  EXPECT_FALSE(ParseTriggerResponse("not json", kNoSecrets).ok());
}

TEST(ParseTokenResponse, ReadsTokenAndLifetime) {
  auto token = ParseTokenResponse(
      R"({"access_token": "abc", "token_type": "bearer", "expires_in": 120, "scope": "flow:read"})");
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->value, "abc");
  EXPECT_EQ(token->expires_in, absl::Seconds(120));
  EXPECT_EQ(token->scope, "flow:read");
}

TEST(ParseTokenResponse, RejectsBadTokens) {
  EXPECT_FALSE(ParseTokenResponse(R"({"token_type": "Bearer"})").ok());
  EXPECT_FALSE(ParseTokenResponse(R"({"access_token": ""})").ok());
  EXPECT_FALSE(
      ParseTokenResponse(R"({"access_token": "a", "token_type": "MAC"})").ok());
  EXPECT_FALSE(
      ParseTokenResponse(R"({"access_token": "a", "expires_in": -5})").ok());
}

TEST(ParseConflictCompileId, FindsTheRunningCompile) {
  EXPECT_EQ(ParseConflictCompileId(R"({"error":"conflict","compileId":"c-9"})",
                                   kNoSecrets),
            "c-9");
  EXPECT_EQ(ParseConflictCompileId(R"({"error":"conflict"})", kNoSecrets), "");
  EXPECT_EQ(ParseConflictCompileId("busy", kNoSecrets), "");
  EXPECT_EQ(ParseConflictCompileId(R"({"compileId":"a/b"})", kNoSecrets), "");
}

TEST(SummarizeErrorBody, PrefersTheStandardFields) {
  EXPECT_EQ(SummarizeErrorBody(
                R"({"error":"invalid_client","error_description":"nope"})",
                kNoSecrets),
            "invalid_client: nope");
  EXPECT_EQ(SummarizeErrorBody("", kNoSecrets), "(empty body)");
  EXPECT_EQ(SummarizeErrorBody("plain\ntext", kNoSecrets), "\"plain?text\"");
}

// A 64-character token, as CXone issues them.
constexpr char kToken[] =
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

TEST(SummarizeErrorBody, RedactsBeforeCuttingSoNoPrefixOfASecretLeaks) {
  Redactor redactor;
  redactor.AddPermanentSecret(kToken);
  // The token straddles the 120-character cut: cut first, its first 53
  // characters would no longer match it, and would be shown.
  const std::string padding(67, '.');
  for (const std::string& body :
       {absl::StrCat(padding, "Bearer ", kToken),
        nlohmann::json{{"message", absl::StrCat(padding, "Bearer ", kToken)}}
            .dump()}) {
    const std::string summary = SummarizeErrorBody(body, redactor);
    EXPECT_THAT(summary, HasSubstr("Bearer [REDACTED]")) << body;
    EXPECT_THAT(summary, Not(HasSubstr("0123456789"))) << body;
  }
}

TEST(SummarizeErrorBody, RedactsAJsonEscapedSecretInABodyItQuotes) {
  Redactor redactor;
  redactor.AddPermanentSecret(R"(a/secret\with"quotes)");
  // No standard field: the body itself is quoted.
  const std::string summary =
      SummarizeErrorBody(R"({"echo":"a\/secret\\with\"quotes"})", redactor);
  EXPECT_THAT(summary, HasSubstr("[REDACTED]"));
  EXPECT_THAT(summary, Not(HasSubstr("secret")));
}

TEST(ParseStatusResponse, QuotesAMalformedBodyRedacted) {
  Redactor redactor;
  redactor.AddPermanentSecret(kToken);
  auto status = ParseStatusResponse(
      absl::StrCat("<html>token ", kToken, " rejected</html>"), redactor);
  ASSERT_TRUE(absl::IsUnavailable(status.status()));
  EXPECT_THAT(status.status().message(), HasSubstr("token [REDACTED] rej"));
  EXPECT_THAT(status.status().message(), Not(HasSubstr("0123456789")));
}

TEST(ParseTokenResponse, NeverQuotesTheBody) {
  // The body may hold a token no Redactor knows yet.
  for (const char* body : {"access_token=fresh-token-value&expires_in=60",
                           R"(["fresh-token-value"])"}) {
    auto token = ParseTokenResponse(body);
    ASSERT_TRUE(absl::IsUnavailable(token.status())) << body;
    EXPECT_THAT(token.status().message(), Not(HasSubstr("fresh-token-value")));
  }
}

}  // namespace
}  // namespace cxone::upstream
