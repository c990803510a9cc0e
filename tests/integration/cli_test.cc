// The CLI as a deployment pipeline uses it: against the real gateway and
// simulator, its exit code is the gate and its error lines point into the
// flow file.
#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"

namespace cxone {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

struct CliRun {
  int exit_code = -1;
  std::vector<std::string> lines;
};

CliRun RunCli(const std::string& gateway, std::vector<std::string> args) {
  args.insert(args.begin(), {"--server", gateway});
  CliRun run;
  auto cli = testing::ChildProcess::Start(CXONE_CLI_BINARY, args);
  EXPECT_TRUE(cli.ok()) << cli.status();
  if (!cli.ok()) return run;
  auto code = (*cli)->Wait(absl::Seconds(60));
  EXPECT_TRUE(code.ok()) << code.status();
  run.exit_code = code.value_or(-1);
  // Wait for the readers to reach the end of the output.
  (void)(*cli)->WaitForLine([](const std::string&) { return false; },
                            absl::Seconds(10));
  run.lines = (*cli)->Lines();
  return run;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto harness = testing::GatewayHarness::Start();
    ASSERT_TRUE(harness.ok()) << harness.status();
    gateway_ = *std::move(harness);
  }
  std::unique_ptr<testing::GatewayHarness> gateway_;
};

TEST_F(CliTest, ValidFlowExitsZeroAfterCompleted) {
  CliRun run =
      RunCli(gateway_->gateway_address(), {"start", "main-menu", "--wait"});
  EXPECT_EQ(run.exit_code, 0) << ::testing::PrintToString(run.lines);
  EXPECT_THAT(run.lines, Contains(HasSubstr("IN_PROGRESS -> COMPLETED")));
}

TEST_F(CliTest, BrokenFlowExitsOneWithEditorJumpableErrors) {
  CliRun run =
      RunCli(gateway_->gateway_address(), {"start", "broken-refs", "--wait"});
  EXPECT_EQ(run.exit_code, 1) << ::testing::PrintToString(run.lines);
  EXPECT_THAT(
      run.lines,
      Contains(::testing::StartsWith("broken-refs:16:14: error: reference: ")));
  EXPECT_THAT(run.lines, Contains(::testing::StartsWith(
                             "broken-refs:29:13: error: validation: ")));
}

TEST_F(CliTest, JsonModePrintsOneObjectPerEvent) {
  CliRun run = RunCli(gateway_->gateway_address(),
                      {"--json", "start", "syntax-error", "--wait"});
  EXPECT_EQ(run.exit_code, 1);
  int events = 0;
  for (const std::string& line : run.lines) {
    auto json = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(json.is_discarded()) << line;
    if (json.contains("sequence")) ++events;
  }
  EXPECT_GE(events, 2);
}

TEST_F(CliTest, UnknownCompileIsAGatewayError) {
  CliRun run = RunCli(gateway_->gateway_address(),
                      {"watch", "flows/main-menu/compiles/missing"});
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_THAT(run.lines, Contains(HasSubstr("NOT_FOUND")));
}

TEST_F(CliTest, OwnTimeoutExits124) {
  CliRun run = RunCli(gateway_->gateway_address(),
                      {"start", "main-menu", "--wait", "--timeout", "100ms"});
  EXPECT_EQ(run.exit_code, 124) << ::testing::PrintToString(run.lines);
}

}  // namespace
}  // namespace cxone
