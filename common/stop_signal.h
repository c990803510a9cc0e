// StopSignal: a one-way "stop" that ends waits on a Clock at once.
//
// An owner whose threads wait for time — a retry backoff, the interval of a
// periodic task — holds one, waits with SleepFor(), and calls Stop() in its
// Shutdown(): every thread in SleepFor() wakes at once, and every later
// SleepFor() returns at once, so that shutdown never waits out a delay. The
// waits are Clock::AwaitWithDeadline, so a FakeClock drives them (with
// set_sleeps_block(true), a SleepFor() ends when Advance() reaches its end
// or Stop() is called).
//
// Thread-safe.
#ifndef CXONE_COMMON_STOP_SIGNAL_H_
#define CXONE_COMMON_STOP_SIGNAL_H_

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"

namespace cxone {

class StopSignal {
 public:
  // `clock` must outlive the signal.
  explicit StopSignal(Clock* clock) : clock_(clock) {}
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Wakes every SleepFor() and makes later ones return at once. Idempotent.
  void Stop();

  // Whether Stop() was called.
  bool stopped() const;

  // Waits for `duration` of the clock's time. Returns true when it passed,
  // false when Stop() ended it or had been called. Blocks: only for worker
  // threads, never a gRPC reactor.
  bool SleepFor(absl::Duration duration);

 private:
  Clock* const clock_;
  mutable absl::Mutex mu_;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace cxone

#endif  // CXONE_COMMON_STOP_SIGNAL_H_
