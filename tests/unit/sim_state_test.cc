#include "simulator/sim_state.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"

namespace cxone::sim {
namespace {

using ::cxone::testing::FakeClock;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::SizeIs;

// Flow definitions held in memory, by flow id.
FlowSource FlowsFrom(std::map<std::string, std::string> flows) {
  return [flows = std::move(flows)](const std::string& flow_id)
             -> absl::StatusOr<std::optional<std::string>> {
    auto it = flows.find(flow_id);
    if (it == flows.end()) return std::nullopt;
    return it->second;
  };
}

constexpr char kValidFlow[] = R"({"name": "ok", "start": "a",
  "nodes": [{"id": "a", "type": "hangup"}]})";
constexpr char kBrokenFlow[] = R"({"name": "bad", "start": "a",
  "nodes": [{"id": "a", "type": "play", "next": "zz"}]})";

SimConfig TestConfig() {
  SimConfig config;
  config.client_id = "id";
  config.client_secret = "secret";
  config.faults.token_ttl = absl::Seconds(60);
  config.queued_duration = absl::Seconds(1);
  config.in_progress_duration = absl::Seconds(3);
  config.not_found_flows = {"ghost"};
  config.failing_flows = {"flaky"};
  return config;
}

class SimStateTest : public ::testing::Test {
 protected:
  explicit SimStateTest(SimConfig config = TestConfig())
      : state_(std::move(config), &clock_,
               FlowsFrom({{"valid", kValidFlow}, {"broken", kBrokenFlow}}),
               /*seed=*/42) {}

  std::string Token(std::optional<absl::string_view> scope = std::nullopt) {
    absl::StatusOr<TokenGrant> grant = state_.IssueToken("id", "secret", scope);
    EXPECT_TRUE(grant.ok()) << grant.status();
    return grant.ok() ? grant->access_token : "";
  }

  CompileSnapshot Get(const std::string& flow_id,
                      const std::string& compile_id) {
    absl::StatusOr<CompileSnapshot> compile =
        state_.GetCompile(flow_id, compile_id);
    EXPECT_TRUE(compile.ok()) << compile.status();
    return compile.ok() ? *compile : CompileSnapshot{};
  }

  FakeClock clock_;
  SimState state_;
};

// --- Tokens ---

