#include "server/jobs/compile_starter.h"

#include <cstdio>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/group_committer.h"
#include "server/store/no_journal.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_store.h"
#include "tests/support/fake_upstream.h"
#include "tests/support/finished_compile.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::cxone::testing::AddFinishedCompile;
using ::cxone::testing::FakeClock;
using ::cxone::testing::FakeStore;
using ::cxone::testing::FakeUpstream;
using ::cxone::testing::Status;
using ::cxone::testing::WaitUntil;
using ::testing::HasSubstr;

// Collects the outcome of one Start() call.
class Outcome {
 public:
  CompileStarter::Done Callback() {
    return [this](absl::StatusOr<compilev1::Compile> result) {
      result_ = std::move(result);
      done_.Notify();
    };
  }
  const absl::StatusOr<compilev1::Compile>& Get() {
    EXPECT_TRUE(done_.WaitForNotificationWithTimeout(absl::Seconds(30)));
    return result_;
  }
  bool done() const { return done_.HasBeenNotified(); }

 private:
  absl::Notification done_;
  absl::StatusOr<compilev1::Compile> result_ = absl::UnknownError("not done");
};

class CompileStarterTest : public ::testing::Test {
 protected:
  CompileStarterTest()
      : log_(std::tmpfile(), &clock_, &redactor_),
        workers_(2),
        scheduler_(SchedulerConfig(), &upstream_, nullptr, &workers_, &clock_,
                   &log_),
        starter_(&upstream_, &registry_, &request_ids_, &scheduler_, &workers_,
                 &clock_, &log_, LifecycleTimeouts{}, /*max_pending_starts=*/2,
                 &no_journal_),
        journal_(&store_, &clock_),
        journaled_starter_(&upstream_, &registry_, &request_ids_, &scheduler_,
                           &workers_, &clock_, &log_, LifecycleTimeouts{},
                           /*max_pending_starts=*/2, &journal_) {
    EXPECT_TRUE(journal_.Start().ok());
  }

  static PollSchedulerConfig SchedulerConfig() {
    PollSchedulerConfig config;
    config.queued_poll_interval = absl::Seconds(1);
    config.in_progress_poll_interval = absl::Seconds(1);
    return config;
  }

  compilev1::StartCompileRequest Request(std::string flow,
                                         std::string request_id = "",
                                         const Labels& labels = {}) {
    compilev1::StartCompileRequest request;
    request.set_flow_id(std::move(flow));
    request.set_request_id(std::move(request_id));
    request.mutable_labels()->insert(labels.begin(), labels.end());
    return request;
  }

  // What starter_ and the jobs the tests make commit to; outlives them.
  NoJournal no_journal_;
  FakeClock clock_;
  Redactor redactor_;
  JsonLog log_;
  FakeUpstream upstream_;
  WorkerPool workers_;
  PollScheduler scheduler_;
  JobRegistry registry_;
  RequestIdIndex request_ids_;
  CompileStarter starter_;
  // The same, recording what it does in a store.
  FakeStore store_;
  GroupCommitter journal_;
  CompileStarter journaled_starter_;
};

TEST_F(CompileStarterTest, AStartTheStoreCannotRecordTouchesNothingUpstream) {
  store_.SetFailure(absl::UnavailableError(
      "state store fake.db: cannot record a request_id: database or disk is "
      "full"));
  Outcome outcome;
  journaled_starter_.Start(Request("main"), outcome.Callback());
  const absl::Status status = outcome.Get().status();
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_EQ(status.message(),
            "the gateway cannot record new compiles (state store fake.db: "
            "cannot record a request_id: database or disk is full); nothing "
            "was started, retry later");
  EXPECT_THAT(status.message(), HasSubstr("nothing was started"));
  EXPECT_EQ(upstream_.triggers(), 0);
}

