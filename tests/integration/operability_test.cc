// Operability: Prometheus metrics that promtool accepts and that agree with
// what the simulator saw, the audit log, and health that tells the truth.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "nlohmann/json.hpp"
#include "tests/support/gateway_harness.h"
#include "tests/support/harness_testing.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"
#include "tests/support/webhook_receiver.h"

namespace cxone {
namespace {

using ::cxone::testing::GatewayHarness;
using ::cxone::testing::HarnessOptions;
using ::cxone::testing::MustStart;
using ::cxone::testing::MustStartCompile;
using ::cxone::testing::WaitUntil;
using ::testing::HasSubstr;
using ::testing::Not;
namespace v1 = ::cxone::compile::v1;

constexpr char kWebhookSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// GET `path` on the gateway's metrics port: status and body.
std::pair<int, std::string> MetricsGet(GatewayHarness& gateway,
                                       const std::string& path) {
  httplib::Client client("127.0.0.1", gateway.metrics_port());
  auto response = client.Get(path.c_str());
  if (!response) return {0, ""};
  return {response->status, response->body};
}

// The value of the sample `name` whose labels include every one of
// `labels` (0 when there is none).
double Sample(const std::string& text, const std::string& name,
              const std::map<std::string, std::string>& labels = {}) {
  double total = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, name) || line.size() <= name.size() ||
        (line[name.size()] != '{' && line[name.size()] != ' ')) {
      continue;
    }
    bool match = true;
    for (const auto& [key, value] : labels) {
      match &= absl::StrContains(line, absl::StrCat(key, "=\"", value, "\""));
    }
    double value = 0;
    if (match && absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) {
      total += value;
    }
  }
  return total;
}

TEST(Metrics, PromtoolAcceptsThemAndTheyAgreeWithTheSimulator) {
  if (std::string(CXONE_PROMTOOL_BINARY).empty()) {
    GTEST_SKIP() << "promtool (Debian package prometheus) is missing; "
                    "scripts/test installs it";
  }
  testing::ScopedTempDir dir;
  testing::WebhookReceiver receiver;
  receiver.AnswerWith(500);  // failed attempts, counted
  const std::string config = dir.path() + "/webhooks.json";
  std::ofstream(config) << absl::StrCat(
      R"({"allow_loopback": true, "retry_schedule": ["0s", "50ms"],
          "endpoints": [{"name": "bot", "url": ")",
      receiver.url(), R"(", "secret": ")", kWebhookSecret, R"("}]})");
  HarnessOptions options;
  options.server_args.push_back(absl::StrCat("--webhooks-config=", config));
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  // A mixed workload: one compile succeeds, one fails, and CXone
  // rate-limits the account for a while.
  ASSERT_TRUE(gateway->SetSimFaults({{"rate_limit_rps", 3}}).ok());
  const v1::Compile good = MustStartCompile(*gateway, "main-menu");
  const v1::Compile bad = MustStartCompile(*gateway, "syntax-error");
  ASSERT_TRUE(
      testing::WatchToEnd(gateway->stub(), good.name(), absl::Seconds(60))
          .status.ok());
  ASSERT_TRUE(
      testing::WatchToEnd(gateway->stub(), bad.name(), absl::Seconds(60))
          .status.ok());

  // Quiet now: what the gateway counted is what the simulator saw.
  std::string text;
  nlohmann::json sim;
  EXPECT_TRUE(WaitUntil(
      [&] {
        text = MetricsGet(*gateway, "/metrics").second;
        auto stats = gateway->SimStats();
        if (!stats.ok()) return false;
        sim = *stats;
        bool agree = true;
        for (const char* operation : {"token", "trigger", "status"}) {
          const double answered =
              Sample(text, "cxone_gateway_upstream_requests_total",
                     {{"operation", operation}}) -
              Sample(text, "cxone_gateway_upstream_requests_total",
                     {{"operation", operation}, {"code", "error"}});
          agree &= answered == sim["requests"][operation].get<double>();
        }
        return agree &&
               Sample(text, "cxone_gateway_upstream_throttled_total") ==
                   sim["rate_limited"].get<double>();
      },
      absl::Seconds(20)))
      << text << sim.dump();
  EXPECT_GT(sim["rate_limited"].get<double>(), 0);
  EXPECT_EQ(Sample(text, "cxone_gateway_compiles_finished_total",
                   {{"state", "completed"}}),
            1);
  EXPECT_EQ(Sample(text, "cxone_gateway_compiles_finished_total",
                   {{"state", "failed"}}),
            1);
  EXPECT_EQ(Sample(text, "cxone_gateway_compile_duration_seconds_count"), 2);
  EXPECT_GT(Sample(text, "cxone_gateway_store_commit_duration_seconds_count"),
            0);
  EXPECT_GT(Sample(text, "cxone_gateway_watch_events_sent_total"), 0);
  EXPECT_GT(Sample(text, "cxone_gateway_webhook_deliveries_total",
                   {{"endpoint", "bot"}, {"result", "failed"}}),
            0);

  // No secret anywhere: not in a log line of either process, not in a
  // metric.
  std::vector<std::string> everything = gateway->AllLogLines();
  everything.push_back(text);
  for (const std::string& line : everything) {
    for (const char* secret : {kWebhookSecret, testing::kHarnessClientSecret,
                               "Bearer ", "Authorization"}) {
      EXPECT_THAT(line, Not(HasSubstr(secret)));
    }
  }

  const std::string scrape = dir.path() + "/scrape.txt";
  std::ofstream(scrape) << text;
  auto promtool = testing::ChildProcess::Run(
      "/bin/sh",
      {"-c", absl::StrCat(CXONE_PROMTOOL_BINARY, " check metrics < ", scrape)},
      {}, absl::Seconds(60));
  ASSERT_TRUE(promtool.ok()) << promtool.status();
  EXPECT_EQ(promtool->exit_code, 0) << promtool->Text();
}

