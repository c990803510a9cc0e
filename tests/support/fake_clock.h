// FakeClock: a Clock that moves only when a test says so.
//
// SleepFor() advances the clock instead of blocking, so code that backs off
// runs instantly and deterministically under test.
//
// Thread-safe.
#ifndef CXONE_TESTS_SUPPORT_FAKE_CLOCK_H_
#define CXONE_TESTS_SUPPORT_FAKE_CLOCK_H_

#include "absl/synchronization/mutex.h"
#include "common/clock.h"

namespace cxone::testing {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'800'000'000))
      : now_(start) {}

  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void SleepFor(absl::Duration duration) override { Advance(duration); }

  void Advance(absl::Duration duration) {
    absl::MutexLock lock(&mu_);
    now_ += duration;
    slept_ += duration;
  }

  // Total time passed through SleepFor()/Advance().
  absl::Duration slept() const {
    absl::MutexLock lock(&mu_);
    return slept_;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  absl::Duration slept_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_FAKE_CLOCK_H_