TEST_F(CompileStarterTest,
       TheRequestIdIsRecordedBeforeTheTriggerAndBoundAfter) {
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "QUEUED", false});
  upstream_.HoldTriggers(true);
  Outcome outcome;
  journaled_starter_.Start(Request("main", "deploy-7", {{"pipeline", "ci"}}),
                           outcome.Callback());
  ASSERT_TRUE(WaitUntil([&] { return upstream_.triggers() >= 1; }));
  // CXone is being called: the intent is already durable, not yet bound,
  // with what a restart needs to trigger it again.
  ASSERT_TRUE(store_.request_ids().contains("deploy-7"));
  EXPECT_EQ(store_.request_ids().at("deploy-7").compile_name, "");
  EXPECT_EQ(store_.request_ids().at("deploy-7").labels,
            (Labels{{"pipeline", "ci"}}));
  upstream_.HoldTriggers(false);
  ASSERT_TRUE(outcome.Get().ok()) << outcome.Get().status();
  EXPECT_EQ(store_.request_ids().at("deploy-7").compile_name,
            outcome.Get()->name());
}

TEST_F(CompileStarterTest, AStartWithoutRequestIdLeavesNoKeyBehind) {
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "QUEUED", false});
  Outcome outcome;
  journaled_starter_.Start(Request("main"), outcome.Callback());
  ASSERT_TRUE(outcome.Get().ok()) << outcome.Get().status().ToString();
  EXPECT_TRUE(store_.request_ids().empty());
  EXPECT_EQ(store_.events().size(), 1u);  // the compile's first event
}

TEST_F(CompileStarterTest, APendingStartIsTriggeredAgainAndBound) {
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "QUEUED", false});
  const Labels labels = {{"commit", "3f2a9c"}, {"pipeline", "nightly"}};
  journaled_starter_.ResumePending(
      {"deploy-9", "main", R"({"mode":"fast"})", "", clock_.Now(), labels});
  ASSERT_TRUE(WaitUntil([&] { return upstream_.triggers() >= 1; }));
  WaitUntil(
      [&] { return !store_.request_ids()["deploy-9"].compile_name.empty(); });
  EXPECT_FALSE(store_.request_ids()["deploy-9"].compile_name.empty());
  EXPECT_EQ(upstream_.last_directives(), (nlohmann::json{{"mode", "fast"}}));
  // The compile carries the labels the interrupted call gave, and the
  // binding keeps them for the next restart.
  std::shared_ptr<CompileJob> job = registry_.Find("flows/main/compiles/c-1");
  ASSERT_NE(job, nullptr);
  const compilev1::Compile compile = job->Snapshot();
  EXPECT_EQ(Labels(compile.labels().begin(), compile.labels().end()), labels);
  EXPECT_EQ(store_.request_ids()["deploy-9"].labels, labels);
  // A caller retrying the key now gets that compile, without a trigger ...
  Outcome retry;
  journaled_starter_.Start(Request("main", "deploy-9", labels),
                           retry.Callback());
  ASSERT_TRUE(retry.Get().ok()) << retry.Get().status();
  EXPECT_EQ(retry.Get()->name(), store_.request_ids()["deploy-9"].compile_name);
  EXPECT_EQ(upstream_.triggers(), 1);
  // ... as long as it repeats the labels.
  Outcome other;
  journaled_starter_.Start(Request("main", "deploy-9"), other.Callback());
  EXPECT_TRUE(absl::IsAlreadyExists(other.Get().status()))
      << other.Get().status();
}

// A start fails at one of its three steps; what becomes of its intent
// depends only on the step. Step 1 (the intent cannot be recorded) is
// AStartTheStoreCannotRecordTouchesNothingUpstream.

// Step 2: CXone refused, so nothing was started: the intent goes.
TEST_F(CompileStarterTest, ARefusedTriggerLeavesNoIntentBehind) {
  upstream_.SetTriggerResult(absl::PermissionDeniedError("lacks flow:write"));
  Outcome outcome;
  journaled_starter_.Start(Request("main", "deploy-3"), outcome.Callback());
  EXPECT_EQ(outcome.Get().status(),
            absl::PermissionDeniedError("lacks flow:write"));
  EXPECT_EQ(upstream_.triggers(), 1);
  EXPECT_TRUE(store_.request_ids().empty());
}

