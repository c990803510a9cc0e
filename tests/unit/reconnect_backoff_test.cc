// Specification of the delay before a watch reconnects: exponential ceilings
// with full jitter, reproducible from the seed.
#include "client/reconnect_backoff.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone::client {
namespace {

ReconnectBackoffPolicy Policy() {
  return {.initial_delay = absl::Milliseconds(200),
          .max_delay = absl::Seconds(10)};
}

TEST(ReconnectBackoff, CeilingDoublesFromTheInitialDelayUpToTheMaximum) {
  ReconnectBackoff backoff(Policy(), 1);
  EXPECT_EQ(backoff.Ceiling(0), absl::Milliseconds(200));
  EXPECT_EQ(backoff.Ceiling(1), absl::Milliseconds(400));
  EXPECT_EQ(backoff.Ceiling(2), absl::Milliseconds(800));
  EXPECT_EQ(backoff.Ceiling(5), absl::Milliseconds(6400));
  EXPECT_EQ(backoff.Ceiling(6), absl::Seconds(10));
  EXPECT_EQ(backoff.Ceiling(1000), absl::Seconds(10));
}

TEST(ReconnectBackoff, DelaysStayWithinTheirCeilingAndSpreadOut) {
  ReconnectBackoff backoff(Policy(), 7);
  for (int attempt = 0; attempt < 10; ++attempt) {
    absl::Duration smallest = absl::InfiniteDuration();
    absl::Duration largest = absl::ZeroDuration();
    for (int i = 0; i < 200; ++i) {
      absl::Duration delay = backoff.Delay(attempt);
      ASSERT_GE(delay, absl::ZeroDuration());
      ASSERT_LE(delay, backoff.Ceiling(attempt));
      smallest = std::min(smallest, delay);
      largest = std::max(largest, delay);
    }
    // Full jitter: draws cover most of [0, ceiling], not just its top.
    EXPECT_LT(smallest, backoff.Ceiling(attempt) / 4) << attempt;
    EXPECT_GT(largest, backoff.Ceiling(attempt) * 3 / 4) << attempt;
  }
}

TEST(ReconnectBackoff, TheSameSeedGivesTheSameDelays) {
  ReconnectBackoff first(Policy(), 42);
  ReconnectBackoff second(Policy(), 42);
  ReconnectBackoff other(Policy(), 43);
  std::vector<absl::Duration> a, b, c;
  for (int attempt = 0; attempt < 8; ++attempt) {
    a.push_back(first.Delay(attempt));
    b.push_back(second.Delay(attempt));
    c.push_back(other.Delay(attempt));
  }
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(ReconnectBackoff, ZeroInitialDelayNeverWaits) {
  ReconnectBackoff backoff(
      {.initial_delay = absl::ZeroDuration(), .max_delay = absl::Seconds(1)},
      1);
  EXPECT_EQ(backoff.Delay(0), absl::ZeroDuration());
  EXPECT_EQ(backoff.Delay(30), absl::ZeroDuration());
}

}  // namespace
}  // namespace cxone::client
