// RateBudget: the one allowance for everything the gateway sends to CXone.
//
// CXone rate-limits a whole account, so every request the gateway makes —
// token, trigger, status — draws from this budget, which has three parts:
// - a token bucket: `requests_per_second` on average, at most `burst` at once;
// - a cap on requests in flight at the same time;
// - an account-wide pause: when CXone answers 429 with Retry-After, no
//   request at all is sent until the pause ends. When it ends, the bucket
//   starts empty, so traffic resumes at the steady rate instead of as a herd.
// Interactive requests (tokens, triggers: someone is waiting) go before
// background ones (status polls) when both wait — but never all of them:
// one permit in every `background_share_every` goes to a waiting background
// request, so a stream of StartCompile calls cannot starve the polls.
//
// Time is the injected Clock's; with a FakeClock, Acquire() advances the
// clock instead of blocking on time (it still blocks on the in-flight cap).
//
// Thread-safe.
#ifndef CXONE_SERVER_UPSTREAM_RATE_BUDGET_H_
#define CXONE_SERVER_UPSTREAM_RATE_BUDGET_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "server/upstream/http_client.h"

namespace cxone::upstream {

struct RateBudgetConfig {
  double requests_per_second = 10;
  int64_t burst = 10;
  int64_t max_in_flight = 8;
  // While both wait, every Nth permit goes to a background request.
  int64_t background_share_every = 4;
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

  // REQUIRES: requests_per_second > 0, burst >= 1, max_in_flight >= 1.
  RateBudget(RateBudgetConfig config, Clock* clock);
  RateBudget(const RateBudget&) = delete;
  RateBudget& operator=(const RateBudget&) = delete;

  // Takes a permit if one is available now. A background request is refused
  // while an interactive one is waiting in Acquire().
  Attempt TryAcquire(RequestPriority priority);

  // Waits for a permit until `deadline`; DeadlineExceeded if none came,
  // Cancelled after Shutdown(). May block: never call from a gRPC reactor.
  absl::StatusOr<Permit> Acquire(RequestPriority priority, absl::Time deadline);

  // Refuses every later Acquire() and wakes those waiting (Cancelled), so
  // that shutdown never waits out a rate limit or a Retry-After pause.
  void Shutdown();

  // Pauses all requests until `until` (a later pause extends it; an earlier
  // one changes nothing) and tells the listeners.
  void PauseUntil(absl::Time until);

  // The end of the current pause, or InfinitePast when not paused.
  absl::Time paused_until() const;

  // Whole tokens in the bucket now (for the scheduler's spare capacity).
  int64_t AvailableTokens() const;

  int64_t in_flight() const;
  // Requests of `priority` waiting in Acquire() now.
  int64_t waiting(RequestPriority priority) const;
  const RateBudgetConfig& config() const { return config_; }

  // `listener` must outlive the budget or be removed first.
  void AddPauseListener(PauseListener* listener);

 private:
  void Refill(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Attempt TryAcquireLocked(RequestPriority priority, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Release();

  const RateBudgetConfig config_;
  Clock* const clock_;

  mutable absl::Mutex mu_;
  double tokens_ ABSL_GUARDED_BY(mu_);
  absl::Time refilled_at_ ABSL_GUARDED_BY(mu_);
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
