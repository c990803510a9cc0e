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

// Runs the CLI against `gateway` to its end.
testing::ChildProcess::Outcome RunCli(const std::string& gateway,
                                      std::vector<std::string> args) {
  args.insert(args.begin(), {"--server", gateway});
  auto outcome =
      testing::ChildProcess::Run(CXONE_CLI_BINARY, args, {}, absl::Seconds(60));
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  return outcome.value_or(testing::ChildProcess::Outcome{});
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
  auto run =
      RunCli(gateway_->gateway_address(), {"start", "main-menu", "--wait"});
  EXPECT_EQ(run.exit_code, 0) << run.Text();
  EXPECT_THAT(run.lines, Contains(HasSubstr("IN_PROGRESS -> COMPLETED")));
}

TEST_F(CliTest, BrokenFlowExitsOneWithEditorJumpableErrors) {
  auto run =
      RunCli(gateway_->gateway_address(), {"start", "broken-refs", "--wait"});
  EXPECT_EQ(run.exit_code, 1) << run.Text();
  EXPECT_THAT(
      run.lines,
      Contains(::testing::StartsWith("broken-refs:16:14: error: reference: ")));
  EXPECT_THAT(run.lines, Contains(::testing::StartsWith(
                             "broken-refs:29:13: error: validation: ")));
}

TEST_F(CliTest, JsonModePrintsOneObjectPerEvent) {
  auto run = RunCli(gateway_->gateway_address(),
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
  auto run = RunCli(gateway_->gateway_address(),
                    {"watch", "flows/main-menu/compiles/missing"});
  EXPECT_EQ(run.exit_code, 3);
  EXPECT_THAT(run.lines, Contains(HasSubstr("NOT_FOUND")));
}

TEST_F(CliTest, OwnTimeoutExits124) {
  auto run = RunCli(gateway_->gateway_address(),
                    {"start", "main-menu", "--wait", "--timeout", "100ms"});
  EXPECT_EQ(run.exit_code, 124) << run.Text();
}

}  // namespace
}  // namespace cxone
