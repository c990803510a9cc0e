// The Gateway object run in-process (the simulator stays a subprocess):
// its life — Create, Serve, Drain, Stop, destroy — and the errors of a
// start that cannot happen, as a caller of the class sees them.
#include <curl/curl.h>

#include <atomic>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/gateway.h"
#include "server/server_config.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace cxone::testing {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::testing::HasSubstr;

class GatewayObjectTest : public ::testing::Test {
 protected:
  // curl's process-wide setup, as main() does it.
  static void SetUpTestSuite() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  static void TearDownTestSuite() { curl_global_cleanup(); }

  // The simulator's phases: short, so that compiles end quickly.
  virtual std::vector<std::string> SimArgs() const {
    return {"--queued-ms=200", "--in-progress-ms=600"};
  }

  void SetUp() override {
    absl::StatusOr<RunningSimulator> sim = StartSimulator(SimArgs());
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    ASSERT_FALSE(state_dir_.path().empty());
  }

  // The config the server would read from the test's flags with
  // `overrides` (flag name to value) in their place, and the secret from
  // its environment variable, so that every default is the binary's.
  ServerConfig Config(std::map<std::string, std::string> overrides = {}) {
    std::map<std::string, std::string> flags = {
        {"listen", "127.0.0.1:0"},        {"metrics-listen", "127.0.0.1:0"},
        {"client-id", "harness-client"},  {"state-dir", state_dir_.path()},
        {"cxone-base-url", sim_.url},     {"poll-interval", "50ms"},
        {"queued-poll-interval", "50ms"}, {"min-poll-interval", "50ms"}};
    for (const auto& [name, value] : overrides) flags[name] = value;
    std::vector<std::string> args;
    for (const auto& [name, value] : flags) {
      args.push_back(absl::StrCat("--", name, "=", value));
    }
    absl::StatusOr<ParsedServerConfig> parsed = ParseServerConfig(
        args, [](const std::string& name) -> std::optional<std::string> {
          if (name == "CXONE_CLIENT_SECRET") return kHarnessClientSecret;
          return std::nullopt;
        });
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return parsed.ok() ? parsed->config : ServerConfig{};
  }

  static std::unique_ptr<v1::CompileService::Stub> StubFor(
      const Gateway& gateway) {
    return v1::CompileService::NewStub(grpc::CreateChannel(
        gateway.address(), grpc::InsecureChannelCredentials()));
  }

  static grpc::health::v1::HealthCheckResponse::ServingStatus Health(
      const Gateway& gateway) {
    auto health = grpc::health::v1::Health::NewStub(grpc::CreateChannel(
        gateway.address(), grpc::InsecureChannelCredentials()));
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    grpc::health::v1::HealthCheckRequest request;
    grpc::health::v1::HealthCheckResponse response;
    if (!health->Check(&context, request, &response).ok()) {
      return grpc::health::v1::HealthCheckResponse::UNKNOWN;
    }
    return response.status();
  }

  static v1::StartCompileRequest Request(const std::string& flow_id) {
    v1::StartCompileRequest request;
    request.set_flow_id(flow_id);
    request.set_request_id(absl::StrCat("req-", flow_id));
    return request;
  }

  RunningSimulator sim_;
  ScopedTempDir state_dir_;
};