TEST_F(SimStateTest, IssuesTokenWithAllConfiguredScopesByDefault) {
  absl::StatusOr<TokenGrant> grant =
      state_.IssueToken("id", "secret", std::nullopt);
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_THAT(grant->access_token, MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(grant->expires_in, absl::Seconds(60));
  EXPECT_THAT(grant->scopes, ElementsAre("flow:read", "flow:write"));
}

TEST_F(SimStateTest, IssuesDistinctTokens) { EXPECT_NE(Token(), Token()); }

TEST_F(SimStateTest, RejectsWrongClientIdOrSecret) {
  EXPECT_TRUE(absl::IsUnauthenticated(
      state_.IssueToken("id", "wrong", std::nullopt).status()));
  EXPECT_TRUE(absl::IsUnauthenticated(
      state_.IssueToken("other", "secret", std::nullopt).status()));
  EXPECT_TRUE(absl::IsUnauthenticated(
      state_.IssueToken("id", "secretX", std::nullopt).status()));
  EXPECT_TRUE(absl::IsUnauthenticated(
      state_.IssueToken("", "", std::nullopt).status()));
}

TEST_F(SimStateTest, GrantsRequestedScopesThatAreConfigured) {
  absl::StatusOr<TokenGrant> grant =
      state_.IssueToken("id", "secret", "flow:read admin flow:read");
  ASSERT_TRUE(grant.ok()) << grant.status();
  EXPECT_THAT(grant->scopes, ElementsAre("flow:read"));
  // An empty scope parameter counts as none.
  grant = state_.IssueToken("id", "secret", "");
  ASSERT_TRUE(grant.ok());
  EXPECT_THAT(grant->scopes, SizeIs(2));
}

TEST_F(SimStateTest, RejectsScopeRequestWithNothingGrantable) {
  absl::Status status =
      state_.IssueToken("id", "secret", "admin root").status();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
}

TEST_F(SimStateTest, TokenExpiresAfterItsTtl) {
  const std::string token = Token();
  clock_.Advance(absl::Seconds(60) - absl::Milliseconds(1));
  EXPECT_TRUE(state_.Authorize(token, kScopeRead).ok());
  clock_.Advance(absl::Milliseconds(1));
  absl::Status status = state_.Authorize(token, kScopeRead);
  EXPECT_TRUE(absl::IsUnauthenticated(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("expired"));
}

TEST_F(SimStateTest, RejectsUnknownToken) {
  Token();
  EXPECT_TRUE(
      absl::IsUnauthenticated(state_.Authorize("not-a-token", kScopeRead)));
  EXPECT_TRUE(absl::IsUnauthenticated(state_.Authorize("", kScopeRead)));
}

TEST_F(SimStateTest, RefusesTokenWithoutTheNeededScopeNamingIt) {
  const std::string token = Token("flow:read");
  EXPECT_TRUE(state_.Authorize(token, kScopeRead).ok());
  absl::Status status = state_.Authorize(token, kScopeWrite);
  EXPECT_TRUE(absl::IsPermissionDenied(status)) << status;
  EXPECT_EQ(status.message(), "scope flow:write required");
}

TEST(SimState, SameSeedIssuesSameTokens) {
  FakeClock clock;
  SimState a(TestConfig(), &clock, FlowsFrom({}), 7);
  SimState b(TestConfig(), &clock, FlowsFrom({}), 7);
  EXPECT_EQ(a.IssueToken("id", "secret", std::nullopt)->access_token,
            b.IssueToken("id", "secret", std::nullopt)->access_token);
}

// --- Compilations ---

TEST_F(SimStateTest, NamesCompilesWithSequenceAndRandomSuffix) {
  absl::StatusOr<CompileSnapshot> first = state_.Trigger("valid", nullptr);
  absl::StatusOr<CompileSnapshot> second = state_.Trigger("other", nullptr);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_THAT(first->compile_id, MatchesRegex("c-000001-[0-9a-f]{8}"));
  EXPECT_THAT(second->compile_id, MatchesRegex("c-000002-[0-9a-f]{8}"));
}

TEST_F(SimStateTest, MovesThroughTheLifecycleAsTimePasses) {
  absl::StatusOr<CompileSnapshot> compile = state_.Trigger("valid", nullptr);
  ASSERT_TRUE(compile.ok()) << compile.status();
  EXPECT_EQ(compile->state, CompileState::kQueued);
  const std::string id = compile->compile_id;

  clock_.Advance(absl::Seconds(1) - absl::Milliseconds(1));
  EXPECT_EQ(Get("valid", id).state, CompileState::kQueued);
  clock_.Advance(absl::Milliseconds(1));
  EXPECT_EQ(Get("valid", id).state, CompileState::kInProgress);
  clock_.Advance(absl::Seconds(3) - absl::Milliseconds(1));
  EXPECT_EQ(Get("valid", id).state, CompileState::kInProgress);
  clock_.Advance(absl::Milliseconds(1));
  const CompileSnapshot done = Get("valid", id);
  EXPECT_EQ(done.state, CompileState::kCompleted);
  EXPECT_THAT(done.errors, IsEmpty());
  EXPECT_EQ(done.flow_id, "valid");
}

TEST_F(SimStateTest, FlowWithoutDefinitionCompletesCleanly) {
  absl::StatusOr<CompileSnapshot> compile = state_.Trigger("unknown", nullptr);
  ASSERT_TRUE(compile.ok());
  clock_.Advance(absl::Seconds(4));
  const CompileSnapshot done = Get("unknown", compile->compile_id);
  EXPECT_EQ(done.state, CompileState::kCompleted);
  EXPECT_THAT(done.errors, IsEmpty());
  EXPECT_THAT(done.warnings, IsEmpty());
}

TEST_F(SimStateTest, ShowsErrorsOnlyOnceFailed) {
  absl::StatusOr<CompileSnapshot> compile = state_.Trigger("broken", nullptr);
  ASSERT_TRUE(compile.ok());
  clock_.Advance(absl::Seconds(2));
  CompileSnapshot running = Get("broken", compile->compile_id);
  EXPECT_EQ(running.state, CompileState::kInProgress);
  EXPECT_THAT(running.errors, IsEmpty());

  clock_.Advance(absl::Seconds(2));
  CompileSnapshot failed = Get("broken", compile->compile_id);
  EXPECT_EQ(failed.state, CompileState::kFailed);
  EXPECT_THAT(
      failed.errors,
      ElementsAre(Diagnostic{
          kReferenceError,
          "node \"a\": \"next\" names node \"zz\", which does not exist",
          {2, 49}}));
}

TEST_F(SimStateTest, RefusesSecondTriggerWhileRunningNamingTheRunningCompile) {
  absl::StatusOr<CompileSnapshot> first = state_.Trigger("valid", nullptr);
  ASSERT_TRUE(first.ok());
  clock_.Advance(absl::Seconds(4) - absl::Milliseconds(1));
  absl::StatusOr<CompileSnapshot> second = state_.Trigger("valid", nullptr);
  EXPECT_TRUE(absl::IsAlreadyExists(second.status())) << second.status();
  EXPECT_EQ(RunningCompileIdOf(second.status()), first->compile_id);

  // Once the first is terminal, the flow may compile again.
  clock_.Advance(absl::Milliseconds(1));
  absl::StatusOr<CompileSnapshot> third = state_.Trigger("valid", nullptr);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_NE(third->compile_id, first->compile_id);
}

TEST_F(SimStateTest, RunsCompilesOfDifferentFlowsSideBySide) {
  EXPECT_TRUE(state_.Trigger("valid", nullptr).ok());
  EXPECT_TRUE(state_.Trigger("broken", nullptr).ok());
}

TEST_F(SimStateTest, AnswersConfiguredNotFoundAndFailingFlows) {
  absl::Status status = state_.Trigger("ghost", nullptr).status();
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_EQ(status.message(), "flow ghost not found");
  EXPECT_TRUE(absl::IsUnavailable(state_.Trigger("flaky", nullptr).status()));
  EXPECT_TRUE(
      absl::IsUnavailable(state_.GetCompile("flaky", "c-000001-x").status()));
}

TEST_F(SimStateTest, RejectsInvalidFlowIds) {
  EXPECT_TRUE(absl::IsInvalidArgument(state_.Trigger("..", nullptr).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(state_.Trigger("a/b", nullptr).status()));
}

TEST_F(SimStateTest, DoesNotFindUnknownCompilesOrThoseOfAnotherFlow) {
  absl::StatusOr<CompileSnapshot> compile = state_.Trigger("valid", nullptr);
  ASSERT_TRUE(compile.ok());
  EXPECT_TRUE(absl::IsNotFound(
      state_.GetCompile("broken", compile->compile_id).status()));
  EXPECT_TRUE(absl::IsNotFound(state_.GetCompile("valid", "c-9").status()));
  EXPECT_TRUE(state_.FindCompile(compile->compile_id).ok());
  EXPECT_TRUE(absl::IsNotFound(state_.FindCompile("c-9").status()));
}

TEST_F(SimStateTest, KeepsTheDirectivesOfEachTrigger) {
  const nlohmann::json directives = {{"mode", "strict"}, {"level", 3}};
  absl::StatusOr<CompileSnapshot> compile = state_.Trigger("valid", directives);
  ASSERT_TRUE(compile.ok());
  EXPECT_EQ(Get("valid", compile->compile_id).directives, directives);
  std::optional<CompileSnapshot> last = state_.LastTrigger();
  ASSERT_TRUE(last.has_value());
  EXPECT_EQ(last->compile_id, compile->compile_id);
  EXPECT_EQ(last->directives, directives);
}

TEST(SimState, ReportsUnreadableFlowAsInternal) {
  FakeClock clock;
  SimState state(
      TestConfig(), &clock,
      [](const std::string&) -> absl::StatusOr<std::optional<std::string>> {
        return absl::InternalError("disk on fire");
      },
      1);
  EXPECT_TRUE(absl::IsInternal(state.Trigger("valid", nullptr).status()));
}

TEST(FlowsFromDirectory, ReadsFlowFilesAndTreatsMissingOnesAsUndefined) {
  FlowSource flows = FlowsFromDirectory(CXONE_SOURCE_DIR "/simulator/flows");
  absl::StatusOr<std::optional<std::string>> found = flows("main-menu");
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_TRUE(found->has_value());
  EXPECT_THAT(**found, HasSubstr("\"Main menu\""));
  absl::StatusOr<std::optional<std::string>> missing = flows("no-such-flow");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  EXPECT_FALSE(FlowsFromDirectory("")("main-menu")->has_value());
}

TEST_F(SimStateTest, CountsRequestsAndPeakConcurrency) {
  {
    SimState::ActiveRequest token = state_.EnterRequest(Endpoint::kToken);
    SimState::ActiveRequest trigger = state_.EnterRequest(Endpoint::kTrigger);
    SimState::ActiveRequest status = state_.EnterRequest(Endpoint::kStatus);
  }
  { SimState::ActiveRequest status = state_.EnterRequest(Endpoint::kStatus); }
  SimStats stats = state_.stats();
  EXPECT_EQ(stats.token_requests, 1);
  EXPECT_EQ(stats.trigger_requests, 1);
  EXPECT_EQ(stats.status_requests, 2);
  EXPECT_EQ(stats.max_concurrent, 3);
}

TEST_F(SimStateTest, ResetZeroesCountersButKeepsTokensCompilesAndFaults) {
  const std::string token = Token();
  absl::StatusOr<CompileSnapshot> compile = state_.Trigger("valid", nullptr);
  ASSERT_TRUE(compile.ok());
  const std::string id = compile->compile_id;
  clock_.Advance(absl::Seconds(4));
  ASSERT_TRUE(state_.AnswerStatus("valid", id, /*intact=*/true).ok());
  ASSERT_TRUE(state_.UpdateFaults({{"rate_limit_rps", 1}}).ok());
  ASSERT_EQ(state_.Admit(Endpoint::kStatus).verdict,
            SimState::Admission::Verdict::kServe);
  ASSERT_EQ(state_.Admit(Endpoint::kStatus).verdict,
            SimState::Admission::Verdict::kRateLimited);
  ASSERT_EQ(state_.Admit(Endpoint::kStatus).verdict,
            SimState::Admission::Verdict::kPaused);
  SimState::ActiveRequest in_flight =
      state_.EnterRequest(Endpoint::kStatus, "valid", id);
  {
    SimState::ActiveRequest other =
        state_.EnterRequest(Endpoint::kStatus, "valid", id);
    other.RecordStatus(200);
  }
  ASSERT_EQ(state_.stats().status_polls_after_terminal, 2);

  state_.ResetStats();
  SimStats stats = state_.stats();
  EXPECT_EQ(stats.token_requests, 0);
  EXPECT_EQ(stats.status_requests, 0);
  EXPECT_EQ(stats.rate_limited, 0);
  EXPECT_EQ(stats.requests_during_pause, 0);
  EXPECT_EQ(stats.status_polls_after_terminal, 0);
  EXPECT_THAT(stats.status_codes, IsEmpty());
  // The request still in flight is the new baseline.
  EXPECT_EQ(stats.max_concurrent, 1);
  EXPECT_EQ(stats.in_flight, 1);
  EXPECT_TRUE(state_.Authorize(token, kScopeRead).ok());
  EXPECT_TRUE(state_.GetCompile("valid", id).ok());
  EXPECT_EQ(state_.faults().rate_limit_rps, 1);
  // The compile still remembers its terminal answer.
  { auto again = state_.EnterRequest(Endpoint::kStatus, "valid", id); }
  EXPECT_EQ(state_.stats().status_polls_after_terminal, 1);
}

TEST_F(SimStateTest, RecordsEachRequestsOutcomeAndWhatIsInFlight) {
  {
    SimState::ActiveRequest ok = state_.EnterRequest(Endpoint::kToken);
    SimState::ActiveRequest limited = state_.EnterRequest(Endpoint::kTrigger);
    SimState::ActiveRequest dropped = state_.EnterRequest(Endpoint::kStatus);
    SimState::ActiveRequest unknown = state_.EnterRequest(Endpoint::kStatus);
    EXPECT_EQ(state_.stats().in_flight, 4);
    ok.RecordStatus(200);
    limited.RecordStatus(429);
    dropped.RecordDropped();
  }
  { state_.EnterRequest(Endpoint::kToken).RecordStatus(200); }
  const SimStats stats = state_.stats();
  EXPECT_EQ(stats.in_flight, 0);
  // A request that recorded nothing (a handler threw) was answered 500.
  EXPECT_EQ(stats.status_codes,
            (std::map<std::string, int64_t>{
                {"200", 2}, {"429", 1}, {"500", 1}, {"dropped", 1}}));
}

TEST_F(SimStateTest, ListsEveryCompileInTriggerOrder) {
  ASSERT_TRUE(state_.Trigger("valid", nullptr).ok());
  ASSERT_TRUE(state_.Trigger("broken", nullptr).ok());
  ASSERT_TRUE(state_.Trigger("other", nullptr).ok());
  std::vector<std::string> flows;
  for (const CompileSnapshot& compile : state_.AllCompiles()) {
    flows.push_back(compile.flow_id);
  }
  EXPECT_THAT(flows, ElementsAre("valid", "broken", "other"));
}

// --- Fault: rate limit and pause ---

using Verdict = SimState::Admission::Verdict;

SimConfig RateLimitedConfig(int64_t rps) {
  SimConfig config = TestConfig();
  config.faults.rate_limit_rps = rps;
  return config;
}

TEST(SimStateRateLimit, AdmitsEverythingWithoutALimit) {
  FakeClock clock;
  SimState state(TestConfig(), &clock, FlowsFrom({}), 1);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  }
  EXPECT_EQ(state.stats().rate_limited, 0);
}

TEST(SimStateRateLimit, CountsEveryEndpointAgainstOneAccountWideLimit) {
  FakeClock clock;
  SimState state(RateLimitedConfig(3), &clock, FlowsFrom({}), 1);
  EXPECT_EQ(state.Admit(Endpoint::kToken).verdict, Verdict::kServe);
  EXPECT_EQ(state.Admit(Endpoint::kTrigger).verdict, Verdict::kServe);
  EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  EXPECT_EQ(state.Admit(Endpoint::kToken).verdict, Verdict::kRateLimited);
}

TEST(SimStateRateLimit, LimitsOverARollingSecondNotAClockSecond) {
  // Two requests late in one clock second and one early in the next: a
  // fixed window would admit all three, a rolling second does not.
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000) +
                  absl::Milliseconds(700));
  SimState state(RateLimitedConfig(2), &clock, FlowsFrom({}), 1);
  EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  clock.Advance(absl::Milliseconds(200));
  EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  clock.Advance(absl::Milliseconds(200));
  EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kRateLimited);
}

