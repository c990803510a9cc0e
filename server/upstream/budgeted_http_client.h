// BudgetedHttpClient: the HttpClient every upstream request goes through,
// so that none can bypass the account's RateBudget.
//
// Send() waits for a permit (interactive or background, per the request),
// holds it while the request is in flight, and when CXone answers 429 pauses
// the whole budget for the Retry-After it names — delta-seconds or an
// HTTP-date; a missing or malformed value pauses for `default_retry_after`
// and is logged — capped at `max_pause`, and lowers the budget's pace
// (RateBudget::OnThrottled).
//
// Thread-safe.
#ifndef CXONE_SERVER_UPSTREAM_BUDGETED_HTTP_CLIENT_H_
#define CXONE_SERVER_UPSTREAM_BUDGETED_HTTP_CLIENT_H_

#include <atomic>

#include "common/clock.h"
#include "common/counter_set.h"
#include "common/json_log.h"
#include "server/http/http_client.h"
#include "server/upstream/rate_budget.h"

namespace cxone::upstream {

struct RetryAfterPolicy {
  absl::Duration default_retry_after = absl::Seconds(5);
  absl::Duration max_pause = absl::Minutes(5);
};

class BudgetedHttpClient final : public http::HttpClient {
 public:
  // All pointers must outlive the client.
  BudgetedHttpClient(http::HttpClient* inner, RateBudget* budget,
                     RetryAfterPolicy policy, Clock* clock, JsonLog* log);
  BudgetedHttpClient(const BudgetedHttpClient&) = delete;
  BudgetedHttpClient& operator=(const BudgetedHttpClient&) = delete;

  // As HttpClient::Send; waiting for the budget counts against the
  // request's `deadline` (DeadlineExceeded when it passes first).
  absl::StatusOr<http::HttpResponse> Send(
      const http::HttpRequest& request) override;

  // Requests sent, by {operation, HTTP status or "error"}; 429s received;
  // seconds of Retry-After pauses begun. For metrics.
  std::map<CounterSet::Labels, double> requests() const {
    return requests_.Snapshot();
  }
  double throttled() const { return throttled_.load(); }
  double paused_seconds() const { return paused_seconds_.load(); }

 private:
  http::HttpClient* const inner_;
  RateBudget* const budget_;
  const RetryAfterPolicy policy_;
  Clock* const clock_;
  JsonLog* const log_;
  CounterSet requests_;
  std::atomic<double> throttled_{0};
  std::atomic<double> paused_seconds_{0};
};

}  // namespace cxone::upstream

#endif  // CXONE_SERVER_UPSTREAM_BUDGETED_HTTP_CLIENT_H_
