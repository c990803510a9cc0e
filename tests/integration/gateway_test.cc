// End-to-end tests of the gateway: the real cxone-compile-server talking
// HTTP to the real cxone-sim, driven over real gRPC on loopback.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/harness_testing.h"

namespace cxone {
namespace {

using ::cxone::testing::GatewayHarness;
using ::cxone::testing::HarnessOptions;
using ::cxone::testing::MustStart;
using ::cxone::testing::StartCompile;
using ::cxone::testing::WatchResult;
using ::cxone::testing::WatchToEnd;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace v1 = ::cxone::compile::v1;

v1::StartCompileRequest Request(const std::string& flow,
                                const std::string& request_id = "") {
  v1::StartCompileRequest request;
  request.set_flow_id(flow);
  request.set_request_id(request_id);
  return request;
}

// Events after the snapshot have sequences snapshot+1, +2, … and the stream
// ended OK with a terminal state last.
void ExpectGapFreeAndFinished(const WatchResult& watch) {
  ASSERT_TRUE(watch.status.ok()) << watch.status.error_message();
  const std::vector<v1::CompileEvent> events =
      testing::WithoutMarkers(watch.events);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().type(), v1::EVENT_TYPE_SNAPSHOT);
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(events[i].sequence(), events[0].sequence() + i) << "event " << i;
  }
  const v1::State last = events.back().state();
  EXPECT_TRUE(last == v1::STATE_COMPLETED || last == v1::STATE_FAILED)
      << v1::State_Name(last);
}

std::vector<v1::State> StatesAfterSnapshot(const WatchResult& watch) {
  const std::vector<v1::CompileEvent> events =
      testing::WithoutMarkers(watch.events);
  std::vector<v1::State> states;
  for (size_t i = 1; i < events.size(); ++i)
    states.push_back(events[i].state());
  return states;
}

grpc::Status StartStatus(GatewayHarness& gateway, const std::string& flow) {
  grpc::ClientContext context;
  v1::Compile compile;
  return gateway.stub().StartCompile(&context, Request(flow), &compile);
}

// One gateway for the tests that need no special simulator behaviour.
class GatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { gateway_ = MustStart().release(); }
  static void TearDownTestSuite() {
    if (gateway_ != nullptr) {
      // No secret may have reached any log line of either process.
      for (const std::string& line : gateway_->AllLogLines()) {
        EXPECT_THAT(line,
                    ::testing::Not(HasSubstr(testing::kHarnessClientSecret)));
        EXPECT_THAT(line, ::testing::Not(HasSubstr("Bearer ")));
      }
    }
    delete gateway_;
    gateway_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(gateway_, nullptr); }

  static GatewayHarness* gateway_;
};
GatewayHarness* GatewayTest::gateway_ = nullptr;

TEST_F(GatewayTest, ValidFlowGoesQueuedInProgressCompletedInOrder) {
  auto compile = StartCompile(gateway_->stub(), Request("main-menu"));
  ASSERT_TRUE(compile.ok()) << compile.status();
  EXPECT_TRUE(absl::StartsWith(compile->name(), "flows/main-menu/compiles/"));
  EXPECT_EQ(compile->flow_id(), "main-menu");
  EXPECT_EQ(compile->state(), v1::STATE_QUEUED);
  WatchResult watch = WatchToEnd(gateway_->stub(), compile->name());
  ExpectGapFreeAndFinished(watch);
  EXPECT_EQ(watch.events[0].state(), v1::STATE_QUEUED);
  EXPECT_EQ(watch.events[0].sequence(), 1u);
  EXPECT_THAT(StatesAfterSnapshot(watch),
              ElementsAre(v1::STATE_IN_PROGRESS, v1::STATE_COMPLETED));
  EXPECT_EQ(watch.events.back().previous_state(), v1::STATE_IN_PROGRESS);
  EXPECT_EQ(watch.events.back().errors_size(), 0);
}

