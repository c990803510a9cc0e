#include "server/jobs/poll_scheduler.h"

#include <cstdio>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/no_journal.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_upstream.h"

namespace cxone {
namespace {

using ::cxone::testing::FakeClock;
using ::cxone::testing::FakeUpstream;
using ::cxone::testing::Status;

// Records when each compile was polled.
class RecordingUpstream final : public upstream::CompileUpstream {
 public:
  explicit RecordingUpstream(Clock* clock) : clock_(clock) {}
  absl::StatusOr<upstream::TriggerResult> Trigger(
      const std::string&, const nlohmann::json&) override {
    return absl::UnimplementedError("not used");
  }
  absl::StatusOr<upstream::CompileStatus> GetStatus(
      const std::string&, const std::string& compile_id) override {
    absl::MutexLock lock(&mu_);
    polls_[compile_id].push_back(clock_->Now());
    auto it = statuses_.find(compile_id);
    return Status(it == statuses_.end() ? "IN_PROGRESS" : it->second);
  }
  void SetStatus(const std::string& compile_id, std::string status) {
    absl::MutexLock lock(&mu_);
    statuses_[compile_id] = std::move(status);
  }
  std::vector<absl::Time> PollsOf(const std::string& compile_id) {
    absl::MutexLock lock(&mu_);
    return polls_[compile_id];
  }

 private:
  Clock* const clock_;
  absl::Mutex mu_;
  std::map<std::string, std::vector<absl::Time>> polls_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> statuses_ ABSL_GUARDED_BY(mu_);
};

class PollSchedulerTest : public ::testing::Test {
 protected:
  PollSchedulerTest()
      : log_(std::tmpfile(), &clock_, &redactor_),
        upstream_(&clock_),
        workers_(2) {}

  std::shared_ptr<CompileJob> Job(const std::string& id,
                                  const std::string& status,
                                  const std::string& tenant = "") {
    auto job = std::make_shared<CompileJob>(CompileName{"flow", id},
                                            clock_.Now(), LifecycleTimeouts{},
                                            &journal_, nullptr, Labels{}, tenant);
    job->ApplyStatus(Status(status), clock_.Now());
    upstream_.SetStatus(id, status);
    return job;
  }

  // Dispatches what is due and waits (bounded) for those polls to finish.
  int Round(PollScheduler& scheduler) {
    int dispatched = scheduler.DispatchDue();
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (scheduler.outstanding_polls() > 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Microseconds(100));
    }
    EXPECT_EQ(scheduler.outstanding_polls(), 0);
    return dispatched;
  }

