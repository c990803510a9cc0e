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
  const bool background_has_its_turn =
      interactive_streak_ >= config_.background_share_every;
  if (priority == RequestPriority::kBackground && interactive_waiting_ > 0 &&
      !background_has_its_turn) {
    // Yield to the waiting interactive request; Acquire() waits for it.
    attempt.retry_at = absl::InfiniteFuture();
    return attempt;
  }
  if (priority == RequestPriority::kInteractive && background_waiting_ > 0 &&
      background_has_its_turn) {
    attempt.retry_at = absl::InfiniteFuture();
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
  if (priority == RequestPriority::kBackground) {
    interactive_streak_ = 0;
  } else if (background_waiting_ > 0) {
    ++interactive_streak_;
  }
  ++changes_;  // a grant may make it a waiting request's turn
  attempt.permit = Permit(this);
  return attempt;
}

RateBudget::Attempt RateBudget::TryAcquire(RequestPriority priority) {
  absl::MutexLock lock(&mu_);
  return TryAcquireLocked(priority, clock_->Now());
}

absl::StatusOr<RateBudget::Permit> RateBudget::Acquire(RequestPriority priority,
                                                       absl::Time deadline) {
  int64_t& waiting = priority == RequestPriority::kInteractive
                         ? interactive_waiting_
                         : background_waiting_;
  absl::MutexLock lock(&mu_);
  ++waiting;
  while (true) {
    if (shut_down_) {
      --waiting;
      ++changes_;
      return absl::CancelledError("the gateway is shutting down");
    }
    const absl::Time now = clock_->Now();
    Attempt attempt = TryAcquireLocked(priority, now);
    if (attempt.permit.has_value()) {
      --waiting;
      return std::move(*attempt.permit);
    }
    const bool waits_for_time = attempt.retry_at != absl::InfiniteFuture();
    if (now >= deadline || (waits_for_time && attempt.retry_at >= deadline)) {
      --waiting;
      ++changes_;  // a waiter leaving may let a yielding one through
      return absl::DeadlineExceededError(
          "no upstream request budget became available in time (rate limit, "
          "Retry-After pause or in-flight cap)");
    }
    if (!waits_for_time) {
      // Waiting for a slot or for our turn: every release, grant and
      // shutdown bumps changes_. The timeout only bounds a missed wake-up.
      const uint64_t seen = changes_;
      auto changed = [this, seen]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return changes_ != seen;
      };
      mu_.AwaitWithTimeout(absl::Condition(&changed), kSlotWaitSlice);
    } else {
      // Waiting for time (bucket or pause): sleep on the clock, so a fake
      // clock moves instead of a test blocking.
      mu_.Unlock();
      clock_->SleepFor(attempt.retry_at - now);
      mu_.Lock();
    }
  }
}

void RateBudget::Shutdown() {
  absl::MutexLock lock(&mu_);
  shut_down_ = true;
  ++changes_;
}

void RateBudget::Release() {
  absl::MutexLock lock(&mu_);
  --in_flight_;
  ++changes_;
}

void RateBudget::PauseUntil(absl::Time until) {
  std::vector<PauseListener*> listeners;
  {
    absl::MutexLock lock(&mu_);
    if (until <= paused_until_) return;
    const bool already_paused = clock_->Now() < paused_until_;
    paused_until_ = until;
    // Resume at the steady rate: nothing saved up during the pause.
    tokens_ = 0;
    refilled_at_ = until;
    ++changes_;
    if (!already_paused) listeners = listeners_;
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

int64_t RateBudget::waiting(RequestPriority priority) const {
  absl::MutexLock lock(&mu_);
  return priority == RequestPriority::kInteractive ? interactive_waiting_
                                                   : background_waiting_;
}

void RateBudget::AddPauseListener(PauseListener* listener) {
  absl::MutexLock lock(&mu_);
  listeners_.push_back(listener);
}

}  // namespace cxone::upstream