// Step 3: CXone started a compile the gateway cannot record. The intent
// stays, so that the retry the caller is told to make adopts the compile.
TEST_F(CompileStarterTest, ACompileThatCannotBeRecordedKeepsItsIntent) {
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "QUEUED", false});
  // The compile's first record fails; the intent (and a forget) would not.
  store_.SetFailure(
      absl::UnavailableError("state store fake.db: cannot record compile"),
      [](const StoreBatch& batch) { return !batch.compiles.empty(); });
  Outcome outcome;
  journaled_starter_.Start(Request("main", "deploy-7"), outcome.Callback());
  const absl::Status status = outcome.Get().status();
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_EQ(status.message(),
            "CXone started compile flows/main/compiles/c-1 but the gateway "
            "cannot record it (state store fake.db: cannot record compile); "
            "retry with the same request_id to adopt it");
  EXPECT_EQ(registry_.Find("flows/main/compiles/c-1"), nullptr);
  ASSERT_TRUE(store_.request_ids().contains("deploy-7"));
  EXPECT_EQ(store_.request_ids().at("deploy-7").compile_name, "");
  // The retry: CXone reports c-1 running, and the gateway adopts it.
  store_.SetFailure(absl::OkStatus());
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "", true});
  upstream_.Script("c-1", {Status("IN_PROGRESS")});
  Outcome retried;
  journaled_starter_.Start(Request("main", "deploy-7"), retried.Callback());
  ASSERT_TRUE(retried.Get().ok()) << retried.Get().status();
  EXPECT_EQ(retried.Get()->name(), "flows/main/compiles/c-1");
  EXPECT_EQ(store_.request_ids().at("deploy-7").compile_name,
            "flows/main/compiles/c-1");
}

// Step 3: CXone names a running compile but will not tell its state. The
// gateway records nothing of it, and keeps the intent.
TEST_F(CompileStarterTest, ARunningCompileOfUnknownStateKeepsTheIntent) {
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-9", "", true});
  upstream_.Script("c-9", {absl::UnavailableError("CXone is down")});
  Outcome outcome;
  journaled_starter_.Start(Request("main", "deploy-9"), outcome.Callback());
  EXPECT_EQ(outcome.Get().status(), absl::UnavailableError("CXone is down"));
  EXPECT_EQ(registry_.Find("flows/main/compiles/c-9"), nullptr);
  ASSERT_TRUE(store_.request_ids().contains("deploy-9"));
  EXPECT_EQ(store_.request_ids().at("deploy-9").compile_name, "");
}

// Step 3: CXone names a compile the gateway follows, but binding the
// request_id to it cannot be recorded. The intent stays pending.
TEST_F(CompileStarterTest, AnAttachThatCannotBeRecordedKeepsTheIntent) {
  auto job =
      std::make_shared<CompileJob>(CompileName{"main", "c-1"}, clock_.Now(),
                                   LifecycleTimeouts{}, &no_journal_);
  ASSERT_TRUE(
      job->ApplyFirstStatus(Status("IN_PROGRESS"), clock_.Now(), {}).ok());
  registry_.AddIfAbsent(job);
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "", true});
  store_.SetFailure(
      absl::UnavailableError("state store fake.db: cannot record a request_id"),
      [](const StoreBatch& batch) {
        for (const StoredRequestId& key : batch.request_ids) {
          if (!key.compile_name.empty()) return true;
        }
        return false;
      });
  Outcome outcome;
  journaled_starter_.Start(Request("main", "deploy-5"), outcome.Callback());
  const absl::Status status = outcome.Get().status();
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_EQ(status.message(),
            "the gateway cannot record the compile (state store fake.db: "
            "cannot record a request_id); retry with the same request_id");
  ASSERT_TRUE(store_.request_ids().contains("deploy-5"));
  EXPECT_EQ(store_.request_ids().at("deploy-5").compile_name, "");
}

TEST_F(CompileStarterTest, ARequestIdMayNotUseTheGatewaysOwnPrefix) {
  Outcome outcome;
  starter_.Start(Request("main", "~mine"), outcome.Callback());
  EXPECT_TRUE(absl::IsInvalidArgument(outcome.Get().status()));
  EXPECT_EQ(upstream_.triggers(), 0);
}

TEST_F(CompileStarterTest, InvalidFlowIdIsRejectedWithoutUpstreamCall) {
  Outcome outcome;
  starter_.Start(Request("../etc"), outcome.Callback());
  EXPECT_TRUE(outcome.done());  // answered inline
  EXPECT_TRUE(absl::IsInvalidArgument(outcome.Get().status()));
  EXPECT_EQ(upstream_.triggers(), 0);
}

