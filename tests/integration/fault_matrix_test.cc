// The gateway against a misbehaving CXone: one test per fault the simulator
// can inject. Each checks that every compile still reaches the right
// terminal state with gap-free sequences, that nothing was sent during a
// Retry-After pause, that requests in flight never exceeded the gateway's
// cap, and that no secret reached a log line.
#include <csignal>
#include <thread>

#include "absl/functional/function_ref.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/harness_testing.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::cxone::testing::GatewayHarness;
using ::cxone::testing::HarnessOptions;
using ::cxone::testing::MustStart;
using ::cxone::testing::WatchResult;
using ::testing::Contains;
using ::testing::HasSubstr;
namespace v1 = ::cxone::compile::v1;

constexpr int kMaxInFlight = 3;

// The harness defaults, tightened for faults: a small in-flight cap so the
// cap is really exercised, and short retries so tests stay quick.
HarnessOptions FaultOptions(std::vector<std::string> sim_faults) {
  HarnessOptions options;
  options.sim_args.insert(options.sim_args.end(), sim_faults.begin(),
                          sim_faults.end());
  options.server_args.insert(
      options.server_args.end(),
      {absl::StrCat("--max-inflight-requests=", kMaxInFlight),
       "--retry-initial-delay=20ms", "--retry-max-delay=200ms",
       "--upstream-attempts=6"});
  return options;
}

struct Outcome {
  std::string name;
  WatchResult watch;
};

// Starts one compile per flow (concurrently) and watches each to its end.
std::vector<Outcome> CompileAll(GatewayHarness& gateway,
                                const std::vector<std::string>& flows,
                                absl::Duration timeout = absl::Seconds(60)) {
  std::vector<Outcome> outcomes(flows.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < flows.size(); ++i) {
    threads.emplace_back([&, i] {
      v1::StartCompileRequest request;
      request.set_flow_id(flows[i]);
      auto compile = testing::StartCompile(gateway.stub(), request);
      EXPECT_TRUE(compile.ok()) << flows[i] << ": " << compile.status();
      if (!compile.ok()) return;
      outcomes[i].name = compile->name();
      outcomes[i].watch =
          testing::WatchToEnd(gateway.stub(), compile->name(), timeout);
    });
  }
  for (auto& thread : threads) thread.join();
  return outcomes;
}

// Log events (not the snapshot) carry sequences snapshot+1, +2, … and the
// stream ended OK after a terminal state.
void ExpectFinished(const Outcome& outcome, v1::State terminal) {
  const WatchResult& watch = outcome.watch;
  ASSERT_TRUE(watch.status.ok())
      << outcome.name << ": " << watch.status.error_message();
  const std::vector<v1::CompileEvent> events =
      testing::WithoutMarkers(watch.events);
  ASSERT_FALSE(events.empty()) << outcome.name;
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(events[i].sequence(), events[0].sequence() + i)
        << outcome.name << " event " << i;
  }
  EXPECT_EQ(events.back().state(), terminal) << outcome.name;
  // The reported state never moves backwards.
  int rank = 0;
  for (const v1::CompileEvent& event : events) {
    int now = event.state() == v1::STATE_QUEUED        ? 1
              : event.state() == v1::STATE_IN_PROGRESS ? 2
                                                       : 3;
    EXPECT_GE(now, rank) << outcome.name;
    rank = std::max(rank, now);
  }
}

std::vector<v1::EventType> TypesOf(const Outcome& outcome) {
  std::vector<v1::EventType> types;
  for (const auto& event : outcome.watch.events) types.push_back(event.type());
  return types;
}

// The checks every fault test ends with.
void ExpectWellBehaved(GatewayHarness& gateway) {
  auto stats = gateway.SimStats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ((*stats)["requests_during_pause"], 0) << stats->dump();
  EXPECT_LE((*stats)["max_concurrent"].get<int>(), kMaxInFlight)
      << stats->dump();
  for (const std::string& line : gateway.AllLogLines()) {
    EXPECT_THAT(line, ::testing::Not(HasSubstr(testing::kHarnessClientSecret)));
    EXPECT_THAT(line, ::testing::Not(HasSubstr("Bearer ")));
  }
}

std::vector<std::string> Flows(const std::string& prefix, int count) {
  std::vector<std::string> flows;
  for (int i = 0; i < count; ++i) flows.push_back(absl::StrCat(prefix, "-", i));
  return flows;
}

