// JwtVerifier: offline checks of a caller's JWT against a JWKS.
#include "server/api/jwt_verifier.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/test_jwt.h"

namespace cxone {
namespace {

using ::testing::HasSubstr;
using testing::TestIssuer;

constexpr char kIssuer[] = "https://idp.example.com";
constexpr char kAudience[] = "cxone-compile-gateway";

std::unique_ptr<JwtVerifier> VerifierFor(
    std::initializer_list<const TestIssuer*> issuers) {
  nlohmann::json keys = nlohmann::json::array();
  for (const TestIssuer* issuer : issuers) keys.push_back(issuer->Jwk());
  auto verifier = JwtVerifier::FromJwks(nlohmann::json{{"keys", keys}}.dump(),
                                        {kIssuer, kAudience, absl::Seconds(60)});
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  return verifier.ok() ? *std::move(verifier) : nullptr;
}

std::string Why(const absl::StatusOr<JwtClaims>& claims) {
  EXPECT_FALSE(claims.ok());
  EXPECT_TRUE(absl::IsUnauthenticated(claims.status())) << claims.status();
  return std::string(claims.status().message());
}

TEST(JwtVerifier, GoodRs256AndEs256TokensNameTheirSubject) {
  const TestIssuer rsa(TestIssuer::Algorithm::kRs256, "rsa-1");
  const TestIssuer ec(TestIssuer::Algorithm::kEs256, "ec-1");
  auto verifier = VerifierFor({&rsa, &ec});
  ASSERT_NE(verifier, nullptr);
  EXPECT_EQ(verifier->key_count(), 2u);
  for (const TestIssuer* issuer : {&rsa, &ec}) {
    auto claims = verifier->Verify(
        issuer->Sign(TestIssuer::Claims(kIssuer, kAudience, "deployer")),
        absl::Now());
    ASSERT_TRUE(claims.ok()) << claims.status();
    EXPECT_EQ(claims->subject, "deployer");
    EXPECT_EQ(claims->issuer, kIssuer);
  }
}

TEST(JwtVerifier, AnAudienceArrayMayHoldOurs) {
  const TestIssuer ec(TestIssuer::Algorithm::kEs256, "ec-1");
  auto verifier = VerifierFor({&ec});
  nlohmann::json claims = TestIssuer::Claims(kIssuer, kAudience, "ci");
  claims["aud"] = {"other", kAudience};
  EXPECT_TRUE(verifier->Verify(ec.Sign(claims), absl::Now()).ok());
}

TEST(JwtVerifier, EachBrokenRuleIsRefusedSayingWhich) {
  const TestIssuer ec(TestIssuer::Algorithm::kEs256, "ec-1");
  const TestIssuer forger(TestIssuer::Algorithm::kEs256, "ec-1");  // same kid
  const TestIssuer unknown(TestIssuer::Algorithm::kEs256, "ec-9");
  auto verifier = VerifierFor({&ec});
  const absl::Time now = absl::Now();
  auto claims = [] { return TestIssuer::Claims(kIssuer, kAudience, "ci"); };

  EXPECT_THAT(Why(verifier->Verify(forger.Sign(claims()), now)),
              HasSubstr("signature that does not verify"));
  EXPECT_THAT(Why(verifier->Verify(unknown.Sign(claims()), now)),
              HasSubstr("names a key the JWKS does not hold"));
  EXPECT_THAT(Why(verifier->Verify(
                  ec.Sign(TestIssuer::Claims(kIssuer, kAudience, "ci",
                                             -absl::Minutes(5))),
                  now)),
              HasSubstr("has expired"));
  // Within the clock skew an expired token still passes.
  EXPECT_TRUE(verifier
                  ->Verify(ec.Sign(TestIssuer::Claims(kIssuer, kAudience, "ci",
                                                      -absl::Seconds(30))),
                           now)
                  .ok());
  EXPECT_THAT(Why(verifier->Verify(
                  ec.Sign(TestIssuer::Claims(kIssuer, "someone-else", "ci")),
                  now)),
              HasSubstr("not for this audience"));
  EXPECT_THAT(Why(verifier->Verify(
                  ec.Sign(TestIssuer::Claims("https://evil", kAudience, "ci")),
                  now)),
              HasSubstr("wrong issuer"));
  nlohmann::json future = claims();
  future["nbf"] = absl::ToUnixSeconds(now + absl::Hours(1));
  EXPECT_THAT(Why(verifier->Verify(ec.Sign(future), now)),
              HasSubstr("not valid yet (nbf)"));
  nlohmann::json no_exp = claims();
  no_exp.erase("exp");
  EXPECT_THAT(Why(verifier->Verify(ec.Sign(no_exp), now)),
              HasSubstr("no expiry"));
  nlohmann::json no_sub = claims();
  no_sub.erase("sub");
  EXPECT_THAT(Why(verifier->Verify(ec.Sign(no_sub), now)),
              HasSubstr("no subject"));
}

TEST(JwtVerifier, AlgorithmsOtherThanTheKeysAreRefused) {
  const TestIssuer ec(TestIssuer::Algorithm::kEs256, "ec-1");
  auto verifier = VerifierFor({&ec});
  const nlohmann::json claims = TestIssuer::Claims(kIssuer, kAudience, "ci");
  // alg none: no signature at all.
  const std::string none =
      TestIssuer::Encode(R"({"alg":"none","kid":"ec-1"})") + "." +
      TestIssuer::Encode(claims.dump()) + ".";
  EXPECT_THAT(Why(verifier->Verify(none, absl::Now())),
              HasSubstr("only RS256 and ES256"));
  EXPECT_THAT(Why(verifier->Verify(ec.Sign(claims, "HS256"), absl::Now())),
              HasSubstr("only RS256 and ES256"));
  // An RS256 header on an EC key's signature finds no RSA key.
  EXPECT_THAT(Why(verifier->Verify(ec.Sign(claims, "RS256"), absl::Now())),
              HasSubstr("does not hold"));
}

TEST(JwtVerifier, GarbageIsRefusedWithoutCrashing) {
  const TestIssuer ec(TestIssuer::Algorithm::kEs256, "ec-1");
  auto verifier = VerifierFor({&ec});
  for (const std::string& token :
       {std::string(""), std::string("a.b"), std::string("..."),
        std::string("!!!.???.***"), TestIssuer::Encode("[1]") + ".e30.AA",
        TestIssuer::Encode(R"({"alg":7})") + ".e30.AA",
        TestIssuer::Encode(R"({"alg":"ES256","kid":{}})") + ".e30." +
            TestIssuer::Encode(std::string(64, 'x'))}) {
    EXPECT_FALSE(verifier->Verify(token, absl::Now()).ok()) << token;
  }
  // Claims of the wrong types, signed properly.
  nlohmann::json odd = {{"iss", 5}, {"aud", {{"x", 1}}}, {"exp", "soon"},
                        {"sub", nullptr}};
  EXPECT_FALSE(verifier->Verify(ec.Sign(odd), absl::Now()).ok());
  nlohmann::json far = TestIssuer::Claims(kIssuer, kAudience, "ci");
  far["exp"] = 1e300;
  EXPECT_TRUE(verifier->Verify(ec.Sign(far), absl::Now()).ok());
}

TEST(JwtVerifier, AJwksMustHoldAUsableKey) {
  const JwtPolicy policy{kIssuer, kAudience, absl::Seconds(60)};
  EXPECT_THAT(std::string(JwtVerifier::FromJwks("[]", policy).status().message()),
              HasSubstr("not a JWKS"));
  EXPECT_THAT(std::string(JwtVerifier::FromJwks(R"({"keys":[{"kty":"oct","k":"AA"}]})",
                                                policy)
                              .status()
                              .message()),
              HasSubstr("no RSA or EC P-256 signing key"));
  EXPECT_THAT(std::string(JwtVerifier::FromJwks(
                              R"({"keys":[{"kty":"RSA","kid":"k","n":"AQAB","e":"AQAB"}]})",
                              policy)
                              .status()
                              .message()),
              HasSubstr("at least 2048 bits"));
  const TestIssuer ec(TestIssuer::Algorithm::kEs256, "ec-1");
  EXPECT_FALSE(JwtVerifier::FromJwks(
                   nlohmann::json{{"keys", {ec.Jwk()}}}.dump(), {"", kAudience})
                   .ok());
}

}  // namespace
}  // namespace cxone
