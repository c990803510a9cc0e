// JwtVerifier: checks a caller's JSON Web Token (RFC 7519) offline,
// against the public keys of a JWKS file (RFC 7517) the identity provider
// publishes — no network call per request, and none at all from the
// gateway.
//
// Signatures: RS256 (RSA PKCS#1 v1.5 with SHA-256) with an RSA key, and
// ES256 (ECDSA P-256 with SHA-256) with an EC key, verified with OpenSSL
// directly. (Debian's libjwt 1.10 and cpp-jwt verify against a PEM key
// but cannot read a JWKS, and turning a JWK into a key is OpenSSL's work
// either way; with OpenSSL the whole check is ~200 lines we can read.)
// `alg: none`, HMAC algorithms and every other one are refused: a token
// must never pick a weaker check than the key's.
//
// The key is the one whose `kid` the token's header names; a token without
// `kid` is tried against the keys of its algorithm's type. Claims: `iss`
// must equal the policy's issuer, `aud` (a string or an array) contain its
// audience, `exp` be later than now minus the clock skew, and `nbf` and
// `iat`, when present, not later than now plus the skew. `sub` names the
// caller.
//
// Errors say what failed ("expired", "wrong audience"), never the token.
//
// Thread-safe: immutable after creation.
#ifndef CXONE_SERVER_API_JWT_VERIFIER_H_
#define CXONE_SERVER_API_JWT_VERIFIER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace cxone {

struct JwtPolicy {
  std::string issuer;
  std::string audience;
  absl::Duration clock_skew = absl::Seconds(60);
};

struct JwtClaims {
  std::string issuer;
  std::string subject;
  absl::Time expires;
};

class JwtVerifier {
 public:
  // The RSA and EC P-256 signing keys of JWKS document `jwks_json` (others,
  // and keys whose `use` is not "sig", are skipped). InvalidArgument when it
  // is not a JWKS, a usable key is malformed, or none is usable; or when
  // the policy has no issuer or audience.
  static absl::StatusOr<std::unique_ptr<JwtVerifier>> FromJwks(
      absl::string_view jwks_json, JwtPolicy policy);

  ~JwtVerifier();
  JwtVerifier(const JwtVerifier&) = delete;
  JwtVerifier& operator=(const JwtVerifier&) = delete;

  // The claims of `token` when it verifies at `now` (see the file comment);
  // Unauthenticated saying why not.
  absl::StatusOr<JwtClaims> Verify(absl::string_view token,
                                   absl::Time now) const;

  // How many keys were loaded.
  size_t key_count() const;

 private:
  struct Key;
  JwtVerifier(std::vector<Key> keys, JwtPolicy policy);

  std::vector<Key> keys_;
  const JwtPolicy policy_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_API_JWT_VERIFIER_H_
