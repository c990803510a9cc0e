#include "server/upstream/rate_budget.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace cxone::upstream {
namespace {

// How long Acquire() waits for a released slot before looking again; it is
// woken at once by a release, so this only bounds missed wake-ups.
constexpr absl::Duration kSlotWaitSlice = absl::Milliseconds(100);

}  // namespace

RateBudget::Permit& RateBudget::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    if (budget_ != nullptr) budget_->Release();
    budget_ = other.budget_;
    other.budget_ = nullptr;
  }
  return *this;
}

RateBudget::Permit::~Permit() {
  if (budget_ != nullptr) budget_->Release();
}

RateBudget::RateBudget(RateBudgetConfig config, Clock* clock)
    : config_(config),
      clock_(clock),
      tokens_(static_cast<double>(config.burst)),
      refilled_at_(clock->Now()) {}

void RateBudget::Refill(absl::Time now) {
  if (now <= refilled_at_) return;
  tokens_ = std::min(static_cast<double>(config_.burst),
                     tokens_ + absl::ToDoubleSeconds(now - refilled_at_) *
                                   config_.requests_per_second);
  refilled_at_ = now;
}

RateBudget::Attempt RateBudget::TryAcquireLocked(RequestPriority priority,
                                                 absl::Time now) {
  Attempt attempt;
  if (now < paused_until_) {
    attempt.retry_at = paused_until_;
    return attempt;
  }
  Refill(now);
  if (priority == RequestPriority::kBackground && interactive_waiting_ > 0) {
    // Yield to the waiting interactive request; try again very soon.
    attempt.retry_at = now + absl::Milliseconds(1);
    return attempt;
  }
  if (in_flight_ >= config_.max_in_flight) {
    attempt.retry_at = absl::InfiniteFuture();
    return attempt;
  }
  if (tokens_ < 1.0) {
    attempt.retry_at =
        now + absl::Seconds((1.0 - tokens_) / config_.requests_per_second);
    return attempt;
  }
  tokens_ -= 1.0;
  ++in_flight_;
  attempt.permit = Permit(this);
  return attempt;
}

RateBudget::Attempt RateBudget::TryAcquire(RequestPriority priority) {
  absl::MutexLock lock(&mu_);
  return TryAcquireLocked(priority, clock_->Now());
}

absl::StatusOr<RateBudget::Permit> RateBudget::Acquire(
    RequestPriority priority, absl::Time deadline) {
  const bool interactive = priority == RequestPriority::kInteractive;
  mu_.Lock();
  if (interactive) ++interactive_waiting_;
  while (true) {
    const absl::Time now = clock_->Now();
    Attempt attempt = TryAcquireLocked(priority, now);
    if (attempt.permit.has_value()) {
      if (interactive) --interactive_waiting_;
      mu_.Unlock();
      return std::move(*attempt.permit);
    }
    const bool waits_for_time = attempt.retry_at != absl::InfiniteFuture();
    if (now >= deadline || (waits_for_time && attempt.retry_at >= deadline)) {
      if (interactive) --interactive_waiting_;
      mu_.Unlock();
      return absl::DeadlineExceededError(
          "no upstream request budget became available in time (rate limit, "
          "Retry-After pause or in-flight cap)");
    }
    if (!waits_for_time) {
      // Waiting for a slot: a release signals the condition.
      const int64_t in_flight = in_flight_;
      auto released = [this, in_flight]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return in_flight_ < in_flight;
      };
      mu_.AwaitWithTimeout(absl::Condition(&released), kSlotWaitSlice);
    } else {
      // Waiting for time (bucket or pause): sleep on the clock, so a fake
      // clock moves instead of a test blocking.
      mu_.Unlock();
      clock_->SleepFor(attempt.retry_at - now);
      mu_.Lock();
    }
  }
}

void RateBudget::Release() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

void RateBudget::PauseUntil(absl::Time until) {
  std::vector<PauseListener*> listeners;
  {
    absl::MutexLock lock(&mu_);
    if (until <= paused_until_) return;
    paused_until_ = until;
    // Resume at the steady rate: nothing saved up during the pause.
    tokens_ = 0;
    refilled_at_ = until;
    listeners = listeners_;
  }
  for (PauseListener* listener : listeners) listener->OnUpstreamPaused(until);
}

absl::Time RateBudget::paused_until() const {
  absl::MutexLock lock(&mu_);
  return paused_until_ > clock_->Now() ? paused_until_ : absl::InfinitePast();
}

int64_t RateBudget::AvailableTokens() const {
  absl::MutexLock lock(&mu_);
  const absl::Time now = clock_->Now();
  if (now < paused_until_) return 0;
  double tokens = tokens_;
  if (now > refilled_at_) {
    tokens = std::min(static_cast<double>(config_.burst),
                      tokens + absl::ToDoubleSeconds(now - refilled_at_) *
                                   config_.requests_per_second);
  }
  return static_cast<int64_t>(tokens);
}

int64_t RateBudget::in_flight() const {
  absl::MutexLock lock(&mu_);
  return in_flight_;
}

void RateBudget::AddPauseListener(PauseListener* listener) {
  absl::MutexLock lock(&mu_);
  listeners_.push_back(listener);
}

}  // namespace cxone::upstream
