// Decoders for CXone's JSON responses (see shared/upstream-api.md).
//
// Every decoder is defensive: a body that is not JSON, or JSON of the wrong
// shape, gives a clear error Status naming what was wrong — never a crash,
// never a silently empty success. Unknown fields are ignored.
//
// This is where text from CXone enters the gateway, and where it is
// redacted: every string a decoder returns (statuses, ids, diagnostics'
// codes and messages, error summaries) and every excerpt of a body it
// quotes in an error message has passed the Redactor it is given — whole,
// before it is cut to an excerpt, so that a secret straddling the cut
// cannot leave its start behind. What comes out of here can be stored,
// published and logged as it is: events, the store, watch streams, webhook
// bodies and gRPC errors need no redaction of their own for CXone's text.
// The token response is the exception that proves the rule: its token must
// reach the TokenCache intact, so ParseTokenResponse() never quotes its body.
//
// A malformed body is CXone's fault, not the caller's, so decoders return
// Unavailable: transient for a poll (it is retried), a clear error for a
// trigger.
#ifndef CXONE_SERVER_UPSTREAM_RESPONSE_PARSER_H_
#define CXONE_SERVER_UPSTREAM_RESPONSE_PARSER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/redactor.h"
#include "server/upstream/upstream_types.h"

namespace cxone::upstream {

// 200 body of the token endpoint. Requires a non-empty access_token and a
// positive expires_in (a missing expires_in is taken as 3600 s, as RFC 6749
// leaves it optional); token_type, when present, must be Bearer. The body
// may hold a token not yet registered with any Redactor: errors never quote
// it.
absl::StatusOr<AccessToken> ParseTokenResponse(absl::string_view body);

// 2xx body of a trigger. Requires a compileId that is a valid id (it is put
// into URL paths and resource names).
absl::StatusOr<TriggerResult> ParseTriggerResponse(absl::string_view body,
                                                   const Redactor& redactor);

// 200 body of a status poll. Requires a string `status`; errors and warnings
// are optional arrays; a warning may be a plain string.
absl::StatusOr<CompileStatus> ParseStatusResponse(absl::string_view body,
                                                  const Redactor& redactor);

// The compileId named in a 409 body, or "" when the body names none (or is
// not JSON).
std::string ParseConflictCompileId(absl::string_view body,
                                   const Redactor& redactor);

// A short human-readable summary of an error body — `error`,
// `error_description` and `message` fields when it is JSON, else a
// sanitised prefix of the text — for error messages. Each part is redacted
// whole, then cut to at most 120 characters.
std::string SummarizeErrorBody(absl::string_view body,
                               const Redactor& redactor);

}  // namespace cxone::upstream

#endif  // CXONE_SERVER_UPSTREAM_RESPONSE_PARSER_H_