TEST_F(CompileStarterTest, StartsRegistersAndPollsTheCompile) {
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "QUEUED", false});
  Outcome outcome;
  compilev1::StartCompileRequest request = Request("main");
  (*request.mutable_directives()->mutable_fields())["level"].set_number_value(
      2);
  starter_.Start(request, outcome.Callback());
  const auto& compile = outcome.Get();
  ASSERT_TRUE(compile.ok()) << compile.status();
  EXPECT_EQ(compile->name(), "flows/main/compiles/c-1");
  EXPECT_EQ(compile->state(), compilev1::STATE_QUEUED);
  EXPECT_NE(registry_.Find("flows/main/compiles/c-1"), nullptr);
  EXPECT_EQ(scheduler_.live_compiles(), 1);
  EXPECT_EQ(upstream_.last_directives(), (nlohmann::json{{"level", 2}}));
}

TEST_F(CompileStarterTest, SameRequestIdTriggersOnceEvenWhenConcurrent) {
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "QUEUED", false});
  upstream_.HoldTriggers(true);
  Outcome first;
  Outcome second;
  starter_.Start(Request("main", "deploy-42"), first.Callback());
  starter_.Start(Request("main", "deploy-42"), second.Callback());
  upstream_.HoldTriggers(false);
  ASSERT_TRUE(first.Get().ok());
  ASSERT_TRUE(second.Get().ok());
  EXPECT_EQ(first.Get()->name(), second.Get()->name());
  Outcome later;
  starter_.Start(Request("main", "deploy-42"), later.Callback());
  EXPECT_EQ(later.Get()->name(), "flows/main/compiles/c-1");
  EXPECT_EQ(upstream_.triggers(), 1);
}

TEST_F(CompileStarterTest, RequestIdReusedForAnotherFlowIsAlreadyExists) {
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "QUEUED", false});
  Outcome first;
  starter_.Start(Request("main", "deploy-42"), first.Callback());
  ASSERT_TRUE(first.Get().ok());
  Outcome other;
  starter_.Start(Request("billing", "deploy-42"), other.Callback());
  EXPECT_TRUE(absl::IsAlreadyExists(other.Get().status()));
  EXPECT_THAT(other.Get().status().message(), HasSubstr("main"));
}

TEST_F(CompileStarterTest, InvalidLabelsAreRefusedNamingTheLabel) {
  Outcome bad_key;
  starter_.Start(Request("main", "deploy-1", {{"Team/owner", "ivr"}}),
                 bad_key.Callback());
  EXPECT_TRUE(bad_key.done());  // answered inline
  EXPECT_TRUE(absl::IsInvalidArgument(bad_key.Get().status()))
      << bad_key.Get().status();
  EXPECT_THAT(bad_key.Get().status().message(),
              HasSubstr("labels: key \"Team/owner\""));
  Outcome bad_value;
  starter_.Start(Request("main", "", {{"commit", "3f2a 9c"}}),
                 bad_value.Callback());
  EXPECT_TRUE(absl::IsInvalidArgument(bad_value.Get().status()));
  EXPECT_THAT(bad_value.Get().status().message(),
              HasSubstr("labels[\"commit\"]: value \"3f2a 9c\""));
  EXPECT_EQ(upstream_.triggers(), 0);
  // A refused request claims no key: the same key with valid labels starts.
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "QUEUED", false});
  Outcome valid;
  starter_.Start(Request("main", "deploy-1", {{"team", "ivr"}}),
                 valid.Callback());
  ASSERT_TRUE(valid.Get().ok()) << valid.Get().status();
}

TEST_F(CompileStarterTest, TheNewCompileCarriesTheRequestsLabels) {
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "QUEUED", false});
  const Labels labels = {{"example.com/team", "ivr"}, {"pipeline", "nightly"}};
  Outcome outcome;
  journaled_starter_.Start(Request("main", "", labels), outcome.Callback());
  ASSERT_TRUE(outcome.Get().ok()) << outcome.Get().status();
  const auto& returned = outcome.Get()->labels();
  EXPECT_EQ(Labels(returned.begin(), returned.end()), labels);
  // The job holds them (every snapshot), and so does the compile's record,
  // committed before the answer, which recovery rebuilds the job from.
  const compilev1::Compile snapshot =
      registry_.Find("flows/main/compiles/c-1")->Snapshot();
  EXPECT_EQ(Labels(snapshot.labels().begin(), snapshot.labels().end()), labels);
  auto contents = store_.LoadAll();
  ASSERT_TRUE(contents.ok());
  ASSERT_EQ(contents->compiles.size(), 1u);
  const auto& recorded = contents->compiles[0].compile.labels();
  EXPECT_EQ(Labels(recorded.begin(), recorded.end()), labels);
}

