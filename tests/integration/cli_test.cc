// The CLI as a deployment pipeline uses it: against the real gateway and
// simulator, its exit code is the gate and its error lines point into the
// flow file.
#include "absl/algorithm/container.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/gateway_harness.h"
#include "tests/support/tcp_proxy.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

// Runs the CLI with exactly `args` to its end.
testing::ChildProcess::Outcome RunCliAsGiven(
    const std::vector<std::string>& args) {
  auto outcome =
      testing::ChildProcess::Run(CXONE_CLI_BINARY, args, {}, absl::Seconds(60));
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  return outcome.value_or(testing::ChildProcess::Outcome{});
}

// Runs the CLI against `gateway` to its end.
testing::ChildProcess::Outcome RunCli(const std::string& gateway,
                                      std::vector<std::string> args) {
  args.insert(args.begin(), {"--server", gateway});
  return RunCliAsGiven(args);
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

// `--help` says the global flags may come before the command word, for
// every command (RunCli above puts --server first).
TEST_F(CliTest, HealthTakesTheServerFlagBeforeTheCommand) {
  auto run = RunCli(gateway_->gateway_address(), {"health"});
  EXPECT_EQ(run.exit_code, 0) << run.Text();
  EXPECT_THAT(run.lines, Contains("SERVING"));
}

TEST_F(CliTest, HealthTakesJsonBeforeTheCommandLikeEveryCommand) {
  auto run = RunCli(gateway_->gateway_address(), {"--json", "health"});
  EXPECT_EQ(run.exit_code, 0) << run.Text();
  EXPECT_THAT(run.lines, Contains("{\"status\":\"SERVING\"}"));
}

TEST_F(CliTest, WebhooksTakeTheServerFlagBeforeTheCommand) {
  // This gateway has no webhooks: the call reaching it is the proof.
  auto run = RunCli(gateway_->gateway_address(),
                    {"webhooks", "dead-letters", "--limit", "5"});
  EXPECT_EQ(run.exit_code, 3) << run.Text();
  EXPECT_THAT(run.Text(), HasSubstr("FAILED_PRECONDITION"));
  EXPECT_THAT(run.Text(), Not(HasSubstr("unknown command")));
}

TEST_F(CliTest, FlagsOfTheSubcommandMayComeBeforeItsWordToo) {
  auto run =
      RunCliAsGiven({"--limit", "5", "--server", gateway_->gateway_address(),
                     "webhooks", "dead-letters"});
  EXPECT_EQ(run.exit_code, 3) << run.Text();
  EXPECT_THAT(run.Text(), HasSubstr("FAILED_PRECONDITION"));
  // The early --limit is read as dead-letters' own: its range applies.
  run = RunCliAsGiven({"--limit", "0", "--server", gateway_->gateway_address(),
                       "webhooks", "dead-letters"});
  EXPECT_EQ(run.exit_code, 2) << run.Text();
  EXPECT_THAT(run.Text(), HasSubstr("--limit: 0 is out of range"));
}

TEST_F(CliTest, TheGlobalFlagsMayComeAfterTheCommandWord) {
  auto run =
      RunCliAsGiven({"webhooks", "dead-letters", "--server",
                     gateway_->gateway_address(), "--limit", "5", "--json"});
  EXPECT_EQ(run.exit_code, 3) << run.Text();
  EXPECT_THAT(run.Text(), HasSubstr("FAILED_PRECONDITION"));
}

// Starts `flow` with `args` through the CLI and returns the compile's name
// (the first word of the line start prints).
std::string StartWithCli(const std::string& gateway, const std::string& flow,
                         std::vector<std::string> args = {}) {
  args.insert(args.begin(), {"start", flow});
  auto run = RunCli(gateway, args);
  EXPECT_EQ(run.exit_code, 0) << run.Text();
  if (run.lines.empty()) return "";
  return run.lines.front().substr(0, run.lines.front().find(' '));
}

TEST_F(CliTest, LabelsGivenToStartComeBackOnGetAndList) {
  const std::string gateway = gateway_->gateway_address();
  const std::string name =
      StartWithCli(gateway, "labelled",
                   {"--label", "pipeline=checkout", "--label", "tier="});
  ASSERT_THAT(name, ::testing::StartsWith("flows/labelled/compiles/"));

  auto got = RunCli(gateway, {"get", name});
  EXPECT_EQ(got.exit_code, 0) << got.Text();
  ASSERT_EQ(got.lines.size(), 1u) << got.Text();
  EXPECT_THAT(got.lines[0], ::testing::StartsWith(name + "  "));
  EXPECT_THAT(got.lines[0], ::testing::EndsWith("  pipeline=checkout,tier="));

  auto listed = RunCli(gateway, {"list", "--flow", "labelled"});
  EXPECT_EQ(listed.exit_code, 0) << listed.Text();
  ASSERT_EQ(listed.lines.size(), 2u) << listed.Text();
  EXPECT_THAT(listed.lines[0], ::testing::StartsWith(name + "  "));
  EXPECT_THAT(listed.lines[0],
              ::testing::EndsWith("  pipeline=checkout,tier="));
  EXPECT_EQ(listed.lines[1], "1 compile");
}

TEST_F(CliTest, ListFollowsThePagesNewestFirstAndFiltersByLabels) {
  const std::string gateway = gateway_->gateway_address();
  std::vector<std::string> checkout;
  for (const char* flow : {"paged-a", "paged-b", "paged-c"}) {
    checkout.push_back(
        StartWithCli(gateway, flow, {"--label", "pipeline=checkout"}));
  }
  StartWithCli(gateway, "paged-nightly", {"--label", "pipeline=nightly"});
  StartWithCli(gateway, "paged-plain");

  // Newest first, over two pages of 2.
  auto run = RunCli(gateway, {"list", "--label-selector", "pipeline=checkout",
                              "--page-size", "2"});
  EXPECT_EQ(run.exit_code, 0) << run.Text();
  std::vector<std::string> names;
  for (const std::string& line : run.lines) {
    if (absl::StartsWith(line, "flows/")) {
      names.push_back(line.substr(0, line.find(' ')));
      EXPECT_THAT(line, ::testing::EndsWith("  pipeline=checkout"));
    }
  }
  EXPECT_THAT(names,
              ::testing::ElementsAre(checkout[2], checkout[1], checkout[0]));
  EXPECT_EQ(run.lines.back(), "3 compiles");

  // Without the label, and without any.
  run = RunCli(gateway,
               {"list", "--label-selector", "pipeline!=checkout", "--flow",
                "paged-nightly", "--flow", "paged-plain", "--flow", "paged-a"});
  EXPECT_EQ(run.exit_code, 0) << run.Text();
  EXPECT_EQ(run.lines.back(), "2 compiles") << run.Text();
  EXPECT_THAT(run.Text(), HasSubstr("/compiles/"));
  EXPECT_THAT(run.Text(), Not(HasSubstr("flows/paged-a/")));
  run = RunCli(gateway, {"list", "--label-selector", "!pipeline", "--flow",
                         "paged-plain", "--flow", "paged-nightly"});
  EXPECT_EQ(run.lines.back(), "1 compile") << run.Text();
  EXPECT_THAT(run.lines.front(), ::testing::StartsWith("flows/paged-plain/"));
}

TEST_F(CliTest, JsonListByFlowAndStatePrintsOneCompilePerLine) {
  const std::string gateway = gateway_->gateway_address();
  auto failed = RunCli(gateway, {"start", "syntax-error", "--wait", "--label",
                                 "pipeline=checkout"});
  ASSERT_EQ(failed.exit_code, 1) << failed.Text();

  auto run = RunCli(gateway, {"--json", "list", "--flow", "syntax-error",
                              "--state", "FAILED"});
  EXPECT_EQ(run.exit_code, 0) << run.Text();
  ASSERT_EQ(run.lines.size(), 1u) << run.Text();
  auto json = nlohmann::json::parse(run.lines[0], nullptr, false);
  ASSERT_TRUE(json.is_object()) << run.lines[0];
  EXPECT_EQ(json.value("state", ""), "STATE_FAILED");
  EXPECT_EQ(json["labels"].value("pipeline", ""), "checkout");

  run = RunCli(gateway,
               {"list", "--flow", "syntax-error", "--state", "completed"});
  EXPECT_EQ(run.exit_code, 0) << run.Text();
  EXPECT_THAT(run.lines, ::testing::ElementsAre("0 compiles"));
}

TEST_F(CliTest, GetByKeyFindsTheCompileItsStartStarted) {
  const std::string gateway = gateway_->gateway_address();
  const std::string name =
      StartWithCli(gateway, "main-menu", {"--request-id", "cli-key-1"});
  auto run = RunCli(gateway, {"get", "--key", "cli-key-1"});
  EXPECT_EQ(run.exit_code, 0) << run.Text();
  ASSERT_FALSE(run.lines.empty());
  EXPECT_THAT(run.lines[0], ::testing::StartsWith(name + "  "));

  run = RunCli(gateway, {"get", "--key", "cli-never-used"});
  EXPECT_EQ(run.exit_code, 3) << run.Text();
  EXPECT_THAT(run.Text(), HasSubstr("NOT_FOUND"));
  EXPECT_THAT(run.Text(), HasSubstr("cli-never-used"));
}

TEST_F(CliTest, ABadLabelIsAUsageErrorNamingItAndStartsNothing) {
  const std::string gateway = gateway_->gateway_address();
  auto run = RunCli(gateway, {"start", "main-menu", "--label", "Bad Key=x"});
  EXPECT_EQ(run.exit_code, 2) << run.Text();
  EXPECT_THAT(run.Text(), HasSubstr("--label \"Bad Key=x\": key \"Bad Key\""));
  run = RunCli(gateway, {"list", "--flow", "main-menu"});
  EXPECT_THAT(run.lines, ::testing::ElementsAre("0 compiles"));
}

TEST(CliCollectionWatch, UntilDoneWaitsForEveryCompileTheSelectorMatches) {
  // Compiles that run 8 s: the watch lists them running, whatever the load.
  testing::HarnessOptions options;
  options.sim_args = {"--queued-ms=300", "--in-progress-ms=8000"};
  auto harness = testing::GatewayHarness::Start(options);
  ASSERT_TRUE(harness.ok()) << harness.status();
  const std::string gateway = (*harness)->gateway_address();
  StartWithCli(gateway, "main-menu", {"--label", "commit=3f2a9c"});
  StartWithCli(gateway, "broken-refs", {"--label", "commit=3f2a9c"});
  StartWithCli(gateway, "main-menu", {"--label", "commit=other"});

  auto cli = testing::ChildProcess::Start(
      CXONE_CLI_BINARY, {"--server", gateway, "watch", "--label-selector",
                         "commit=3f2a9c", "--until-done", "--timeout", "60s"});
  ASSERT_TRUE(cli.ok()) << cli.status();
  // Once the watch has listed the two, a third joins: it is waited for too.
  auto listed = (*cli)->WaitForLine(
      [count = 0](const std::string& line) mutable {
        return absl::StartsWith(line, "flows/") && ++count == 2;
      },
      absl::Seconds(30));
  ASSERT_TRUE(listed.ok()) << listed.status();
  const std::string late =
      StartWithCli(gateway, "late-flow", {"--label", "commit=3f2a9c"});

  auto code = (*cli)->Wait(absl::Seconds(60));
  ASSERT_TRUE(code.ok()) << code.status();
  (void)(*cli)->WaitForLine([](const std::string&) { return false; },
                            absl::Seconds(2));
  const std::vector<std::string> lines = (*cli)->Lines();
  const std::string text = absl::StrJoin(lines, "\n");
  EXPECT_EQ(*code, 1) << text;
  EXPECT_THAT(lines, Contains("3 compiles: 2 COMPLETED, 1 FAILED, 0 TIMED_OUT"))
      << text;
  EXPECT_THAT(lines, Contains(absl::StrCat("compile ", late, " COMPLETED")))
      << text;
  EXPECT_THAT(lines, Contains(::testing::MatchesRegex(
                         "broken-refs:[0-9]+:[0-9]+: error: reference: .*")))
      << text;
  EXPECT_THAT(text, Not(HasSubstr("commit=other")));
}

// What a --json watch printed: every logged event (markers and snapshots
// left out) exactly once, in order, the last one COMPLETED.
void ExpectEveryLoggedEventOnceEndingCompleted(
    const std::vector<std::string>& lines) {
  std::vector<uint64_t> sequences;
  std::string last_state;
  for (const std::string& line : lines) {
    auto json = nlohmann::json::parse(line, nullptr, false);
    if (!json.is_object() || !json.contains("sequence")) continue;
    uint64_t sequence = 0;
    if (json["sequence"].is_string()) {
      ASSERT_TRUE(
          absl::SimpleAtoi(json["sequence"].get<std::string>(), &sequence));
    } else {
      sequence = json["sequence"].get<uint64_t>();
    }
    if (sequence == 0) continue;  // markers
    if (json.value("type", "") == "EVENT_TYPE_SNAPSHOT") continue;
    sequences.push_back(sequence);
    last_state = json.value("state", "");
  }
  ASSERT_GE(sequences.size(), 10u);
  for (size_t i = 1; i < sequences.size(); ++i) {
    EXPECT_EQ(sequences[i], sequences[i - 1] + 1) << "at " << i;
  }
  EXPECT_EQ(last_state, "STATE_COMPLETED");
}

// A gateway whose compile "chatty" logs an event on every 30 ms poll for
// `in_progress_ms`, behind a TcpProxy that the CLI connects through (the
// test breaks or wedges its connections); `server_args` are added to the
// gateway's.
struct ProxiedGateway {
  std::unique_ptr<testing::GatewayHarness> gateway;
  std::unique_ptr<testing::TcpProxy> proxy;
  std::string address() const {
    return absl::StrCat("127.0.0.1:", proxy->port());
  }
};

absl::StatusOr<ProxiedGateway> StartChattyBehindProxy(
    int in_progress_ms, const std::vector<std::string>& server_args = {}) {
  testing::HarnessOptions options;
  options.sim_args = {"--queued-ms=100",
                      absl::StrCat("--in-progress-ms=", in_progress_ms),
                      "--chatty-flows=chatty"};
  options.server_args.insert(
      options.server_args.end(),
      {"--poll-interval=30ms", "--min-poll-interval=30ms", "--upstream-rps=500",
       "--upstream-burst=50"});
  options.server_args.insert(options.server_args.end(), server_args.begin(),
                             server_args.end());
  ProxiedGateway proxied;
  auto gateway = testing::GatewayHarness::Start(options);
  if (!gateway.ok()) return gateway.status();
  proxied.gateway = *std::move(gateway);
  int gateway_port = 0;
  const std::string& address = proxied.gateway->gateway_address();
  if (!absl::SimpleAtoi(address.substr(address.rfind(':') + 1),
                        &gateway_port)) {
    return absl::InternalError(absl::StrCat("no port in ", address));
  }
  auto proxy = testing::TcpProxy::Start(gateway_port);
  if (!proxy.ok()) return proxy.status();
  proxied.proxy = *std::move(proxy);
  return proxied;
}

TEST(CliReconnect, CutConnectionsMidStreamLoseAndRepeatNothing) {
  // A chatty compile: a new event on every 30 ms poll for 3 s.
  auto proxied = StartChattyBehindProxy(3000);
  ASSERT_TRUE(proxied.ok()) << proxied.status();
  testing::TcpProxy* proxy = proxied->proxy.get();

  auto cli = testing::ChildProcess::Start(
      CXONE_CLI_BINARY, {"--server", proxied->address(), "--json", "start",
                         "chatty", "--wait", "--timeout", "60s"});
  ASSERT_TRUE(cli.ok()) << cli.status();
  // Cut the connection twice while events flow: once a few events in, and
  // again after the first reconnect has delivered more.
  for (int cut = 0; cut < 2; ++cut) {
    const size_t seen = (*cli)->Lines().size();
    auto more = (*cli)->WaitForLine(
        [&, count = size_t{0}](const std::string& line) mutable {
          return absl::StrContains(line, "UPSTREAM_ANOMALY") &&
                 ++count > seen + 3;
        },
        absl::Seconds(30));
    ASSERT_TRUE(more.ok()) << more.status();
    proxy->BreakAll();
  }
  auto code = (*cli)->Wait(absl::Seconds(60));
  ASSERT_TRUE(code.ok()) << code.status();
  (void)(*cli)->WaitForLine([](const std::string&) { return false; },
                            absl::Seconds(10));
  const std::vector<std::string> lines = (*cli)->Lines();
  EXPECT_EQ(*code, 0) << absl::StrJoin(lines, "\n");
  EXPECT_GE(proxy->accepted(), 3);  // the first connection and two more

  EXPECT_GE(absl::c_count_if(lines,
                             [](const std::string& line) {
                               return absl::StrContains(line, "reconnecting");
                             }),
            2);
  ExpectEveryLoggedEventOnceEndingCompleted(lines);
}

TEST(CliReconnect, AWedgedConnectionIsLeftForANewOne) {
  // A chatty compile for 4 s; heartbeats every 300 ms, so the CLI gives a
  // silent stream 600 ms.
  auto proxied = StartChattyBehindProxy(4000, {"--heartbeat-interval=300ms"});
  ASSERT_TRUE(proxied.ok()) << proxied.status();
  testing::TcpProxy* proxy = proxied->proxy.get();

  // --timeout 20s is well under what the channel's keepalive needs to
  // notice the wedge (30 s + 10 s): only a new connection finishes in time.
  auto cli = testing::ChildProcess::Start(
      CXONE_CLI_BINARY, {"--server", proxied->address(), "--json", "start",
                         "chatty", "--wait", "--timeout", "20s"});
  ASSERT_TRUE(cli.ok()) << cli.status();
  auto flowing = (*cli)->WaitForLine(
      [count = 0](const std::string& line) mutable {
        return absl::StrContains(line, "UPSTREAM_ANOMALY") && ++count > 3;
      },
      absl::Seconds(30));
  ASSERT_TRUE(flowing.ok()) << flowing.status();
  // Twice: the second wedge hits the connection the first reconnect opened.
  for (int wedge = 0; wedge < 2; ++wedge) {
    const int connections = proxy->accepted();
    proxy->WedgeAll();
    ASSERT_TRUE(testing::WaitUntil(
        [&] { return proxy->accepted() > connections; }, absl::Seconds(10)))
        << "no new connection after wedge " << wedge;
  }
  auto code = (*cli)->Wait(absl::Seconds(60));
  ASSERT_TRUE(code.ok()) << code.status();
  (void)(*cli)->WaitForLine([](const std::string&) { return false; },
                            absl::Seconds(10));
  const std::vector<std::string> lines = (*cli)->Lines();
  EXPECT_EQ(*code, 0) << absl::StrJoin(lines, "\n");
  EXPECT_THAT(lines,
              Contains(HasSubstr(
                  "no message for 600ms, twice the heartbeat interval")));
  ExpectEveryLoggedEventOnceEndingCompleted(lines);
}

}  // namespace
}  // namespace cxone