TEST(SimStateRateLimit, PausesTheAccountAndCountsRequestsDuringThePause) {
  FakeClock clock;
  SimState state(RateLimitedConfig(2), &clock, FlowsFrom({}), 1);
  ASSERT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  ASSERT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  const SimState::Admission limited = state.Admit(Endpoint::kTrigger);
  EXPECT_EQ(limited.verdict, Verdict::kRateLimited);
  EXPECT_EQ(limited.retry_after, "1");

  // Every request until the announced end is refused, whatever endpoint,
  // with the pause that remains.
  clock.Advance(absl::Milliseconds(400));
  SimState::Admission paused = state.Admit(Endpoint::kToken);
  EXPECT_EQ(paused.verdict, Verdict::kPaused);
  EXPECT_EQ(paused.retry_after, "1");
  clock.Advance(absl::Milliseconds(600) - absl::Nanoseconds(1));
  EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kPaused);
  SimStats stats = state.stats();
  EXPECT_EQ(stats.rate_limited, 3);
  EXPECT_EQ(stats.requests_during_pause, 2);

  // A client that honours Retry-After arrives exactly at the end: admitted
  // and not counted.
  clock.Advance(absl::Nanoseconds(1));
  EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  stats = state.stats();
  EXPECT_EQ(stats.rate_limited, 3);
  EXPECT_EQ(stats.requests_during_pause, 2);
}

