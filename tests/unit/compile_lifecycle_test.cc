#include "server/jobs/compile_lifecycle.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_upstream.h"

namespace cxone {
namespace {

using ::cxone::testing::Status;
using ::testing::HasSubstr;
using ::testing::SizeIs;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);
const CompileName kName{"main", "c-1"};

LifecycleTimeouts Timeouts() { return {absl::Minutes(2), absl::Minutes(10)}; }

TEST(CompileLifecycle, FollowsTheHappyPathWithGapFreeSequences) {
  CompileLifecycle lifecycle(kName, kStart, Timeouts());
  auto queued = lifecycle.OnUpstreamStatus(Status("QUEUED"), kStart);
  auto running = lifecycle.OnUpstreamStatus(Status("IN_PROGRESS"),
                                            kStart + absl::Seconds(1));
  auto same = lifecycle.OnUpstreamStatus(Status("IN_PROGRESS"),
                                         kStart + absl::Seconds(2));
  auto done = lifecycle.OnUpstreamStatus(Status("COMPLETED"),
                                         kStart + absl::Seconds(3));
  ASSERT_THAT(queued, SizeIs(1));
  ASSERT_THAT(running, SizeIs(1));
  EXPECT_THAT(same, SizeIs(0));
  ASSERT_THAT(done, SizeIs(1));
  EXPECT_EQ(queued[0].sequence(), 1u);
  EXPECT_EQ(queued[0].previous_state(), compilev1::STATE_UNSPECIFIED);
  EXPECT_EQ(queued[0].state(), compilev1::STATE_QUEUED);
  EXPECT_EQ(running[0].sequence(), 2u);
  EXPECT_EQ(running[0].previous_state(), compilev1::STATE_QUEUED);
  EXPECT_EQ(done[0].sequence(), 3u);
  EXPECT_EQ(done[0].type(), compilev1::EVENT_TYPE_STATE_CHANGED);
  EXPECT_EQ(done[0].state(), compilev1::STATE_COMPLETED);
  EXPECT_EQ(done[0].name(), "flows/main/compiles/c-1");
  EXPECT_TRUE(lifecycle.terminal());
}

TEST(CompileLifecycle, ACompileKeepsTheLabelsItWasCreatedWith) {
  const Labels labels = {{"example.com/team", "ivr"}, {"pipeline", ""}};
  CompileLifecycle lifecycle(kName, kStart, Timeouts(), labels);
  lifecycle.OnUpstreamStatus(Status("QUEUED"), kStart);
  lifecycle.OnUpstreamStatus(Status("COMPLETED"), kStart + absl::Seconds(1));
  const auto& kept = lifecycle.compile().labels();
  EXPECT_EQ(Labels(kept.begin(), kept.end()), labels);
  // As recorded and recovered, too.
  CompileLifecycle recovered(lifecycle.compile(), lifecycle.last_sequence(),
                             kStart + absl::Hours(1), Timeouts());
  const auto& after = recovered.compile().labels();
  EXPECT_EQ(Labels(after.begin(), after.end()), labels);
  EXPECT_TRUE(
      CompileLifecycle(kName, kStart, Timeouts()).compile().labels().empty());
}

TEST(CompileLifecycle, FailedCarriesClassifiedErrorsWithLocations) {
  CompileLifecycle lifecycle(kName, kStart, Timeouts());
  lifecycle.OnUpstreamStatus(Status("QUEUED"), kStart);
  upstream::CompileStatus failed = Status("FAILED");
  failed.errors = {{"SYNTAX_ERROR", "bad", 12, 5},
                   {"VALIDATION_ERROR", "missing", 0, 0},
                   {"REFERENCE_ERROR", "dangling", 3, 0},
                   {"LICENSE_ERROR", "odd", 1, 1}};
  failed.warnings = {{"", "plain", 0, 0}};
  auto events = lifecycle.OnUpstreamStatus(failed, kStart);
  ASSERT_THAT(events, SizeIs(1));
  const auto& errors = events[0].errors();
  ASSERT_EQ(errors.size(), 4);
  EXPECT_EQ(errors[0].category(), compilev1::ERROR_CATEGORY_SYNTAX);
  EXPECT_EQ(errors[0].location().line(), 12u);
  EXPECT_EQ(errors[0].location().column(), 5u);
  EXPECT_EQ(errors[1].category(), compilev1::ERROR_CATEGORY_VALIDATION);
  EXPECT_FALSE(errors[1].has_location());
  EXPECT_EQ(errors[2].category(), compilev1::ERROR_CATEGORY_REFERENCE);
  EXPECT_EQ(errors[2].location().line(), 3u);
  EXPECT_EQ(errors[3].category(), compilev1::ERROR_CATEGORY_UNKNOWN);
  EXPECT_EQ(errors[3].code(), "LICENSE_ERROR");
  ASSERT_EQ(events[0].warnings_size(), 1);
  EXPECT_EQ(events[0].warnings(0).message(), "plain");
  EXPECT_EQ(lifecycle.compile().errors_size(), 4);
}

TEST(CompileLifecycle, QueuedToFailedIsLegal) {
  EXPECT_TRUE(IsLegalMove(compilev1::STATE_QUEUED, compilev1::STATE_FAILED));
}

TEST(CompileLifecycle, ForwardSkipIsAcceptedAsMissedPhase) {
  EXPECT_TRUE(IsLegalMove(compilev1::STATE_QUEUED, compilev1::STATE_COMPLETED));
}

TEST(CompileLifecycle, BackwardsAndOutOfTerminalAreIllegal) {
  EXPECT_FALSE(
      IsLegalMove(compilev1::STATE_IN_PROGRESS, compilev1::STATE_QUEUED));
  EXPECT_FALSE(
      IsLegalMove(compilev1::STATE_COMPLETED, compilev1::STATE_FAILED));
  EXPECT_FALSE(
      IsLegalMove(compilev1::STATE_FAILED, compilev1::STATE_IN_PROGRESS));
  EXPECT_FALSE(
      IsLegalMove(compilev1::STATE_QUEUED, compilev1::STATE_TIMED_OUT));
}

TEST(CompileLifecycle, BackwardMoveIsAnAnomalyAndStateStays) {
  CompileLifecycle lifecycle(kName, kStart, Timeouts());
  lifecycle.OnUpstreamStatus(Status("QUEUED"), kStart);
  lifecycle.OnUpstreamStatus(Status("IN_PROGRESS"), kStart);
  auto events = lifecycle.OnUpstreamStatus(Status("QUEUED"), kStart);
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].type(), compilev1::EVENT_TYPE_UPSTREAM_ANOMALY);
  EXPECT_EQ(events[0].state(), compilev1::STATE_IN_PROGRESS);
  EXPECT_EQ(events[0].upstream_status(), "QUEUED");
  EXPECT_THAT(events[0].detail(), HasSubstr("from IN_PROGRESS to QUEUED"));
  EXPECT_EQ(lifecycle.compile().state(), compilev1::STATE_IN_PROGRESS);
  // The same anomaly on the next poll is not repeated.
  EXPECT_THAT(lifecycle.OnUpstreamStatus(Status("QUEUED"), kStart), SizeIs(0));
}

