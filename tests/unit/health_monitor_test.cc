#include "server/ops/health_monitor.h"

#include <cstdio>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::cxone::testing::FakeClock;
using ::cxone::testing::WaitUntil;

// The verdicts a HealthMonitor published, in order.
class Verdicts {
 public:
  void Publish(bool serving) {
    absl::MutexLock lock(&mu_);
    published_.push_back(serving);
  }
  std::vector<bool> published() const {
    absl::MutexLock lock(&mu_);
    return published_;
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<bool> published_ ABSL_GUARDED_BY(mu_);
};

TEST(HealthMonitor, ReChecksWhenAnIntervalOfItsClockHasPassed) {
  FakeClock clock;
  clock.set_sleeps_block(true);  // only Advance() moves the thread on
  Redactor redactor;
  JsonLog log(std::tmpfile(), &clock, &redactor);
  const absl::Time failing_since = clock.Now();
  Verdicts verdicts;
  HealthMonitor health(
      {nullptr, [failing_since] { return failing_since; }},
      /*auth_failure_window=*/absl::Minutes(2), /*interval=*/absl::Minutes(10),
      &clock, &log, [&verdicts](bool serving) { verdicts.Publish(serving); });
  health.Start();  // token requests have failed for 0 s: serving
  EXPECT_EQ(verdicts.published(), std::vector<bool>{true});
  ASSERT_TRUE(WaitUntil([&] { return clock.blocked_waits() == 1; }));
  clock.Advance(absl::Minutes(10));
  EXPECT_TRUE(WaitUntil([&] { return verdicts.published().size() == 2; }))
      << "no check an interval after Start()";
  health.Shutdown();
  EXPECT_EQ(verdicts.published(), (std::vector<bool>{true, false}));
  EXPECT_FALSE(health.serving());
  EXPECT_NE(health.why().find("token requests have failed for 10m"),
            std::string::npos)
      << health.why();
}

}  // namespace
}  // namespace cxone