TEST(SimStateRateLimit,
     RequestsAlreadyInFlightWhenThePauseBeganAreCountedApart) {
  FakeClock clock;
  SimState state(RateLimitedConfig(1), &clock, FlowsFrom({}), 1);
  ASSERT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  ASSERT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kRateLimited);
  // Arriving 10 ms after the 429: sent before the client could know.
  clock.Advance(absl::Milliseconds(10));
  EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kPaused);
  // Arriving 300 ms after: the client ignored the pause.
  clock.Advance(absl::Milliseconds(290));
  EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kPaused);
  SimStats stats = state.stats();
  EXPECT_EQ(stats.requests_in_flight_at_pause, 1);
  EXPECT_EQ(stats.requests_during_pause, 1);
}

TEST(SimStateRateLimit, SecondsFormRoundsThePauseUpToWholeSeconds) {
  FakeClock clock;
  SimConfig config = RateLimitedConfig(1);
  config.faults.retry_after = absl::Milliseconds(2500);
  SimState state(config, &clock, FlowsFrom({}), 1);
  ASSERT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  EXPECT_EQ(state.Admit(Endpoint::kStatus).retry_after, "3");
  clock.Advance(absl::Milliseconds(1500));
  EXPECT_EQ(state.Admit(Endpoint::kStatus).retry_after, "2");
  clock.Advance(absl::Milliseconds(1499));
  EXPECT_EQ(state.Admit(Endpoint::kStatus).retry_after, "1");
  clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  EXPECT_EQ(state.stats().requests_during_pause, 2);
}