TEST(CompileLifecycle, UnknownStatusIsKeptAndReportedOnce) {
  CompileLifecycle lifecycle(kName, kStart, Timeouts());
  lifecycle.OnUpstreamStatus(Status("QUEUED"), kStart);
  auto events = lifecycle.OnUpstreamStatus(Status("WARMING_UP"), kStart);
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].type(), compilev1::EVENT_TYPE_UPSTREAM_ANOMALY);
  EXPECT_EQ(events[0].upstream_status(), "WARMING_UP");
  EXPECT_EQ(events[0].state(), compilev1::STATE_QUEUED);
  EXPECT_EQ(lifecycle.compile().upstream_status(), "WARMING_UP");
  EXPECT_THAT(lifecycle.OnUpstreamStatus(Status("WARMING_UP"), kStart),
              SizeIs(0));
  // Polling goes on and a later real move is taken.
  auto running = lifecycle.OnUpstreamStatus(Status("IN_PROGRESS"), kStart);
  ASSERT_THAT(running, SizeIs(1));
  EXPECT_EQ(running[0].sequence(), 3u);
}

TEST(CompileLifecycle, ReportsStuckOnceAfterTheStuckTimeout) {
  CompileLifecycle lifecycle(kName, kStart, Timeouts());
  lifecycle.OnUpstreamStatus(Status("QUEUED"), kStart);
  EXPECT_THAT(lifecycle.OnTick(kStart + absl::Seconds(119)), SizeIs(0));
  auto stuck = lifecycle.OnTick(kStart + absl::Seconds(120));
  ASSERT_THAT(stuck, SizeIs(1));
  EXPECT_EQ(stuck[0].type(), compilev1::EVENT_TYPE_STUCK);
  EXPECT_EQ(stuck[0].state(), compilev1::STATE_QUEUED);
  EXPECT_THAT(stuck[0].detail(), HasSubstr("2m"));
  EXPECT_THAT(lifecycle.OnTick(kStart + absl::Seconds(300)), SizeIs(0));
  // A change re-arms stuck detection.
  lifecycle.OnUpstreamStatus(Status("IN_PROGRESS"),
                             kStart + absl::Seconds(301));
  EXPECT_THAT(lifecycle.OnTick(kStart + absl::Seconds(421)), SizeIs(1));
}

