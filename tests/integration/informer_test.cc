// An informer — a controller's cache fed by list-then-watch — across kill -9:
// it lists, then watches every compile from the list's revision while 200
// compiles start and finish and the gateway is killed and restarted twice,
// resuming each time after the last revision it received. Its cache must
// end equal to a fresh ListCompiles, every event seen exactly once, and
// CXone asked to compile each flow once.
#include "tests/support/informer.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "grpcpp/support/status.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/harness_testing.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::cxone::testing::GatewayHarness;
using ::cxone::testing::Informer;
using ::cxone::testing::Listing;
using ::cxone::testing::WaitUntil;

bool AllFinished(const Listing& listing, size_t count) {
  if (listing.compiles.size() != count) return false;
  for (const v1::Compile& compile : listing.compiles) {
    if (compile.state() != v1::STATE_COMPLETED) return false;
  }
  return true;
}

v1::ListCompilesRequest EveryCompile() {
  v1::ListCompilesRequest request;
  request.set_page_size(60);  // several pages
  return request;
}

TEST(Informer, ListThenWatchAcrossTwoKillNinesEndsEqualToAFreshList) {
  testing::HarnessOptions options;
  // Compiles that last about 2 s: each wave is mid-flight when it is killed.
  options.sim_args = {"--queued-ms=300", "--in-progress-ms=1700"};
  auto gateway = testing::MustStart(options);
  ASSERT_NE(gateway, nullptr);
  constexpr int kWave = 50;
  int started = 0;
  auto start_wave = [&](int wave) {
    std::vector<v1::Compile> compiles = testing::StartCompiles(
        gateway->stub(), absl::StrCat("informer-w", wave), kWave);
    for (const v1::Compile& compile : compiles) {
      EXPECT_FALSE(compile.name().empty()) << "a start failed in wave " << wave;
    }
    started += kWave;
  };

  start_wave(0);
  const Listing first = testing::ListAll(*gateway, EveryCompile());
  ASSERT_EQ(first.compiles.size(), static_cast<size_t>(kWave));
  Informer informer(first, gateway->gateway_address());
  start_wave(1);
  for (int kill = 0; kill < 2; ++kill) {
    // Wait until the informer is receiving, so each kill cuts a live stream.
    const uint64_t reached = informer.revision();
    ASSERT_TRUE(WaitUntil([&] { return informer.revision() > reached + 20; },
                          absl::Seconds(30)))
        << "the informer is stuck at revision " << reached;
    ASSERT_TRUE(gateway->KillServer().ok());
    ASSERT_TRUE(gateway->RestartServer().ok());
    informer.SetAddress(gateway->gateway_address());
    start_wave(2 + kill);
  }
  ASSERT_EQ(started, 4 * kWave);

  Listing fresh;
  ASSERT_TRUE(WaitUntil(
      [&] {
        fresh = testing::ListAll(*gateway, EveryCompile());
        return AllFinished(fresh, started) &&
               informer.revision() >= fresh.revision;
      },
      absl::Seconds(90)))
      << "informer at " << informer.revision() << ", list at " << fresh.revision
      << " with " << fresh.compiles.size() << " compiles";
  fresh = testing::ListAll(*gateway, EveryCompile());
  ASSERT_EQ(informer.revision(), fresh.revision);

  // The cache is the list, compile for compile.
  const std::map<std::string, v1::Compile> cache = informer.cache();
  ASSERT_EQ(cache.size(), fresh.compiles.size());
  for (const v1::Compile& compile : fresh.compiles) {
    auto cached = cache.find(compile.name());
    ASSERT_NE(cached, cache.end()) << compile.name();
    EXPECT_EQ(cached->second.SerializeAsString(), compile.SerializeAsString())
        << compile.name() << "\ncache: " << cached->second.DebugString()
        << "\nlist: " << compile.DebugString();
  }
  // Every event after the first list's revision exactly once, in order:
  // the revisions are gap-free across the restarts.
  const std::vector<uint64_t> seen = informer.revisions_seen();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), first.revision + 1);
  for (size_t i = 1; i < seen.size(); ++i) {
    ASSERT_EQ(seen[i], seen[i - 1] + 1) << "at " << i;
  }
  EXPECT_EQ(seen.back(), fresh.revision);
  // Both kills broke a stream, and none ended for another reason.
  const std::vector<grpc::Status> endings = informer.endings();
  EXPECT_GE(endings.size(), 2u);
  for (const grpc::Status& ending : endings) {
    EXPECT_NE(ending.error_code(), grpc::StatusCode::OUT_OF_RANGE)
        << ending.error_message();
  }
  // And CXone compiled each flow once, kills or not.
  auto compiles = gateway->SimGet("/_sim/compiles");
  ASSERT_TRUE(compiles.ok()) << compiles.status();
  std::map<std::string, int> per_flow;
  for (const auto& compile : *compiles) ++per_flow[compile.value("flowId", "")];
  EXPECT_EQ(per_flow.size(), static_cast<size_t>(started));
  for (const auto& [flow, count] : per_flow) {
    EXPECT_EQ(count, 1) << "CXone was asked to compile " << flow << " " << count
                        << " times";
  }
}

}  // namespace
}  // namespace cxone
