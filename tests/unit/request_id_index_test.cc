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
  auto first = index.ClaimOrJoin("req-1", "main", {}, [](auto) { FAIL(); });
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, RequestIdIndex::Claim::kFirst);
  std::shared_ptr<CompileJob> waited;
  auto second = index.ClaimOrJoin(
      "req-1", "main", {},
      [&](RequestIdIndex::JobOrError outcome) { waited = *outcome; });
  EXPECT_EQ(*second, RequestIdIndex::Claim::kWaiting);
  EXPECT_EQ(waited, nullptr);
  index.Complete("req-1", job);
  EXPECT_EQ(waited, job);
  std::shared_ptr<CompileJob> replayed;
  auto third = index.ClaimOrJoin(
      "req-1", "main", {},
      [&](RequestIdIndex::JobOrError outcome) { replayed = *outcome; });
  EXPECT_EQ(*third, RequestIdIndex::Claim::kDone);
  EXPECT_EQ(replayed, job);
}

TEST(RequestIdIndex, KeyIsBoundToItsFlow) {
  RequestIdIndex index;
  ASSERT_TRUE(index.ClaimOrJoin("req-1", "main", {}, [](auto) {}).ok());
  auto other = index.ClaimOrJoin("req-1", "billing", {}, [](auto) { FAIL(); });
  EXPECT_TRUE(absl::IsAlreadyExists(other.status()));
}

TEST(RequestIdIndex, AReusedKeyIsQuotedSafelyInTheError) {
  RequestIdIndex index;
  // A newline would forge a log line; U+202E would make the message read
  // backwards.
  const std::string hostile = "deploy\nFAKE LOG LINE \xE2\x80\xAE";
  ASSERT_TRUE(index.ClaimOrJoin(hostile, "main", {}, [](auto) {}).ok());
  auto other = index.ClaimOrJoin(hostile, "billing", {}, [](auto) {});
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
  ASSERT_TRUE(index.ClaimOrJoin("req-1", "main", {}, [](auto) {}).ok());
  absl::Status seen;
  auto joined = index.ClaimOrJoin(
      "req-1", "main", {},
      [&](RequestIdIndex::JobOrError outcome) { seen = outcome.status(); });
  EXPECT_EQ(*joined, RequestIdIndex::Claim::kWaiting);
  index.Complete("req-1", absl::UnavailableError("down"));
  EXPECT_TRUE(absl::IsUnavailable(seen));
  auto retry = index.ClaimOrJoin("req-1", "main", {}, [](auto) {});
  EXPECT_EQ(*retry, RequestIdIndex::Claim::kFirst);
}

TEST(RequestIdIndex, KeyIsBoundToItsFirstCallsLabelsNotTheirOrder) {
  RequestIdIndex index;
  const Labels first = {{"commit", "3f2a9c"}, {"pipeline", "nightly"}};
  ASSERT_TRUE(index.ClaimOrJoin("req-1", "main", first, [](auto) {}).ok());
  // A std::map has one order; what a caller sent in does not matter.
  auto same = index.ClaimOrJoin("req-1", "main",
                                {{"pipeline", "nightly"}, {"commit", "3f2a9c"}},
                                [](auto) {});
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_EQ(*same, RequestIdIndex::Claim::kWaiting);
  const std::string long_value(63, 'v');
  auto other = index.ClaimOrJoin(
      "req-1", "main", {{"commit", long_value}, {"pipeline", "nightly"}},
      [](auto) { FAIL(); });
  ASSERT_TRUE(absl::IsAlreadyExists(other.status())) << other.status();
  EXPECT_THAT(std::string(other.status().message()),
              ::testing::HasSubstr("was first used with other labels (they "
                                   "differ at \"commit\")"));
  EXPECT_THAT(std::string(other.status().message()),
              ::testing::Not(::testing::HasSubstr(long_value)));
  auto extra = index.ClaimOrJoin(
      "req-1", "main",
      {{"commit", "3f2a9c"}, {"pipeline", "nightly"}, {"team", "ivr"}},
      [](auto) { FAIL(); });
  EXPECT_THAT(std::string(extra.status().message()),
              ::testing::HasSubstr("differ at \"team\""));
}

TEST(RequestIdIndex, FindAnswersOnceTheFirstCallIsDoneAndSaysWhyNotBefore) {
  NoJournal journal;
  RequestIdIndex index;
  auto job = std::make_shared<CompileJob>(CompileName{"main", "c-1"}, kStart,
                                          LifecycleTimeouts{}, &journal);
  auto unknown = index.Find("req-1");
  ASSERT_TRUE(absl::IsNotFound(unknown.status())) << unknown.status();
  EXPECT_THAT(std::string(unknown.status().message()),
              ::testing::StartsWith(
                  "no compile was started with request_id \"req-1\" (yet)"));
  ASSERT_TRUE(index.ClaimOrJoin("req-1", "main", {}, [](auto) {}).ok());
  auto in_flight = index.Find("req-1");
  ASSERT_TRUE(absl::IsNotFound(in_flight.status())) << in_flight.status();
  EXPECT_THAT(std::string(in_flight.status().message()),
              ::testing::HasSubstr("is still in flight"));
  index.Complete("req-1", job);
  auto found = index.Find("req-1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, job);
  // Retention forgets the key with its compile.
  index.ForgetCompiles({job->name()});
  EXPECT_TRUE(absl::IsNotFound(index.Find("req-1").status()));
}

TEST(RequestIdIndex, AFailedFirstCallLeavesNothingToFind) {
  RequestIdIndex index;
  ASSERT_TRUE(index.ClaimOrJoin("req-1", "main", {}, [](auto) {}).ok());
  index.Complete("req-1", absl::UnavailableError("down"));
  auto found = index.Find("req-1");
  ASSERT_TRUE(absl::IsNotFound(found.status())) << found.status();
  EXPECT_THAT(std::string(found.status().message()),
              ::testing::HasSubstr("no compile was started"));
}

TEST(RequestIdIndex, ARestoredKeyIsFoundAndKeepsItsLabels) {
  NoJournal journal;
  RequestIdIndex index;
  auto job = std::make_shared<CompileJob>(CompileName{"main", "c-1"}, kStart,
                                          LifecycleTimeouts{}, &journal);
  index.Restore("req-1", "main", {{"pipeline", "nightly"}}, job);
  auto found = index.Find("req-1");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(*found, job);
  EXPECT_TRUE(absl::IsAlreadyExists(
      index.ClaimOrJoin("req-1", "main", {}, [](auto) {}).status()));
  EXPECT_EQ(*index.ClaimOrJoin("req-1", "main", {{"pipeline", "nightly"}},
                               [](auto) {}),
            RequestIdIndex::Claim::kDone);
}

TEST(ValidateRequestId, RefusesOverLongAndReservedIdsAndAllowsNone) {
  EXPECT_TRUE(ValidateRequestId("").ok());
  EXPECT_TRUE(ValidateRequestId(std::string(kMaxRequestIdLength, 'k')).ok());
  const absl::Status long_id =
      ValidateRequestId(std::string(kMaxRequestIdLength + 1, 'k'));
  EXPECT_TRUE(absl::IsInvalidArgument(long_id));
  EXPECT_EQ(long_id.message(),
            "request_id is 257 bytes long; at most 256 are allowed");
  EXPECT_TRUE(absl::IsInvalidArgument(ValidateRequestId("~gateway-1")));
}

}  // namespace
}  // namespace cxone