void RateLimitedAccountIsPausedNotHammered(const std::string& form) {
  // The gateway may send 200/s but the account allows 8/s: CXone answers
  // 429 and the whole gateway must pause for each Retry-After.
  auto gateway = MustStart(FaultOptions(
      {"--rate-limit-rps=8", absl::StrCat("--retry-after-form=", form),
       "--retry-after-seconds=1"}));
  ASSERT_NE(gateway, nullptr);
  auto outcomes = CompileAll(*gateway, Flows("limited", 8));
  bool throttled_seen = false;
  for (const Outcome& outcome : outcomes) {
    ExpectFinished(outcome, v1::STATE_COMPLETED);
    for (const auto& event : outcome.watch.events) {
      if (event.type() != v1::EVENT_TYPE_THROTTLED) continue;
      throttled_seen = true;
      EXPECT_TRUE(event.has_throttled_until());
      EXPECT_THAT(event.detail(), HasSubstr("rate-limiting"));
    }
  }
  auto stats = gateway->SimStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_GT((*stats)["status_codes"].value("429", 0), 0)
      << "the fault did not fire: " << stats->dump();
  EXPECT_TRUE(throttled_seen) << "watchers were not told about the throttling";
  ExpectWellBehaved(*gateway);
}

TEST(FaultMatrix, RateLimitWithRetryAfterSeconds) {
  RateLimitedAccountIsPausedNotHammered("seconds");
}

TEST(FaultMatrix, RateLimitWithRetryAfterHttpDate) {
  RateLimitedAccountIsPausedNotHammered("http-date");
}

TEST(FaultMatrix, GatewaySetToTheAccountsExactLimitIsNeverRateLimited) {
  // The number CXone documents for the account, given as is: 60 compiles
  // polled every 50 ms want far more than 10 requests a second, and the
  // gateway must keep every rolling second of CXone's within 10.
  HarnessOptions options;
  options.sim_args = {"--queued-ms=300", "--in-progress-ms=3000",
                      "--rate-limit-rps=10", "--retry-after-seconds=1"};
  options.server_args = {"--poll-interval=50ms",
                         "--queued-poll-interval=50ms",
                         "--min-poll-interval=50ms",
                         "--account-rps-limit=10",
                         absl::StrCat("--max-inflight-requests=", kMaxInFlight),
                         "--upstream-workers=64",
                         "--max-pending-starts=100"};
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  const absl::Time started = absl::Now();
  auto outcomes = CompileAll(*gateway, Flows("at-limit", 60),
                             /*timeout=*/absl::Seconds(120));
  for (const Outcome& outcome : outcomes) {
    ExpectFinished(outcome, v1::STATE_COMPLETED);
  }
  auto stats = *gateway->SimStats();
  EXPECT_EQ(stats["status_codes"].value("429", 0), 0) << stats.dump();
  EXPECT_EQ(stats["rate_limited"], 0) << stats.dump();
  // Not a trickle either: the gateway used most of the account's budget
  // (at least 7 of its 10 a second).
  const int requests = stats["requests"]["token"].get<int>() +
                       stats["requests"]["trigger"].get<int>() +
                       stats["requests"]["status"].get<int>();
  EXPECT_GE(requests, 7 * absl::ToDoubleSeconds(absl::Now() - started))
      << stats.dump();
  auto pace = gateway->Metric("cxone_gateway_upstream_rate_limit_rps");
  ASSERT_TRUE(pace.ok()) << pace.status();
  EXPECT_NEAR(*pace, 10 / 1.1, 0.01);
  ExpectWellBehaved(*gateway);
}

TEST(FaultMatrix, SigtermDuringARetryAfterPauseExitsPromptly) {
  // The account allows 2/s, the gateway is told 200 (a wrong setting), and
  // CXone's 429 pauses for 20 s: the gateway's requests wait in the pause.
  HarnessOptions options = FaultOptions(
      {"--rate-limit-rps=2", "--retry-after-seconds=20", "--queued-ms=30000"});
  options.server_args.push_back("--max-retry-after=60s");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  std::thread starter([&] {
    // These end when the server does (started, refused, or cut off).
    (void)testing::StartCompiles(gateway->stub(), "paused", 6);
  });
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        auto paused =
            gateway->Metric("cxone_gateway_upstream_paused_seconds_total");
        return paused.ok() && *paused > 0;
      },
      absl::Seconds(20)))
      << "the gateway never paused";
  const absl::Time sent = absl::Now();
  gateway->server().Signal(SIGTERM);
  auto code = gateway->server().Wait(absl::Seconds(30));
  const absl::Duration took = absl::Now() - sent;
  starter.join();
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  EXPECT_LT(took, absl::Seconds(3))
      << "the server waited out the Retry-After pause before exiting";
}

