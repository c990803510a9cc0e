// Decoders for CXone's JSON responses (see shared/upstream-api.md).
//
// Every decoder is defensive: a body that is not JSON, or JSON of the wrong
// shape, gives a clear error Status naming what was wrong — never a crash,
// never a silently empty success. Unknown fields are ignored. Messages quote
// at most a short, sanitised prefix of the body and never a token.
//
// A malformed body is CXone's fault, not the caller's, so decoders return
// Unavailable: transient for a poll (it is retried), a clear error for a
// trigger.
#ifndef CXONE_SERVER_UPSTREAM_RESPONSE_PARSER_H_
#define CXONE_SERVER_UPSTREAM_RESPONSE_PARSER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/upstream/upstream_types.h"

namespace cxone::upstream {

// 200 body of the token endpoint. Requires a non-empty access_token and a
// positive expires_in (a missing expires_in is taken as 3600 s, as RFC 6749
// leaves it optional); token_type, when present, must be Bearer.
absl::StatusOr<AccessToken> ParseTokenResponse(absl::string_view body);

// 2xx body of a trigger. Requires a compileId that is a valid id (it is put
// into URL paths and resource names).
absl::StatusOr<TriggerResult> ParseTriggerResponse(absl::string_view body);

// 200 body of a status poll. Requires a string `status`; errors and warnings
// are optional arrays; a warning may be a plain string.
absl::StatusOr<CompileStatus> ParseStatusResponse(absl::string_view body);

// The compileId named in a 409 body, or "" when the body names none (or is
// not JSON).
std::string ParseConflictCompileId(absl::string_view body);

// A short human-readable summary of an error body — `error`,
// `error_description` and `message` fields when it is JSON, else a
// sanitised prefix of the text — for error messages.
std::string SummarizeErrorBody(absl::string_view body);

}  // namespace cxone::upstream

#endif  // CXONE_SERVER_UPSTREAM_RESPONSE_PARSER_H_