struct ExpectedError {
  v1::ErrorCategory category;
  std::string code;
  uint32_t line;
  uint32_t column;
  std::string message_part;
};

// Runs `flow` to the end, checks its errors against the example file and
// returns the terminal event.
v1::CompileEvent ExpectFailsWith(GatewayHarness& gateway,
                                 const std::string& flow,
                                 const std::vector<ExpectedError>& expected) {
  auto compile = StartCompile(gateway.stub(), Request(flow));
  EXPECT_TRUE(compile.ok()) << compile.status();
  if (!compile.ok()) return {};
  WatchResult watch = WatchToEnd(gateway.stub(), compile->name());
  ExpectGapFreeAndFinished(watch);
  if (watch.events.empty()) return {};
  const v1::CompileEvent last = watch.events.back();
  EXPECT_EQ(last.state(), v1::STATE_FAILED);
  EXPECT_EQ(last.errors_size(), static_cast<int>(expected.size()));
  for (size_t i = 0;
       i < expected.size() && i < static_cast<size_t>(last.errors_size());
       ++i) {
    const v1::CompileError& error = last.errors(static_cast<int>(i));
    EXPECT_EQ(error.category(), expected[i].category) << i;
    EXPECT_EQ(error.code(), expected[i].code) << i;
    EXPECT_EQ(error.location().line(), expected[i].line) << i;
    EXPECT_EQ(error.location().column(), expected[i].column) << i;
    EXPECT_THAT(error.message(), HasSubstr(expected[i].message_part)) << i;
  }
  return last;
}

TEST_F(GatewayTest, SyntaxErrorFlowFailsAtTheTokenAfterTheMissingComma) {
  ExpectFailsWith(
      *gateway_, "syntax-error",
      {{v1::ERROR_CATEGORY_SYNTAX, "SYNTAX_ERROR", 13, 7, "missing ','"}});
}

TEST_F(GatewayTest, BrokenRefsFlowReportsEveryProblemWithItsLocation) {
  v1::CompileEvent last = ExpectFailsWith(
      *gateway_, "broken-refs",
      {{v1::ERROR_CATEGORY_REFERENCE, "REFERENCE_ERROR", 16, 14,
        "\"operator\""},
       {v1::ERROR_CATEGORY_VALIDATION, "VALIDATION_ERROR", 19, 5, "\"type\""},
       {v1::ERROR_CATEGORY_REFERENCE, "REFERENCE_ERROR", 26, 15,
        "\"goodbye2\""},
       {v1::ERROR_CATEGORY_VALIDATION, "VALIDATION_ERROR", 29, 13,
        "duplicate node id \"menu\""}});
  // Warnings travel with the result too, with their locations.
  ASSERT_EQ(last.warnings_size(), 1);
  EXPECT_EQ(last.warnings(0).code(), "UNREACHABLE_NODE");
  EXPECT_EQ(last.warnings(0).category(), v1::ERROR_CATEGORY_UNKNOWN);
  EXPECT_EQ(last.warnings(0).location().line(), 36u);
  EXPECT_EQ(last.warnings(0).location().column(), 5u);
}

TEST_F(GatewayTest, LateWatcherGetsTheSnapshotFirstAndTheStreamEnds) {
  auto compile = StartCompile(gateway_->stub(), Request("late-watch"));
  ASSERT_TRUE(compile.ok()) << compile.status();
  ExpectGapFreeAndFinished(WatchToEnd(gateway_->stub(), compile->name()));
  WatchResult late = WatchToEnd(gateway_->stub(), compile->name());
  ASSERT_TRUE(late.status.ok());
  ASSERT_EQ(late.events.size(), 1u);
  EXPECT_EQ(late.events[0].type(), v1::EVENT_TYPE_SNAPSHOT);
  EXPECT_EQ(late.events[0].state(), v1::STATE_COMPLETED);
  EXPECT_EQ(late.events[0].sequence(), 3u);
}

