#include "server/upstream/rate_budget.h"

#include <atomic>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"
#include "tests/support/wait_until.h"

namespace cxone::upstream {
namespace {

using ::cxone::testing::FakeClock;
using ::cxone::testing::WaitUntil;

class RecordingListener : public PauseListener {
 public:
  void OnUpstreamPaused(absl::Time until) override { pauses.push_back(until); }
  std::vector<absl::Time> pauses;
};

TEST(RateBudget, AllowsTheBurstThenThePace) {
  FakeClock clock;
  RateBudget budget({/*account_rps_limit=*/10, /*burst=*/3,
                     /*max_in_flight=*/100},
                    &clock);
  std::vector<RateBudget::Permit> held;
  for (int i = 0; i < 3; ++i) {
    auto attempt = budget.TryAcquire(http::RequestPriority::kInteractive);
    ASSERT_TRUE(attempt.permit.has_value()) << i;
    held.push_back(std::move(*attempt.permit));
  }
  auto refused = budget.TryAcquire(http::RequestPriority::kInteractive);
  EXPECT_FALSE(refused.permit.has_value());
  // The pace: 10 per window of 1 s + 100 ms.
  EXPECT_EQ(refused.retry_at, clock.Now() + absl::Milliseconds(110));
  clock.Advance(absl::Milliseconds(110));
  EXPECT_TRUE(budget.TryAcquire(http::RequestPriority::kInteractive)
                  .permit.has_value());
}

TEST(RateBudget, BurstIsAtMostTheLimitAndZeroMeansTheLimit) {
  FakeClock clock;
  EXPECT_EQ(RateBudget({10, 0, 100}, &clock).config().burst, 10);
  EXPECT_EQ(RateBudget({10, 50, 100}, &clock).config().burst, 10);
  EXPECT_EQ(RateBudget({2.5, 0, 100}, &clock).config().burst, 2);
  EXPECT_EQ(RateBudget({0.5, 0, 100}, &clock).config().burst, 1);
  EXPECT_EQ(RateBudget({10, 4, 100}, &clock).config().burst, 4);
}

TEST(RateBudget, SustainedPaceStaysBelowTheLimit) {
  FakeClock clock;
  RateBudget budget({10, 5, 100}, &clock);
  const absl::Time start = clock.Now();
  // Acquire() waits on the fake clock, so 200 permits take simulated time.
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(
        budget
            .Acquire(http::RequestPriority::kBackground, absl::InfiniteFuture())
            .ok());
  }
  const double seconds = absl::ToDoubleSeconds(clock.Now() - start);
  // 10 per 1.1 s, a margin of 1/11 below the limit: 195 after the first
  // five need at least 21.45 s.
  EXPECT_GE(seconds, 21.4);
  EXPECT_LE(seconds, 22.1);
  EXPECT_NEAR(budget.current_rate(), 10 / 1.1, 1e-9);
}

// One request: from its start to its answer.
struct Span {
  absl::Time start;
  absl::Time end;
};

// CXone counts each request at some moment of its span. For every rolling
// window of `length` — (t - length, t] for every t — at most `most` spans
// may touch it, or some choice of moments puts more than `most` in it. The
// fullest window for the spans whose latest start is k's ends at k's start,
// so checking one window per span checks them all.
void ExpectAtMostInEveryWindow(const std::vector<Span>& spans,
                               absl::Duration length, int64_t most,
                               const std::string& what) {
  for (size_t k = 0; k < spans.size(); ++k) {
    int64_t touching = 0;
    for (const Span& other : spans) {
      if (other.start <= spans[k].start &&
          other.end > spans[k].start - length) {
        ++touching;
      }
    }
    ASSERT_LE(touching, most)
        << what << ": " << touching << " requests may be counted in the "
        << absl::FormatDuration(length) << " up to request #" << k
        << "'s start at +"
        << absl::FormatDuration(spans[k].start - spans.front().start);
  }
}

struct WindowCase {
  double limit;
  int64_t burst;
};

void PrintTo(const WindowCase& c, std::ostream* out) {
  *out << "limit " << c.limit << ", burst " << c.burst;
}

class RateBudgetWindow : public ::testing::TestWithParam<WindowCase> {};

TEST_P(RateBudgetWindow, NeverStartsMoreThanTheLimitInAnyRollingSecond) {
  const WindowCase c = GetParam();
  FakeClock clock;
  RateBudget budget({c.limit, c.burst, /*max_in_flight=*/1000}, &clock);
  std::mt19937_64 random(static_cast<uint64_t>(c.limit * 1000) +
                         static_cast<uint64_t>(c.burst));
  // Steps of 0 to 2/L seconds: bursts at one instant, quiet spells, and
  // everything between; requests answered at once or up to 3 s later.
  std::uniform_int_distribution<int64_t> step_us(
      0, static_cast<int64_t>(2e6 / c.limit));
  std::uniform_int_distribution<int64_t> latency_us(0, 3'000'000);
  std::uniform_int_distribution<int> tries(1, 30);
  std::uniform_int_distribution<int> kind(0, 99);
  struct InFlight {
    RateBudget::Permit permit;
    absl::Time answer_at;
    size_t span;
  };
  std::vector<InFlight> in_flight;
  std::vector<Span> spans;
  auto started = [&](RateBudget::Permit permit) {
    const absl::Time now = clock.Now();
    const absl::Time answer_at =
        kind(random) < 50 ? now : now + absl::Microseconds(latency_us(random));
    spans.push_back({now, answer_at});
    in_flight.push_back({std::move(permit), answer_at, spans.size() - 1});
  };
  auto answer_due = [&] {
    const absl::Time now = clock.Now();
    for (size_t i = 0; i < in_flight.size();) {
      if (in_flight[i].answer_at <= now) {
        spans[in_flight[i].span].end = now;
        in_flight.erase(in_flight.begin() + static_cast<ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
  };
  const absl::Time end = clock.Now() + absl::Seconds(120);
  while (clock.Now() < end) {
    answer_due();
    const int what = kind(random);
    if (what < 2) {
      // A 429's pause.
      budget.PauseUntil(clock.Now() + 2 * absl::Microseconds(step_us(random)));
    } else if (what < 10 && in_flight.empty()) {
      // Acquire() waits out the pace and the window on the fake clock
      // (nothing in flight, so no answer is needed).
      auto permit = budget.Acquire(http::RequestPriority::kBackground,
                                   clock.Now() + absl::Seconds(30));
      ASSERT_TRUE(permit.ok()) << permit.status();
      started(*std::move(permit));
    } else {
      for (int i = tries(random); i > 0; --i) {
        auto attempt =
            budget.TryAcquire(i % 2 == 0 ? http::RequestPriority::kInteractive
                                         : http::RequestPriority::kBackground);
        if (attempt.permit.has_value()) started(*std::move(attempt.permit));
      }
    }
    clock.Advance(absl::Microseconds(step_us(random)));
  }
  for (InFlight& request : in_flight) spans[request.span].end = clock.Now();
  ASSERT_GT(spans.size(), 25 * c.limit) << "the budget starved";
  const int64_t most = c.limit >= 1 ? static_cast<int64_t>(c.limit) : 1;
  // CXone's rolling second, and the gateway's own window with its margin.
  ExpectAtMostInEveryWindow(spans, absl::Seconds(1), most, "rolling second");
  const absl::Duration own_window =
      (c.limit >= 1 ? absl::Seconds(1) : absl::Seconds(1 / c.limit)) +
      absl::Milliseconds(100);
  ExpectAtMostInEveryWindow(spans, own_window, most, "window with margin");
}

INSTANTIATE_TEST_SUITE_P(
    LimitsAndBursts, RateBudgetWindow,
    ::testing::Values(WindowCase{0.5, 0}, WindowCase{1, 0}, WindowCase{2.5, 0},
                      WindowCase{3, 1}, WindowCase{10, 0}, WindowCase{10, 10},
                      WindowCase{10, 2}, WindowCase{15, 15}, WindowCase{50, 0},
                      WindowCase{50, 1000}));

TEST(RateBudget, ThrottledLowersThePaceThenClimbsBackSlowly) {
  FakeClock clock;
  RateBudget budget({10, 0, 100}, &clock);
  const double ceiling = 10 / 1.1;
  EXPECT_DOUBLE_EQ(budget.max_rate(), ceiling);
  EXPECT_DOUBLE_EQ(budget.current_rate(), ceiling);
  // Sending at the full pace: ten in the last window.
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(budget.TryAcquire(http::RequestPriority::kInteractive)
                    .permit.has_value());
  }
  const absl::Time pause_end = clock.Now() + absl::Seconds(2);
  budget.OnThrottled(pause_end);
  EXPECT_EQ(budget.paused_until(), pause_end);
  EXPECT_DOUBLE_EQ(budget.current_rate(), 0.7 * ceiling);
  // Other 429s of the same moment (requests already sent) lower it once.
  clock.Advance(absl::Milliseconds(300));
  budget.OnThrottled(pause_end);
  EXPECT_DOUBLE_EQ(budget.current_rate(), 0.7 * ceiling);
  // No climbing during the pause; 3% of the ceiling per second after it.
  clock.Advance(absl::Milliseconds(1700));
  EXPECT_DOUBLE_EQ(budget.current_rate(), 0.7 * ceiling);
  clock.Advance(absl::Seconds(5));
  EXPECT_NEAR(budget.current_rate(), 0.85 * ceiling, 1e-9);
  clock.Advance(absl::Seconds(10));
  EXPECT_DOUBLE_EQ(budget.current_rate(), ceiling);
  // Throttled again and again (nothing sent meanwhile), it stops at its
  // floor.
  for (int i = 0; i < 20; ++i) {
    budget.OnThrottled(clock.Now() + absl::Seconds(1));
    clock.Advance(absl::Seconds(2));
  }
  EXPECT_NEAR(budget.current_rate(), 0.2 * ceiling + 0.03 * ceiling, 1e-9);
}

TEST(RateBudget, ThrottledLowersThePaceFromWhatWasReallySent) {
  FakeClock clock;
  RateBudget budget({50, 0, 100}, &clock);
  // A light load: 20 requests in the last window of a 45/s pace — someone
  // else must be spending the account too.
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(budget.TryAcquire(http::RequestPriority::kInteractive)
                    .permit.has_value());
  }
  budget.OnThrottled(clock.Now() + absl::Seconds(1));
  EXPECT_DOUBLE_EQ(budget.current_rate(), 0.7 * 20 / 1.1);
}

TEST(RateBudget, LowerPaceSpacesThePermits) {
  FakeClock clock;
  RateBudget budget({10, 1, 100}, &clock);
  budget.OnThrottled(clock.Now() + absl::Seconds(1));
  clock.Advance(absl::Seconds(1));
  const absl::Time start = clock.Now();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(budget
                    .Acquire(http::RequestPriority::kInteractive,
                             absl::InfiniteFuture())
                    .ok());
  }
  // About 0.7 * 10/1.1 = 6.4 per second (climbing a little meanwhile)
  // instead of 9.1: ten permits take well over a second.
  EXPECT_GT(clock.Now() - start, absl::Milliseconds(1300));
}

TEST(RateBudget, CapsRequestsInFlight) {
  FakeClock clock;
  RateBudget budget({1000, 1000, 2}, &clock);
  auto first = budget.TryAcquire(http::RequestPriority::kInteractive);
  auto second = budget.TryAcquire(http::RequestPriority::kInteractive);
  ASSERT_TRUE(first.permit.has_value() && second.permit.has_value());
  auto third = budget.TryAcquire(http::RequestPriority::kInteractive);
  EXPECT_FALSE(third.permit.has_value());
  EXPECT_EQ(third.retry_at, absl::InfiniteFuture());
  EXPECT_EQ(budget.in_flight(), 2);
  first.permit.reset();  // the request finished
  EXPECT_EQ(budget.in_flight(), 1);
  EXPECT_TRUE(budget.TryAcquire(http::RequestPriority::kInteractive)
                  .permit.has_value());
}

TEST(RateBudget, AcquireWaitsForAReleasedSlot) {
  RealClock clock;
  RateBudget budget({1000, 1000, 1}, &clock);
  auto held = budget.Acquire(http::RequestPriority::kInteractive,
                             absl::InfiniteFuture());
  ASSERT_TRUE(held.ok());
  absl::Notification acquired;
  std::thread waiter([&] {
    auto permit = budget.Acquire(http::RequestPriority::kInteractive,
                                 absl::Now() + absl::Seconds(30));
    if (permit.ok()) acquired.Notify();
  });
  EXPECT_FALSE(acquired.WaitForNotificationWithTimeout(absl::Milliseconds(20)));
  { RateBudget::Permit release = std::move(*held); }
  EXPECT_TRUE(acquired.WaitForNotificationWithTimeout(absl::Seconds(30)));
  waiter.join();
}

TEST(RateBudget, AWaitForASlotEndsAtItsDeadlineOnTheBudgetsClock) {
  FakeClock clock;
  clock.set_sleeps_block(true);  // only Advance() reaches the deadline
  RateBudget budget({1000, 1000, 1}, &clock);
  auto held = budget.Acquire(http::RequestPriority::kInteractive,
                             absl::InfiniteFuture());
  ASSERT_TRUE(held.ok());
  std::promise<absl::Status> waited;
  std::future<absl::Status> result = waited.get_future();
  std::thread waiter([&] {
    waited.set_value(budget
                         .Acquire(http::RequestPriority::kInteractive,
                                  clock.Now() + absl::Seconds(10))
                         .status());
  });
  // The wait for the slot is on the clock, and only the clock ends it.
  const bool on_the_clock =
      WaitUntil([&] { return clock.blocked_waits() == 1; });
  clock.Advance(absl::Seconds(10));
  const bool ended =
      result.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  if (!ended) {
    RateBudget::Permit release = std::move(*held);  // let the thread go
  }
  waiter.join();
  ASSERT_TRUE(on_the_clock) << "the wait for a slot is not on the clock";
  ASSERT_TRUE(ended) << "the wait for a slot outlasted its deadline";
  EXPECT_TRUE(absl::IsDeadlineExceeded(result.get()));
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
  auto paused = budget.TryAcquire(http::RequestPriority::kInteractive);
  EXPECT_FALSE(paused.permit.has_value());
  EXPECT_EQ(paused.retry_at, until);
  EXPECT_EQ(budget.AvailableTokens(), 0);
  // At the end of the pause the bucket is empty: the first request waits
  // one token's time (10 per 1.1 s), not a burst of ten at once.
  clock.Advance(absl::Seconds(5));
  EXPECT_FALSE(budget.TryAcquire(http::RequestPriority::kInteractive)
                   .permit.has_value());
  clock.Advance(absl::Milliseconds(110));
  EXPECT_TRUE(budget.TryAcquire(http::RequestPriority::kInteractive)
                  .permit.has_value());
  EXPECT_FALSE(budget.TryAcquire(http::RequestPriority::kInteractive)
                   .permit.has_value());
}

TEST(RateBudget, AcquireDuringAPauseWaitsUntilItsEnd) {
  FakeClock clock;
  RateBudget budget({10, 10, 100}, &clock);
  const absl::Time until = clock.Now() + absl::Seconds(3);
  budget.PauseUntil(until);
  ASSERT_TRUE(
      budget.Acquire(http::RequestPriority::kBackground, absl::InfiniteFuture())
          .ok());
  EXPECT_GE(clock.Now(), until);
}

TEST(RateBudget, AcquireGivesUpAtItsDeadline) {
  FakeClock clock;
  RateBudget budget({10, 10, 100}, &clock);
  budget.PauseUntil(clock.Now() + absl::Minutes(5));
  auto permit = budget.Acquire(http::RequestPriority::kInteractive,
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
void AwaitWaiting(const RateBudget& budget, http::RequestPriority priority,
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
  auto held = budget.Acquire(http::RequestPriority::kInteractive,
                             absl::InfiniteFuture());
  ASSERT_TRUE(held.ok());
  absl::Mutex mu;
  std::vector<std::string> order;
  auto take = [&](http::RequestPriority priority, std::string name) {
    auto permit = budget.Acquire(priority, absl::Now() + absl::Seconds(30));
    ASSERT_TRUE(permit.ok());
    absl::MutexLock lock(&mu);
    order.push_back(std::move(name));
  };
  std::thread background(take, http::RequestPriority::kBackground, "poll");
  AwaitWaiting(budget, http::RequestPriority::kBackground, 1);
  std::thread interactive(take, http::RequestPriority::kInteractive, "trigger");
  AwaitWaiting(budget, http::RequestPriority::kInteractive, 1);
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
        auto permit =
            budget.Acquire(http::RequestPriority::kInteractive, deadline);
      }
    });
  }
  int polls = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  for (; polls < 20 && absl::Now() < deadline; ++polls) {
    if (!budget.Acquire(http::RequestPriority::kBackground, deadline).ok())
      break;
  }
  done = true;
  for (auto& thread : interactive) thread.join();
  // Every fifth permit is the background's while it waits.
  EXPECT_EQ(polls, 20);
}