TEST(FaultMatrix, ServerErrorsAreRetried) {
  auto gateway = MustStart(FaultOptions({"--error-rate=0.3"}));
  ASSERT_NE(gateway, nullptr);
  for (const Outcome& outcome : CompileAll(*gateway, Flows("flaky", 6))) {
    ExpectFinished(outcome, v1::STATE_COMPLETED);
  }
  EXPECT_GT((*gateway->SimStats())["status_codes"].value("503", 0), 0);
  ExpectWellBehaved(*gateway);
}

TEST(FaultMatrix, AddedLatencyNeverBreaksTheInFlightCap) {
  auto gateway = MustStart(FaultOptions({"--latency-ms=150"}));
  ASSERT_NE(gateway, nullptr);
  for (const Outcome& outcome : CompileAll(*gateway, Flows("slow", 8))) {
    ExpectFinished(outcome, v1::STATE_COMPLETED);
  }
  // The cap was reached (so the check below means something) and held.
  EXPECT_EQ((*gateway->SimStats())["max_concurrent"], kMaxInFlight);
  ExpectWellBehaved(*gateway);
}

TEST(FaultMatrix, DroppedConnectionsAreRetried) {
  auto gateway = MustStart(FaultOptions({"--drop-rate=0.3"}));
  ASSERT_NE(gateway, nullptr);
  for (const Outcome& outcome : CompileAll(*gateway, Flows("dropped", 6))) {
    ExpectFinished(outcome, v1::STATE_COMPLETED);
  }
  EXPECT_GT((*gateway->SimStats())["status_codes"].value("dropped", 0), 0);
  ExpectWellBehaved(*gateway);
}

TEST(FaultMatrix, MalformedBodiesAreRetried) {
  auto gateway = MustStart(FaultOptions({"--malformed-rate=0.4"}));
  ASSERT_NE(gateway, nullptr);
  for (const Outcome& outcome : CompileAll(*gateway, Flows("garbled", 6))) {
    ExpectFinished(outcome, v1::STATE_COMPLETED);
  }
  ExpectWellBehaved(*gateway);
}

TEST(FaultMatrix, ShortLivedTokensAreRefreshedButNotForEveryCall) {
  // 2 s tokens: the refresh margin is a quarter of that, not 30 s, so a
  // token serves every call for 1.5 s instead of one call each.
  auto gateway = MustStart(
      FaultOptions({"--token-ttl-seconds=2", "--in-progress-ms=3500"}));
  ASSERT_NE(gateway, nullptr);
  for (const Outcome& outcome : CompileAll(*gateway, Flows("ttl", 3))) {
    ExpectFinished(outcome, v1::STATE_COMPLETED);
  }
  auto stats = *gateway->SimStats();
  const int tokens = stats["requests"]["token"].get<int>();
  const int calls = stats["requests"]["trigger"].get<int>() +
                    stats["requests"]["status"].get<int>();
  EXPECT_GE(tokens, 2) << stats.dump();
  EXPECT_LE(tokens * 5, calls) << stats.dump();
  ExpectWellBehaved(*gateway);
}