TEST_F(GatewayTest, GetCompileReturnsTheCurrentState) {
  auto compile = StartCompile(gateway_->stub(), Request("get-me"));
  ASSERT_TRUE(compile.ok());
  ExpectGapFreeAndFinished(WatchToEnd(gateway_->stub(), compile->name()));
  grpc::ClientContext context;
  v1::GetCompileRequest request;
  request.set_name(compile->name());
  v1::Compile got;
  ASSERT_TRUE(gateway_->stub().GetCompile(&context, request, &got).ok());
  EXPECT_EQ(got.name(), compile->name());
  EXPECT_EQ(got.compile_id(), compile->compile_id());
  EXPECT_EQ(got.state(), v1::STATE_COMPLETED);
  EXPECT_EQ(got.upstream_status(), "COMPLETED");
  EXPECT_TRUE(got.has_create_time());
  EXPECT_GE(got.update_time().seconds(), got.create_time().seconds());
}

TEST_F(GatewayTest, UnknownOrMalformedNamesAreRejected) {
  for (const auto& [name, code] :
       std::vector<std::pair<std::string, grpc::StatusCode>>{
           {"flows/main-menu/compiles/nope", grpc::StatusCode::NOT_FOUND},
           {"flows/main-menu", grpc::StatusCode::INVALID_ARGUMENT},
           {"", grpc::StatusCode::INVALID_ARGUMENT},
           {"flows/../compiles/x", grpc::StatusCode::INVALID_ARGUMENT}}) {
    grpc::ClientContext context;
    v1::GetCompileRequest request;
    request.set_name(name);
    v1::Compile got;
    grpc::Status status = gateway_->stub().GetCompile(&context, request, &got);
    EXPECT_EQ(status.error_code(), code) << name;
    EXPECT_FALSE(status.error_message().empty());
    WatchResult watch = WatchToEnd(gateway_->stub(), name);
    EXPECT_EQ(watch.status.error_code(), code) << name;
    EXPECT_TRUE(watch.events.empty());
  }
}

TEST_F(GatewayTest, InvalidFlowIdsAreInvalidArgumentNamingTheProblem) {
  for (const std::string& flow :
       {std::string(""), std::string("."), std::string(".."),
        std::string("a/b"), std::string("has space"), std::string(129, 'x'),
        std::string("caf\xc3\xa9")}) {
    grpc::Status status = StartStatus(*gateway_, flow);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << flow;
    EXPECT_THAT(status.error_message(), HasSubstr("flow_id")) << flow;
  }
}

TEST_F(GatewayTest, TenWatchersAllGetEveryEventFromOnePoller) {
  // Reference: one watcher.
  ASSERT_TRUE(gateway_->ResetSimStats().ok());
  auto single = StartCompile(gateway_->stub(), Request("watched-once"));
  ASSERT_TRUE(single.ok());
  ExpectGapFreeAndFinished(WatchToEnd(gateway_->stub(), single->name()));
  const int single_polls = (*gateway_->SimStats())["requests"]["status"];

  ASSERT_TRUE(gateway_->ResetSimStats().ok());
  auto shared = StartCompile(gateway_->stub(), Request("watched-ten-times"));
  ASSERT_TRUE(shared.ok());
  std::vector<WatchResult> results(10);
  std::vector<std::thread> watchers;
  for (int i = 0; i < 10; ++i) {
    watchers.emplace_back(
        [&, i] { results[i] = WatchToEnd(gateway_->stub(), shared->name()); });
  }
  for (auto& watcher : watchers) watcher.join();
  for (const WatchResult& result : results) {
    ExpectGapFreeAndFinished(result);
    EXPECT_EQ(result.events.back().state(), v1::STATE_COMPLETED);
    EXPECT_EQ(result.events.back().sequence(), 3u);
  }
  const int shared_polls = (*gateway_->SimStats())["requests"]["status"];
  // The same compile timing gives the same poll count, give or take the
  // poll that straddles a state change: never ten times as many.
  EXPECT_GE(shared_polls, 1);
  EXPECT_LE(shared_polls, single_polls + 2)
      << "one watcher: " << single_polls << ", ten watchers: " << shared_polls;
}

