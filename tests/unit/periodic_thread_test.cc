#include "common/periodic_thread.h"

#include <future>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::cxone::testing::FakeClock;
using ::cxone::testing::WaitUntil;

// Records the clock's time at every run.
class RunLog {
 public:
  explicit RunLog(const Clock* clock) : clock_(clock) {}
  void Record() {
    absl::MutexLock lock(&mu_);
    runs_.push_back(clock_->Now());
  }
  std::vector<absl::Time> runs() const {
    absl::MutexLock lock(&mu_);
    return runs_;
  }

 private:
  const Clock* const clock_;
  mutable absl::Mutex mu_;
  std::vector<absl::Time> runs_ ABSL_GUARDED_BY(mu_);
};

TEST(PeriodicThread, RunsOnceEachIntervalOfItsClockHasPassedNotBefore) {
  FakeClock clock;
  clock.set_sleeps_block(true);  // only Advance() moves the thread on
  const absl::Time start = clock.Now();
  RunLog log(&clock);
  PeriodicThread thread(absl::Hours(1), &clock, [&log] { log.Record(); });
  thread.Start();
  for (int round = 1; round <= 3; ++round) {
    // In its wait, until the end of this interval and not before.
    ASSERT_TRUE(WaitUntil([&] { return clock.blocked_waits() == 1; }));
    EXPECT_EQ(clock.blocked_deadlines(),
              std::vector<absl::Time>{start + round * absl::Hours(1)});
    clock.Advance(absl::Hours(1) - absl::Milliseconds(1));
    clock.Advance(absl::Milliseconds(1));
    ASSERT_TRUE(WaitUntil([&] { return log.runs().size() == size_t(round); }))
        << "no run after interval " << round;
  }
  thread.Shutdown();
  // A run that came early would carry the time of the first Advance().
  EXPECT_EQ(log.runs(), (std::vector<absl::Time>{start + absl::Hours(1),
                                                 start + absl::Hours(2),
                                                 start + absl::Hours(3)}));
}

TEST(PeriodicThread, ShutdownEndsTheWaitAtOnce) {
  FakeClock clock;
  clock.set_sleeps_block(true);
  RunLog log(&clock);
  PeriodicThread thread(absl::Hours(1), &clock, [&log] { log.Record(); });
  thread.Start();
  const bool waiting = WaitUntil([&] { return clock.blocked_waits() == 1; });
  std::future<void> shut_down =
      std::async(std::launch::async, [&thread] { thread.Shutdown(); });
  const bool ended =
      shut_down.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  if (!ended) clock.Advance(absl::Hours(1));  // let the thread go
  shut_down.wait();
  ASSERT_TRUE(waiting) << "the thread never waited for its interval";
  ASSERT_TRUE(ended) << "Shutdown() waited for the interval to pass";
  EXPECT_TRUE(log.runs().empty());
  EXPECT_EQ(clock.blocked_waits(), 0);
}

TEST(PeriodicThread,
     ShutdownTwiceOrBeforeStartIsFineAndStartAfterItRunsNothing) {
  FakeClock clock;  // sleeps pass at once: a started thread would run
  RunLog log(&clock);
  PeriodicThread thread(absl::Seconds(1), &clock, [&log] { log.Record(); });
  thread.Shutdown();
  thread.Start();
  thread.Shutdown();
  EXPECT_TRUE(log.runs().empty());
}

}  // namespace
}  // namespace cxone