TEST(CompileLifecycle, GivesUpAfterTheGiveUpTimeout) {
  CompileLifecycle lifecycle(kName, kStart, Timeouts());
  lifecycle.OnUpstreamStatus(Status("IN_PROGRESS"), kStart);
  auto events = lifecycle.OnTick(kStart + absl::Minutes(10));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].type(), compilev1::EVENT_TYPE_STATE_CHANGED);
  EXPECT_EQ(events[0].state(), compilev1::STATE_TIMED_OUT);
  EXPECT_EQ(events[0].previous_state(), compilev1::STATE_IN_PROGRESS);
  EXPECT_TRUE(lifecycle.terminal());
  EXPECT_THAT(lifecycle.OnTick(kStart + absl::Minutes(20)), SizeIs(0));
}

TEST(CompileLifecycle, FinalPollErrorIsReportedOnceAsAnomaly) {
  CompileLifecycle lifecycle(kName, kStart, Timeouts());
  lifecycle.OnUpstreamStatus(Status("QUEUED"), kStart);
  auto events = lifecycle.OnUpstreamError(
      absl::PermissionDeniedError("lacks flow:read"), kStart);
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_THAT(events[0].detail(), HasSubstr("flow:read"));
  EXPECT_THAT(lifecycle.OnUpstreamError(
                  absl::PermissionDeniedError("lacks flow:read"), kStart),
              SizeIs(0));
}

// Rejected credentials (or a missing scope) say nothing about the compile:
// a secret rotation gone wrong must not end every live compile TIMED_OUT.
TEST(CompileLifecycle, RefusalsOfTheGatewayItselfDoNotCountAsNoChange) {
  CompileLifecycle lifecycle(kName, kStart, Timeouts());  // give up at 10m
  lifecycle.OnUpstreamStatus(Status("IN_PROGRESS"), kStart);
  for (int minute = 1; minute <= 60; ++minute) {
    const absl::Time now = kStart + absl::Minutes(minute);
    lifecycle.OnUpstreamError(
        absl::FailedPreconditionError("client credentials rejected"), now);
    lifecycle.OnTick(now);
  }
  EXPECT_FALSE(lifecycle.terminal());
  EXPECT_EQ(lifecycle.QuietFor(kStart + absl::Hours(1)), absl::ZeroDuration());
}

TEST(CompileLifecycle, AnUnknownCompileIsAnAnswerAndIsGivenUpOn) {
  CompileLifecycle lifecycle(kName, kStart, Timeouts());  // give up at 10m
  lifecycle.OnUpstreamStatus(Status("IN_PROGRESS"), kStart);
  for (int minute = 1; minute <= 10; ++minute) {
    const absl::Time now = kStart + absl::Minutes(minute);
    lifecycle.OnUpstreamError(absl::NotFoundError("unknown compile"), now);
    lifecycle.OnTick(now);
  }
  EXPECT_EQ(lifecycle.compile().state(), compilev1::STATE_TIMED_OUT);
}

TEST(CompileLifecycle, ThrottledIsANoticeOncePerPauseThatLeavesTheState) {
  CompileLifecycle lifecycle(kName, kStart, Timeouts());
  lifecycle.OnUpstreamStatus(Status("IN_PROGRESS"), kStart);
  const absl::Time until = kStart + absl::Seconds(30);
  auto events = lifecycle.OnThrottled(until, kStart);
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].type(), compilev1::EVENT_TYPE_THROTTLED);
  EXPECT_EQ(events[0].state(), compilev1::STATE_IN_PROGRESS);
  EXPECT_EQ(events[0].throttled_until().seconds(), absl::ToUnixSeconds(until));
  EXPECT_THAT(events[0].detail(), HasSubstr("30s"));
  EXPECT_THAT(lifecycle.OnThrottled(until, kStart), SizeIs(0));
  EXPECT_THAT(lifecycle.OnThrottled(until + absl::Seconds(5), kStart),
              SizeIs(1));
  EXPECT_EQ(lifecycle.compile().state(), compilev1::STATE_IN_PROGRESS);
  lifecycle.OnUpstreamStatus(Status("COMPLETED"), kStart);
  EXPECT_THAT(lifecycle.OnThrottled(until + absl::Minutes(1), kStart),
              SizeIs(0));
}