TEST_F(GatewayTest, RequestIdReturnsTheSameCompileAndTriggersOnce) {
  ASSERT_TRUE(gateway_->ResetSimStats().ok());
  auto first =
      StartCompile(gateway_->stub(), Request("idem-flow", "deploy-1234"));
  auto second =
      StartCompile(gateway_->stub(), Request("idem-flow", "deploy-1234"));
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->name(), second->name());
  EXPECT_EQ((*gateway_->SimStats())["requests"]["trigger"], 1);
  auto other_flow =
      StartCompile(gateway_->stub(), Request("main-menu", "deploy-1234"));
  EXPECT_TRUE(absl::IsAlreadyExists(other_flow.status()))
      << other_flow.status();
  ExpectGapFreeAndFinished(WatchToEnd(gateway_->stub(), first->name()));
}

// The labels of a compile, in key order.
std::map<std::string, std::string> LabelsOf(const v1::Compile& compile) {
  return {compile.labels().begin(), compile.labels().end()};
}

TEST_F(GatewayTest, LabelsGivenToStartCompileAreTheCompilesEverywhere) {
  const std::map<std::string, std::string> labels = {
      {"commit", "3f2a9c"}, {"example.com/team", "ivr"}, {"pipeline", ""}};
  v1::StartCompileRequest request = Request("labelled", "labelled-1");
  request.mutable_labels()->insert(labels.begin(), labels.end());
  auto started = StartCompile(gateway_->stub(), request);
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(LabelsOf(*started), labels);
  ExpectGapFreeAndFinished(WatchToEnd(gateway_->stub(), started->name()));
  grpc::ClientContext context;
  v1::GetCompileRequest get;
  get.set_name(started->name());
  v1::Compile got;
  ASSERT_TRUE(gateway_->stub().GetCompile(&context, get, &got).ok());
  EXPECT_EQ(LabelsOf(got), labels);
  EXPECT_EQ(got.state(), v1::STATE_COMPLETED);
  // LookupCompile finds it by its key, as it is now.
  auto found = testing::LookupCompile(gateway_->stub(), "labelled-1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->name(), started->name());
  EXPECT_EQ(found->state(), v1::STATE_COMPLETED);
  EXPECT_EQ(LabelsOf(*found), labels);
  // The key's retry must repeat the labels.
  v1::StartCompileRequest other = Request("labelled", "labelled-1");
  (*other.mutable_labels())["commit"] = "77aa01";
  auto refused = StartCompile(gateway_->stub(), other);
  EXPECT_TRUE(absl::IsAlreadyExists(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("other labels"));
  auto again = StartCompile(gateway_->stub(), request);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->name(), started->name());
}

TEST_F(GatewayTest, InvalidLabelsAreInvalidArgumentNamingTheLabel) {
  v1::StartCompileRequest request = Request("labelled-badly");
  (*request.mutable_labels())["pipeline"] = "has space";
  auto refused = StartCompile(gateway_->stub(), request);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  EXPECT_THAT(refused.status().message(),
              HasSubstr("labels[\"pipeline\"]: value \"has space\""));
}

TEST_F(GatewayTest, LookupCompileOfAnUnknownKeyIsNotFoundSayingWhatToDo) {
  auto found = testing::LookupCompile(gateway_->stub(), "never-used");
  EXPECT_TRUE(absl::IsNotFound(found.status())) << found.status();
  EXPECT_THAT(found.status().message(),
              HasSubstr("no compile was started with request_id "
                        "\"never-used\" (yet)"));
  EXPECT_THAT(found.status().message(), HasSubstr("StartCompile"));
}

TEST_F(GatewayTest, LookupCompileRefusesKeysNoStartCouldHaveUsed) {
  for (const std::string& request_id :
       {std::string(""), std::string(257, 'k'), std::string("~gateway-1-0")}) {
    auto found = testing::LookupCompile(gateway_->stub(), request_id);
    EXPECT_TRUE(absl::IsInvalidArgument(found.status()))
        << request_id << ": " << found.status();
    EXPECT_THAT(found.status().message(), HasSubstr("request_id"));
  }
}

TEST_F(GatewayTest, RunningFlowStartedAgainAttachesToTheSameCompile) {
  auto first = StartCompile(gateway_->stub(), Request("attach-flow"));
  auto second = StartCompile(gateway_->stub(), Request("attach-flow"));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->name(), second->name());
  ExpectGapFreeAndFinished(WatchToEnd(gateway_->stub(), first->name()));
}

