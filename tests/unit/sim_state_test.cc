#include "simulator/sim_state.h"

#include <map>
#include <string>
#include <utility>

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
  config.token_ttl = absl::Seconds(60);
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

// --- Rate limit and statistics ---

TEST(SimState, RateLimitsPerClockSecondAndSaysWhenToRetry) {
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000) +
                  absl::Milliseconds(250));
  SimConfig config = TestConfig();
  config.rate_limit_per_second = 2;
  SimState state(config, &clock, FlowsFrom({}), 1);
  EXPECT_EQ(state.TakeRateLimitSlot(), std::nullopt);
  EXPECT_EQ(state.TakeRateLimitSlot(), std::nullopt);
  EXPECT_EQ(state.TakeRateLimitSlot(), absl::Milliseconds(750));
  EXPECT_EQ(state.stats().rate_limited, 1);
  clock.Advance(absl::Milliseconds(750));
  EXPECT_EQ(state.TakeRateLimitSlot(), std::nullopt);
}

TEST_F(SimStateTest, AdmitsEverythingWithoutARateLimit) {
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(state_.TakeRateLimitSlot(), std::nullopt);
  }
  EXPECT_EQ(state_.stats().rate_limited, 0);
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

TEST_F(SimStateTest, ResetZeroesCountersButKeepsTokensAndCompiles) {
  const std::string token = Token();
  absl::StatusOr<CompileSnapshot> compile = state_.Trigger("valid", nullptr);
  ASSERT_TRUE(compile.ok());
  SimState::ActiveRequest in_flight = state_.EnterRequest(Endpoint::kStatus);
  { SimState::ActiveRequest other = state_.EnterRequest(Endpoint::kStatus); }
  state_.ResetStats();
  SimStats stats = state_.stats();
  EXPECT_EQ(stats.token_requests, 0);
  EXPECT_EQ(stats.status_requests, 0);
  EXPECT_EQ(stats.rate_limited, 0);
  // The request still in flight is the new baseline.
  EXPECT_EQ(stats.max_concurrent, 1);
  EXPECT_TRUE(state_.Authorize(token, kScopeRead).ok());
  EXPECT_TRUE(state_.GetCompile("valid", compile->compile_id).ok());
}

}  // namespace
}  // namespace cxone::sim
