#include "server/jobs/retention_sweeper.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/store/no_journal.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/finished_compile.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::cxone::testing::AddFinishedCompile;
using ::cxone::testing::FakeClock;
using ::cxone::testing::Status;
using ::cxone::testing::WaitUntil;

TEST(RetentionSweeper, SweepsWhenAnIntervalOfItsClockHasPassed) {
  FakeClock clock;
  clock.set_sleeps_block(true);  // only Advance() moves the thread on
  Redactor redactor;
  JsonLog log(std::tmpfile(), &clock, &redactor);
  NoJournal journal;
  JobRegistry registry;
  RequestIdIndex request_ids;
  for (const char* id : {"c-1", "c-2", "c-3"}) {
    AddFinishedCompile(registry, &journal, clock.Now(), id);
  }
  RetentionConfig retention;
  retention.max_finished_compiles = 1;
  RetentionSweeper sweeper(retention, absl::Hours(1), &registry, &request_ids,
                           &clock, &log);
  sweeper.Start();
  const absl::Time started = clock.Now();
  ASSERT_TRUE(WaitUntil([&] { return clock.blocked_waits() == 1; }));
  EXPECT_EQ(clock.blocked_deadlines(),
            std::vector<absl::Time>{started + absl::Hours(1)})
      << "the first sweep is not due an interval after Start()";
  EXPECT_EQ(registry.size(), 3u) << "swept before the interval passed";
  clock.Advance(absl::Hours(1));
  EXPECT_TRUE(WaitUntil([&] { return registry.size() == 1; }))
      << "no sweep an interval after Start()";
  sweeper.Shutdown();
}

}  // namespace
}  // namespace cxone
