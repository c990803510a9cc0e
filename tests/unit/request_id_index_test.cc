#include "server/jobs/request_id_index.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/no_journal.h"

namespace cxone {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

TEST(RequestIdIndex, FirstCallerClaimsLaterOnesWaitForItsOutcome) {
  NoJournal journal;
  RequestIdIndex index;
  auto job = std::make_shared<CompileJob>(CompileName{"main", "c-1"}, kStart,
                                          LifecycleTimeouts{}, &journal);
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

TEST(RequestIdIndex, AReusedKeyIsQuotedSafelyInTheError) {
  RequestIdIndex index;
  // A newline would forge a log line; U+202E would make the message read
  // backwards.
  const std::string hostile = "deploy\nFAKE LOG LINE \xE2\x80\xAE";
  ASSERT_TRUE(index.ClaimOrJoin(hostile, "main", [](auto) {}).ok());
  auto other = index.ClaimOrJoin(hostile, "billing", [](auto) {});
  ASSERT_TRUE(absl::IsAlreadyExists(other.status()));
  EXPECT_EQ(other.status().message().find('\n'), absl::string_view::npos);
  EXPECT_EQ(other.status().message().find("\xE2\x80\xAE"),
            absl::string_view::npos);
  EXPECT_THAT(std::string(other.status().message()),
              ::testing::HasSubstr(
                  "request_id \"deploy\\x0aFAKE LOG LINE \\xe2\\x80\\xae\""));
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