TEST_F(GatewayObjectTest, ServesACompileToTheEndThenStopsAndRefusesCalls) {
  absl::StatusOr<std::unique_ptr<Gateway>> gateway =
      Gateway::Create(Config(), stderr);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  ASSERT_GT((*gateway)->port(), 0);
  ASSERT_GT((*gateway)->metrics_port(), 0);
  // Listening but not yet serving: the verdict waits for Serve().
  EXPECT_EQ(Health(**gateway),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  (*gateway)->Serve();
  EXPECT_TRUE(WaitUntil([&] {
    return Health(**gateway) == grpc::health::v1::HealthCheckResponse::SERVING;
  }));

  auto stub = StubFor(**gateway);
  absl::StatusOr<v1::Compile> started =
      StartCompile(*stub, Request("main-menu"));
  ASSERT_TRUE(started.ok()) << started.status();
  WatchResult watch = WatchToEnd(*stub, started->name());
  EXPECT_TRUE(watch.status.ok()) << watch.status.error_message();
  ASSERT_FALSE(watch.events.empty());
  EXPECT_EQ(watch.events.back().state(), v1::STATE_COMPLETED);

  (*gateway)->Drain();
  EXPECT_EQ(Health(**gateway),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  (*gateway)->Stop();
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::GetCompileRequest get;
  get.set_name(started->name());
  v1::Compile answer;
  EXPECT_EQ(stub->GetCompile(&context, get, &answer).error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

// A compile that stays IN_PROGRESS for the whole test.
class GatewayDrainTest : public GatewayObjectTest {
 protected:
  std::vector<std::string> SimArgs() const override {
    return {"--queued-ms=200", "--in-progress-ms=120000"};
  }
};

TEST_F(GatewayDrainTest, DrainEndsAnOpenWatchWithItsResumeCursor) {
  absl::StatusOr<std::unique_ptr<Gateway>> gateway =
      Gateway::Create(Config({{"drain-timeout", "5s"}}), stderr);
  ASSERT_TRUE(gateway.ok()) << gateway.status();
  (*gateway)->Serve();
  auto stub = StubFor(**gateway);
  absl::StatusOr<v1::Compile> started = StartCompile(*stub, Request("drained"));
  ASSERT_TRUE(started.ok()) << started.status();
  WatchResult watch;
  std::atomic<bool> synced{false};
  std::thread watcher([&] {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    v1::WatchCompileRequest request;
    request.set_name(started->name());
    auto reader = stub->WatchCompile(&context, request);
    v1::CompileEvent event;
    while (reader->Read(&event)) {
      watch.events.push_back(event);
      if (event.type() == v1::EVENT_TYPE_SYNCED) synced = true;
    }
    watch.status = reader->Finish();
  });
  ASSERT_TRUE(WaitUntil([&] { return synced.load(); }));
  (*gateway)->Drain();
  watcher.join();
  (*gateway)->Stop();
  ASSERT_FALSE(watch.events.empty());
  EXPECT_EQ(watch.status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(
      watch.status.error_message(),
      HasSubstr(absl::StrCat("server draining; resume with after_sequence=",
                             watch.events.back().resume_after_sequence())));
}

TEST_F(GatewayObjectTest, ASecondGatewayOnTheSameStateFindsTheFirstsCompile) {
  std::string name;
  {
    absl::StatusOr<std::unique_ptr<Gateway>> first =
        Gateway::Create(Config(), stderr);
    ASSERT_TRUE(first.ok()) << first.status();
    (*first)->Serve();
    auto stub = StubFor(**first);
    absl::StatusOr<v1::Compile> started =
        StartCompile(*stub, Request("main-menu"));
    ASSERT_TRUE(started.ok()) << started.status();
    name = started->name();
    // Destroyed without Drain() or Stop(): the destructor stops it.
  }
  absl::StatusOr<std::unique_ptr<Gateway>> second =
      Gateway::Create(Config(), stderr);
  ASSERT_TRUE(second.ok()) << second.status();
  (*second)->Serve();
  auto stub = StubFor(**second);
  WatchResult watch = WatchToEnd(*stub, name);
  EXPECT_TRUE(watch.status.ok()) << watch.status.error_message();
  ASSERT_FALSE(watch.events.empty());
  EXPECT_EQ(watch.events.back().state(), v1::STATE_COMPLETED);
}

TEST_F(GatewayObjectTest, CreateFailsNamingAnAddressInUse) {
  absl::StatusOr<std::unique_ptr<Gateway>> first =
      Gateway::Create(Config(), stderr);
  ASSERT_TRUE(first.ok()) << first.status();
  const std::string taken = (*first)->address();
  absl::StatusOr<std::unique_ptr<Gateway>> second = Gateway::Create(
      Config({{"listen", taken},
              {"state-dir", absl::StrCat(state_dir_.path(), "/second")}}),
      stderr);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(),
              HasSubstr(absl::StrCat("cannot listen on ", taken)));
}

TEST_F(GatewayObjectTest, CreateFailsNamingAStateDirThatIsAFile) {
  const std::string file = absl::StrCat(state_dir_.path(), "/not-a-dir");
  std::ofstream(file) << "x";
  absl::StatusOr<std::unique_ptr<Gateway>> gateway =
      Gateway::Create(Config({{"state-dir", file}}), stderr);
  ASSERT_FALSE(gateway.ok());
  EXPECT_THAT(gateway.status().message(),
              HasSubstr(absl::StrCat("cannot start: state store ", file)));
}

}  // namespace
}  // namespace cxone::testing
