// CxoneClient: the CXone flow-compilation REST API (shared/upstream-api.md)
// as two calls, Trigger and GetStatus, with authentication and retries done.
//
// Each call:
// - takes its bearer token from the shared TokenCache;
// - on a 401, drops that token, fetches a new one once and retries once;
// - retries transport failures, timeouts, 5xx and (for status polls)
//   malformed bodies with exponential backoff and full jitter, at most
//   `backoff.max_attempts` attempts and `max_call_duration` in all — except
//   a trigger that may have reached CXone (see Trigger): sending it again
//   blindly could start a second compile;
// - retries a 429 without backoff of its own: the BudgetedHttpClient under
//   it has paused every request for the Retry-After; 429s do not use up
//   attempts (they are not the request's fault), only time, and at most
//   `max_rate_limited_retries` of them;
// - turns every other answer into a value or a clear error Status:
//     403 → PermissionDenied naming the missing scope,
//     404 → NotFound, 409 without a running compile id → Aborted,
//     credentials rejected → FailedPrecondition,
//     still failing after the retries → Unavailable.
// Every text from CXone — error summaries in messages, statuses, ids and
// diagnostics in results — is decoded by response_parser.h through the
// Redactor, so neither results nor error messages contain a registered
// secret (token, client secret, webhook secret) in any encoding it knows:
// what this client returns may be stored and published as it is.
//
// Calls block (HTTP and backoff waits): run them on worker threads, never
// on a gRPC reactor. The backoff waits are the injected Clock's and end at
// Shutdown(), as the rate budget's waits end at its own.
//
// Thread-safe.
#ifndef CXONE_SERVER_UPSTREAM_CXONE_CLIENT_H_
#define CXONE_SERVER_UPSTREAM_CXONE_CLIENT_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/backoff.h"
#include "common/clock.h"
#include "common/json_log.h"
#include "common/redactor.h"
#include "common/stop_signal.h"
#include "nlohmann/json.hpp"
#include "server/http/http_client.h"
#include "server/upstream/compile_upstream.h"
#include "server/upstream/token_cache.h"
#include "server/upstream/upstream_types.h"

namespace cxone::upstream {

struct CxoneClientConfig {
  // e.g. "https://site.api.cxm.nice.incontact.com", no trailing slash.
  std::string base_url;
  absl::Duration request_timeout = absl::Seconds(10);
  // All the time one call may take, retries and waits for the budget
  // included.
  absl::Duration max_call_duration = absl::Seconds(120);
  int max_rate_limited_retries = 20;
};

class CxoneClient final : public CompileUpstream {
 public:
  // All pointers must outlive the client.
  CxoneClient(CxoneClientConfig config, http::HttpClient* http,
              TokenCache* tokens, Backoff* backoff, Clock* clock, JsonLog* log,
              const Redactor* redactor);
  CxoneClient(const CxoneClient&) = delete;
  CxoneClient& operator=(const CxoneClient&) = delete;

  // POST /api/v2/flows/{flow_id}/compile with body
  // {"flowId": flow_id, "directives": directives} (directives omitted when
  // null). REQUIRES: flow_id is a valid id; directives is null or an object.
  // A 409 naming the running compile is a success with already_running set.
  //
  // A trigger is not idempotent, so its answer is awaited for the whole
  // `max_call_duration` (not `request_timeout`), on a connection of its own
  // (HttpRequest::idempotent). If it may have reached CXone without a usable
  // answer coming back (timed out or cut off after sending, a 5xx other than
  // 503, a 2xx that cannot be read), the trigger is sent once more, after a
  // backoff delay, to learn what happened: CXone's 409 names the compile the
  // lost request started, which is adopted; a 201 means none of this flow
  // was running. If that second request fails in any way, the result is
  // Unavailable marked MayHaveBeenDelivered: the outcome is unknown, and
  // nothing more is sent.
  absl::StatusOr<TriggerResult> Trigger(
      const std::string& flow_id, const nlohmann::json& directives) override;

  // GET /api/v2/flows/{flow_id}/compile/{compile_id}.
  // REQUIRES: both ids are valid ids.
  absl::StatusOr<CompileStatus> GetStatus(
      const std::string& flow_id, const std::string& compile_id) override;

  // Ends every backoff wait at once: a call in one, or reaching one later,
  // fails Unavailable ("the gateway is shutting down") instead of trying
  // again — a trigger asked again after a lost answer stays marked
  // MayHaveBeenDelivered. Call it with RateBudget::Shutdown(), which ends
  // the waits for the budget the same way. Idempotent.
  void Shutdown() { stop_.Stop(); }

 private:
  // Checks a 2xx answer; a non-OK (Unavailable) result makes it transient.
  using Validator = std::function<absl::Status(const http::HttpResponse&)>;

  // Sends an authenticated request and returns the first answer that is
  // neither transient nor a 401 to be retried; see the class comment.
  // One trigger request (and Call's retries of what certainly did not
  // reach CXone), its answer decoded. A failure marked MayHaveBeenDelivered
  // may have started a compile.
  absl::StatusOr<TriggerResult> TriggerOnce(const std::string& flow_id,
                                            const std::string& body,
                                            const std::string& what);

  // A request that `may_repeat` (a GET) is sent again after any transient
  // failure; one that may not (a trigger) is not sent again once it may
  // have reached CXone: Call returns that failure, marked
  // MayHaveBeenDelivered, and waits for its answer up to the call's
  // deadline rather than `request_timeout`.
  absl::StatusOr<http::HttpResponse> Call(
      const std::string& method, const std::string& path,
      const std::string& body, http::RequestPriority priority,
      absl::string_view what, const Validator& validate, bool may_repeat);

  const CxoneClientConfig config_;
  http::HttpClient* const http_;
  TokenCache* const tokens_;
  Backoff* const backoff_;
  Clock* const clock_;
  JsonLog* const log_;
  const Redactor* const redactor_;
  // Ends the backoff waits at Shutdown().
  StopSignal stop_;
};

}  // namespace cxone::upstream

#endif  // CXONE_SERVER_UPSTREAM_CXONE_CLIENT_H_