TEST(FaultMatrix, TokenEndpointDownIsBackedOffNotHammered) {
  auto gateway = MustStart(FaultOptions({"--in-progress-ms=20000"}));
  ASSERT_NE(gateway, nullptr);
  std::vector<v1::Compile> compiles =
      testing::StartCompiles(gateway->stub(), "down", 10);
  for (const v1::Compile& compile : compiles) {
    ASSERT_FALSE(compile.name().empty());
  }
  // Every poll now needs a new token, and the endpoint is down.
  ASSERT_TRUE(gateway
                  ->SetSimFaults(
                      {{"token_endpoint_down", true}, {"revoke_tokens", true}})
                  .ok());
  ASSERT_TRUE(gateway->ResetSimStats().ok());
  // Measure five seconds of the outage (a measurement, not a wait for a
  // condition): with the backoff shared by every caller the endpoint sees
  // requests 0.25-0.5 s, 0.5-1 s, 1-2 s, 2-4 s apart.
  absl::SleepFor(absl::Seconds(5));
  auto stats = *gateway->SimStats();
  EXPECT_GT(stats["requests"]["token"].get<int>(), 0) << stats.dump();
  EXPECT_LE(stats["requests"]["token"].get<int>(), 10) << stats.dump();
  ASSERT_TRUE(gateway->SetSimFaults({{"token_endpoint_down", false}}).ok());
  ExpectWellBehaved(*gateway);
}

TEST(FaultMatrix, RevokedTokensAreReplaced) {
  auto gateway = MustStart(FaultOptions({"--in-progress-ms=1500"}));
  ASSERT_NE(gateway, nullptr);
  std::thread revoker([&] {
    for (int i = 0; i < 3; ++i) {
      absl::SleepFor(
          absl::Milliseconds(300));  // spread revocations over the run
      EXPECT_TRUE(gateway->SetSimFaults({{"revoke_tokens", true}}).ok());
    }
  });
  auto outcomes = CompileAll(*gateway, Flows("revoked", 4));
  revoker.join();
  for (const Outcome& outcome : outcomes)
    ExpectFinished(outcome, v1::STATE_COMPLETED);
  auto stats = *gateway->SimStats();
  EXPECT_GT(stats["status_codes"].value("401", 0), 0) << stats.dump();
  EXPECT_GE(stats["requests"]["token"].get<int>(), 2);
  ExpectWellBehaved(*gateway);
}

// Starts a compile, takes the token endpoint down and revokes the token in
// use (polls fail), runs `during` and checks the compile kept its state
// through the outage; then ends the outage and watches the compile to its
// end.
Outcome CompileThroughATokenOutage(GatewayHarness& gateway,
                                   absl::FunctionRef<void()> during) {
  v1::StartCompileRequest request;
  request.set_flow_id("outage");
  auto compile = testing::StartCompile(gateway.stub(), request);
  EXPECT_TRUE(compile.ok()) << compile.status();
  if (!compile.ok()) return {};
  EXPECT_TRUE(gateway
                  .SetSimFaults(
                      {{"token_endpoint_down", true}, {"revoke_tokens", true}})
                  .ok());
  during();
  grpc::ClientContext context;
  v1::GetCompileRequest get;
  get.set_name(compile->name());
  v1::Compile kept;
  EXPECT_TRUE(gateway.stub().GetCompile(&context, get, &kept).ok());
  EXPECT_NE(kept.state(), v1::STATE_FAILED);
  EXPECT_NE(kept.state(), v1::STATE_TIMED_OUT);
  EXPECT_TRUE(gateway.SetSimFaults({{"token_endpoint_down", false}}).ok());
  return {compile->name(),
          testing::WatchToEnd(gateway.stub(), compile->name())};
}

TEST(FaultMatrix, TokenEndpointOutageIsSurvived) {
  auto gateway = MustStart(FaultOptions({"--in-progress-ms=2000"}));
  ASSERT_NE(gateway, nullptr);
  Outcome outcome = CompileThroughATokenOutage(*gateway, [&] {
    // Wait (bounded) until the outage has been hit.
    for (int i = 0; i < 200; ++i) {
      if ((*gateway->SimStats())["status_codes"].value("503", 0) > 0) break;
      absl::SleepFor(absl::Milliseconds(20));
    }
  });
  ExpectFinished(outcome, v1::STATE_COMPLETED);
  ExpectWellBehaved(*gateway);
}

// The token endpoint down for longer than the give-up timeout, while CXone
// finishes the compile: time the gateway could not ask CXone is not "no
// change", so the compile ends COMPLETED, as CXone says, not TIMED_OUT.
TEST(FaultMatrix, OutageLongerThanTheGiveUpTimeoutIsNotATimeout) {
  auto options = FaultOptions({"--in-progress-ms=1000"});
  options.server_args.insert(
      options.server_args.end(),
      {"--stuck-timeout=500ms", "--give-up-timeout=1500ms"});
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  Outcome outcome = CompileThroughATokenOutage(*gateway, [] {
    // Let the outage outlast the give-up timeout (and CXone finish the
    // compile): what is tested is that the timeout does not fire.
    absl::SleepFor(absl::Milliseconds(1500) * 2);
  });
  ExpectFinished(outcome, v1::STATE_COMPLETED);
  for (const v1::CompileEvent& event : outcome.watch.events) {
    EXPECT_NE(event.type(), v1::EVENT_TYPE_STUCK) << event.detail();
  }
}

