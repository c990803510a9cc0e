#include "server/upstream/rate_budget.h"

#include <algorithm>

namespace cxone::upstream {
namespace {

// floor(L) starts per window (one for L < 1), and the window: a second (1/L
// s for L < 1) plus the margin.
int64_t WindowStarts(double limit) {
  return limit >= 1 ? static_cast<int64_t>(limit) : 1;
}

absl::Duration Window(const RateBudgetConfig& config) {
  const absl::Duration base = config.account_rps_limit >= 1
                                  ? absl::Seconds(1)
                                  : absl::Seconds(1 / config.account_rps_limit);
  return base + config.window_margin;
}

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

int64_t RateBudget::EffectiveBurst(const RateBudgetConfig& config) {
  const int64_t most = WindowStarts(config.account_rps_limit);
  return config.burst <= 0 || config.burst > most ? most : config.burst;
}

RateBudgetConfig RateBudget::Resolved(RateBudgetConfig config) {
  config.burst = EffectiveBurst(config);
  return config;
}

RateBudget::RateBudget(RateBudgetConfig config, Clock* clock)
    : config_(Resolved(config)),
      clock_(clock),
      window_starts_(WindowStarts(config.account_rps_limit)),
      window_(Window(config)),
      max_rate_(static_cast<double>(window_starts_) /
                absl::ToDoubleSeconds(window_)),
      tokens_(static_cast<double>(config_.burst)),
      refilled_at_(clock->Now()),
      rate_from_(max_rate_) {}

double RateBudget::RateAt(absl::Time at) const {
  if (at <= climb_from_) return rate_from_;
  const double climbed =
      rate_from_ + config_.recovery_per_second * max_rate_ *
                       absl::ToDoubleSeconds(at - climb_from_);
  return std::min(max_rate_, climbed);
}

void RateBudget::Refill(absl::Time now) {
  if (now <= refilled_at_) return;
  // The pace is piecewise linear in time: the mean of the two ends is exact
  // within a piece and close enough across a bend (the window, not the
  // bucket, is the hard ceiling).
  const double mean_rate = (RateAt(refilled_at_) + RateAt(now)) / 2;
  tokens_ =
      std::min(static_cast<double>(config_.burst),
               tokens_ + absl::ToDoubleSeconds(now - refilled_at_) * mean_rate);
  refilled_at_ = now;
}

void RateBudget::PruneWindow(absl::Time now) {
  while (!recent_ends_.empty() && recent_ends_.front() <= now - window_) {
    recent_ends_.pop_front();
  }
  for (absl::Time& end : recent_ends_) end = std::min(end, now);
}

int64_t RateBudget::InWindow() const {
  return in_flight_ + static_cast<int64_t>(recent_ends_.size());
}

RateBudget::Attempt RateBudget::TryAcquireLocked(http::RequestPriority priority,
                                                 absl::Time now) {
  Attempt attempt;
  if (now < paused_until_) {
    attempt.retry_at = paused_until_;
    return attempt;
  }
  Refill(now);
  PruneWindow(now);
  const bool background_has_its_turn =
      interactive_streak_ >= config_.background_share_every;
  if (priority == http::RequestPriority::kBackground &&
      interactive_waiting_ > 0 && !background_has_its_turn) {
    // Yield to the waiting interactive request; Acquire() waits for it.
    attempt.retry_at = absl::InfiniteFuture();
    return attempt;
  }
  if (priority == http::RequestPriority::kInteractive &&
      background_waiting_ > 0 && background_has_its_turn) {
    attempt.retry_at = absl::InfiniteFuture();
    return attempt;
  }
  if (in_flight_ >= config_.max_in_flight) {
    attempt.retry_at = absl::InfiniteFuture();
    return attempt;
  }
  absl::Time ready = now;
  if (tokens_ < 1.0) {
    // The pace only rises from here until the next 429, so this is late,
    // never early.
    ready = now + absl::Seconds((1.0 - tokens_) / RateAt(now));
  }
  if (InWindow() >= window_starts_) {
    if (in_flight_ >= window_starts_) {
      // Only an answer can help.
      attempt.retry_at = absl::InfiniteFuture();
      return attempt;
    }
    // Enough of the answered requests must leave the window first.
    const int64_t must_leave = InWindow() - window_starts_ + 1;
    ready = std::max(ready, recent_ends_[must_leave - 1] + window_);
  }
  if (ready > now) {
    attempt.retry_at = ready;
    return attempt;
  }
  tokens_ -= 1.0;
  ++in_flight_;
  if (priority == http::RequestPriority::kBackground) {
    interactive_streak_ = 0;
  } else if (background_waiting_ > 0) {
    ++interactive_streak_;
  }
  ++changes_;  // a grant may make it a waiting request's turn
  attempt.permit = Permit(this);
  return attempt;
}

RateBudget::Attempt RateBudget::TryAcquire(http::RequestPriority priority) {
  absl::MutexLock lock(&mu_);
  return TryAcquireLocked(priority, clock_->Now());
}

absl::StatusOr<RateBudget::Permit> RateBudget::Acquire(
    http::RequestPriority priority, absl::Time deadline) {
  int64_t& waiting = priority == http::RequestPriority::kInteractive
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
    // Every release, grant, pause and shutdown bumps changes_ under mu_, so
    // a wait on it misses no wake-up and needs no timeout of its own.
    const uint64_t seen = changes_;
    auto changed = [this, seen]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return changes_ != seen;
    };
    // Waiting for time (bucket, window or pause) until then, or for a slot
    // or our turn until the call's deadline: on the clock, so that a fake
    // clock moves instead of a test blocking, and with the lock given up
    // in a way a change ends at once, so that Shutdown() never waits out a
    // Retry-After pause.
    clock_->AwaitWithDeadline(mu_, absl::Condition(&changed),
                              waits_for_time ? attempt.retry_at : deadline);
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
  // CXone may have counted the request at any moment until its answer came:
  // it stays in the window for a window after that.
  const absl::Time now = clock_->Now();
  PruneWindow(now);
  recent_ends_.push_back(now);
  ++changes_;
}

void RateBudget::OnThrottled(absl::Time pause_until) {
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    double rate = RateAt(now);
    if (now >= last_decrease_ + window_) {
      // Down from what was really sent, when that was less than the pace
      // allowed (a light load, or someone else spending the account too):
      // lowering an unused allowance would change nothing.
      PruneWindow(now);
      const double sent =
          static_cast<double>(InWindow()) / absl::ToDoubleSeconds(window_);
      rate = std::max(config_.min_rate_fraction * max_rate_,
                      std::min(rate, sent) * config_.decrease_factor);
      last_decrease_ = now;
    }
    // Hold the pace here until the pause is over, then climb.
    Refill(now);
    rate_from_ = rate;
    climb_from_ = std::max({climb_from_, now, pause_until});
  }
  PauseUntil(pause_until);
}

double RateBudget::current_rate() const {
  absl::MutexLock lock(&mu_);
  return RateAt(clock_->Now());
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
                                   (RateAt(refilled_at_) + RateAt(now)) / 2);
  }
  int64_t in_window = in_flight_;
  for (absl::Time end : recent_ends_) {
    if (end > now - window_) ++in_window;
  }
  return std::max<int64_t>(
      0, std::min(static_cast<int64_t>(tokens), window_starts_ - in_window));
}

int64_t RateBudget::in_flight() const {
  absl::MutexLock lock(&mu_);
  return in_flight_;
}

int64_t RateBudget::waiting(http::RequestPriority priority) const {
  absl::MutexLock lock(&mu_);
  return priority == http::RequestPriority::kInteractive ? interactive_waiting_
                                                         : background_waiting_;
}

void RateBudget::AddPauseListener(PauseListener* listener) {
  absl::MutexLock lock(&mu_);
  listeners_.push_back(listener);
}

}  // namespace cxone::upstream