TEST(AuditLog, RecordsEveryRpcAndStateChangeAndReopensOnSighup) {
  testing::ScopedTempDir dir;
  const std::string path = dir.path() + "/audit.log";
  HarnessOptions options;
  options.server_args.push_back(absl::StrCat("--audit-log=", path));
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  grpc::ClientContext context;
  context.AddMetadata("x-caller", "deploy-bot");
  v1::StartCompileRequest request;
  request.set_flow_id("main-menu");
  v1::Compile compile;
  ASSERT_TRUE(gateway->stub().StartCompile(&context, request, &compile).ok());
  ASSERT_TRUE(testing::WatchToEnd(gateway->stub(), compile.name()).status.ok());

  auto lines_of = [](const std::string& file) {
    std::vector<nlohmann::json> lines;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      lines.push_back(nlohmann::json::parse(line, nullptr, false));
    }
    return lines;
  };
  auto find = [](const std::vector<nlohmann::json>& lines,
                 const std::string& kind, const std::string& key,
                 const std::string& value) -> nlohmann::json {
    for (const nlohmann::json& line : lines) {
      if (line.is_object() && line.value("audit", "") == kind &&
          line.value(key, "") == value) {
        return line;
      }
    }
    return nullptr;
  };
  std::vector<nlohmann::json> lines;
  ASSERT_TRUE(WaitUntil([&] {
    lines = lines_of(path);
    return !find(lines, "rpc", "method",
                 "/cxone.compile.v1.CompileService/WatchCompile")
                .is_null();
  }));
  const nlohmann::json start = find(
      lines, "rpc", "method", "/cxone.compile.v1.CompileService/StartCompile");
  ASSERT_FALSE(start.is_null());
  EXPECT_EQ(start["caller"], "deploy-bot");
  EXPECT_EQ(start["flow_id"], "main-menu");
  EXPECT_EQ(start["compile"], compile.name());
  EXPECT_EQ(start["code"], "OK");
  EXPECT_TRUE(start.contains("peer"));
  EXPECT_TRUE(start.contains("latency_ms"));
  EXPECT_TRUE(start.contains("time"));
  const nlohmann::json finished =
      find(lines, "state_change", "to", "COMPLETED");
  ASSERT_FALSE(finished.is_null());
  EXPECT_EQ(finished["compile"], compile.name());
  EXPECT_EQ(finished["from"], "IN_PROGRESS");

  // logrotate: move the file away, SIGHUP, and the next line is in a new
  // file of the same name.
  std::filesystem::rename(path, path + ".1");
  gateway->server().Signal(SIGHUP);
  // A call on every round: the one made just before the reopen may have
  // gone to the old file, so only a call after it proves the new one.
  auto get_compile = [&] {
    grpc::ClientContext get_context;
    v1::GetCompileRequest get;
    get.set_name(compile.name());
    v1::Compile got;
    (void)gateway->stub().GetCompile(&get_context, get, &got);
  };
  ASSERT_TRUE(WaitUntil([&] {
    get_compile();
    return std::filesystem::exists(path);
  }));
  EXPECT_TRUE(WaitUntil([&] {
    get_compile();
    return !find(lines_of(path), "rpc", "method",
                 "/cxone.compile.v1.CompileService/GetCompile")
                .is_null();
  }));
  for (const std::string& file : {path, path + ".1"}) {
    std::ifstream in(file);
    std::stringstream all;
    all << in.rdbuf();
    EXPECT_THAT(all.str(), Not(HasSubstr(testing::kHarnessClientSecret)));
    EXPECT_THAT(all.str(), Not(HasSubstr("Bearer")));
  }
}