TEST(SimStateRateLimit, HttpDateFormRoundsThePauseEndUpToAWholeSecond) {
  // 1'800'000'000 is Fri, 15 Jan 2027 08:00:00 GMT.
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000) +
                  absl::Milliseconds(250));
  SimConfig config = RateLimitedConfig(1);
  config.faults.retry_after_form = RetryAfterForm::kHttpDate;
  SimState state(config, &clock, FlowsFrom({}), 1);
  ASSERT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  // Now + 1 s is 08:00:01.25; the date names the next whole second.
  const SimState::Admission limited = state.Admit(Endpoint::kStatus);
  EXPECT_EQ(limited.verdict, Verdict::kRateLimited);
  EXPECT_EQ(limited.retry_after, "Fri, 15 Jan 2027 08:00:02 GMT");

  clock.Advance(absl::Milliseconds(1500));  // 08:00:01.75
  const SimState::Admission paused = state.Admit(Endpoint::kStatus);
  EXPECT_EQ(paused.verdict, Verdict::kPaused);
  EXPECT_EQ(paused.retry_after, "Fri, 15 Jan 2027 08:00:02 GMT");
  clock.Advance(absl::Milliseconds(250));  // 08:00:02, as announced
  EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  EXPECT_EQ(state.stats().requests_during_pause, 1);
}

TEST(SimStateRateLimit, RefusedRequestsDoNotCountAgainstTheLimit) {
  FakeClock clock;
  SimState state(RateLimitedConfig(1), &clock, FlowsFrom({}), 1);
  ASSERT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  for (int i = 0; i < 10; ++i) {
    ASSERT_NE(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  }
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
}

TEST(SimStateRateLimit, TurnsOnAndOffAtRunTime) {
  FakeClock clock;
  SimState state(TestConfig(), &clock, FlowsFrom({}), 1);
  ASSERT_TRUE(state.UpdateFaults({{"rate_limit_rps", 1}}).ok());
  EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kRateLimited);
  clock.Advance(absl::Seconds(1));
  ASSERT_TRUE(state.UpdateFaults({{"rate_limit_rps", 0}}).ok());
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  }
}

// --- Faults: errors, drops, malformed bodies, latency ---

// How many of `n` admissions of `endpoint` get `verdict`.
int CountVerdicts(SimState& state, Endpoint endpoint, Verdict verdict, int n) {
  int count = 0;
  for (int i = 0; i < n; ++i) {
    if (state.Admit(endpoint).verdict == verdict) ++count;
  }
  return count;
}

TEST(SimStateFaults, AnswersAboutTheErrorRateWith503) {
  FakeClock clock;
  SimConfig config = TestConfig();
  config.faults.error_rate = 0.5;
  SimState state(config, &clock, FlowsFrom({}), 1);
  const int errors =
      CountVerdicts(state, Endpoint::kStatus, Verdict::kError, 1000);
  EXPECT_GE(errors, 400);
  EXPECT_LE(errors, 600);
}

TEST(SimStateFaults, SameSeedGivesTheSameFaults) {
  FakeClock clock;
  SimConfig config = TestConfig();
  config.faults.error_rate = 0.3;
  config.faults.drop_rate = 0.2;
  SimState a(config, &clock, FlowsFrom({}), 7);
  SimState b(config, &clock, FlowsFrom({}), 7);
  SimState c(config, &clock, FlowsFrom({}), 8);
  std::vector<Verdict> seen_a, seen_b, seen_c;
  for (int i = 0; i < 200; ++i) {
    seen_a.push_back(a.Admit(Endpoint::kTrigger).verdict);
    seen_b.push_back(b.Admit(Endpoint::kTrigger).verdict);
    seen_c.push_back(c.Admit(Endpoint::kTrigger).verdict);
  }
  EXPECT_EQ(seen_a, seen_b);
  EXPECT_NE(seen_a, seen_c);
}

TEST(SimStateFaults, DropsAboutTheDropRate) {
  FakeClock clock;
  SimConfig config = TestConfig();
  config.faults.drop_rate = 0.25;
  SimState state(config, &clock, FlowsFrom({}), 1);
  const int drops =
      CountVerdicts(state, Endpoint::kToken, Verdict::kDrop, 1000);
  EXPECT_GE(drops, 150);
  EXPECT_LE(drops, 350);
}

TEST(SimStateFaults, MarksAboutTheMalformedRateOfStatusAnswersOnly) {
  FakeClock clock;
  SimConfig config = TestConfig();
  config.faults.malformed_rate = 0.5;
  SimState state(config, &clock, FlowsFrom({}), 1);
  int malformed = 0;
  for (int i = 0; i < 1000; ++i) {
    const SimState::Admission admission = state.Admit(Endpoint::kStatus);
    ASSERT_EQ(admission.verdict, Verdict::kServe);
    if (admission.malformed) ++malformed;
    ASSERT_FALSE(state.Admit(Endpoint::kTrigger).malformed);
  }
  EXPECT_GE(malformed, 400);
  EXPECT_LE(malformed, 600);
}

TEST(SimStateFaults, AnnouncesTheConfiguredLatencyWithEveryVerdict) {
  FakeClock clock;
  SimConfig config = RateLimitedConfig(1);
  config.faults.latency = absl::Milliseconds(250);
  SimState state(config, &clock, FlowsFrom({}), 1);
  EXPECT_EQ(state.Admit(Endpoint::kStatus).latency, absl::Milliseconds(250));
  EXPECT_EQ(state.Admit(Endpoint::kStatus).latency, absl::Milliseconds(250));
}