TEST_F(GatewayTest, DirectivesReachCxoneUnchanged) {
  v1::StartCompileRequest request = Request("directed");
  auto& fields = *request.mutable_directives()->mutable_fields();
  fields["optimize"].set_bool_value(true);
  fields["level"].set_number_value(3);
  fields["target"].set_string_value("prod");
  auto compile = StartCompile(gateway_->stub(), request);
  ASSERT_TRUE(compile.ok()) << compile.status();
  auto seen = gateway_->SimGet("/_sim/compiles/" + compile->compile_id());
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(
      (*seen)["directives"],
      (nlohmann::json{{"optimize", true}, {"level", 3}, {"target", "prod"}}));
  ExpectGapFreeAndFinished(WatchToEnd(gateway_->stub(), compile->name()));
}

TEST_F(GatewayTest, DirectivesJsonCannotCarryAreRefusedNamingThePath) {
  struct Case {
    std::function<void(google::protobuf::Value&)> set;
    const char* message;
  };
  const std::vector<Case> cases = {
      {[](auto& v) { v.set_number_value(std::nan("")); },
       "directives.a.b[1]: NaN"},
      {[](auto& v) {
         v.set_number_value(std::numeric_limits<double>::infinity());
       },
       "directives.a.b[1]: Infinity"},
      {[](auto& v) { v.Clear(); }, "directives.a.b[1]: the value has no kind"},
      {[](auto& v) {
         v.set_number_value(
             static_cast<double>(std::numeric_limits<int64_t>::max()));
       },
       "pass it as a string"},
  };
  for (const Case& c : cases) {
    v1::StartCompileRequest request = Request("refused-directives");
    auto& list = *(*(*request.mutable_directives()->mutable_fields())["a"]
                        .mutable_struct_value()
                        ->mutable_fields())["b"]
                      .mutable_list_value();
    list.add_values()->set_string_value("fine");
    c.set(*list.add_values());
    auto compile = StartCompile(gateway_->stub(), request);
    EXPECT_EQ(compile.status().code(), absl::StatusCode::kInvalidArgument)
        << c.message;
    EXPECT_THAT(compile.status().message(), HasSubstr(c.message));
  }
}

// --- error mapping, each against a simulator configured for the fault ---

TEST(GatewayErrors, MissingWriteScopeIsPermissionDeniedNamingTheScope) {
  HarnessOptions options;
  options.sim_args.push_back("--scopes=flow:read");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  grpc::Status status = StartStatus(*gateway, "main-menu");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("flow:write"));
}

TEST(GatewayErrors, RejectedCredentialsAreFailedPreconditionWithoutTheSecret) {
  HarnessOptions options;
  options.server_client_secret = "wrong-secret-value";
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  grpc::Status status = StartStatus(*gateway, "main-menu");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("credentials"));
  EXPECT_THAT(status.error_message(),
              ::testing::Not(HasSubstr("wrong-secret-value")));
  for (const std::string& line : gateway->AllLogLines()) {
    EXPECT_THAT(line, ::testing::Not(HasSubstr("wrong-secret-value")));
  }
}

