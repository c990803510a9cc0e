#include "server/api/caller_authenticator.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <utility>

#include "absl/algorithm/container.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/flag_file.h"
#include "grpc/grpc_security_constants.h"

namespace cxone {
namespace {

constexpr size_t kMaxNameLength = 128;

bool ValidName(absl::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        !absl::StrContains("._@:/-", c)) {
      return false;
    }
  }
  return true;
}

std::array<uint8_t, 32> Sha256(absl::string_view text) {
  std::array<uint8_t, 32> digest{};
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_sha256(),
             nullptr);
  return digest;
}

std::string PropertyOf(const grpc::AuthContext& auth, const char* name) {
  const std::vector<grpc::string_ref> values = auth.FindPropertyValues(name);
  if (values.empty()) return "";
  return std::string(values.front().data(), values.front().size());
}

}  // namespace

absl::StatusOr<std::vector<TokenDigest>> ParseTokenFile(absl::string_view text) {
  std::vector<TokenDigest> tokens;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++number;
    if (const size_t hash = line.find('#'); hash != absl::string_view::npos) {
      line = line.substr(0, hash);
    }
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    const std::vector<absl::string_view> fields =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    const std::string where = absl::StrCat("line ", number);
    if (fields.size() != 2) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": expected NAME SHA256-HEX (the token itself never goes in "
                 "the file: `printf %s TOKEN | sha256sum`)"));
    }
    if (!ValidName(fields[0])) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": a name is 1 to 128 of A-Z a-z 0-9 . _ @ : / -"));
    }
    std::string digest;
    if (fields[1].size() != 64 ||
        !absl::c_all_of(fields[1], [](char c) {
          return absl::ascii_isxdigit(static_cast<unsigned char>(c));
        })) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": the digest is 64 hexadecimal digits (SHA-256)"));
    }
    digest = absl::HexStringToBytes(fields[1]);
    TokenDigest token;
    token.name = std::string(fields[0]);
    std::copy(digest.begin(), digest.end(), token.sha256.begin());
    for (const TokenDigest& earlier : tokens) {
      if (earlier.sha256 == token.sha256) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": the same token as ", earlier.name,
            "'s: a token names one caller"));
      }
    }
    tokens.push_back(std::move(token));
  }
  return tokens;
}

CallerAuthenticator::CallerAuthenticator(bool client_certificates,
                                         std::vector<TokenDigest> tokens,
                                         std::unique_ptr<JwtVerifier> jwt,
                                         const Clock* clock)
    : client_certificates_(client_certificates),
      tokens_(std::move(tokens)),
      jwt_(std::move(jwt)),
      clock_(clock) {}

absl::StatusOr<std::unique_ptr<CallerAuthenticator>> CallerAuthenticator::Create(
    const AuthenticatorConfig& config, const Clock* clock) {
  std::vector<TokenDigest> tokens;
  if (!config.tokens_file.empty()) {
    absl::StatusOr<std::string> text = ReadFlagFile("auth-tokens-file", config.tokens_file);
    if (!text.ok()) return text.status();
    absl::StatusOr<std::vector<TokenDigest>> parsed = ParseTokenFile(*text);
    if (!parsed.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--auth-tokens-file \"", config.tokens_file, "\", ",
          parsed.status().message()));
    }
    if (parsed->empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--auth-tokens-file \"", config.tokens_file, "\" holds no token"));
    }
    tokens = *std::move(parsed);
  }
  std::unique_ptr<JwtVerifier> jwt;
  if (!config.jwks_file.empty()) {
    absl::StatusOr<std::string> text = ReadFlagFile("auth-jwks-file", config.jwks_file);
    if (!text.ok()) return text.status();
    absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier =
        JwtVerifier::FromJwks(*text, config.jwt);
    if (!verifier.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--auth-jwks-file \"", config.jwks_file, "\": ",
          verifier.status().message()));
    }
    jwt = *std::move(verifier);
  }
  return std::unique_ptr<CallerAuthenticator>(new CallerAuthenticator(
      config.client_certificates, std::move(tokens), std::move(jwt), clock));
}

bool CallerAuthenticator::required() const {
  return client_certificates_ || !tokens_.empty() || jwt_ != nullptr;
}

std::string CallerAuthenticator::Describe() const {
  std::vector<std::string> ways;
  if (client_certificates_) ways.push_back("mTLS client certificates");
  if (!tokens_.empty()) {
    ways.push_back(absl::StrCat(tokens_.size(), " static bearer tokens"));
  }
  if (jwt_ != nullptr) ways.push_back("JWT bearer tokens");
  if (ways.empty()) return "off: every caller is anonymous";
  return absl::StrJoin(ways, ", ");
}

absl::StatusOr<Principal> CallerAuthenticator::FromBearer(
    absl::string_view token) const {
  if (!tokens_.empty()) {
    const std::array<uint8_t, 32> digest = Sha256(token);
    const TokenDigest* match = nullptr;
    // Every entry compared, each in constant time: how long this takes
    // says nothing about which token came close.
    for (const TokenDigest& known : tokens_) {
      if (CRYPTO_memcmp(known.sha256.data(), digest.data(), digest.size()) ==
          0) {
        match = &known;
      }
    }
    if (match != nullptr) return Principal{absl::StrCat("token:", match->name)};
  }
  if (jwt_ != nullptr && absl::StrContains(token, '.')) {
    absl::StatusOr<JwtClaims> claims = jwt_->Verify(token, clock_->Now());
    if (!claims.ok()) return claims.status();
    return Principal{absl::StrCat("jwt:", claims->subject)};
  }
  return absl::UnauthenticatedError("the bearer token is not one the gateway knows");
}

absl::StatusOr<Principal> CallerAuthenticator::Authenticate(
    const grpc::ServerContextBase& context) const {
  if (!required()) return Principal{"anonymous"};
  const auto& metadata = context.client_metadata();
  auto authorization = metadata.find("authorization");
  if (authorization != metadata.end()) {
    absl::string_view value(authorization->second.data(),
                            authorization->second.size());
    if (!absl::ConsumePrefix(&value, "Bearer ") &&
        !absl::ConsumePrefix(&value, "bearer ")) {
      return absl::UnauthenticatedError(
          "the authorization metadata is not \"Bearer TOKEN\"");
    }
    if (tokens_.empty() && jwt_ == nullptr) {
      return absl::UnauthenticatedError(
          "a bearer token was sent, and the gateway accepts none (it "
          "identifies callers by their client certificate)");
    }
    return FromBearer(absl::StripAsciiWhitespace(value));
  }
  if (client_certificates_) {
    const std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
    if (auth != nullptr && auth->IsPeerAuthenticated()) {
      const std::string spiffe = PropertyOf(*auth, GRPC_PEER_SPIFFE_ID_PROPERTY_NAME);
      if (!spiffe.empty()) return Principal{spiffe};
      const std::string common_name = PropertyOf(*auth, GRPC_X509_CN_PROPERTY_NAME);
      if (!common_name.empty()) return Principal{absl::StrCat("cn:", common_name)};
    }
  }
  return absl::UnauthenticatedError(
      absl::StrCat("the call names no caller: send ",
                   client_certificates_ ? "a client certificate with a SPIFFE "
                                          "id or a subject CN, or "
                                        : "",
                   "authorization metadata \"Bearer TOKEN\""));
}

}  // namespace cxone
