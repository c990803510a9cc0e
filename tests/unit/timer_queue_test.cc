#include "server/timer_queue.h"

#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"

namespace cxone {
namespace {

TEST(TimerQueue, RunsTasksOnlyWhenDueInDueOrder) {
  testing::FakeClock clock;
  TimerQueue timers(&clock);
  std::vector<int> ran;
  const absl::Time now = clock.Now();
  timers.Schedule(now + absl::Seconds(2), [&] { ran.push_back(2); });
  timers.Schedule(now + absl::Seconds(1), [&] { ran.push_back(1); });
  timers.Schedule(now + absl::Seconds(1), [&] { ran.push_back(11); });
  EXPECT_EQ(timers.RunDue(), 0);
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(timers.RunDue(), 2);
  EXPECT_EQ(ran, (std::vector<int>{1, 11}));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(timers.RunDue(), 1);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(TimerQueue, ThreadRunsTaskScheduledEarlierThanWhatItWaitsFor) {
  RealClock clock;
  TimerQueue timers(&clock);
  timers.Start();
  absl::Notification late_ran;
  absl::Notification soon_ran;
  timers.Schedule(clock.Now() + absl::Hours(1), [&] { late_ran.Notify(); });
  timers.Schedule(clock.Now() + absl::Milliseconds(10),
                  [&] { soon_ran.Notify(); });
  EXPECT_TRUE(soon_ran.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_FALSE(late_ran.HasBeenNotified());
  timers.Shutdown();
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(TimerQueue, DropsTasksAfterShutdown) {
  testing::FakeClock clock;
  TimerQueue timers(&clock);
  timers.Shutdown();
  bool ran = false;
  timers.Schedule(clock.Now(), [&] { ran = true; });
  EXPECT_EQ(timers.RunDue(), 0);
  EXPECT_FALSE(ran);
}

}  // namespace
}  // namespace cxone
