#include "server/request_id_index.h"

#include "gtest/gtest.h"

namespace cxone {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

TEST(RequestIdIndex, FirstCallerClaimsLaterOnesWaitForItsOutcome) {
  RequestIdIndex index;
  auto job = std::make_shared<CompileJob>(CompileName{"main", "c-1"}, kStart,
                                          LifecycleTimeouts{});
  auto first = index.ClaimOrJoin("req-1", "main", [](auto) { FAIL(); });
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, RequestIdIndex::Claim::kFirst);
  std::shared_ptr<CompileJob> waited;
  auto second = index.ClaimOrJoin(
      "req-1", "main",
      [&](RequestIdIndex::JobOrError outcome) { waited = *outcome; });
  EXPECT_EQ(*second, RequestIdIndex::Claim::kWaiting);
  EXPECT_EQ(waited, nullptr);
  index.Complete("req-1", job);
  EXPECT_EQ(waited, job);
  std::shared_ptr<CompileJob> replayed;
  auto third = index.ClaimOrJoin(
      "req-1", "main",
      [&](RequestIdIndex::JobOrError outcome) { replayed = *outcome; });
  EXPECT_EQ(*third, RequestIdIndex::Claim::kDone);
  EXPECT_EQ(replayed, job);
}

TEST(RequestIdIndex, KeyIsBoundToItsFlow) {
  RequestIdIndex index;
  ASSERT_TRUE(index.ClaimOrJoin("req-1", "main", [](auto) {}).ok());
  auto other = index.ClaimOrJoin("req-1", "billing", [](auto) { FAIL(); });
  EXPECT_TRUE(absl::IsAlreadyExists(other.status()));
}

TEST(RequestIdIndex, FailureForgetsTheKeyAndTellsWaiters) {
  RequestIdIndex index;
  ASSERT_TRUE(index.ClaimOrJoin("req-1", "main", [](auto) {}).ok());
  absl::Status seen;
  auto joined = index.ClaimOrJoin(
      "req-1", "main",
      [&](RequestIdIndex::JobOrError outcome) { seen = outcome.status(); });
  EXPECT_EQ(*joined, RequestIdIndex::Claim::kWaiting);
  index.Complete("req-1", absl::UnavailableError("down"));
  EXPECT_TRUE(absl::IsUnavailable(seen));
  auto retry = index.ClaimOrJoin("req-1", "main", [](auto) {});
  EXPECT_EQ(*retry, RequestIdIndex::Claim::kFirst);
}

}  // namespace
}  // namespace cxone
