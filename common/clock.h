// Clock: where every component gets the time and does every wait, so that
// tests can use a fake.
//
// Components never call absl::Now(), absl::SleepFor() or a mutex's timed
// waits directly; they are handed a Clock in their constructor and wait
// through it: AwaitWithDeadline() for every wait that something may need to
// end early (a Shutdown(), a released slot, a finished fetch), SleepFor()
// only for a delay nothing ends early (the simulator's latency).
// StopSignal (stop_signal.h) and PeriodicThread (periodic_thread.h) are the
// usual ways to wait until shutdown. RealClock reads the system clock;
// FakeClock (tests/support/fake_clock.h) moves only when told to, so that
// backoff, pacing and background loops run instantly and deterministically
// under test.
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

  // Blocks the calling thread for `duration` of this clock's time; nothing
  // can end it early (wait with AwaitWithDeadline() where a shutdown must).
  // Only for worker threads; never call it from a gRPC reactor.
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