TEST(RateBudget, ShutdownWakesWaitersWithCancelled) {
  RealClock clock;
  RateBudget budget({1000, 1000, 1}, &clock);
  auto held = budget.Acquire(http::RequestPriority::kInteractive,
                             absl::InfiniteFuture());
  ASSERT_TRUE(held.ok());
  absl::Status waited;
  std::thread waiter([&] {
    waited =
        budget
            .Acquire(http::RequestPriority::kBackground, absl::InfiniteFuture())
            .status();
  });
  AwaitWaiting(budget, http::RequestPriority::kBackground, 1);
  budget.Shutdown();
  waiter.join();
  EXPECT_TRUE(absl::IsCancelled(waited)) << waited;
  EXPECT_TRUE(absl::IsCancelled(
      budget
          .Acquire(http::RequestPriority::kInteractive, absl::InfiniteFuture())
          .status()));
}

TEST(RateBudget, ShutdownEndsAWaitForTheEndOfAPause) {
  FakeClock clock;
  clock.set_sleeps_block(true);  // the waiter stays in its wait
  RateBudget budget({10, 10, 100}, &clock);
  budget.PauseUntil(clock.Now() + absl::Seconds(20));
  std::promise<absl::Status> waited;
  std::future<absl::Status> result = waited.get_future();
  std::thread waiter([&] {
    waited.set_value(budget
                         .Acquire(http::RequestPriority::kInteractive,
                                  clock.Now() + absl::Minutes(1))
                         .status());
  });
  AwaitWaiting(budget, http::RequestPriority::kInteractive, 1);
  budget.Shutdown();
  const bool ended =
      result.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  if (!ended) clock.Advance(absl::Seconds(20));  // let the thread go
  waiter.join();
  ASSERT_TRUE(ended) << "Acquire() still waited out the pause 2 s after "
                        "Shutdown()";
  const absl::Status status = result.get();
  EXPECT_TRUE(absl::IsCancelled(status)) << status;
  EXPECT_LT(clock.Now() - absl::FromUnixSeconds(1'800'000'000),
            absl::Seconds(20));
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