  NoJournal journal_;  // outlives every job
  FakeClock clock_;
  Redactor redactor_;
  JsonLog log_;
  RecordingUpstream upstream_;
  WorkerPool workers_;
};

TEST_F(PollSchedulerTest, ShortBudgetIsSharedRoundRobinWithoutStarvation) {
  PollSchedulerConfig config;
  config.in_progress_poll_interval = absl::Seconds(1);
  config.max_outstanding_polls = 1;  // one poll at a time: the budget is short
  PollScheduler scheduler(config, &upstream_, nullptr, &workers_, &clock_,
                          &log_);
  for (int i = 0; i < 10; ++i) {
    scheduler.Track(Job("c" + std::to_string(i), "IN_PROGRESS"));
  }
  clock_.Advance(absl::Seconds(1));
  for (int round = 0; round < 100; ++round) {
    EXPECT_EQ(Round(scheduler), 1);
    clock_.Advance(absl::Milliseconds(500));
  }
  for (int i = 0; i < 10; ++i) {
    std::vector<absl::Time> polls = upstream_.PollsOf("c" + std::to_string(i));
    EXPECT_EQ(polls.size(), 10u) << i;
    for (size_t p = 1; p < polls.size(); ++p) {
      // Ten compiles sharing one poll per 500 ms: each waits exactly 5 s.
      EXPECT_EQ(polls[p] - polls[p - 1], absl::Seconds(5)) << i;
    }
  }
}

// One tenant's 40 live compiles do not slow another's 2 to their pace: the
// short budget is shared between the tenants by weight, then round-robin
// within each.
TEST_F(PollSchedulerTest, AShortBudgetIsSharedFairlyBetweenTenantsByWeight) {
  PollSchedulerConfig config;
  config.in_progress_poll_interval = absl::Seconds(1);
  config.max_outstanding_polls = 1;
  PollScheduler scheduler(config, &upstream_, nullptr, &workers_, &clock_,
                          &log_, {{"busy", 1}, {"small", 1}});
  for (int i = 0; i < 40; ++i) {
    scheduler.Track(Job("busy-" + std::to_string(i), "IN_PROGRESS", "busy"));
  }
  // Tracked last: due last, so without fairness polled after all 40.
  clock_.Advance(absl::Milliseconds(1));
  scheduler.Track(Job("small-0", "IN_PROGRESS", "small"));
  scheduler.Track(Job("small-1", "IN_PROGRESS", "small"));
  clock_.Advance(absl::Seconds(1));
  for (int round = 0; round < 40; ++round) {
    EXPECT_EQ(Round(scheduler), 1);
    clock_.Advance(absl::Milliseconds(100));
  }
  // Whenever a small compile is due it goes next, so each is polled at its
  // interval (4 s: 4 polls each, 8 in all); round-robin over all 42 would
  // have given each one poll every 4.2 s, 2 in all.
  const size_t small = upstream_.PollsOf("small-0").size() +
                       upstream_.PollsOf("small-1").size();
  EXPECT_GE(small, 7u);
  EXPECT_LE(small, 8u);
  // And the small tenant's compiles were polled at once, within the first
  // four polls (turns alternate; which of the two goes first is the
  // scheduler's hash order), not after 40 others.
  for (const char* id : {"small-0", "small-1"}) {
    ASSERT_FALSE(upstream_.PollsOf(id).empty()) << id;
    EXPECT_LE(upstream_.PollsOf(id).front(),
              clock_.Now() - absl::Milliseconds(3600))
        << id;
  }
}

TEST_F(PollSchedulerTest, AHeavierTenantGetsMoreOfAShortBudget) {
  PollSchedulerConfig config;
  config.in_progress_poll_interval = absl::Seconds(1);
  config.max_outstanding_polls = 1;
  PollScheduler scheduler(config, &upstream_, nullptr, &workers_, &clock_,
                          &log_, {{"light", 1}, {"heavy", 3}});
  for (int i = 0; i < 40; ++i) {
    scheduler.Track(Job("light-" + std::to_string(i), "IN_PROGRESS", "light"));
    scheduler.Track(Job("heavy-" + std::to_string(i), "IN_PROGRESS", "heavy"));
  }
  clock_.Advance(absl::Seconds(1));
  for (int round = 0; round < 40; ++round) {
    EXPECT_EQ(Round(scheduler), 1);
    clock_.Advance(absl::Milliseconds(10));
  }
  size_t heavy = 0, light = 0;
  for (int i = 0; i < 40; ++i) {
    heavy += upstream_.PollsOf("heavy-" + std::to_string(i)).size();
    light += upstream_.PollsOf("light-" + std::to_string(i)).size();
  }
  EXPECT_EQ(heavy + light, 40u);
  EXPECT_EQ(heavy, 30u);  // three turns for every one
  EXPECT_EQ(light, 10u);
}

TEST_F(PollSchedulerTest, QueuedCompilesArePolledLessOftenThanRunningOnes) {
  PollSchedulerConfig config;
  config.queued_poll_interval = absl::Seconds(4);
  config.in_progress_poll_interval = absl::Seconds(1);
  PollScheduler scheduler(config, &upstream_, nullptr, &workers_, &clock_,
                          &log_);
  scheduler.Track(Job("queued", "QUEUED"));
  scheduler.Track(Job("running", "IN_PROGRESS"));
  for (int second = 0; second < 20; ++second) {
    clock_.Advance(absl::Seconds(1));
    Round(scheduler);
  }
  EXPECT_EQ(upstream_.PollsOf("queued").size(), 5u);
  EXPECT_EQ(upstream_.PollsOf("running").size(), 20u);
}

TEST_F(PollSchedulerTest, SpareBudgetBuysEarlierPolls) {
  PollSchedulerConfig config;
  config.in_progress_poll_interval = absl::Seconds(5);
  config.min_poll_interval = absl::Milliseconds(250);
  upstream::RateBudget budget({100, 100, 8}, &clock_);
  PollScheduler scheduler(config, &upstream_, &budget, &workers_, &clock_,
                          &log_);
  scheduler.Track(Job("c", "IN_PROGRESS"));
  for (int tick = 0; tick < 20; ++tick) {
    clock_.Advance(absl::Milliseconds(250));
    Round(scheduler);
  }
  // Five seconds: every 250 ms with spare budget, instead of once.
  EXPECT_EQ(upstream_.PollsOf("c").size(), 20u);
}

TEST_F(PollSchedulerTest, NoSpareBudgetMeansNoEarlyPolls) {
  PollSchedulerConfig config;
  config.in_progress_poll_interval = absl::Seconds(5);
  config.min_poll_interval = absl::Milliseconds(250);
  // A burst of one leaves nothing beyond the reserve for interactive calls.
  upstream::RateBudget budget({100, 1, 8}, &clock_);
  PollScheduler scheduler(config, &upstream_, &budget, &workers_, &clock_,
                          &log_);
  scheduler.Track(Job("c", "IN_PROGRESS"));
  for (int tick = 0; tick < 20; ++tick) {
    clock_.Advance(absl::Milliseconds(250));
    Round(scheduler);
  }
  EXPECT_EQ(upstream_.PollsOf("c").size(), 1u);
}

TEST_F(PollSchedulerTest, NothingIsHandedOutDuringARetryAfterPause) {
  PollSchedulerConfig config;
  config.in_progress_poll_interval = absl::Seconds(1);
  upstream::RateBudget budget({100, 100, 8}, &clock_);
  PollScheduler scheduler(config, &upstream_, &budget, &workers_, &clock_,
                          &log_);
  scheduler.Track(Job("c", "IN_PROGRESS"));
  budget.PauseUntil(clock_.Now() + absl::Seconds(10));
  for (int second = 0; second < 9; ++second) {
    clock_.Advance(absl::Seconds(1));
    EXPECT_EQ(Round(scheduler), 0);
  }
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(Round(scheduler), 1);
}

TEST_F(PollSchedulerTest, TerminalCompileIsNeverPolledAgain) {
  PollSchedulerConfig config;
  config.in_progress_poll_interval = absl::Seconds(1);
  PollScheduler scheduler(config, &upstream_, nullptr, &workers_, &clock_,
                          &log_);
  auto job = Job("c", "IN_PROGRESS");
  scheduler.Track(job);
  upstream_.SetStatus("c", "COMPLETED");
  clock_.Advance(absl::Seconds(1));
  Round(scheduler);
  EXPECT_TRUE(job->terminal());
  EXPECT_EQ(scheduler.live_compiles(), 0);
  for (int second = 0; second < 10; ++second) {
    clock_.Advance(absl::Seconds(1));
    EXPECT_EQ(Round(scheduler), 0);
  }
  EXPECT_EQ(upstream_.PollsOf("c").size(), 1u);
}

TEST_F(PollSchedulerTest, StuckAndGiveUpAreCheckedAfterPolls) {
  PollSchedulerConfig config;
  config.in_progress_poll_interval = absl::Seconds(10);
  PollScheduler scheduler(config, &upstream_, nullptr, &workers_, &clock_,
                          &log_);
  auto job = std::make_shared<CompileJob>(
      CompileName{"flow", "stuck"}, clock_.Now(),
      LifecycleTimeouts{absl::Seconds(30), absl::Seconds(60)}, &journal_);
  job->ApplyStatus(Status("IN_PROGRESS"), clock_.Now());
  scheduler.Track(job);
  for (int i = 0; i < 6 && !job->terminal(); ++i) {
    clock_.Advance(absl::Seconds(10));
    Round(scheduler);
  }
  EXPECT_EQ(job->Snapshot().state(), compilev1::STATE_TIMED_OUT);
  EXPECT_EQ(scheduler.live_compiles(), 0);
  std::vector<compilev1::EventType> types;
  for (uint64_t seq = 0; auto event = job->NextEvent(seq, nullptr); ++seq) {
    types.push_back(event->event.type());
  }
  EXPECT_THAT(types,
              ::testing::ElementsAre(compilev1::EVENT_TYPE_STATE_CHANGED,
                                     compilev1::EVENT_TYPE_STUCK,
                                     compilev1::EVENT_TYPE_STATE_CHANGED));
}

TEST_F(PollSchedulerTest, ThrottlingIsAnnouncedToEveryLiveCompileOncePerPause) {
  PollSchedulerConfig config;
  PollScheduler scheduler(config, &upstream_, nullptr, &workers_, &clock_,
                          &log_);
  auto a = Job("a", "QUEUED");
  auto b = Job("b", "IN_PROGRESS");
  scheduler.Track(a);
  scheduler.Track(b);
  const absl::Time until = clock_.Now() + absl::Seconds(7);
  scheduler.OnUpstreamPaused(until);
  scheduler.OnUpstreamPaused(until);  // the same pause again: no new event
  for (const auto& job : {a, b}) {
    auto event = job->NextEvent(1, nullptr);
    ASSERT_NE(event, nullptr);
    EXPECT_EQ(event->event.type(), compilev1::EVENT_TYPE_THROTTLED);
    EXPECT_EQ(event->event.sequence(), 2u);
    EXPECT_EQ(event->event.throttled_until().seconds(),
              absl::ToUnixSeconds(until));
    EXPECT_EQ(event->event.state(), job->Snapshot().state());
    EXPECT_EQ(job->NextEvent(2, nullptr), nullptr);
  }
}

}  // namespace
}  // namespace cxone