TEST_F(CompileStarterTest, ARetryWithOtherLabelsIsAlreadyExists) {
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "QUEUED", false});
  Outcome first;
  starter_.Start(Request("main", "deploy-42",
                         {{"commit", "3f2a9c"}, {"pipeline", "nightly"}}),
                 first.Callback());
  ASSERT_TRUE(first.Get().ok()) << first.Get().status();
  Outcome other;
  starter_.Start(Request("main", "deploy-42",
                         {{"commit", "77aa01"}, {"pipeline", "nightly"}}),
                 other.Callback());
  const absl::Status status = other.Get().status();
  EXPECT_TRUE(absl::IsAlreadyExists(status)) << status;
  EXPECT_EQ(status.message(),
            "request_id \"deploy-42\" was first used with other labels (they "
            "differ at \"commit\"); a retry must repeat its first call's "
            "labels, or use a new request_id");
  // Fewer labels, or none, differ as well.
  Outcome fewer;
  starter_.Start(Request("main", "deploy-42", {{"commit", "3f2a9c"}}),
                 fewer.Callback());
  EXPECT_TRUE(absl::IsAlreadyExists(fewer.Get().status()));
  EXPECT_THAT(fewer.Get().status().message(), HasSubstr("\"pipeline\""));
  Outcome none;
  starter_.Start(Request("main", "deploy-42"), none.Callback());
  EXPECT_TRUE(absl::IsAlreadyExists(none.Get().status()));
  EXPECT_EQ(upstream_.triggers(), 1);
}

TEST_F(CompileStarterTest, ARetryWithTheSameLabelsGetsTheSameCompile) {
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "QUEUED", false});
  Outcome first;
  starter_.Start(Request("main", "deploy-42", {{"a", "1"}, {"b", "2"}}),
                 first.Callback());
  ASSERT_TRUE(first.Get().ok()) << first.Get().status();
  // The same labels, added the other way round (a map: order is no part).
  compilev1::StartCompileRequest retry = Request("main", "deploy-42");
  (*retry.mutable_labels())["b"] = "2";
  (*retry.mutable_labels())["a"] = "1";
  Outcome again;
  starter_.Start(retry, again.Callback());
  ASSERT_TRUE(again.Get().ok()) << again.Get().status();
  EXPECT_EQ(again.Get()->name(), first.Get()->name());
  EXPECT_EQ(again.Get()->labels().at("a"), "1");
  EXPECT_EQ(upstream_.triggers(), 1);
}

// The labels are the compile's from its creation: a start that attaches to
// it gets it with them, whatever labels that start gave.
TEST_F(CompileStarterTest, AttachingToAKnownCompileKeepsItsLabels) {
  auto job = std::make_shared<CompileJob>(
      CompileName{"main", "c-1"}, clock_.Now(), LifecycleTimeouts{},
      &no_journal_, nullptr, Labels{{"pipeline", "first"}});
  ASSERT_TRUE(
      job->ApplyFirstStatus(Status("IN_PROGRESS"), clock_.Now(), {}).ok());
  registry_.AddIfAbsent(job);
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "", true});
  Outcome outcome;
  journaled_starter_.Start(
      Request("main", "deploy-2", {{"pipeline", "second"}}),
      outcome.Callback());
  ASSERT_TRUE(outcome.Get().ok()) << outcome.Get().status();
  EXPECT_EQ(outcome.Get()->name(), "flows/main/compiles/c-1");
  const auto& labels = outcome.Get()->labels();
  EXPECT_EQ(Labels(labels.begin(), labels.end()),
            (Labels{{"pipeline", "first"}}));
  // The key remembers what its own call gave: a retry repeats those.
  EXPECT_EQ(store_.request_ids().at("deploy-2").labels,
            (Labels{{"pipeline", "second"}}));
  Outcome retried;
  journaled_starter_.Start(
      Request("main", "deploy-2", {{"pipeline", "second"}}),
      retried.Callback());
  ASSERT_TRUE(retried.Get().ok()) << retried.Get().status();
  EXPECT_EQ(retried.Get()->name(), "flows/main/compiles/c-1");
}

