// Specification of the watchdog that cancels a silent watch stream. It runs
// on real (steady) time because it cancels real gRPC calls, so these tests
// use limits of tens of milliseconds and generous upper bounds.
#include "client/idle_watchdog.h"

#include <atomic>
#include <chrono>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone::client {
namespace {

using Steady = std::chrono::steady_clock;

TEST(IdleWatchdog, FiresOnceTheArmedLimitPassesInSilence) {
  absl::Notification idle;
  IdleWatchdog watchdog([&idle] { idle.Notify(); });
  const Steady::time_point armed = Steady::now();
  watchdog.Arm(absl::Milliseconds(50));

  ASSERT_TRUE(idle.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_GE(Steady::now() - armed, std::chrono::milliseconds(50));
  EXPECT_TRUE(watchdog.fired());
}

TEST(IdleWatchdog, TouchStartsTheSilenceAgain) {
  std::atomic<int> calls = 0;
  IdleWatchdog watchdog([&calls] { ++calls; });
  watchdog.Arm(absl::Milliseconds(100));
  // 300ms of activity every 20ms: never 100ms of silence.
  for (int i = 0; i < 15; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
    watchdog.Touch();
  }
  EXPECT_FALSE(watchdog.fired());
  EXPECT_EQ(calls.load(), 0);

  absl::SleepFor(absl::Milliseconds(400));
  EXPECT_TRUE(watchdog.fired());
  EXPECT_EQ(calls.load(), 1);
}

TEST(IdleWatchdog, NeverFiresWhileDisarmed) {
  std::atomic<int> calls = 0;
  IdleWatchdog watchdog([&calls] { ++calls; });
  watchdog.Touch();  // no effect before Arm
  absl::SleepFor(absl::Milliseconds(100));
  watchdog.Arm(absl::Milliseconds(20));
  watchdog.Arm(absl::ZeroDuration());  // disarms again
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(watchdog.fired());
  EXPECT_EQ(calls.load(), 0);
}

TEST(IdleWatchdog, ShutdownStopsItWithoutFiring) {
  std::atomic<int> calls = 0;
  IdleWatchdog watchdog([&calls] { ++calls; });
  watchdog.Arm(absl::Milliseconds(50));
  const Steady::time_point before = Steady::now();
  watchdog.Shutdown();
  EXPECT_LT(Steady::now() - before, std::chrono::milliseconds(40));
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(calls.load(), 0);
  EXPECT_FALSE(watchdog.fired());
  watchdog.Shutdown();  // idempotent
}

}  // namespace
}  // namespace cxone::client