TEST(SimStateFaults, TokenEndpointDownRefusesOnlyTokenRequests) {
  FakeClock clock;
  SimState state(TestConfig(), &clock, FlowsFrom({}), 1);
  ASSERT_TRUE(state.UpdateFaults({{"token_endpoint_down", true}}).ok());
  EXPECT_EQ(state.Admit(Endpoint::kToken).verdict, Verdict::kTokenEndpointDown);
  EXPECT_EQ(state.Admit(Endpoint::kTrigger).verdict, Verdict::kServe);
  EXPECT_EQ(state.Admit(Endpoint::kStatus).verdict, Verdict::kServe);
  ASSERT_TRUE(state.UpdateFaults({{"token_endpoint_down", false}}).ok());
  EXPECT_EQ(state.Admit(Endpoint::kToken).verdict, Verdict::kServe);
}

// --- Faults: tokens ---

TEST_F(SimStateTest, RevokesEveryTokenIssuedSoFarButNotLaterOnes) {
  const std::string read = Token("flow:read");
  const std::string write = Token("flow:write");
  ASSERT_TRUE(state_.UpdateFaults({{"revoke_tokens", true}}).ok());
  for (const std::string& token : {read, write}) {
    absl::Status status = state_.Authorize(token, kScopeRead);
    EXPECT_TRUE(absl::IsUnauthenticated(status)) << status;
    EXPECT_THAT(status.message(), HasSubstr("revoked"));
  }
  // Not sticky: a new token works, and the setting is not kept.
  EXPECT_TRUE(state_.Authorize(Token(), kScopeRead).ok());
  EXPECT_FALSE(state_.FaultsJson().contains("revoke_tokens"));
}

TEST_F(SimStateTest, RevokeTokensFalseRevokesNothing) {
  const std::string token = Token();
  ASSERT_TRUE(state_.UpdateFaults({{"revoke_tokens", false}}).ok());
  EXPECT_TRUE(state_.Authorize(token, kScopeRead).ok());
}

TEST_F(SimStateTest, NewTokenTtlAppliesToTokensIssuedAfterwards) {
  const std::string before = Token();
  ASSERT_TRUE(state_.UpdateFaults({{"token_ttl_seconds", 5}}).ok());
  absl::StatusOr<TokenGrant> after = state_.IssueToken("id", "secret", "");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->expires_in, absl::Seconds(5));
  clock_.Advance(absl::Seconds(5));
  EXPECT_TRUE(absl::IsUnauthenticated(
      state_.Authorize(after->access_token, kScopeRead)));
  EXPECT_TRUE(state_.Authorize(before, kScopeRead).ok());
}

// --- Faults: run-time changes ---

TEST_F(SimStateTest, RejectsAPatchWithAnUnknownFieldAndChangesNothing) {
  absl::Status status = state_.UpdateFaults(
      nlohmann::json::parse(R"({"error_rate": 0.5, "bogus": 1})"));
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_EQ(FaultFieldOf(status), "bogus");
  EXPECT_EQ(state_.faults().error_rate, 0);
}

TEST_F(SimStateTest, RejectsAnInProgressMaxBelowTheConfiguredDuration) {
  absl::Status status = state_.UpdateFaults({{"in_progress_ms_max", 2999}});
  EXPECT_EQ(FaultFieldOf(status), "in_progress_ms_max") << status;
  EXPECT_TRUE(state_.UpdateFaults({{"in_progress_ms_max", 3000}}).ok());
}

// --- Faults: compile lifecycles ---

// The statuses `compile_id` shows from its trigger until `horizon` later,
// sampled every 100 ms, as "STATUS@ms" at each change.
std::vector<std::string> Timeline(SimState& state, FakeClock& clock,
                                  const std::string& flow_id,
                                  const std::string& compile_id,
                                  absl::Duration horizon) {
  std::vector<std::string> timeline;
  std::string last;
  for (absl::Duration t; t <= horizon; t += absl::Milliseconds(100)) {
    absl::StatusOr<CompileSnapshot> compile =
        state.GetCompile(flow_id, compile_id);
    EXPECT_TRUE(compile.ok()) << compile.status();
    if (!compile.ok()) break;
    const std::string status = CompileStateName(compile->state);
    if (status != last) {
      timeline.push_back(
          absl::StrCat(status, "@", absl::ToInt64Milliseconds(t)));
      last = status;
    }
    clock.Advance(absl::Milliseconds(100));
  }
  return timeline;
}

// The transitions a snapshot reports, as "STATUS@ms after the trigger".
std::vector<std::string> Transitions(const CompileSnapshot& compile) {
  std::vector<std::string> out;
  for (const Transition& transition : compile.transitions) {
    out.push_back(absl::StrCat(
        CompileStateName(transition.state), "@",
        absl::ToInt64Milliseconds(transition.at - compile.triggered_at)));
  }
  return out;
}

class SimStateLifecycleTest : public SimStateTest {
 protected:
  // Triggers `flow_id` and returns its timeline over `horizon`; the final
  // snapshot goes to `last`.
  std::vector<std::string> Run(const std::string& flow_id,
                               absl::Duration horizon,
                               CompileSnapshot* last = nullptr) {
    absl::StatusOr<CompileSnapshot> compile = state_.Trigger(flow_id, nullptr);
    EXPECT_TRUE(compile.ok()) << compile.status();
    if (!compile.ok()) return {};
    std::vector<std::string> timeline =
        Timeline(state_, clock_, flow_id, compile->compile_id, horizon);
    if (last != nullptr) *last = Get(flow_id, compile->compile_id);
    return timeline;
  }
};

