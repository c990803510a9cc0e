// Starting a compile against a CXone whose answers are slow or lost, and
// stopping the gateway while compiles are live: a request_id triggers CXone
// once, a result is never made up, and shutdown is quiet.
#include <signal.h>

#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/harness_testing.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::cxone::testing::GatewayHarness;
using ::cxone::testing::HarnessOptions;
using ::cxone::testing::MustStart;
using ::testing::SizeIs;
namespace v1 = ::cxone::compile::v1;

// The compiles the simulator started for `flow`.
std::vector<nlohmann::json> SimCompilesOf(GatewayHarness& gateway,
                                          const std::string& flow) {
  std::vector<nlohmann::json> found;
  auto compiles = gateway.SimGet("/_sim/compiles");
  EXPECT_TRUE(compiles.ok()) << compiles.status();
  if (!compiles.ok()) return found;
  for (const nlohmann::json& compile : *compiles) {
    if (compile.value("flowId", "") == flow) found.push_back(compile);
  }
  return found;
}

v1::StartCompileRequest Request(const std::string& flow,
                                const std::string& request_id) {
  v1::StartCompileRequest request;
  request.set_flow_id(flow);
  request.set_request_id(request_id);
  return request;
}

// CXone answers a trigger only after the gateway's request timeout, and
// its compiles are quick: resending on the timeout would start a new
// compile each time (the old gateway started four and still failed).
TEST(Trigger, ASlowTriggerStartsOneCompileAndItsAnswerIsAwaited) {
  HarnessOptions options;
  options.sim_args = {"--queued-ms=50", "--in-progress-ms=100"};
  options.server_args.insert(options.server_args.end(),
                             {"--request-timeout=300ms",
                              "--retry-initial-delay=20ms",
                              "--retry-max-delay=100ms"});
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  ASSERT_TRUE(gateway->SetSimFaults({{"trigger_answer_delay_ms", 1200}}).ok());

  auto compile =
      testing::StartCompile(gateway->stub(), Request("main-menu", "slow-1"));
  ASSERT_TRUE(compile.ok()) << compile.status();
  EXPECT_THAT(SimCompilesOf(*gateway, "main-menu"), SizeIs(1));
  // The same key again, as the contract invites: the same compile, and
  // still no second trigger.
  auto again =
      testing::StartCompile(gateway->stub(), Request("main-menu", "slow-1"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->name(), compile->name());
  EXPECT_THAT(SimCompilesOf(*gateway, "main-menu"), SizeIs(1));
  auto stats = gateway->SimStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ((*stats)["requests"]["trigger"], 1) << stats->dump();
}

// CXone starts the compile and the answer is lost on the way back: the
// gateway asks again, and CXone's 409 names the compile to adopt.
TEST(Trigger, ALostAnswerAdoptsTheCompileTheLostRequestStarted) {
  auto gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  ASSERT_TRUE(gateway->SetSimFaults({{"lost_trigger_answers", 1}}).ok());

  auto compile =
      testing::StartCompile(gateway->stub(), Request("main-menu", "lost-1"));
  ASSERT_TRUE(compile.ok()) << compile.status();
  std::vector<nlohmann::json> started = SimCompilesOf(*gateway, "main-menu");
  ASSERT_THAT(started, SizeIs(1));
  EXPECT_EQ(compile->compile_id(), started[0].value("compileId", ""));
  testing::WatchResult watched =
      testing::WatchToEnd(gateway->stub(), compile->name());
  ASSERT_TRUE(watched.status.ok()) << watched.status.error_message();
  EXPECT_EQ(watched.events.back().state(), v1::STATE_COMPLETED);
  bool asked_again = false;
  for (const std::string& line : gateway->AllLogLines()) {
    asked_again |= absl::StrContains(line, "asking CXone again");
  }
  EXPECT_TRUE(asked_again);
}

// SIGTERM with live compiles: polls stop before the upstream does, so no
// poll fails "because the gateway is shutting down" (once 751 warnings in
// 0.9 s with 51 live compiles).
TEST(Trigger, ShutdownWithLiveCompilesWarnsOfNoFailedPolls) {
  HarnessOptions options;
  options.sim_args = {"--queued-ms=300", "--in-progress-ms=60000"};
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  std::vector<v1::Compile> compiles =
      testing::StartCompiles(gateway->stub(), "live", 20);
  for (const v1::Compile& compile : compiles) {
    ASSERT_FALSE(compile.name().empty());
  }
  // Every compile polled at least once in IN_PROGRESS.
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        for (const v1::Compile& compile : compiles) {
          grpc::ClientContext context;
          v1::GetCompileRequest get;
          get.set_name(compile.name());
          v1::Compile now;
          if (!gateway->stub().GetCompile(&context, get, &now).ok() ||
              now.state() != v1::STATE_IN_PROGRESS) {
            return false;
          }
        }
        return true;
      },
      absl::Seconds(30)));
  gateway->server().Signal(SIGTERM);
  auto exit_code = gateway->server().Wait(absl::Seconds(30));
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  for (const std::string& line : gateway->server().Lines()) {
    EXPECT_FALSE(absl::StrContains(line, "status poll failed")) << line;
  }
}

}  // namespace
}  // namespace cxone