TEST(FaultMatrix, StuckCompileIsReportedThenGivenUp) {
  // The healthy compile runs for a third of the stuck timeout: it must not
  // look stuck even when a loaded machine sees its end a poll late (with
  // the harness's 1.5 s it ran exactly as long as the stuck timeout).
  auto options =
      FaultOptions({"--stuck-flows=wedged", "--in-progress-ms=500"});
  options.server_args.insert(
      options.server_args.end(),
      {"--stuck-timeout=1500ms", "--give-up-timeout=3s"});
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  auto outcomes = CompileAll(*gateway, {"wedged", "healthy"});
  ExpectFinished(outcomes[0], v1::STATE_TIMED_OUT);
  EXPECT_THAT(TypesOf(outcomes[0]), Contains(v1::EVENT_TYPE_STUCK));
  ExpectFinished(outcomes[1], v1::STATE_COMPLETED);
  EXPECT_THAT(TypesOf(outcomes[1]),
              ::testing::Not(Contains(v1::EVENT_TYPE_STUCK)));
  ExpectWellBehaved(*gateway);
}

TEST(FaultMatrix, BackwardsMoveIsAnAnomalyAndStateNeverGoesBack) {
  auto gateway = MustStart(FaultOptions({"--backwards-flows=moonwalk"}));
  ASSERT_NE(gateway, nullptr);
  auto outcomes = CompileAll(*gateway, {"moonwalk"});
  ExpectFinished(outcomes[0], v1::STATE_COMPLETED);
  bool anomaly = false;
  for (const auto& event : outcomes[0].watch.events) {
    if (event.type() == v1::EVENT_TYPE_UPSTREAM_ANOMALY) {
      anomaly = true;
      EXPECT_EQ(event.upstream_status(), "QUEUED");
      EXPECT_EQ(event.state(), v1::STATE_IN_PROGRESS);
    }
  }
  EXPECT_TRUE(anomaly);
  ExpectWellBehaved(*gateway);
}

TEST(FaultMatrix, UnknownStatusIsKeptAndReported) {
  auto gateway = MustStart(FaultOptions({"--unknown-status-flows=novel"}));
  ASSERT_NE(gateway, nullptr);
  auto outcomes = CompileAll(*gateway, {"novel"});
  ExpectFinished(outcomes[0], v1::STATE_COMPLETED);
  bool anomaly = false;
  for (const auto& event : outcomes[0].watch.events) {
    if (event.type() == v1::EVENT_TYPE_UPSTREAM_ANOMALY) {
      anomaly = true;
      EXPECT_EQ(event.upstream_status(), "VALIDATING");
    }
  }
  EXPECT_TRUE(anomaly);
  ExpectWellBehaved(*gateway);
}

TEST(FaultMatrix, StartsBeyondTheQueueAreResourceExhausted) {
  auto options = FaultOptions({"--latency-ms=400"});
  options.server_args.push_back("--max-pending-starts=2");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  std::vector<grpc::Status> statuses(6);
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      grpc::ClientContext context;
      v1::StartCompileRequest request;
      request.set_flow_id(absl::StrCat("burst-", i));
      v1::Compile compile;
      statuses[i] = gateway->stub().StartCompile(&context, request, &compile);
    });
  }
  for (auto& thread : threads) thread.join();
  int exhausted = 0;
  int started = 0;
  for (const grpc::Status& status : statuses) {
    if (status.ok()) ++started;
    if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
      ++exhausted;
      EXPECT_THAT(status.error_message(), HasSubstr("waiting to be started"));
    }
  }
  EXPECT_GE(started, 2);
  EXPECT_GE(exhausted, 1);
  EXPECT_EQ(started + exhausted, 6);
  ExpectWellBehaved(*gateway);
}

}  // namespace
}  // namespace cxone