TEST_F(SimStateLifecycleTest, NormalCompileReportsItsTransitions) {
  CompileSnapshot last;
  EXPECT_THAT(Run("valid", absl::Seconds(10), &last),
              ElementsAre("QUEUED@0", "IN_PROGRESS@1000", "COMPLETED@4000"));
  EXPECT_THAT(Transitions(last),
              ElementsAre("QUEUED@0", "IN_PROGRESS@1000", "COMPLETED@4000"));
}

TEST_F(SimStateLifecycleTest, TransitionsListOnlyStatesAlreadyEntered) {
  absl::StatusOr<CompileSnapshot> compile = state_.Trigger("valid", nullptr);
  ASSERT_TRUE(compile.ok());
  EXPECT_THAT(Transitions(*compile), ElementsAre("QUEUED@0"));
  clock_.Advance(absl::Seconds(2));
  EXPECT_THAT(Transitions(Get("valid", compile->compile_id)),
              ElementsAre("QUEUED@0", "IN_PROGRESS@1000"));
}

TEST_F(SimStateLifecycleTest, StuckFlowStaysInProgressForever) {
  ASSERT_TRUE(state_.UpdateFaults({{"stuck_flows", {"valid"}}}).ok());
  CompileSnapshot last;
  EXPECT_THAT(Run("valid", absl::Hours(1), &last),
              ElementsAre("QUEUED@0", "IN_PROGRESS@1000"));
  EXPECT_THAT(Transitions(last), ElementsAre("QUEUED@0", "IN_PROGRESS@1000"));
  // Still running, so the flow cannot compile again.
  EXPECT_TRUE(absl::IsAlreadyExists(state_.Trigger("valid", nullptr).status()));
}

TEST_F(SimStateLifecycleTest, BackwardsFlowReturnsToQueuedForOnePhase) {
  ASSERT_TRUE(state_.UpdateFaults({{"backwards_flows", {"broken"}}}).ok());
  CompileSnapshot last;
  const std::vector<std::string> expected = {"QUEUED@0", "IN_PROGRESS@1000",
                                             "QUEUED@4000", "IN_PROGRESS@7000",
                                             "FAILED@10000"};
  EXPECT_EQ(Run("broken", absl::Seconds(20), &last), expected);
  EXPECT_EQ(Transitions(last), expected);
  EXPECT_THAT(last.errors, SizeIs(1));
}

TEST_F(SimStateLifecycleTest, UnknownStatusFlowReportsValidatingThenGoesOn) {
  ASSERT_TRUE(state_.UpdateFaults({{"unknown_status_flows", {"valid"}}}).ok());
  EXPECT_THAT(Run("valid", absl::Seconds(20)),
              ElementsAre("QUEUED@0", "VALIDATING@1000", "IN_PROGRESS@4000",
                          "COMPLETED@7000"));
}

TEST_F(SimStateLifecycleTest, FlowInEveryListTakesEveryDetourThenSticks) {
  ASSERT_TRUE(state_
                  .UpdateFaults({{"stuck_flows", {"valid"}},
                                 {"backwards_flows", {"valid"}},
                                 {"unknown_status_flows", {"valid"}}})
                  .ok());
  EXPECT_THAT(Run("valid", absl::Hours(1)),
              ElementsAre("QUEUED@0", "VALIDATING@1000", "IN_PROGRESS@4000",
                          "QUEUED@7000", "IN_PROGRESS@10000"));
}

TEST_F(SimStateLifecycleTest, FaultListsApplyToCompilesTriggeredAfterwards) {
  absl::StatusOr<CompileSnapshot> before = state_.Trigger("valid", nullptr);
  ASSERT_TRUE(before.ok());
  ASSERT_TRUE(state_.UpdateFaults({{"stuck_flows", {"valid", "other"}}}).ok());
  EXPECT_THAT(
      Timeline(state_, clock_, "valid", before->compile_id, absl::Seconds(10)),
      ElementsAre("QUEUED@0", "IN_PROGRESS@1000", "COMPLETED@4000"));
  EXPECT_THAT(Run("other", absl::Seconds(10)),
              ElementsAre("QUEUED@0", "IN_PROGRESS@1000"));
}

TEST_F(SimStateLifecycleTest, NotFoundAndFailingFlowsWinOverLifecycleFaults) {
  ASSERT_TRUE(state_.UpdateFaults({{"stuck_flows", {"ghost", "flaky"}}}).ok());
  EXPECT_TRUE(absl::IsNotFound(state_.Trigger("ghost", nullptr).status()));
  EXPECT_TRUE(absl::IsUnavailable(state_.Trigger("flaky", nullptr).status()));
}

TEST(SimStateLifecycle, DrawsEachInProgressDurationFromTheConfiguredRange) {
  FakeClock clock;
  SimConfig config = TestConfig();
  config.queued_duration = absl::ZeroDuration();
  config.faults.in_progress_max = absl::Seconds(5);
  // Durations of 200 compiles, in ms, for a given seed.
  auto durations = [&](uint64_t seed) {
    SimState state(config, &clock, FlowsFrom({}), seed);
    std::vector<int64_t> ms;
    for (int i = 0; i < 200; ++i) {
      absl::StatusOr<CompileSnapshot> compile =
          state.Trigger(absl::StrCat("flow-", i), nullptr);
      EXPECT_TRUE(compile.ok()) << compile.status();
      if (!compile.ok()) break;
      // Far enough ahead that every compile is terminal.
      clock.Advance(absl::Seconds(10));
      const CompileSnapshot done = *state.FindCompile(compile->compile_id);
      EXPECT_THAT(Transitions(done), SizeIs(2));
      ms.push_back(absl::ToInt64Milliseconds(done.transitions.back().at -
                                             done.transitions.front().at));
      clock.Advance(-absl::Seconds(10));
    }
    return ms;
  };
  const std::vector<int64_t> first = durations(3);
  ASSERT_THAT(first, SizeIs(200));
  const auto [min, max] = std::minmax_element(first.begin(), first.end());
  EXPECT_GE(*min, 3000);
  EXPECT_LT(*min, 3100);
  EXPECT_LE(*max, 5000);
  EXPECT_GT(*max, 4900);
  EXPECT_EQ(durations(3), first);
}

