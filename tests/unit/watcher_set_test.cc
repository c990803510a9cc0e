// WatcherSet: membership, drain, and the wait for the last watcher to go,
// on a FakeClock.
#include "server/watch/watcher_set.h"

#include <thread>

#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::cxone::testing::FakeClock;
using ::cxone::testing::WaitUntil;

// Counts what the set tells it.
class CountingWatcher final : public Watcher {
 public:
  void OnHeartbeatDue() override { ++heartbeats; }
  void OnDrain() override { ++drains; }
  int heartbeats = 0;
  int drains = 0;
};

TEST(WatcherSet, DrainTellsEveryWatcherAndRefusesNewOnes) {
  FakeClock clock;
  WatcherSet watchers(absl::Seconds(30), &clock);
  CountingWatcher first;
  CountingWatcher late;
  ASSERT_TRUE(watchers.Add(&first));
  watchers.Drain();
  EXPECT_EQ(first.drains, 1);
  EXPECT_FALSE(watchers.Add(&late));
  EXPECT_EQ(watchers.size(), 1);
}

TEST(WatcherSet, AwaitEmptyIsTrueAtOnceWithNoWatcher) {
  FakeClock clock;
  WatcherSet watchers(absl::Seconds(30), &clock);
  const absl::Time start = clock.Now();
  EXPECT_TRUE(watchers.AwaitEmpty(start + absl::Seconds(10)));
  EXPECT_EQ(clock.Now(), start);
}

TEST(WatcherSet, AwaitEmptyGivesUpAtItsDeadlineOnTheClock) {
  FakeClock clock;
  WatcherSet watchers(absl::Seconds(30), &clock);
  CountingWatcher stays;
  ASSERT_TRUE(watchers.Add(&stays));
  const absl::Time deadline = clock.Now() + absl::Seconds(10);
  EXPECT_FALSE(watchers.AwaitEmpty(deadline));
  EXPECT_EQ(clock.Now(), deadline);
}

TEST(WatcherSet, TheLastRemoveEndsAwaitEmpty) {
  FakeClock clock;
  clock.set_sleeps_block(true);
  WatcherSet watchers(absl::Seconds(30), &clock);
  CountingWatcher leaving;
  ASSERT_TRUE(watchers.Add(&leaving));
  std::thread remover([&] {
    ASSERT_TRUE(WaitUntil([&] { return clock.blocked_waits() > 0; }));
    watchers.Remove(&leaving);
  });
  // The fake clock never reaches the deadline: only the Remove ends it.
  EXPECT_TRUE(watchers.AwaitEmpty(clock.Now() + absl::Hours(1)));
  remover.join();
  EXPECT_EQ(watchers.size(), 0);
}

}  // namespace
}  // namespace cxone