TEST_F(CompileStarterTest, ConflictAttachesToTheRunningCompileWithItsState) {
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-9", "", true});
  upstream_.Script("c-9", {Status("IN_PROGRESS")});
  Outcome outcome;
  starter_.Start(Request("main"), outcome.Callback());
  ASSERT_TRUE(outcome.Get().ok()) << outcome.Get().status();
  EXPECT_EQ(outcome.Get()->name(), "flows/main/compiles/c-9");
  EXPECT_EQ(outcome.Get()->state(), compilev1::STATE_IN_PROGRESS);
}

TEST_F(CompileStarterTest, AFreshCompileUnderAKnownIdIsNeverTheStoredOne) {
  AddFinishedCompile(registry_, &no_journal_, clock_.Now(), "c-1");
  clock_.Advance(absl::Minutes(5));
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "QUEUED", false});
  Outcome outcome;
  journaled_starter_.Start(Request("main", "deploy-7"), outcome.Callback());
  ASSERT_FALSE(outcome.Get().ok());
  EXPECT_TRUE(absl::IsAborted(outcome.Get().status()))
      << outcome.Get().status();
  EXPECT_THAT(outcome.Get().status().message(),
              HasSubstr("already given to flows/main/compiles/c-1"));
  EXPECT_EQ(journaled_starter_.reused_compile_ids(), 1);
  // The key is free again, in memory and in the store.
  EXPECT_TRUE(WaitUntil([&] { return store_.request_ids().empty(); }));
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-2", "QUEUED", false});
  Outcome retried;
  journaled_starter_.Start(Request("main", "deploy-7"), retried.Callback());
  ASSERT_TRUE(retried.Get().ok()) << retried.Get().status();
  EXPECT_EQ(retried.Get()->compile_id(), "c-2");
}

TEST_F(CompileStarterTest, ARunningCompileCannotBeOneThatFinishedBefore) {
  AddFinishedCompile(registry_, &no_journal_, clock_.Now(), "c-1");
  clock_.Advance(absl::Minutes(5));
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "", true});
  upstream_.Script("c-1", {Status("IN_PROGRESS")});
  Outcome outcome;
  starter_.Start(Request("main"), outcome.Callback());
  EXPECT_TRUE(absl::IsAborted(outcome.Get().status()))
      << outcome.Get().status();
  EXPECT_EQ(starter_.reused_compile_ids(), 1);
}

// The gateway gave up on c-1 (TIMED_OUT) while CXone went on compiling it:
// CXone naming it as running is no reuse of its id.
TEST_F(CompileStarterTest, ACompileTheGatewayGaveUpOnMayStillBeRunning) {
  auto job =
      std::make_shared<CompileJob>(CompileName{"main", "c-1"}, clock_.Now(),
                                   LifecycleTimeouts{}, &no_journal_);
  ASSERT_TRUE(
      job->ApplyFirstStatus(Status("IN_PROGRESS"), clock_.Now(), {}).ok());
  clock_.Advance(LifecycleTimeouts{}.give_up_timeout);
  job->Tick(clock_.Now());
  ASSERT_EQ(job->Snapshot().state(), compilev1::STATE_TIMED_OUT);
  registry_.AddIfAbsent(job);
  clock_.Advance(absl::Minutes(1));
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "", true});
  Outcome outcome;
  starter_.Start(Request("main"), outcome.Callback());
  ASSERT_TRUE(outcome.Get().ok()) << outcome.Get().status();
  EXPECT_EQ(outcome.Get()->name(), "flows/main/compiles/c-1");
  EXPECT_EQ(starter_.reused_compile_ids(), 0);
}

