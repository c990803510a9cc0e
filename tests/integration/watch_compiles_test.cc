// WatchCompiles against the real gateway: list, then watch from the list's
// revision — the cache ends equal to a fresh list, every event once; a
// filter; a cursor behind the history is OUT_OF_RANGE naming the oldest.
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/harness_testing.h"
#include "tests/support/informer.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::cxone::testing::GatewayHarness;
using ::cxone::testing::Informer;
using ::cxone::testing::MustStart;
using ::cxone::testing::MustStartCompile;
using ::cxone::testing::WaitUntil;
using ::testing::HasSubstr;

v1::ListCompilesResponse ListOnePage(GatewayHarness& gateway,
                                     const v1::CompileFilter& filter = {}) {
  v1::ListCompilesRequest request;
  *request.mutable_filter() = filter;
  request.set_page_size(1000);
  absl::StatusOr<v1::ListCompilesResponse> response =
      testing::ListPage(gateway, request);
  EXPECT_TRUE(response.ok()) << response.status();
  return response.value_or(v1::ListCompilesResponse());
}

// `list` as the starting point of an Informer.
testing::Listing AsListing(const v1::ListCompilesResponse& list) {
  return {{list.compiles().begin(), list.compiles().end()}, list.revision()};
}

std::map<std::string, v1::Compile> AsMap(const v1::ListCompilesResponse& list) {
  std::map<std::string, v1::Compile> compiles;
  for (const v1::Compile& compile : list.compiles()) {
    compiles[compile.name()] = compile;
  }
  return compiles;
}

bool AllTerminal(const v1::ListCompilesResponse& list, size_t count) {
  if (static_cast<size_t>(list.compiles_size()) != count) return false;
  for (const v1::Compile& compile : list.compiles()) {
    if (compile.state() != v1::STATE_COMPLETED &&
        compile.state() != v1::STATE_FAILED) {
      return false;
    }
  }
  return true;
}

TEST(WatchCompiles, ListThenWatchEndsEqualToAFreshList) {
  std::unique_ptr<GatewayHarness> gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  for (int i = 0; i < 4; ++i) {
    MustStartCompile(*gateway, absl::StrCat("informer-", i));
  }
  const v1::ListCompilesResponse first = ListOnePage(*gateway);
  Informer informer(AsListing(first), gateway->gateway_address());
  // Started after the list: the watch brings them.
  for (int i = 4; i < 8; ++i) {
    MustStartCompile(*gateway, absl::StrCat("informer-", i));
  }
  v1::ListCompilesResponse fresh;
  ASSERT_TRUE(WaitUntil(
      [&] {
        fresh = ListOnePage(*gateway);
        return AllTerminal(fresh, 8) && informer.revision() >= fresh.revision();
      },
      absl::Seconds(30)))
      << "informer at " << informer.revision() << ", list at "
      << fresh.revision();
  fresh = ListOnePage(*gateway);
  ASSERT_EQ(informer.revision(), fresh.revision());
  const std::map<std::string, v1::Compile> cache = informer.cache();
  const std::map<std::string, v1::Compile> expected = AsMap(fresh);
  ASSERT_EQ(cache.size(), expected.size());
  for (const auto& [name, compile] : expected) {
    ASSERT_TRUE(cache.contains(name)) << name;
    EXPECT_EQ(cache.at(name).SerializeAsString(), compile.SerializeAsString())
        << name << "\ncache: " << cache.at(name).DebugString()
        << "\nlist: " << compile.DebugString();
  }
  // Every event after the list's revision exactly once, in order.
  const std::vector<uint64_t> seen = informer.revisions_seen();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), first.revision() + 1);
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i], seen[i - 1] + 1) << "at " << i;
  }
  EXPECT_EQ(seen.back(), fresh.revision());
  // One stream did it all: the informer never had to reconnect.
  EXPECT_TRUE(informer.endings().empty());
}

