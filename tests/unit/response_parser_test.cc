#include "server/upstream/response_parser.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone::upstream {
namespace {

using ::testing::HasSubstr;

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
  })");
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
  auto status = ParseStatusResponse(R"({"status": "WARMING_UP"})");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->status, "WARMING_UP");
  EXPECT_TRUE(status->errors.empty());
}

TEST(ParseStatusResponse, NonJsonIsUnavailableAndQuotesTheBody) {
  auto status = ParseStatusResponse("<html>502 Bad Gateway</html>");
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
    auto status = ParseStatusResponse(body);
    EXPECT_TRUE(absl::IsUnavailable(status.status())) << body;
  }
}

TEST(ParseStatusResponse, NullListsMeanNone) {
  auto status = ParseStatusResponse(
      R"({"status": "COMPLETED", "errors": null, "warnings": null})");
  ASSERT_TRUE(status.ok());
  EXPECT_TRUE(status->warnings.empty());
}

TEST(ParseTriggerResponse, ReadsCompileIdAndStatus) {
  auto result =
      ParseTriggerResponse(R"({"compileId": "c-1", "status": "QUEUED"})");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->compile_id, "c-1");
  EXPECT_EQ(result->status, "QUEUED");
  EXPECT_FALSE(result->already_running);
}

TEST(ParseTriggerResponse, MissingStatusMeansQueued) {
  auto result = ParseTriggerResponse(R"({"compileId": "c-1"})");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->status, "QUEUED");
}

TEST(ParseTriggerResponse, RejectsMissingOrUnsafeCompileId) {
  EXPECT_FALSE(ParseTriggerResponse(R"({"status": "QUEUED"})").ok());
  EXPECT_FALSE(ParseTriggerResponse(R"({"compileId": 7})").ok());
  EXPECT_FALSE(ParseTriggerResponse(R"({"compileId": "../admin"})").ok());
  EXPECT_FALSE(ParseTriggerResponse("not json").ok());
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
  EXPECT_EQ(ParseConflictCompileId(R"({"error":"conflict","compileId":"c-9"})"),
            "c-9");
  EXPECT_EQ(ParseConflictCompileId(R"({"error":"conflict"})"), "");
  EXPECT_EQ(ParseConflictCompileId("busy"), "");
  EXPECT_EQ(ParseConflictCompileId(R"({"compileId":"a/b"})"), "");
}

TEST(SummarizeErrorBody, PrefersTheStandardFields) {
  EXPECT_EQ(SummarizeErrorBody(
                R"({"error":"invalid_client","error_description":"nope"})"),
            "invalid_client: nope");
  EXPECT_EQ(SummarizeErrorBody(""), "(empty body)");
  EXPECT_EQ(SummarizeErrorBody("plain\ntext"), "\"plain?text\"");
}

}  // namespace
}  // namespace cxone::upstream
