// FakeClock: a Clock that moves only when a test says so.
//
// By default SleepFor() and AwaitWithDeadline() advance the clock instead of
// blocking (AwaitWithDeadline() only when its condition does not already
// hold), so code that backs off runs instantly and deterministically under
// test. With set_sleeps_block(true) they block instead until Advance() moves
// the clock far enough — or, for AwaitWithDeadline(), until the condition
// holds — for tests that need a thread to stay in its wait (e.g. to see a
// Shutdown() end it), or that drive a background thread step by step:
// wait until blocked_waits() says the thread is in its wait (its deadline
// taken), then Advance().
//
// Thread-safe.
#ifndef CXONE_TESTS_SUPPORT_FAKE_CLOCK_H_
#define CXONE_TESTS_SUPPORT_FAKE_CLOCK_H_

#include <set>
#include <vector>

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

  void SleepFor(absl::Duration duration) override {
    absl::MutexLock lock(&mu_);
    if (!sleeps_block_) {
      now_ += duration;
      slept_ += duration;
      return;
    }
    const absl::Time until = now_ + duration;
    auto reached = [this, until]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return now_ >= until;
    };
    auto waiting = blocked_until_.insert(until);
    mu_.Await(absl::Condition(&reached));
    blocked_until_.erase(waiting);
  }

  bool AwaitWithDeadline(absl::Mutex& mu, const absl::Condition& condition,
                         absl::Time deadline) override
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    if (condition.Eval()) return true;
    if (!sleeps_block()) {
      // As SleepFor: the wait ends at its deadline, at once. A wait without
      // one can only end by the condition.
      if (deadline == absl::InfiniteFuture()) {
        mu.Await(condition);
        return true;
      }
      const absl::Time now = Now();
      if (deadline > now) Advance(deadline - now);
      return condition.Eval();
    }
    // Advance() does not touch `mu`, so look at this clock every
    // millisecond of real time; a change under `mu` wakes us at once.
    BlockedWait counted(this, deadline);
    while (Now() < deadline) {
      if (mu.AwaitWithTimeout(condition, absl::Milliseconds(1))) return true;
    }
    return condition.Eval();
  }

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

  // true: SleepFor() and AwaitWithDeadline() block until Advance() reaches
  // their end instead of advancing the clock themselves.
  void set_sleeps_block(bool block) {
    absl::MutexLock lock(&mu_);
    sleeps_block_ = block;
  }
  bool sleeps_block() const {
    absl::MutexLock lock(&mu_);
    return sleeps_block_;
  }

  // Threads blocked in SleepFor() or AwaitWithDeadline() now (only with
  // set_sleeps_block(true); without it they do not block on time).
  int blocked_waits() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(blocked_until_.size());
  }

  // The deadlines of the waits blocked now, earliest first: where a
  // background thread will next wake (a wait without one shows
  // InfiniteFuture).
  std::vector<absl::Time> blocked_deadlines() const {
    absl::MutexLock lock(&mu_);
    return std::vector<absl::Time>(blocked_until_.begin(),
                                   blocked_until_.end());
  }

 private:
  // Counts one blocked AwaitWithDeadline() for as long as it lives.
  class BlockedWait {
   public:
    BlockedWait(FakeClock* clock, absl::Time deadline) : clock_(clock) {
      absl::MutexLock lock(&clock_->mu_);
      entry_ = clock_->blocked_until_.insert(deadline);
    }
    ~BlockedWait() {
      absl::MutexLock lock(&clock_->mu_);
      clock_->blocked_until_.erase(entry_);
    }
    BlockedWait(const BlockedWait&) = delete;
    BlockedWait& operator=(const BlockedWait&) = delete;

   private:
    FakeClock* const clock_;
    std::multiset<absl::Time>::iterator entry_;
  };

  mutable absl::Mutex mu_;
  absl::Time now_ ABSL_GUARDED_BY(mu_);
  absl::Duration slept_ ABSL_GUARDED_BY(mu_);
  bool sleeps_block_ ABSL_GUARDED_BY(mu_) = false;
  std::multiset<absl::Time> blocked_until_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_FAKE_CLOCK_H_
