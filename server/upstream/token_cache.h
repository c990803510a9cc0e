// TokenCache: the gateway's one OAuth2 client-credentials access token
// (RFC 6749 §4.4), shared by every upstream call.
//
// Get() returns the cached token while it has more than its refresh margin
// of life left — `refresh_margin` (30 s by default), but at most
// `max_refresh_margin_fraction` of the token's life, so that a token that
// lives 2 s is used for 1.5 s instead of once — and fetches a new one
// otherwise. Only one fetch runs at a time: callers that need a token while
// one is being fetched wait for that fetch and share its result, error
// included, so a token endpoint that is down sees one request, not one per
// waiting call. After a failed fetch the endpoint is backed off, for every
// caller at once: until the backoff ends (exponential in the failures in a
// row, jittered, reset by a success), Get() answers the last failure at once
// without sending anything.
//
// The request is form-encoded (`grant_type=client_credentials`, percent-
// encoded values); the client authenticates with form fields or, when
// configured, HTTP Basic. The client secret (and the Basic credentials made
// from it) are registered with the Redactor as permanent secrets, each issued
// token as a secret expiring with the token. Error bodies are quoted only
// as SummarizeErrorBody() gives them: redacted, then cut.
//
// Time, and the wait for another caller's fetch, are the injected Clock's.
// The cache needs no Shutdown() of its own: the fetch a caller waits for is
// one budgeted request, which the rate budget's Shutdown() (or the request
// timeout) ends.
//
// Thread-safe. Lock order: server/LOCKING.md.
#ifndef CXONE_SERVER_UPSTREAM_TOKEN_CACHE_H_
#define CXONE_SERVER_UPSTREAM_TOKEN_CACHE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/backoff.h"
#include "common/clock.h"
#include "common/counter_set.h"
#include "common/redactor.h"
#include "server/http/http_client.h"

namespace cxone::upstream {

enum class ClientAuthMethod { kFormFields, kHttpBasic };

struct TokenEndpointConfig {
  std::string url;
  std::string client_id;
  std::string client_secret;
  // Requested scopes, space-separated; empty = do not send `scope`.
  std::string scope;
  ClientAuthMethod auth_method = ClientAuthMethod::kFormFields;
  absl::Duration request_timeout = absl::Seconds(10);
  absl::Duration refresh_margin = absl::Seconds(30);
  // The margin is at most this fraction of the token's life.
  double max_refresh_margin_fraction = 0.25;
  // The wait after the Nth failed token request in a row: drawn from
  // [c/2, c] for c = min(max_delay, initial_delay * 2^(N-1)). The attempts
  // field is not used: the cache keeps trying, ever more slowly.
  BackoffPolicy failure_backoff = {absl::Milliseconds(500), absl::Seconds(30)};
  // Seeds the jitter of failure_backoff.
  uint64_t backoff_seed = 0;
  // How long a token request may wait for the rate budget (e.g. through a
  // Retry-After pause) before it fails as Unavailable.
  absl::Duration max_wait = absl::Minutes(2);
};

class TokenCache {
 public:
  // `http`, `clock` and `redactor` must outlive the cache.
  TokenCache(TokenEndpointConfig config, http::HttpClient* http, Clock* clock,
             Redactor* redactor);
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // A token with more than the refresh margin of life left. Errors:
  // FailedPrecondition when the endpoint rejected the credentials (400/401),
  // ResourceExhausted when it answered 429 (the account is rate-limited),
  // Unavailable when it could not be reached, failed (5xx) or answered with
  // a malformed body, DeadlineExceeded when `deadline` passed first. While
  // the endpoint is backed off after a FailedPrecondition or Unavailable,
  // that failure again, at once. Blocks while a fetch is under way; never
  // call it from a gRPC reactor.
  absl::StatusOr<std::string> Get(absl::Time deadline = absl::InfiniteFuture());

  // Forgets `token` if it is still the cached one, so the next Get()
  // fetches a new one. Called after a 401 from an API call. Does nothing if
  // the token was already replaced (another caller got the 401 first).
  void Invalidate(const std::string& token);

  // How many fetches were sent (for tests and metrics).
  int64_t fetch_count() const;
  // Token requests by result ({"ok"} or {"error"}), for metrics.
  std::map<CounterSet::Labels, double> refreshes() const {
    return refreshes_.Snapshot();
  }
  // When the last token request failed, or InfinitePast() if the last one
  // succeeded (health: auth failing for how long).
  absl::Time failing_since() const;

 private:
  absl::StatusOr<std::string> Fetch(absl::Time deadline);
  // The margin for a token that lives `life`.
  absl::Duration RefreshMargin(absl::Duration life) const;
  // Records the outcome of a fetch for the backoff.
  void BackOffAfter(const absl::Status& fetched)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string RequestBody() const;

  const TokenEndpointConfig config_;
  http::HttpClient* const http_;
  Clock* const clock_;
  Redactor* const redactor_;

  mutable absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time expiry_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // When the cached token stops being handed out: expiry_ less the margin.
  absl::Time refresh_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  // Failed fetches in a row, and when the next fetch may be sent.
  int failures_in_a_row_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time next_fetch_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;
  // Bumped when a fetch ends; waiters compare it to see "their" fetch end.
  uint64_t fetch_generation_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status last_fetch_status_ ABSL_GUARDED_BY(mu_);
  int64_t fetch_count_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time failing_since_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  CounterSet refreshes_;
  Backoff backoff_{config_.failure_backoff, config_.backoff_seed};
};

// Percent-encodes `value` for application/x-www-form-urlencoded (RFC 3986
// unreserved characters stay, everything else becomes %XX).
std::string FormEncode(absl::string_view value);

}  // namespace cxone::upstream

#endif  // CXONE_SERVER_UPSTREAM_TOKEN_CACHE_H_