TEST(SimStateLifecycle, DrawsEachQueuedDurationFromTheConfiguredRange) {
  FakeClock clock;
  SimConfig config = TestConfig();
  config.queued_duration = absl::Seconds(1);
  config.faults.queued_spread = absl::Seconds(2);
  SimState state(config, &clock, FlowsFrom({}), 5);
  std::vector<int64_t> queued_ms;
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<CompileSnapshot> compile =
        state.Trigger(absl::StrCat("flow-", i), nullptr);
    ASSERT_TRUE(compile.ok()) << compile.status();
    clock.Advance(absl::Seconds(20));  // every compile terminal
    const CompileSnapshot done = *state.FindCompile(compile->compile_id);
    ASSERT_THAT(done.transitions, SizeIs(3));  // QUEUED, IN_PROGRESS, done
    queued_ms.push_back(
        absl::ToInt64Milliseconds(done.transitions[1].at - done.triggered_at));
    clock.Advance(-absl::Seconds(20));
  }
  const auto [min, max] =
      std::minmax_element(queued_ms.begin(), queued_ms.end());
  EXPECT_GE(*min, 1000);
  EXPECT_LT(*min, 1100);
  EXPECT_LE(*max, 3000);
  EXPECT_GT(*max, 2900);
}

TEST(SimStateLifecycle, WithoutARangeEveryCompileTakesTheConfiguredDuration) {
  FakeClock clock;
  SimState state(TestConfig(), &clock, FlowsFrom({}), 1);
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<CompileSnapshot> compile =
        state.Trigger(absl::StrCat("flow-", i), nullptr);
    ASSERT_TRUE(compile.ok());
    clock.Advance(absl::Seconds(4) - absl::Nanoseconds(1));
    EXPECT_EQ(state.FindCompile(compile->compile_id)->state,
              CompileState::kInProgress);
    clock.Advance(absl::Nanoseconds(1));
    EXPECT_EQ(state.FindCompile(compile->compile_id)->state,
              CompileState::kCompleted);
  }
}

// --- Statistics: polls after terminal ---

TEST_F(SimStateTest, CountsStatusPollsAfterATerminalAnswer) {
  absl::StatusOr<CompileSnapshot> compile = state_.Trigger("valid", nullptr);
  ASSERT_TRUE(compile.ok());
  const std::string id = compile->compile_id;
  // Polls the status as the HTTP server does; `intact`: the body is whole.
  auto poll = [&](bool intact = true) {
    SimState::ActiveRequest active =
        state_.EnterRequest(Endpoint::kStatus, "valid", id);
    return state_.AnswerStatus("valid", id, intact)->state;
  };
  EXPECT_EQ(poll(), CompileState::kQueued);
  clock_.Advance(absl::Seconds(4));
  // A terminal answer the client could not read does not count as given.
  EXPECT_EQ(poll(/*intact=*/false), CompileState::kCompleted);
  EXPECT_EQ(state_.stats().status_polls_after_terminal, 0);
  EXPECT_EQ(poll(), CompileState::kCompleted);
  EXPECT_EQ(state_.stats().status_polls_after_terminal, 0);
  // Every later request is one too many, whatever it is answered.
  poll();
  { auto refused = state_.EnterRequest(Endpoint::kStatus, "valid", id); }
  EXPECT_EQ(state_.stats().status_polls_after_terminal, 2);
  // All four requests since the compile ended arrived while it was terminal.
  EXPECT_EQ(state_.FindCompile(id)->terminal_polls, 4);
  // A request naming the compile under another flow is not about it.
  { auto other = state_.EnterRequest(Endpoint::kStatus, "broken", id); }
  EXPECT_EQ(state_.stats().status_polls_after_terminal, 2);
}

}  // namespace
}  // namespace cxone::sim

namespace cxone::sim {
namespace {

TEST(SimStateChatty, ReportsANewUnknownStatusEveryTenMillisecondsInProgress) {
  ::cxone::testing::FakeClock clock;
  SimConfig config;
  config.queued_duration = absl::Milliseconds(100);
  config.in_progress_duration = absl::Milliseconds(100);
  config.faults.chatty_flows = {"chatty"};
  SimState state(
      config, &clock,
      [](const std::string&) {
        return absl::StatusOr<std::optional<std::string>>(std::nullopt);
      },
      1);
  auto compile = state.Trigger("chatty", nullptr);
  ASSERT_TRUE(compile.ok()) << compile.status();
  EXPECT_EQ(compile->status, "QUEUED");
  clock.Advance(absl::Milliseconds(100));
  EXPECT_EQ(state.GetCompile("chatty", compile->compile_id)->status,
            "WORKING-0");
  clock.Advance(absl::Milliseconds(25));
  EXPECT_EQ(state.GetCompile("chatty", compile->compile_id)->status,
            "WORKING-2");
  clock.Advance(absl::Milliseconds(75));
  EXPECT_EQ(state.GetCompile("chatty", compile->compile_id)->status,
            "COMPLETED");
}

}  // namespace
}  // namespace cxone::sim
