#include "common/backoff.h"

#include "gtest/gtest.h"

namespace cxone {
namespace {

TEST(Backoff, CeilingDoublesUpToTheCap) {
  Backoff backoff({absl::Milliseconds(100), absl::Milliseconds(700), 5}, 1);
  EXPECT_EQ(backoff.Ceiling(0), absl::Milliseconds(100));
  EXPECT_EQ(backoff.Ceiling(1), absl::Milliseconds(200));
  EXPECT_EQ(backoff.Ceiling(2), absl::Milliseconds(400));
  EXPECT_EQ(backoff.Ceiling(3), absl::Milliseconds(700));
  EXPECT_EQ(backoff.Ceiling(60), absl::Milliseconds(700));
}

TEST(Backoff, DelaysStayWithinTheirCeilingAndSpreadOut) {
  Backoff backoff({absl::Milliseconds(100), absl::Seconds(5), 5}, 42);
  absl::Duration smallest = absl::InfiniteDuration();
  absl::Duration largest = absl::ZeroDuration();
  for (int i = 0; i < 1000; ++i) {
    absl::Duration delay = backoff.Delay(2);
    ASSERT_GE(delay, absl::ZeroDuration());
    ASSERT_LE(delay, absl::Milliseconds(400));
    smallest = std::min(smallest, delay);
    largest = std::max(largest, delay);
  }
  // Full jitter: draws cover most of [0, ceiling].
  EXPECT_LT(smallest, absl::Milliseconds(40));
  EXPECT_GT(largest, absl::Milliseconds(360));
}

TEST(Backoff, SameSeedSameDelays) {
  Backoff a({absl::Milliseconds(100), absl::Seconds(5), 5}, 7);
  Backoff b({absl::Milliseconds(100), absl::Seconds(5), 5}, 7);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.Delay(i), b.Delay(i));
}

TEST(Backoff, ZeroInitialDelayNeverWaits) {
  Backoff backoff({absl::ZeroDuration(), absl::Seconds(1), 1}, 1);
  EXPECT_EQ(backoff.Delay(0), absl::ZeroDuration());
  EXPECT_EQ(backoff.Delay(30), absl::ZeroDuration());
}

}  // namespace
}  // namespace cxone
