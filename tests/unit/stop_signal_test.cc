#include "common/stop_signal.h"

#include <future>

#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::cxone::testing::FakeClock;
using ::cxone::testing::WaitUntil;

TEST(StopSignal, SleepPassesOnTheClock) {
  FakeClock clock;
  StopSignal stop(&clock);
  const absl::Time start = clock.Now();
  EXPECT_TRUE(stop.SleepFor(absl::Minutes(3)));
  EXPECT_EQ(clock.Now(), start + absl::Minutes(3));
}

TEST(StopSignal, StopEndsASleepAtOnceAndEveryLaterOne) {
  FakeClock clock;
  clock.set_sleeps_block(true);
  StopSignal stop(&clock);
  std::future<bool> slept = std::async(
      std::launch::async, [&stop] { return stop.SleepFor(absl::Hours(1)); });
  const bool asleep = WaitUntil([&] { return clock.blocked_waits() == 1; });
  stop.Stop();
  const bool ended =
      slept.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  if (!ended) clock.Advance(absl::Hours(1));  // let the thread go
  ASSERT_TRUE(asleep) << "SleepFor() never blocked";
  ASSERT_TRUE(ended) << "the sleep outlasted Stop()";
  EXPECT_FALSE(slept.get());
  EXPECT_TRUE(stop.stopped());
  EXPECT_FALSE(stop.SleepFor(absl::Hours(1)));  // at once, not blocking
  EXPECT_EQ(clock.blocked_waits(), 0);
}

}  // namespace
}  // namespace cxone