// Runs `cxone-compile health` against `gateway`: exit code and output.
std::pair<int, std::string> HealthCli(GatewayHarness& gateway) {
  auto outcome = testing::ChildProcess::Run(
      CXONE_CLI_BINARY, {"health", "--server", gateway.gateway_address()}, {},
      absl::Seconds(30));
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  if (!outcome.ok()) return {-1, ""};
  return {outcome->exit_code, outcome->Text()};
}

// Health/Check naming `service`, as a Kubernetes gRPC probe does.
grpc::Status CheckHealth(GatewayHarness& gateway, const std::string& service,
                         grpc::health::v1::HealthCheckResponse* response) {
  auto stub = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
      gateway.gateway_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  return stub->Check(&context, request, response);
}

const std::vector<std::string> kHostedServices = {
    "", "cxone.compile.v1.CompileService", "cxone.compile.v1.WebhookService"};

TEST(Health, EachHostedServiceAnswersByNameAndUnknownNamesAreNotFound) {
  auto gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  for (const std::string& service : kHostedServices) {
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = CheckHealth(*gateway, service, &response);
    ASSERT_TRUE(status.ok())
        << "\"" << service << "\": " << status.error_message();
    EXPECT_EQ(response.status(), grpc::health::v1::HealthCheckResponse::SERVING)
        << service;
  }
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_EQ(CheckHealth(*gateway, "cxone.compile.v1.NoSuchService", &response)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST(Health, EveryServiceNameFollowsTheOneVerdict) {
  HarnessOptions options;
  options.server_client_secret = "not-the-right-secret";
  options.server_args.push_back("--auth-failure-window=1s");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  v1::StartCompileRequest request;
  request.set_flow_id("main-menu");
  EXPECT_FALSE(testing::StartCompile(gateway->stub(), request).ok());
  EXPECT_TRUE(WaitUntil([&] {
    grpc::health::v1::HealthCheckResponse response;
    return CheckHealth(*gateway, "", &response).ok() &&
           response.status() ==
               grpc::health::v1::HealthCheckResponse::NOT_SERVING;
  }));
  for (const std::string& service : kHostedServices) {
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = CheckHealth(*gateway, service, &response);
    ASSERT_TRUE(status.ok())
        << "\"" << service << "\": " << status.error_message();
    EXPECT_EQ(response.status(),
              grpc::health::v1::HealthCheckResponse::NOT_SERVING)
        << service;
  }
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_EQ(CheckHealth(*gateway, "cxone.compile.v1.NoSuchService", &response)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST(Health, ServingWhenAllIsWell) {
  auto gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  auto [code, output] = HealthCli(*gateway);
  EXPECT_EQ(code, 0);
  EXPECT_THAT(output, HasSubstr("SERVING"));
  EXPECT_EQ(MetricsGet(*gateway, "/readyz").first, 200);
  EXPECT_EQ(MetricsGet(*gateway, "/healthz").first, 200);
}

TEST(Health, NotServingWhileCxoneRefusesTheCredentials) {
  HarnessOptions options;
  options.server_client_secret = "not-the-right-secret";
  options.server_args.push_back("--auth-failure-window=1s");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  v1::StartCompileRequest request;
  request.set_flow_id("main-menu");
  EXPECT_FALSE(testing::StartCompile(gateway->stub(), request).ok());
  std::pair<int, std::string> health;
  EXPECT_TRUE(WaitUntil([&] {
    health = HealthCli(*gateway);
    return health.first == 3;
  })) << health.second;
  EXPECT_THAT(health.second, HasSubstr("NOT_SERVING"));
  auto [status, body] = MetricsGet(*gateway, "/readyz");
  EXPECT_EQ(status, 503);
  EXPECT_THAT(body, HasSubstr("token requests have failed"));
  EXPECT_EQ(MetricsGet(*gateway, "/healthz").first, 200);  // alive, though
}

TEST(Health, NotServingWhileTheStoreRefusesWrites) {
  HarnessOptions options;
  options.server_args.push_back("--store-max-pages=14");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  for (int i = 0; i < 400; ++i) {
    v1::StartCompileRequest request;
    request.set_flow_id(absl::StrCat("fill-", i));
    if (!testing::StartCompile(gateway->stub(), request).ok()) break;
  }
  std::pair<int, std::string> health;
  EXPECT_TRUE(WaitUntil([&] {
    health = HealthCli(*gateway);
    return health.first == 3;
  })) << health.second;
  EXPECT_THAT(MetricsGet(*gateway, "/readyz").second, HasSubstr("state store"));
}

}  // namespace
}  // namespace cxone
