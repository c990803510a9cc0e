// Stopping the gateway with clients connected: the shutdown grace is for
// the calls being served, not for idle connections.
#include <signal.h>
#include <stdlib.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/harness_testing.h"

namespace cxone {
namespace {

using ::cxone::testing::HarnessOptions;
using ::cxone::testing::MustStart;
namespace v1 = ::cxone::compile::v1;

// A C++ client with no call open reads its connection only in its backup
// poller; gRPC's graceful shutdown waits for every connection to answer a
// ping, so the gateway used to wait out its whole grace (1 exit in 4 took
// the 5 s default in CI). The poller is slowed to a minute here so that
// the client cannot answer within the grace at all.
TEST(Shutdown, AnIdleClientDoesNotHoldUpTheExit) {
  // Read by gRPC when it starts, before this test's first channel.
  ASSERT_EQ(setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "60000", 1),
            0);
  HarnessOptions options;
  options.server_args.push_back("--shutdown-grace=20s");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  // One call connects the client; then it is idle.
  grpc::ClientContext context;
  v1::GetCompileRequest request;
  request.set_name("flows/idle/compiles/none");
  v1::Compile compile;
  EXPECT_EQ(
      gateway->stub().GetCompile(&context, request, &compile).error_code(),
      grpc::StatusCode::NOT_FOUND);
  const absl::Time sent = absl::Now();
  gateway->server().Signal(SIGTERM);
  auto code = gateway->server().Wait(absl::Seconds(60));
  const absl::Duration took = absl::Now() - sent;
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  EXPECT_LT(took, absl::Seconds(5))
      << "the gateway waited for an idle client instead of for calls";
}

}  // namespace
}  // namespace cxone