TEST(WatchCompiles, AFilterSendsOnlyWhatMatchesAndBookmarksThePast) {
  std::unique_ptr<GatewayHarness> gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  v1::CompileFilter only_b;
  only_b.add_flow_ids("flow-b");
  Informer informer(AsListing(ListOnePage(*gateway, only_b)),
                    gateway->gateway_address(), only_b);
  MustStartCompile(*gateway, "flow-a");
  MustStartCompile(*gateway, "flow-b");
  MustStartCompile(*gateway, "flow-c");
  v1::ListCompilesResponse all;
  ASSERT_TRUE(WaitUntil(
      [&] {
        all = ListOnePage(*gateway);
        // Heartbeats carry the cursor past the other flows' events.
        return AllTerminal(all, 3) && informer.revision() >= all.revision();
      },
      absl::Seconds(60)));
  for (const std::string& flow : informer.flows_seen()) {
    EXPECT_EQ(flow, "flow-b");
  }
  EXPECT_FALSE(informer.flows_seen().empty());
  EXPECT_EQ(informer.cache().size(), 1u);
  EXPECT_TRUE(informer.endings().empty());
}

TEST(WatchCompiles, ACursorBehindTheHistoryIsOutOfRangeNamingTheOldest) {
  testing::HarnessOptions options;
  options.server_args.push_back("--collection-history=3");
  std::unique_ptr<GatewayHarness> gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  for (int i = 0; i < 3; ++i) MustStartCompile(*gateway, absl::StrCat("f", i));
  ASSERT_TRUE(WaitUntil([&] { return ListOnePage(*gateway).revision() >= 5; },
                        absl::Seconds(30)));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::WatchCompilesRequest request;
  request.set_after_revision(0);
  auto reader = gateway->stub().WatchCompiles(&context, request);
  v1::WatchCompilesResponse message;
  EXPECT_FALSE(reader->Read(&message));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(status.error_message(),
              HasSubstr("no longer retained: the oldest retained is revision"));
  EXPECT_THAT(status.error_message(), HasSubstr("list again"));
}

TEST(WatchCompiles, MetricsCountTheStreamsAndWhatTheyWereSent) {
  std::unique_ptr<GatewayHarness> gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  auto metric = [&](const char* name) {
    return gateway->Metric(name).value_or(-1);
  };
  const v1::ListCompilesResponse empty = ListOnePage(*gateway);
  {
    Informer first(AsListing(empty), gateway->gateway_address());
    Informer second(AsListing(empty), gateway->gateway_address());
    ASSERT_TRUE(WaitUntil(
        [&] { return metric("cxone_gateway_collection_watchers") == 2; },
        absl::Seconds(10)));
    MustStartCompile(*gateway, "metered");
    v1::ListCompilesResponse fresh;
    ASSERT_TRUE(WaitUntil(
        [&] {
          fresh = ListOnePage(*gateway);
          return AllTerminal(fresh, 1) &&
                 first.revision() == fresh.revision() &&
                 second.revision() == fresh.revision();
        },
        absl::Seconds(30)));
    const double revision = static_cast<double>(fresh.revision());
    EXPECT_EQ(metric("cxone_gateway_collection_revision"), revision);
    EXPECT_EQ(metric("cxone_gateway_collection_compiles"), 1);
    EXPECT_EQ(metric("cxone_gateway_collection_history_events"), revision);
    EXPECT_EQ(metric("cxone_gateway_collection_pending_reports"), 0);
    EXPECT_EQ(metric("cxone_gateway_collection_events_sent_total"),
              static_cast<double>(first.revisions_seen().size() +
                                  second.revisions_seen().size()));
    EXPECT_EQ(first.revisions_seen().size(), fresh.revision());
    EXPECT_TRUE(first.endings().empty());
    EXPECT_TRUE(second.endings().empty());
  }
  EXPECT_TRUE(WaitUntil(
      [&] { return metric("cxone_gateway_collection_watchers") == 0; },
      absl::Seconds(10)));
}

TEST(WatchCompiles, ABadFilterIsNamed) {
  std::unique_ptr<GatewayHarness> gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::WatchCompilesRequest request;
  request.mutable_filter()->add_states(v1::STATE_UNSPECIFIED);
  auto reader = gateway->stub().WatchCompiles(&context, request);
  v1::WatchCompilesResponse message;
  EXPECT_FALSE(reader->Read(&message));
  grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("filter.states[0]"));
}

}  // namespace
}  // namespace cxone
