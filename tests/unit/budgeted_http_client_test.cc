#include "server/upstream/budgeted_http_client.h"

#include <cstdio>

#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_http_client.h"

namespace cxone::upstream {
namespace {

using ::cxone::testing::FakeClock;
using ::cxone::testing::FakeHttpClient;
using ::cxone::testing::Respond;

class BudgetedHttpClientTest : public ::testing::Test {
 protected:
  BudgetedHttpClientTest()
      : log_(std::tmpfile(), &clock_, &redactor_),
        budget_({100, 100, 4}, &clock_),
        client_(&http_, &budget_, {absl::Seconds(5), absl::Seconds(60)},
                &clock_, &log_) {}

  http::HttpRequest Get(std::string url) {
    http::HttpRequest request;
    request.method = "GET";
    request.url = std::move(url);
    request.deadline = clock_.Now() + absl::Minutes(10);
    return request;
  }

  FakeClock clock_;
  Redactor redactor_;
  JsonLog log_;
  FakeHttpClient http_;
  RateBudget budget_;
  BudgetedHttpClient client_;
};

TEST_F(BudgetedHttpClientTest, TooManyRequestsPausesTheWholeAccount) {
  http_.On("/limited", [](const http::HttpRequest&) {
    return Respond(429, "{}", {{"retry-after", "7"}});
  });
  http_.On("/other",
           [](const http::HttpRequest&) { return Respond(200, "{}"); });
  const absl::Time start = clock_.Now();
  ASSERT_TRUE(client_.Send(Get("http://x/limited")).ok());
  EXPECT_EQ(budget_.paused_until(), start + absl::Seconds(7));
  // A different request, by anyone, is not sent before the pause ends.
  ASSERT_TRUE(client_.Send(Get("http://x/other")).ok());
  EXPECT_GE(clock_.Now(), start + absl::Seconds(7));
}

TEST_F(BudgetedHttpClientTest, TooManyRequestsLowersTheBudgetsPace) {
  http_.On("/limited", [](const http::HttpRequest&) {
    return Respond(429, "{}", {{"retry-after", "2"}});
  });
  const double before = budget_.current_rate();
  EXPECT_DOUBLE_EQ(before, budget_.max_rate());
  ASSERT_TRUE(client_.Send(Get("http://x/limited")).ok());
  EXPECT_LT(budget_.current_rate(), before);
}

TEST_F(BudgetedHttpClientTest, HttpDateRetryAfterIsHonoured) {
  const std::string date =
      absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT",
                       clock_.Now() + absl::Seconds(30), absl::UTCTimeZone());
  http_.On("/limited", [date](const http::HttpRequest&) {
    return Respond(429, "{}", {{"retry-after", date}});
  });
  const absl::Time start = clock_.Now();
  ASSERT_TRUE(client_.Send(Get("http://x/limited")).ok());
  EXPECT_EQ(budget_.paused_until(), start + absl::Seconds(30));
}

TEST_F(BudgetedHttpClientTest, MalformedRetryAfterPausesForTheDefault) {
  http_.On("/limited", [](const http::HttpRequest&) {
    return Respond(429, "{}", {{"retry-after", "soon-ish"}});
  });
  const absl::Time start = clock_.Now();
  ASSERT_TRUE(client_.Send(Get("http://x/limited")).ok());
  EXPECT_EQ(budget_.paused_until(), start + absl::Seconds(5));
}

TEST_F(BudgetedHttpClientTest, HugeRetryAfterIsCapped) {
  http_.On("/limited", [](const http::HttpRequest&) {
    return Respond(429, "{}", {{"retry-after", "86400"}});
  });
  const absl::Time start = clock_.Now();
  ASSERT_TRUE(client_.Send(Get("http://x/limited")).ok());
  EXPECT_EQ(budget_.paused_until(), start + absl::Seconds(60));
}

TEST_F(BudgetedHttpClientTest, ZeroRetryAfterStillPausesBriefly) {
  http_.On("/limited", [](const http::HttpRequest&) {
    return Respond(429, "{}", {{"retry-after", "0"}});
  });
  const absl::Time start = clock_.Now();
  ASSERT_TRUE(client_.Send(Get("http://x/limited")).ok());
  EXPECT_EQ(budget_.paused_until(), start + absl::Milliseconds(100));
}

TEST_F(BudgetedHttpClientTest, SubMillisecondTimeLeftIsADeadlineNotNoTimeout) {
  http_.On("/any", [](const http::HttpRequest&) { return Respond(200, "{}"); });
  http::HttpRequest request = Get("http://x/any");
  request.deadline = clock_.Now() + absl::Microseconds(500);
  EXPECT_TRUE(absl::IsDeadlineExceeded(client_.Send(request).status()));
  EXPECT_EQ(http_.requests().size(), 0u);
}

TEST_F(BudgetedHttpClientTest, DeadlinePassingDuringAPauseFailsWithoutSending) {
  http_.On("/any", [](const http::HttpRequest&) { return Respond(200, "{}"); });
  budget_.PauseUntil(clock_.Now() + absl::Minutes(30));
  http::HttpRequest request = Get("http://x/any");
  request.deadline = clock_.Now() + absl::Seconds(10);
  EXPECT_TRUE(absl::IsDeadlineExceeded(client_.Send(request).status()));
  EXPECT_EQ(http_.requests().size(), 0u);
}

TEST_F(BudgetedHttpClientTest, ReleasesItsSlotWhenTheRequestEnds) {
  http_.On("/any",
           [](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
             return absl::UnavailableError("reset");
           });
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(client_.Send(Get("http://x/any")).ok());
  }
  EXPECT_EQ(budget_.in_flight(), 0);
}

}  // namespace
}  // namespace cxone::upstream
