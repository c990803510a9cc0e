#include "simulator/oauth_request.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr char kForm[] = "application/x-www-form-urlencoded";

std::string Basic(const std::string& credentials) {
  return "Basic " + absl::Base64Escape(credentials);
}

TEST(ParseFormBody, DecodesPlusAndPercentEscapes) {
  auto params = ParseFormBody("a=b+c&x%3Dy=%41%2b&flag&=empty");
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_THAT(*params, ElementsAre(Pair("a", "b c"), Pair("x=y", "A+"),
                                   Pair("flag", ""), Pair("", "empty")));
}

TEST(ParseFormBody, RejectsBrokenPercentEscapes) {
  EXPECT_TRUE(absl::IsInvalidArgument(ParseFormBody("a=%4").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(ParseFormBody("a=%zz").status()));
}

TEST(ParseTokenRequest, AcceptsFormCredentials) {
  auto request = ParseTokenRequest(
      "application/x-www-form-urlencoded; charset=UTF-8",
      "grant_type=client_credentials&client_id=demo-client&client_secret="
      "s%26cret+x&scope=flow%3Aread",
      "");
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->client_id, "demo-client");
  EXPECT_EQ(request->client_secret, "s&cret x");
  EXPECT_EQ(request->scope, "flow:read");
}

TEST(ParseTokenRequest, AcceptsBasicCredentialsDecodedAndRaw) {
  auto request = ParseTokenRequest(kForm, "grant_type=client_credentials",
                                   Basic("my%20id:p+ss:word"));
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->client_id, "my id");
  EXPECT_EQ(request->client_secret, "p ss:word");
  EXPECT_EQ(request->raw_client_id, "my%20id");
  EXPECT_EQ(request->raw_client_secret, "p+ss:word");
  EXPECT_EQ(request->scope, std::nullopt);
}

TEST(ParseTokenRequest, AcceptsBasicSchemeInAnyCase) {
  auto request = ParseTokenRequest(
      kForm, "grant_type=client_credentials",
      "basic " + absl::Base64Escape("demo-client:demo-secret"));
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->client_secret, "demo-secret");
}

TEST(ParseTokenRequest, RejectsOtherContentTypes) {
  absl::Status status =
      ParseTokenRequest("application/json", "grant_type=client_credentials", "")
          .status();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("Content-Type must be"));
  EXPECT_TRUE(absl::IsInvalidArgument(
      ParseTokenRequest("", "grant_type=client_credentials", "").status()));
}

TEST(ParseTokenRequest, RejectsJsonSentUnderTheFormContentType) {
  absl::Status status =
      ParseTokenRequest(kForm,
                        R"({"grant_type":"client_credentials",)"
                        R"("client_id":"demo-client"})",
                        "")
          .status();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("the body is JSON"));
}

TEST(ParseTokenRequest, RequiresClientCredentialsGrant) {
  EXPECT_TRUE(absl::IsInvalidArgument(
      ParseTokenRequest(kForm, "client_id=a&client_secret=b", "").status()));
  EXPECT_TRUE(absl::IsUnimplemented(
      ParseTokenRequest(kForm, "grant_type=password&client_id=a", "")
          .status()));
}

TEST(ParseTokenRequest, RejectsRepeatedParameters) {
  EXPECT_TRUE(absl::IsInvalidArgument(
      ParseTokenRequest(
          kForm, "grant_type=client_credentials&client_id=a&client_id=b", "")
          .status()));
}

TEST(ParseTokenRequest, RejectsMissingOrDoubleOrMalformedAuthentication) {
  EXPECT_TRUE(absl::IsUnauthenticated(
      ParseTokenRequest(kForm, "grant_type=client_credentials", "").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      ParseTokenRequest(kForm, "grant_type=client_credentials&client_id=a",
                        Basic("a:b"))
          .status()));
  EXPECT_TRUE(absl::IsUnauthenticated(
      ParseTokenRequest(kForm, "grant_type=client_credentials", "Basic %%%")
          .status()));
  EXPECT_TRUE(absl::IsUnauthenticated(
      ParseTokenRequest(kForm, "grant_type=client_credentials",
                        Basic("nocolon"))
          .status()));
  EXPECT_TRUE(absl::IsUnauthenticated(
      ParseTokenRequest(kForm, "grant_type=client_credentials", "Bearer abc")
          .status()));
}

TEST(ParseBearerToken, ReturnsTheToken) {
  EXPECT_EQ(*ParseBearerToken("Bearer abc123"), "abc123");
  EXPECT_EQ(*ParseBearerToken("bearer  abc123 "), "abc123");
}

TEST(ParseBearerToken, RejectsMissingOrOtherSchemes) {
  EXPECT_TRUE(absl::IsUnauthenticated(ParseBearerToken("").status()));
  EXPECT_TRUE(absl::IsUnauthenticated(ParseBearerToken("Bearer").status()));
  EXPECT_TRUE(absl::IsUnauthenticated(ParseBearerToken("Bearer ").status()));
  EXPECT_TRUE(absl::IsUnauthenticated(ParseBearerToken("Basic abc").status()));
  EXPECT_TRUE(absl::IsUnauthenticated(ParseBearerToken("Bearerabc").status()));
}

}  // namespace
}  // namespace cxone::sim
