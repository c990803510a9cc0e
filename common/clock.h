// Clock: where every component gets the time, so that tests can use a fake.
//
// Components never call absl::Now() or sleep directly; they are handed a
// Clock in their constructor. RealClock reads the system clock; FakeClock
// (tests/support/fake_clock.h) moves only when told to.
//
// Thread-safety: implementations must be safe to call from any thread.
#ifndef CXONE_COMMON_CLOCK_H_
#define CXONE_COMMON_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace cxone {

class Clock {
 public:
  virtual ~Clock() = default;

  // The current time.
  virtual absl::Time Now() const = 0;

  // Blocks the calling thread for `duration` of this clock's time. Only for
  // worker threads (retry backoff); never call it from a gRPC reactor.
  virtual void SleepFor(absl::Duration duration) = 0;

  // Waits until `condition` holds or this clock reaches `deadline`, as
  // absl::Mutex::AwaitWithDeadline does on the system clock: `mu` is held
  // on entry and on return, and released while waiting, so a change made
  // under `mu` (e.g. a Shutdown()) ends the wait at once — which a SleepFor()
  // cannot. Returns whether `condition` holds. Only for worker threads.
  virtual bool AwaitWithDeadline(absl::Mutex& mu,
                                 const absl::Condition& condition,
                                 absl::Time deadline)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) = 0;
};

// The system clock.
class RealClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  void SleepFor(absl::Duration duration) override { absl::SleepFor(duration); }
  bool AwaitWithDeadline(absl::Mutex& mu, const absl::Condition& condition,
                         absl::Time deadline) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return mu.AwaitWithDeadline(condition, deadline);
  }
};

}  // namespace cxone

#endif  // CXONE_COMMON_CLOCK_H_
