// Reading the OAuth parts of HTTP requests: the client-credentials token
// request (RFC 6749 §4.4, client authentication per §2.3.1) and the Bearer
// token of API calls (RFC 6750 §2.1).
//
// Errors are absl::Status values whose code selects the OAuth error the
// simulator answers with:
//   InvalidArgument  → 400 {"error":"invalid_request"}
//   Unimplemented    → 400 {"error":"unsupported_grant_type"}
//   Unauthenticated  → 401 {"error":"invalid_client"} for a token request,
//                      401 {"error":"invalid_token"} for a Bearer token.
// Messages never contain a secret or a token.
//
// Thread-safety: pure functions.
#ifndef CXONE_SIMULATOR_OAUTH_REQUEST_H_
#define CXONE_SIMULATOR_OAUTH_REQUEST_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cxone::sim {

// Decodes an application/x-www-form-urlencoded body into name/value pairs
// in order ('+' is a space, %XX a byte). InvalidArgument on a malformed
// percent escape.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseFormBody(
    absl::string_view body);

struct TokenRequest {
  std::string client_id;
  std::string client_secret;
  // For HTTP Basic, RFC 6749 §2.3.1 form-encodes id and secret before
  // Base64, but many clients (curl -u, libcurl) do not: these are the
  // undecoded values, to try when the decoded ones do not match. Equal to
  // the fields above for form-field authentication.
  std::string raw_client_id;
  std::string raw_client_secret;
  // The `scope` parameter; nullopt if absent.
  std::optional<std::string> scope;
};

// Parses a token request from its Content-Type header, body and
// Authorization header (empty if absent). Requires the form content type,
// grant_type=client_credentials, and client credentials either as
// client_id/client_secret form fields or as HTTP Basic, not both.
absl::StatusOr<TokenRequest> ParseTokenRequest(absl::string_view content_type,
                                               absl::string_view body,
                                               absl::string_view authorization);

// The token of an `Authorization: Bearer <token>` header (scheme
// case-insensitive). Unauthenticated if the header is empty or not Bearer.
absl::StatusOr<std::string> ParseBearerToken(absl::string_view authorization);

}  // namespace cxone::sim

#endif  // CXONE_SIMULATOR_OAUTH_REQUEST_H_
