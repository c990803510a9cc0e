// RateBudget: the one allowance for everything the gateway sends to CXone.
//
// CXone rate-limits a whole account — at most L requests in any rolling
// second — so every request the gateway makes (token, trigger, status)
// draws from this budget. It is configured with L itself, the number CXone
// documents for the account, and keeps its own margin below it:
// - a sliding window, the hard ceiling: a request counts in it from its
//   start until 1 s + `window_margin` after its answer (for L < 1: 1/L s +
//   `window_margin`), and no request starts while floor(L) count (one for
//   L < 1). CXone counts a request at some moment between its start and its
//   answer, however slow the network or a connection's set-up; so any
//   rolling second of CXone's sees at most floor(L) of them. The margin
//   adds room for what arrives after the gateway gave up on it;
// - an adaptive pace, a token bucket at most `burst` deep: normally at the
//   window's own rate (floor(L) per window); after a 429 (OnThrottled()) it
//   drops to `decrease_factor` of what it was — or of the rate really sent
//   in the last window, when that was less — never below
//   `min_rate_fraction` of that ceiling, and once the pause is over climbs
//   back by `recovery_per_second` of the ceiling per second (additive
//   increase, multiplicative decrease, as the AWS SDKs' adaptive retry
//   mode);
// - a cap on requests in flight at the same time;
// - an account-wide pause: when CXone answers 429 with Retry-After, no
//   request at all is sent until the pause ends. When it ends, the bucket
//   starts empty, so traffic resumes at the pace instead of as a herd.
// Interactive requests (tokens, triggers: someone is waiting) go before
// background ones (status polls) when both wait — but never all of them:
// one permit in every `background_share_every` goes to a waiting background
// request, so a stream of StartCompile calls cannot starve the polls.
//
// Time is the injected Clock's, and Acquire() does every wait through it
// (Clock::AwaitWithDeadline), so that Shutdown() ends every wait at once
// and a FakeClock moves instead of a test blocking. On a FakeClock a wait
// for a slot or a turn passes the clock to the call's deadline like any
// other wait, unless the deadline is infinite or the clock's sleeps block.
//
// Thread-safe. Lock order (the budget takes only the clock's lock, and
// tells its PauseListeners unlocked): server/LOCKING.md.
#ifndef CXONE_SERVER_UPSTREAM_RATE_BUDGET_H_
#define CXONE_SERVER_UPSTREAM_RATE_BUDGET_H_

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "server/http/http_client.h"

namespace cxone::upstream {

struct RateBudgetConfig {
  // The account's limit: requests CXone admits in any rolling second.
  double account_rps_limit = 10;
  // Requests that may start at once after a quiet spell; 0 (or more than
  // the limit allows in one window): as many as the window allows.
  int64_t burst = 0;
  int64_t max_in_flight = 8;
  // While both wait, every Nth permit goes to a background request.
  int64_t background_share_every = 4;
  // Added to the second a request stays in the window after its answer:
  // room for a request CXone counts after the gateway stopped waiting for
  // it (a timeout).
  absl::Duration window_margin = absl::Milliseconds(100);
  // After a 429 the pace drops to this fraction of what it was (or of what
  // was sent, if less) ...
  double decrease_factor = 0.7;
  // ... never below this fraction of the window's rate ...
  double min_rate_fraction = 0.2;
  // ... and climbs back by this fraction of the window's rate per second.
  double recovery_per_second = 0.03;
};

// Told when the account is paused by a Retry-After. A pause extended while
// it lasts is not told again. Called without the budget's lock held.
class PauseListener {
 public:
  virtual ~PauseListener() = default;
  virtual void OnUpstreamPaused(absl::Time until) = 0;
};

class RateBudget {
 public:
  // A right to send one request; releases its in-flight slot when destroyed.
  class Permit {
   public:
    Permit() = default;
    Permit(Permit&& other) noexcept : budget_(other.budget_) {
      other.budget_ = nullptr;
    }
    Permit& operator=(Permit&& other) noexcept;
    Permit(const Permit&) = delete;
    Permit& operator=(const Permit&) = delete;
    ~Permit();

   private:
    friend class RateBudget;
    explicit Permit(RateBudget* budget) : budget_(budget) {}
    RateBudget* budget_ = nullptr;
  };

