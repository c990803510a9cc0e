#include "server/upstream/budgeted_http_client.h"

#include <algorithm>

#include "server/upstream/retry_after.h"

namespace cxone::upstream {
namespace {

constexpr absl::Duration kMinPause = absl::Milliseconds(100);

}  // namespace

BudgetedHttpClient::BudgetedHttpClient(http::HttpClient* inner,
                                       RateBudget* budget,
                                       RetryAfterPolicy policy, Clock* clock,
                                       JsonLog* log)
    : inner_(inner),
      budget_(budget),
      policy_(policy),
      clock_(clock),
      log_(log) {}

absl::StatusOr<http::HttpResponse> BudgetedHttpClient::Send(
    const http::HttpRequest& request) {
  absl::StatusOr<RateBudget::Permit> permit =
      budget_->Acquire(request.priority, request.deadline);
  // A 429 seen by another request between our permit and our send pauses
  // us too: give the permit back and wait for the pause to end.
  while (permit.ok() && budget_->paused_until() != absl::InfinitePast()) {
    *permit = RateBudget::Permit();
    permit = budget_->Acquire(request.priority, request.deadline);
  }
  if (!permit.ok()) return permit.status();
  http::HttpRequest bounded = request;
  // Time spent waiting for the budget comes out of the request's own time.
  bounded.timeout = std::min(request.timeout, request.deadline - clock_->Now());
  // curl reads a timeout below a millisecond as "no timeout at all".
  if (bounded.timeout < absl::Milliseconds(1)) {
    return absl::DeadlineExceededError(
        "the request's deadline passed while it waited for the upstream "
        "budget");
  }
  absl::StatusOr<http::HttpResponse> response = inner_->Send(bounded);
  requests_.Add({request.operation.empty() ? "other" : request.operation,
                 response.ok() ? absl::StrCat(response->status_code)
                               : std::string("error")});
  if (response.ok() && response->status_code == 429) {
    throttled_.fetch_add(1);
    const std::string header = response->Header("retry-after");
    const absl::Time now = clock_->Now();
    std::optional<absl::Duration> wait = ParseRetryAfter(header, now);
    if (!wait.has_value()) {
      log_->Warn("429 without a usable Retry-After; pausing for the default",
                 {{"retry_after", header},
                  {"default_ms",
                   absl::ToInt64Milliseconds(policy_.default_retry_after)}});
      wait = policy_.default_retry_after;
    }
    // "Retry-After: 0" must not become a hot loop of refused requests.
    const absl::Duration pause =
        std::clamp(*wait, kMinPause, std::max(kMinPause, policy_.max_pause));
    log_->Warn(
        "CXone rate-limited the account; pausing all upstream requests",
        {{"pause_ms", absl::ToInt64Milliseconds(pause)}, {"url", request.url}});
    // Pauses the account and lowers the budget's own pace, so that a
    // gateway whose margin was not enough does not run into the limit again.
    budget_->OnThrottled(now + pause);
    paused_seconds_.fetch_add(absl::ToDoubleSeconds(pause));
  }
  return response;
}

}  // namespace cxone::upstream
