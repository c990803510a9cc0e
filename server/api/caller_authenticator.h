// CallerAuthenticator: who is calling — the principal every call is made
// by, and the one the audit log names on its line.
//
// A caller proves who it is with
// - a bearer token in the `authorization` metadata (`Bearer TOKEN`):
//   either a static token, which the tokens file knows only by its SHA-256
//   (a stolen file gives no token away), or a JWT that JwtVerifier checks
//   against the JWKS file (jwt_verifier.h);
// - or, on an mTLS port, its client certificate: its SPIFFE id (a single
//   spiffe:// URI SAN), else its subject CN.
// A bearer token, when sent, decides: a bad one is refused even over a
// good certificate, so that a token can never be presented by mistake and
// silently ignored.
//
// Principal names: "spiffe://…" (certificate with a SPIFFE id), "cn:NAME"
// (certificate without), "token:NAME" (static token, NAME from the file),
// "jwt:SUB" (JWT). When nothing is configured (no tokens file, no JWKS,
// no client CA) authentication is off: every caller is "anonymous", as the
// gateway always was.
//
// The tokens file: one token a line, `NAME SHA256-HEX`; `#` starts a
// comment. NAME is 1 to 128 of [A-Za-z0-9._@:/-].
//
// Thread-safe: immutable after creation.
#ifndef CXONE_SERVER_API_CALLER_AUTHENTICATOR_H_
#define CXONE_SERVER_API_CALLER_AUTHENTICATOR_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/clock.h"
#include "grpcpp/server_context.h"
#include "server/api/jwt_verifier.h"

namespace cxone {

struct Principal {
  std::string name;
};

struct AuthenticatorConfig {
  // The port is mTLS: client certificates identify callers.
  bool client_certificates = false;
  std::string tokens_file;
  std::string jwks_file;
  JwtPolicy jwt;
};

// A static token: its principal's name and the SHA-256 of the token.
struct TokenDigest {
  std::string name;
  std::array<uint8_t, 32> sha256;
};

// The tokens of a tokens file's text (see the file comment);
// InvalidArgument naming the line otherwise.
absl::StatusOr<std::vector<TokenDigest>> ParseTokenFile(absl::string_view text);

class CallerAuthenticator {
 public:
  // Reads the files `config` names; InvalidArgument naming the file and
  // the problem. `clock` (for JWT expiry) must outlive the authenticator.
  static absl::StatusOr<std::unique_ptr<CallerAuthenticator>> Create(
      const AuthenticatorConfig& config, const Clock* clock);

  // Whether callers must prove who they are.
  bool required() const;

  // The caller of `context`, or Unauthenticated saying what was missing or
  // wrong (never the token).
  absl::StatusOr<Principal> Authenticate(
      const grpc::ServerContextBase& context) const;

  // What identifies callers, for the start-up log ("mTLS, static tokens").
  std::string Describe() const;

 private:
  CallerAuthenticator(bool client_certificates, std::vector<TokenDigest> tokens,
                      std::unique_ptr<JwtVerifier> jwt, const Clock* clock);
  absl::StatusOr<Principal> FromBearer(absl::string_view token) const;

  const bool client_certificates_;
  const std::vector<TokenDigest> tokens_;
  const std::unique_ptr<JwtVerifier> jwt_;
  const Clock* const clock_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_API_CALLER_AUTHENTICATOR_H_
