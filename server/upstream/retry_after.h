// Parsing of the HTTP Retry-After header (RFC 9110 §10.2.3).
#ifndef CXONE_SERVER_UPSTREAM_RETRY_AFTER_H_
#define CXONE_SERVER_UPSTREAM_RETRY_AFTER_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace cxone::upstream {

// How long to wait according to a Retry-After value: delta-seconds ("120")
// or an HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT", also the obsolete RFC 850
// and asctime forms), relative to `now`. A date in the past gives zero.
// std::nullopt when the value is malformed (the caller picks a default).
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value,
                                              absl::Time now);

}  // namespace cxone::upstream

#endif  // CXONE_SERVER_UPSTREAM_RETRY_AFTER_H_