  // The outcome of TryAcquire: a permit, or when to try again.
  struct Attempt {
    std::optional<Permit> permit;
    // When a permit could next be available for time reasons (bucket, pause);
    // absl::InfiniteFuture() when only a release of a slot can help.
    absl::Time retry_at = absl::InfinitePast();
  };

  // REQUIRES: account_rps_limit > 0, burst >= 0, max_in_flight >= 1,
  // window_margin >= 0, 0 < decrease_factor <= 1,
  // 0 < min_rate_fraction <= 1, recovery_per_second > 0.
  RateBudget(RateBudgetConfig config, Clock* clock);
  RateBudget(const RateBudget&) = delete;
  RateBudget& operator=(const RateBudget&) = delete;

  // The bucket depth `config` gives: its burst, or as many as the window
  // allows when that is 0 or more.
  static int64_t EffectiveBurst(const RateBudgetConfig& config);

  // Takes a permit if one is available now. A background request is refused
  // while an interactive one is waiting in Acquire().
  Attempt TryAcquire(http::RequestPriority priority);

  // Waits for a permit until `deadline`; DeadlineExceeded if none came,
  // Cancelled after Shutdown(). May block: never call from a gRPC reactor.
  absl::StatusOr<Permit> Acquire(http::RequestPriority priority,
                                 absl::Time deadline);

  // Refuses every later Acquire() and wakes those waiting (Cancelled), so
  // that shutdown never waits out a rate limit or a Retry-After pause.
  void Shutdown();

  // Pauses all requests until `until` (a later pause extends it; an earlier
  // one changes nothing) and tells the listeners.
  void PauseUntil(absl::Time until);

  // CXone answered 429 and pauses the account until `pause_until`: pauses
  // (as PauseUntil) and lowers the pace, which climbs back once the pause
  // is over. 429s within one window of the last decrease lower it only once
  // (they answer requests sent before the lower pace took effect).
  void OnThrottled(absl::Time pause_until);

  // The pace now, in requests per second: the window's rate unless a 429
  // lowered it (for the metric; a pause is not counted in it).
  double current_rate() const;
  // The window's rate: floor(L) per window, the most the pace climbs to.
  double max_rate() const { return max_rate_; }

  // The end of the current pause, or InfinitePast when not paused.
  absl::Time paused_until() const;

  // Requests that could start now for time reasons (bucket and window;
  // 0 during a pause), for the scheduler's spare capacity.
  int64_t AvailableTokens() const;

  int64_t in_flight() const;
  // Requests of `priority` waiting in Acquire() now.
  int64_t waiting(http::RequestPriority priority) const;
  // The configuration, with `burst` resolved to the depth in effect.
  const RateBudgetConfig& config() const { return config_; }

  // `listener` must outlive the budget or be removed first.
  void AddPauseListener(PauseListener* listener);

 private:
  static RateBudgetConfig Resolved(RateBudgetConfig config);
  void Refill(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The pace at `at` (constant until climb_from_, then climbing).
  double RateAt(absl::Time at) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Forgets answers that left the window; clamps those a clock stepped
  // back from to `now`, so they still count but never stall the window.
  void PruneWindow(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Requests in the window: in flight, or answered within the window.
  int64_t InWindow() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  Attempt TryAcquireLocked(http::RequestPriority priority, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Release();

  const RateBudgetConfig config_;
  Clock* const clock_;
  // Starts allowed per window, and the window.
  const int64_t window_starts_;
  const absl::Duration window_;
  const double max_rate_;

  mutable absl::Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_);
  absl::Time refilled_at_ ABSL_GUARDED_BY(mu_);
  // When the requests answered within the last window were answered,
  // oldest first.
  std::deque<absl::Time> recent_ends_ ABSL_GUARDED_BY(mu_);
  // The pace is rate_from_ until climb_from_, then climbs to max_rate_.
  double rate_from_ ABSL_GUARDED_BY(mu_);
  absl::Time climb_from_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  absl::Time last_decrease_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time paused_until_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t interactive_waiting_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t background_waiting_ ABSL_GUARDED_BY(mu_) = 0;
  // Interactive permits granted in a row while a background request waited.
  int64_t interactive_streak_ ABSL_GUARDED_BY(mu_) = 0;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  // Bumped by every release, pause and shutdown: what waiters wait on.
  uint64_t changes_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<PauseListener*> listeners_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone::upstream

#endif  // CXONE_SERVER_UPSTREAM_RATE_BUDGET_H_