TEST(CompileLifecycle, ThrottledTimeDoesNotCountTowardsStuck) {
  CompileLifecycle lifecycle(kName, kStart, Timeouts());  // stuck after 2m
  lifecycle.OnUpstreamStatus(Status("IN_PROGRESS"), kStart);
  lifecycle.OnThrottled(kStart + absl::Seconds(90), kStart + absl::Seconds(30));
  // 2m after the last change, but 60 s of it were a pause: not stuck yet.
  EXPECT_THAT(lifecycle.OnTick(kStart + absl::Minutes(2)), SizeIs(0));
  EXPECT_THAT(lifecycle.OnTick(kStart + absl::Minutes(3)), SizeIs(1));
}

TEST(CompileLifecycle, TimeCxoneWasUnreachableDoesNotCountTowardsGivingUp) {
  CompileLifecycle lifecycle(kName, kStart, Timeouts());  // give up at 10m
  lifecycle.OnUpstreamStatus(Status("IN_PROGRESS"), kStart);
  lifecycle.OnUpstreamStatus(Status("IN_PROGRESS"), kStart + absl::Minutes(1));
  // From here on every poll fails: CXone cannot be asked.
  lifecycle.OnUpstreamUnreachable();
  EXPECT_THAT(lifecycle.OnTick(kStart + absl::Hours(2)), SizeIs(0));
  lifecycle.OnUpstreamUnreachable();
  EXPECT_THAT(lifecycle.OnTick(kStart + absl::Hours(3)), SizeIs(0));
  EXPECT_FALSE(lifecycle.terminal());
  EXPECT_EQ(lifecycle.QuietFor(kStart + absl::Hours(3)), absl::Minutes(1));
  EXPECT_EQ(lifecycle.compile().state(), compilev1::STATE_IN_PROGRESS);
  // CXone answers again: the clock resumes from its answer.
  const absl::Time back = kStart + absl::Hours(3);
  lifecycle.OnUpstreamStatus(Status("IN_PROGRESS"), back);
  lifecycle.OnTick(back + absl::Minutes(8));  // stuck by now, not given up
  EXPECT_FALSE(lifecycle.terminal());
  auto events = lifecycle.OnTick(back + absl::Minutes(9));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].state(), compilev1::STATE_TIMED_OUT);
  EXPECT_THAT(events[0].detail(), HasSubstr("no change for 10m"));
}

TEST(CompileLifecycle, StuckCountsOnlyAnsweredTime) {
  CompileLifecycle lifecycle(kName, kStart, Timeouts());  // stuck after 2m
  lifecycle.OnUpstreamStatus(Status("QUEUED"), kStart);
  lifecycle.OnUpstreamStatus(Status("QUEUED"), kStart + absl::Seconds(90));
  lifecycle.OnUpstreamUnreachable();
  EXPECT_THAT(lifecycle.OnTick(kStart + absl::Minutes(10)), SizeIs(0));
  lifecycle.OnUpstreamStatus(Status("QUEUED"), kStart + absl::Minutes(10));
  auto events =
      lifecycle.OnTick(kStart + absl::Minutes(10) + absl::Seconds(30));
  ASSERT_THAT(events, SizeIs(1));
  EXPECT_EQ(events[0].type(), compilev1::EVENT_TYPE_STUCK);
  EXPECT_THAT(events[0].detail(), HasSubstr("no change for 2m"));
}

TEST(CategoryOf, ClassifiesTheThreeKnownCodes) {
  EXPECT_EQ(CategoryOf("SYNTAX_ERROR"), compilev1::ERROR_CATEGORY_SYNTAX);
  EXPECT_EQ(CategoryOf("VALIDATION_ERROR"),
            compilev1::ERROR_CATEGORY_VALIDATION);
  EXPECT_EQ(CategoryOf("REFERENCE_ERROR"), compilev1::ERROR_CATEGORY_REFERENCE);
  EXPECT_EQ(CategoryOf("syntax_error"), compilev1::ERROR_CATEGORY_UNKNOWN);
  EXPECT_EQ(CategoryOf(""), compilev1::ERROR_CATEGORY_UNKNOWN);
}

}  // namespace
}  // namespace cxone
