// Fuzzes JwtVerifier (server/api/jwt_verifier.h). The first byte picks:
//   0  the rest is a JWKS document: FromJwks must not crash, and what it
//      accepts holds a key;
//   1  the rest is a token: it can never verify (the fuzzer holds no key
//      the verifier trusts), and the refusal never quotes it;
//   2, 3  the rest is "header\nclaims", signed by the EC (2) or RSA (3) key
//      the verifier trusts, so that every rule past the signature is
//      reached: Verify's verdict must be the one an independent reading of
//      the rules in the header comment gives, and accepted claims name the
//      token's subject and expiry.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "fuzz/fuzz_check.h"
#include "nlohmann/json.hpp"
#include "server/api/jwt_verifier.h"
#include "tests/support/test_jwt.h"

namespace {

using cxone::testing::TestIssuer;
using nlohmann::json;

constexpr char kIssuer[] = "https://idp.example.com";
constexpr char kAudience[] = "cxone-compile-gateway";
const absl::Time kNow = absl::FromUnixSeconds(1750000000);
constexpr absl::Duration kSkew = absl::Seconds(60);

struct Fixture {
  TestIssuer ec{TestIssuer::Algorithm::kEs256, "fuzz-ec"};
  TestIssuer rsa{TestIssuer::Algorithm::kRs256, "fuzz-rsa"};
  std::unique_ptr<cxone::JwtVerifier> verifier;

  Fixture() {
    auto made = cxone::JwtVerifier::FromJwks(
        json{{"keys", {ec.Jwk(), rsa.Jwk()}}}.dump(),
        {kIssuer, kAudience, kSkew});
    FUZZ_CHECK(made.ok(), "the fixture's JWKS is refused");
    verifier = *std::move(made);
  }
};

// The rules of jwt_verifier.h, read independently: whether a token signed
// by the right key with these header and claims must be accepted.
// std::nullopt where the answer depends on details the header leaves open
// (a time claim that is not a modest integer, or one within a second of
// the boundary).
std::optional<bool> ShouldAccept(const std::string& header_text,
                                 const std::string& claims_text, bool rsa) {
  const json header = json::parse(header_text, nullptr, false);
  if (!header.is_object()) return false;
  const auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() ||
      alg->get<std::string>() != (rsa ? "RS256" : "ES256")) {
    return false;
  }
  if (const auto kid = header.find("kid");
      kid != header.end() && kid->is_string() &&
      !kid->get<std::string>().empty() &&
      kid->get<std::string>() != (rsa ? "fuzz-rsa" : "fuzz-ec")) {
    return false;
  }
  const json claims = json::parse(claims_text, nullptr, false);
  if (!claims.is_object()) return false;
  const auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string() ||
      iss->get<std::string>() != kIssuer) {
    return false;
  }
  bool audience = false;
  if (const auto aud = claims.find("aud"); aud != claims.end()) {
    if (aud->is_string()) audience = aud->get<std::string>() == kAudience;
    if (aud->is_array()) {
      for (const json& each : *aud) {
        audience |= each.is_string() && each.get<std::string>() == kAudience;
      }
    }
  }
  if (!audience) return false;
  const int64_t now = absl::ToUnixSeconds(kNow);
  const int64_t skew = absl::ToInt64Seconds(kSkew);
  // A time claim: false when absent; nullopt when not a modest integer.
  auto integer = [&](const char* name, int64_t* value) -> std::optional<bool> {
    const auto found = claims.find(name);
    if (found == claims.end() || !found->is_number()) return false;
    if (!found->is_number_integer()) return std::nullopt;
    const double seconds = found->get<double>();
    if (std::fabs(seconds) > 1e11) return std::nullopt;
    *value = static_cast<int64_t>(seconds);
    return true;
  };
  int64_t exp = 0;
  const std::optional<bool> has_exp = integer("exp", &exp);
  if (!has_exp.has_value()) return std::nullopt;
  if (!*has_exp) return false;
  if (std::llabs(exp - (now - skew)) <= 1) return std::nullopt;
  if (exp <= now - skew) return false;
  for (const char* name : {"nbf", "iat"}) {
    int64_t at = 0;
    const std::optional<bool> has = integer(name, &at);
    if (!has.has_value()) return std::nullopt;
    if (!*has) continue;
    if (std::llabs(at - (now + skew)) <= 1) return std::nullopt;
    if (at > now + skew) return false;
  }
  const auto sub = claims.find("sub");
  return sub != claims.end() && sub->is_string() &&
         !sub->get<std::string>().empty();
}

void CheckRefusal(const absl::Status& status, absl::string_view token) {
  FUZZ_CHECK(absl::IsUnauthenticated(status), "refused with another code: %s",
             status.ToString().c_str());
  FUZZ_CHECK(token.size() < 8 || !absl::StrContains(status.message(), token),
             "the refusal quotes the token");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Fixture* const fixture = new Fixture();
  if (size < 1) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto verifier =
          cxone::JwtVerifier::FromJwks(rest, {kIssuer, kAudience, kSkew});
      if (verifier.ok()) {
        FUZZ_CHECK((*verifier)->key_count() > 0, "a JWKS without a key");
      } else {
        FUZZ_CHECK(absl::IsInvalidArgument(verifier.status()),
                   "refused with another code");
      }
      return 0;
    }
    case 1: {
      auto claims = fixture->verifier->Verify(rest, kNow);
      FUZZ_CHECK(!claims.ok(), "a token the fuzzer made up verified");
      CheckRefusal(claims.status(), rest);
      return 0;
    }
    default: {
      const bool rsa = data[0] % 4 == 3;
      const size_t newline = rest.find('\n');
      const std::string header = rest.substr(0, newline);
      const std::string claims_text =
          newline == std::string::npos ? "" : rest.substr(newline + 1);
      const std::string token =
          (rsa ? fixture->rsa : fixture->ec).SignText(header, claims_text);
      auto claims = fixture->verifier->Verify(token, kNow);
      const std::optional<bool> expected =
          ShouldAccept(header, claims_text, rsa);
      if (expected.has_value()) {
        FUZZ_CHECK(claims.ok() == *expected, "Verify says %s, the rules %s",
                   claims.ok() ? "yes" : claims.status().ToString().c_str(),
                   *expected ? "yes" : "no");
      }
      if (!claims.ok()) {
        CheckRefusal(claims.status(), token);
        return 0;
      }
      const json parsed = json::parse(claims_text);
      FUZZ_CHECK(claims->issuer == kIssuer, "another issuer accepted");
      FUZZ_CHECK(claims->subject == parsed["sub"].get<std::string>(),
                 "the subject is not the token's");
      FUZZ_CHECK(claims->expires > kNow - kSkew, "an expired token accepted");
      return 0;
    }
  }
}