TEST(GatewayErrors, HttpBasicClientAuthenticationWorksToo) {
  HarnessOptions options;
  options.server_args.push_back("--token-auth=basic");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  auto compile = StartCompile(gateway->stub(), Request("main-menu"));
  ASSERT_TRUE(compile.ok()) << compile.status();
  ExpectGapFreeAndFinished(WatchToEnd(gateway->stub(), compile->name()));
  EXPECT_EQ((*gateway->SimStats())["requests"]["token"], 1);
}

TEST(GatewayErrors, UnknownFlowIsNotFound) {
  HarnessOptions options;
  options.sim_args.push_back("--not-found-flows=ghost-flow");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  grpc::Status status = StartStatus(*gateway, "ghost-flow");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("ghost-flow"));
}

TEST(GatewayErrors, UpstreamFailingAfterRetriesIsUnavailable) {
  HarnessOptions options;
  options.sim_args.push_back("--failing-flows=flaky-flow");
  options.server_args.push_back("--retry-initial-delay=10ms");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  grpc::Status status = StartStatus(*gateway, "flaky-flow");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("503"));
  EXPECT_EQ((*gateway->SimStats())["requests"]["trigger"], 4);
}

TEST(GatewayErrors, UnreachableUpstreamIsUnavailable) {
  HarnessOptions options;
  // Port 1 on loopback: nothing listens there, connections are refused.
  options.base_url_override = "http://127.0.0.1:1";
  options.server_args.push_back("--retry-initial-delay=10ms");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  grpc::Status status = StartStatus(*gateway, "main-menu");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("unreachable"));
}

}  // namespace
}  // namespace cxone

namespace cxone {
namespace {

// Runs the server binary with `args` and `env` to its end; returns its
// exit code and everything it printed.
std::pair<int, std::string> RunServerToExit(
    const std::vector<std::string>& args,
    const std::vector<std::pair<std::string, std::string>>& env) {
  auto outcome = testing::ChildProcess::Run(CXONE_SERVER_BINARY, args, env,
                                            absl::Seconds(30));
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  if (!outcome.ok()) return {-1, ""};
  return {outcome->exit_code, outcome->Text()};
}

TEST(ServerStartup, MissingSettingExitsTwoNamingIt) {
  auto [code, output] =
      RunServerToExit({"--client-id=x"},
                      {{"CXONE_CLIENT_SECRET", "s"}, {"CXONE_BASE_URL", ""}});
  EXPECT_EQ(code, 2);
  EXPECT_THAT(output, HasSubstr("--cxone-base-url"));
}

TEST(ServerStartup, InvalidSettingExitsTwoNamingIt) {
  auto [code, output] =
      RunServerToExit({"--cxone-base-url=http://127.0.0.1:1", "--client-id=x",
                       "--poll-interval=often"},
                      {{"CXONE_CLIENT_SECRET", "s"}});
  EXPECT_EQ(code, 2);
  EXPECT_THAT(output, HasSubstr("--poll-interval"));
}

TEST(ServerStartup, HelpListsEveryFlagAndExitsZero) {
  auto [code, output] = RunServerToExit({"--help"}, {});
  EXPECT_EQ(code, 0);
  for (const char* flag :
       {"--listen", "--cxone-base-url", "--token-url", "--client-id",
        "--client-secret-file", "--poll-interval", "--stuck-timeout",
        "--request-timeout", "CXONE_CLIENT_SECRET"}) {
    EXPECT_THAT(output, HasSubstr(flag));
  }
}

TEST(ServerStartup, StartupLogShowsConfigWithTheSecretRedacted) {
  auto gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  auto line = gateway->server().WaitForLine(
      [](const std::string& l) { return absl::StrContains(l, "\"config\""); },
      absl::Seconds(10));
  ASSERT_TRUE(line.ok()) << line.status();
  auto json = nlohmann::json::parse(*line);
  EXPECT_EQ(json["config"]["client_secret"], "[REDACTED]");
  EXPECT_EQ(json["config"]["client_id"], "harness-client");
  EXPECT_THAT(*line, ::testing::Not(HasSubstr(testing::kHarnessClientSecret)));
}

}  // namespace
}  // namespace cxone
