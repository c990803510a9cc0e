// BatchStartCompiles against the real gateway and simulator: per item,
// idempotent per request_id, bounded in size, fair to single calls.
#include <atomic>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/harness_testing.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::cxone::testing::GatewayHarness;
using ::cxone::testing::MustStart;
using ::testing::HasSubstr;

grpc::Status Batch(GatewayHarness& gateway,
                   const v1::BatchStartCompilesRequest& request,
                   v1::BatchStartCompilesResponse* response) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(120)));
  return gateway.stub().BatchStartCompiles(&context, request, response);
}

// `count` items, every tenth invalid (alternately a bad flow id and a bad
// label), each valid one with its own request_id.
v1::BatchStartCompilesRequest Items(int count) {
  v1::BatchStartCompilesRequest request;
  for (int i = 0; i < count; ++i) {
    v1::StartCompileRequest* item = request.add_requests();
    item->set_flow_id(absl::StrCat("batch-flow-", i));
    item->set_request_id(absl::StrCat("batch-key-", i));
    (*item->mutable_labels())["pipeline"] = "batch";
    if (i % 10 == 3) item->set_flow_id("not a flow id");
    if (i % 10 == 7) (*item->mutable_labels())["bad key!"] = "x";
  }
  return request;
}

TEST(BatchStartCompiles, AThousandItemsTenPercentInvalidAnsweredOneByOne) {
  std::unique_ptr<GatewayHarness> gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  const v1::BatchStartCompilesRequest request = Items(1000);
  v1::BatchStartCompilesResponse response;
  grpc::Status status = Batch(*gateway, request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(response.results_size(), 1000);
  std::set<std::string> names;
  for (int i = 0; i < 1000; ++i) {
    const v1::BatchStartResult& result = response.results(i);
    if (i % 10 == 3 || i % 10 == 7) {
      ASSERT_TRUE(result.has_status()) << i;
      EXPECT_EQ(result.status().code(), grpc::StatusCode::INVALID_ARGUMENT);
      EXPECT_THAT(result.status().message(),
                  HasSubstr(i % 10 == 3 ? "flow_id" : "labels"))
          << i;
      continue;
    }
    ASSERT_TRUE(result.has_compile()) << i << ": "
                                      << result.status().message();
    EXPECT_EQ(result.compile().flow_id(), absl::StrCat("batch-flow-", i));
    EXPECT_EQ(result.compile().labels().at("pipeline"), "batch");
    names.insert(result.compile().name());
  }
  EXPECT_EQ(names.size(), 800u);
  auto stats = gateway->SimStats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ((*stats)["requests"]["trigger"].get<int>(), 800);

  // The same batch again: the same compiles, and CXone is not asked again.
  v1::BatchStartCompilesResponse again;
  status = Batch(*gateway, request, &again);
  ASSERT_TRUE(status.ok()) << status.error_message();
  for (int i = 0; i < 1000; ++i) {
    EXPECT_EQ(again.results(i).compile().name(),
              response.results(i).compile().name())
        << i;
  }
  stats = gateway->SimStats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_EQ((*stats)["requests"]["trigger"].get<int>(), 800);
}

TEST(BatchStartCompiles, ABatchHoldsOneToAThousandItems) {
  std::unique_ptr<GatewayHarness> gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  v1::BatchStartCompilesResponse response;
  grpc::Status empty = Batch(*gateway, {}, &response);
  EXPECT_EQ(empty.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(empty.error_message(), HasSubstr("requests: 0 items"));
  grpc::Status big = Batch(*gateway, Items(1001), &response);
  EXPECT_EQ(big.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(big.error_message(), HasSubstr("requests: 1001 items"));
}

TEST(BatchStartCompiles, ASingleStartIsNotQueuedBehindABigBatch) {
  testing::HarnessOptions options;
  // 300 triggers at 50/s: about 6 s of budget.
  options.server_args = {"--poll-interval=1s", "--queued-poll-interval=1s",
                         "--min-poll-interval=1s", "--upstream-rps=50",
                         "--upstream-burst=5"};
  std::unique_ptr<GatewayHarness> gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  std::atomic<bool> batch_done{false};
  std::atomic<bool> single_done_first{false};
  std::thread batch([&] {
    v1::BatchStartCompilesResponse response;
    grpc::Status status = Batch(*gateway, Items(300), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    batch_done = true;
  });
  // Once the batch is under way (its first triggers reached CXone).
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        auto stats = gateway->SimStats();
        return stats.ok() && (*stats)["requests"]["trigger"].get<int>() >= 10;
      },
      absl::Seconds(30)));
  testing::MustStartCompile(*gateway, "single-flow");
  single_done_first = !batch_done.load();
  auto stats = gateway->SimStats();
  ASSERT_TRUE(stats.ok()) << stats.status();
  const int triggered_before = (*stats)["requests"]["trigger"].get<int>();
  batch.join();
  EXPECT_TRUE(single_done_first)
      << "the single StartCompile waited for the whole batch";
  // It waited behind a few of the batch's items, not behind the rest.
  EXPECT_LT(triggered_before, 100) << "triggers sent before the single one";
}

}  // namespace
}  // namespace cxone