TEST_F(CompileStarterTest, AnUnknownOutcomeSaysHowTheRequestIdResolvesIt) {
  upstream_.SetTriggerResult(http::MarkMayHaveBeenDelivered(
      absl::UnavailableError("the outcome is unknown")));
  Outcome keyed;
  journaled_starter_.Start(Request("main", "deploy-9"), keyed.Callback());
  EXPECT_TRUE(absl::IsUnavailable(keyed.Get().status()));
  EXPECT_THAT(keyed.Get().status().message(),
              HasSubstr("Retry with the same request_id"));
  // The caller was told: nothing is left for a restart to trigger.
  EXPECT_TRUE(WaitUntil([&] { return store_.request_ids().empty(); }));
  Outcome unkeyed;
  starter_.Start(Request("main"), unkeyed.Callback());
  EXPECT_THAT(unkeyed.Get().status().message(),
              HasSubstr("with a request_id a retry would adopt"));
}

TEST_F(CompileStarterTest, UpstreamErrorReachesTheCallerAndKeyCanBeRetried) {
  upstream_.SetTriggerResult(absl::PermissionDeniedError("lacks flow:write"));
  Outcome failed;
  starter_.Start(Request("main", "deploy-1"), failed.Callback());
  EXPECT_TRUE(absl::IsPermissionDenied(failed.Get().status()));
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-2", "QUEUED", false});
  Outcome retried;
  starter_.Start(Request("main", "deploy-1"), retried.Callback());
  ASSERT_TRUE(retried.Get().ok());
  EXPECT_EQ(upstream_.triggers(), 2);
}

TEST_F(CompileStarterTest, PollerDrivesTheJobToItsTerminalState) {
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "QUEUED", false});
  upstream::CompileStatus failed = Status("FAILED");
  failed.errors = {{"SYNTAX_ERROR", "bad", 4, 2}};
  upstream_.Script("c-1", {Status("IN_PROGRESS"), failed});
  Outcome outcome;
  starter_.Start(Request("main"), outcome.Callback());
  ASSERT_TRUE(outcome.Get().ok());
  std::shared_ptr<CompileJob> job = registry_.Find("flows/main/compiles/c-1");
  ASSERT_NE(job, nullptr);
  // Each round hands the due poll to the workers; wait for its result
  // before the next (bounded: the script ends in a terminal state).
  for (int poll = 0; poll < 10 && !job->terminal(); ++poll) {
    clock_.Advance(absl::Seconds(1));
    ASSERT_EQ(scheduler_.DispatchDue(), 1);
    for (int i = 0; i < 10000 && scheduler_.outstanding_polls() > 0; ++i) {
      absl::SleepFor(absl::Milliseconds(1));
    }
  }
  ASSERT_TRUE(job->terminal());
  compilev1::Compile compile = job->Snapshot();
  EXPECT_EQ(compile.state(), compilev1::STATE_FAILED);
  ASSERT_EQ(compile.errors_size(), 1);
  EXPECT_EQ(compile.errors(0).location().line(), 4u);
  EXPECT_EQ(upstream_.polls(), 2);
  // A terminal job is never polled again.
  EXPECT_EQ(scheduler_.live_compiles(), 0);
  clock_.Advance(absl::Seconds(10));
  EXPECT_EQ(scheduler_.DispatchDue(), 0);
}

TEST_F(CompileStarterTest, StartsBeyondThePendingLimitAreResourceExhausted) {
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-1", "QUEUED", false});
  upstream_.HoldTriggers(true);  // CXone is slow: starts pile up
  Outcome first;
  Outcome second;
  Outcome third;
  starter_.Start(Request("a", "key-a"), first.Callback());
  starter_.Start(Request("b"), second.Callback());
  starter_.Start(Request("c", "key-c"), third.Callback());
  EXPECT_TRUE(third.done());  // refused at once, without waiting
  EXPECT_TRUE(absl::IsResourceExhausted(third.Get().status()));
  EXPECT_THAT(third.Get().status().message(), HasSubstr("retry"));
  upstream_.HoldTriggers(false);
  EXPECT_TRUE(first.Get().ok());
  EXPECT_TRUE(second.Get().ok());
  // The refused key was not kept: it can be used once there is room.
  upstream_.SetTriggerResult(upstream::TriggerResult{"c-3", "QUEUED", false});
  Outcome retried;
  starter_.Start(Request("c", "key-c"), retried.Callback());
  EXPECT_TRUE(retried.Get().ok()) << retried.Get().status();
}

}  // namespace
}  // namespace cxone
