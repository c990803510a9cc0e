#include "server/upstream/rate_budget.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"

namespace cxone::upstream {
namespace {

using ::cxone::testing::FakeClock;

class RecordingListener : public PauseListener {
 public:
  void OnUpstreamPaused(absl::Time until) override { pauses.push_back(until); }
  std::vector<absl::Time> pauses;
};

TEST(RateBudget, AllowsTheBurstThenTheSteadyRate) {
  FakeClock clock;
  RateBudget budget(
      {/*requests_per_second=*/2, /*burst=*/3, /*max_in_flight=*/100}, &clock);
  std::vector<RateBudget::Permit> held;
  for (int i = 0; i < 3; ++i) {
    auto attempt = budget.TryAcquire(RequestPriority::kInteractive);
    ASSERT_TRUE(attempt.permit.has_value()) << i;
    held.push_back(std::move(*attempt.permit));
  }
  auto refused = budget.TryAcquire(RequestPriority::kInteractive);
  EXPECT_FALSE(refused.permit.has_value());
  EXPECT_EQ(refused.retry_at, clock.Now() + absl::Milliseconds(500));
  clock.Advance(absl::Milliseconds(500));
  EXPECT_TRUE(
      budget.TryAcquire(RequestPriority::kInteractive).permit.has_value());
}

TEST(RateBudget, SustainedRateNeverExceedsTheLimit) {
  FakeClock clock;
  RateBudget budget({10, 5, 100}, &clock);
  const absl::Time start = clock.Now();
  int granted = 0;
  // Acquire() sleeps on the fake clock, so 200 permits take simulated time.
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(
        budget.Acquire(RequestPriority::kBackground, absl::InfiniteFuture())
            .ok());
    ++granted;
  }
  const double seconds = absl::ToDoubleSeconds(clock.Now() - start);
  // burst 5 up front, then 10/s: 195 more need 19.5 s.
  EXPECT_NEAR(seconds, 19.5, 0.01);
  EXPECT_EQ(granted, 200);
}

TEST(RateBudget, CapsRequestsInFlight) {
  FakeClock clock;
  RateBudget budget({1000, 1000, 2}, &clock);
  auto first = budget.TryAcquire(RequestPriority::kInteractive);
  auto second = budget.TryAcquire(RequestPriority::kInteractive);
  ASSERT_TRUE(first.permit.has_value() && second.permit.has_value());
  auto third = budget.TryAcquire(RequestPriority::kInteractive);
  EXPECT_FALSE(third.permit.has_value());
  EXPECT_EQ(third.retry_at, absl::InfiniteFuture());
  EXPECT_EQ(budget.in_flight(), 2);
  first.permit.reset();  // the request finished
  EXPECT_EQ(budget.in_flight(), 1);
  EXPECT_TRUE(
      budget.TryAcquire(RequestPriority::kInteractive).permit.has_value());
}

TEST(RateBudget, AcquireWaitsForAReleasedSlot) {
  RealClock clock;
  RateBudget budget({1000, 1000, 1}, &clock);
  auto held =
      budget.Acquire(RequestPriority::kInteractive, absl::InfiniteFuture());
  ASSERT_TRUE(held.ok());
  absl::Notification acquired;
  std::thread waiter([&] {
    auto permit = budget.Acquire(RequestPriority::kInteractive,
                                 absl::Now() + absl::Seconds(30));
    if (permit.ok()) acquired.Notify();
  });
  EXPECT_FALSE(acquired.WaitForNotificationWithTimeout(absl::Milliseconds(20)));
  { RateBudget::Permit release = std::move(*held); }
  EXPECT_TRUE(acquired.WaitForNotificationWithTimeout(absl::Seconds(30)));
  waiter.join();
}

TEST(RateBudget, PauseStopsEveryRequestAndResumesWithoutAHerd) {
  FakeClock clock;
  RateBudget budget({10, 10, 100}, &clock);
  RecordingListener listener;
  budget.AddPauseListener(&listener);
  const absl::Time until = clock.Now() + absl::Seconds(5);
  budget.PauseUntil(until);
  ASSERT_EQ(listener.pauses.size(), 1u);
  EXPECT_EQ(listener.pauses[0], until);
  auto paused = budget.TryAcquire(RequestPriority::kInteractive);
  EXPECT_FALSE(paused.permit.has_value());
  EXPECT_EQ(paused.retry_at, until);
  EXPECT_EQ(budget.AvailableTokens(), 0);
  // At the end of the pause the bucket is empty: the first request waits
  // one token's time, not a burst of ten at once.
  clock.Advance(absl::Seconds(5));
  EXPECT_FALSE(
      budget.TryAcquire(RequestPriority::kInteractive).permit.has_value());
  clock.Advance(absl::Milliseconds(100));
  EXPECT_TRUE(
      budget.TryAcquire(RequestPriority::kInteractive).permit.has_value());
  EXPECT_FALSE(
      budget.TryAcquire(RequestPriority::kInteractive).permit.has_value());
}

TEST(RateBudget, AcquireDuringAPauseWaitsUntilItsEnd) {
  FakeClock clock;
  RateBudget budget({10, 10, 100}, &clock);
  const absl::Time until = clock.Now() + absl::Seconds(3);
  budget.PauseUntil(until);
  ASSERT_TRUE(
      budget.Acquire(RequestPriority::kBackground, absl::InfiniteFuture())
          .ok());
  EXPECT_GE(clock.Now(), until);
}

TEST(RateBudget, AcquireGivesUpAtItsDeadline) {
  FakeClock clock;
  RateBudget budget({10, 10, 100}, &clock);
  budget.PauseUntil(clock.Now() + absl::Minutes(5));
  auto permit = budget.Acquire(RequestPriority::kInteractive,
                               clock.Now() + absl::Seconds(10));
  EXPECT_TRUE(absl::IsDeadlineExceeded(permit.status()));
}

TEST(RateBudget, EarlierPauseDoesNotShortenALaterOne) {
  FakeClock clock;
  RateBudget budget({10, 10, 100}, &clock);
  RecordingListener listener;
  budget.AddPauseListener(&listener);
  budget.PauseUntil(clock.Now() + absl::Seconds(10));
  budget.PauseUntil(clock.Now() + absl::Seconds(2));
  EXPECT_EQ(budget.paused_until(), clock.Now() + absl::Seconds(10));
  EXPECT_EQ(listener.pauses.size(), 1u);
}

// Waits (bounded) until `count` requests of `priority` wait in Acquire().
void AwaitWaiting(const RateBudget& budget, RequestPriority priority,
                  int count) {
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (budget.waiting(priority) < count && absl::Now() < deadline) {
    absl::SleepFor(absl::Microseconds(200));
  }
  ASSERT_EQ(budget.waiting(priority), count);
}

TEST(RateBudget, WaitingInteractiveRequestGoesBeforeWaitingBackground) {
  RealClock clock;
  RateBudget budget({1000, 1000, 1}, &clock);
  auto held =
      budget.Acquire(RequestPriority::kInteractive, absl::InfiniteFuture());
  ASSERT_TRUE(held.ok());
  absl::Mutex mu;
  std::vector<std::string> order;
  auto take = [&](RequestPriority priority, std::string name) {
    auto permit = budget.Acquire(priority, absl::Now() + absl::Seconds(30));
    ASSERT_TRUE(permit.ok());
    absl::MutexLock lock(&mu);
    order.push_back(std::move(name));
  };
  std::thread background(take, RequestPriority::kBackground, "poll");
  AwaitWaiting(budget, RequestPriority::kBackground, 1);
  std::thread interactive(take, RequestPriority::kInteractive, "trigger");
  AwaitWaiting(budget, RequestPriority::kInteractive, 1);
  { RateBudget::Permit release = std::move(*held); }
  interactive.join();
  background.join();
  EXPECT_EQ(order, (std::vector<std::string>{"trigger", "poll"}));
}

TEST(RateBudget, StreamOfInteractiveRequestsCannotStarveBackground) {
  RealClock clock;
  RateBudget budget({1e6, 1000, 1}, &clock);  // one slot, plenty of tokens
  std::atomic<bool> done{false};
  std::vector<std::thread> interactive;
  for (int i = 0; i < 3; ++i) {
    interactive.emplace_back([&] {
      const absl::Time deadline = absl::Now() + absl::Seconds(30);
      while (!done.load() && absl::Now() < deadline) {
        auto permit = budget.Acquire(RequestPriority::kInteractive, deadline);
      }
    });
  }
  int polls = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (; polls < 20 && absl::Now() < deadline; ++polls) {
    if (!budget.Acquire(RequestPriority::kBackground, deadline).ok()) break;
  }
  done = true;
  for (auto& thread : interactive) thread.join();
  // Every fifth permit is the background's while it waits.
  EXPECT_EQ(polls, 20);
}

TEST(RateBudget, ShutdownWakesWaitersWithCancelled) {
  RealClock clock;
  RateBudget budget({1000, 1000, 1}, &clock);
  auto held =
      budget.Acquire(RequestPriority::kInteractive, absl::InfiniteFuture());
  ASSERT_TRUE(held.ok());
  absl::Status waited;
  std::thread waiter([&] {
    waited =
        budget.Acquire(RequestPriority::kBackground, absl::InfiniteFuture())
            .status();
  });
  AwaitWaiting(budget, RequestPriority::kBackground, 1);
  budget.Shutdown();
  waiter.join();
  EXPECT_TRUE(absl::IsCancelled(waited)) << waited;
  EXPECT_TRUE(absl::IsCancelled(
      budget.Acquire(RequestPriority::kInteractive, absl::InfiniteFuture())
          .status()));
}

TEST(RateBudget, ExtendingAPauseIsNotAnnouncedAgain) {
  FakeClock clock;
  RateBudget budget({10, 10, 100}, &clock);
  RecordingListener listener;
  budget.AddPauseListener(&listener);
  budget.PauseUntil(clock.Now() + absl::Seconds(2));
  budget.PauseUntil(clock.Now() + absl::Seconds(3));  // an in-flight 429
  EXPECT_EQ(listener.pauses.size(), 1u);
  EXPECT_EQ(budget.paused_until(), clock.Now() + absl::Seconds(3));
  clock.Advance(absl::Seconds(4));
  budget.PauseUntil(clock.Now() + absl::Seconds(1));  // a new pause
  EXPECT_EQ(listener.pauses.size(), 2u);
}

}  // namespace
}  // namespace cxone::upstream
