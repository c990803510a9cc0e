#include "server/api/open_calls.h"

#include <future>
#include <optional>

#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::cxone::testing::FakeClock;
using ::cxone::testing::WaitUntil;

TEST(OpenCalls, CountsEachCallUntilItsTokenGoes) {
  FakeClock clock;
  OpenCalls calls(&clock);
  {
    OpenCalls::Call first = calls.Open();
    OpenCalls::Call second = calls.Open();
    EXPECT_EQ(calls.count(), 2);
    OpenCalls::Call moved = std::move(first);  // still one call
    EXPECT_EQ(calls.count(), 2);
  }
  EXPECT_EQ(calls.count(), 0);
}

TEST(OpenCalls, AwaitNoneEndsWhenTheLastCallCloses) {
  FakeClock clock;
  clock.set_sleeps_block(true);
  OpenCalls calls(&clock);
  EXPECT_TRUE(calls.AwaitNone(clock.Now()));  // none open: at once
  std::optional<OpenCalls::Call> call(calls.Open());
  std::future<bool> none = std::async(std::launch::async, [&] {
    return calls.AwaitNone(clock.Now() + absl::Hours(1));
  });
  const bool waiting = WaitUntil([&] { return clock.blocked_waits() == 1; });
  call.reset();
  const bool ended =
      none.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  if (!ended) clock.Advance(absl::Hours(1));  // let the thread go
  ASSERT_TRUE(waiting) << "AwaitNone() never blocked";
  ASSERT_TRUE(ended) << "AwaitNone() outlasted the last call";
  EXPECT_TRUE(none.get());
}

TEST(OpenCalls, AwaitNoneGivesUpAtItsDeadline) {
  FakeClock clock;
  OpenCalls calls(&clock);
  OpenCalls::Call call = calls.Open();
  const absl::Time deadline = clock.Now() + absl::Seconds(5);
  EXPECT_FALSE(calls.AwaitNone(deadline));
  EXPECT_EQ(clock.Now(), deadline);
  EXPECT_EQ(calls.count(), 1);
}

}  // namespace
}  // namespace cxone
