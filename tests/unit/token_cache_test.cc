#include "server/upstream/token_cache.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_http_client.h"

namespace cxone::upstream {
namespace {

using ::cxone::testing::FakeClock;
using ::cxone::testing::FakeHttpClient;
using ::cxone::testing::Respond;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kTokenUrl[] = "http://cxone.test/api/v2/oauth/token";

TokenEndpointConfig Config() {
  TokenEndpointConfig config;
  config.url = kTokenUrl;
  config.client_id = "gateway id";
  config.client_secret = "s3cr&t";
  config.scope = "flow:read flow:write";
  return config;
}

// Answers each token request with a new token "tok-N" living `ttl`.
void IssueTokens(FakeHttpClient& http, int ttl_seconds) {
  auto counter = std::make_shared<std::atomic<int>>(0);
  http.On("/oauth/token", [counter, ttl_seconds](const http::HttpRequest&) {
    int n = ++*counter;
    return Respond(200,
                   nlohmann::json{{"access_token", "tok-" + std::to_string(n)},
                                  {"token_type", "Bearer"},
                                  {"expires_in", ttl_seconds}}
                       .dump());
  });
}

TEST(TokenCache, SendsFormEncodedClientCredentials) {
  FakeHttpClient http;
  IssueTokens(http, 3600);
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(Config(), &http, &clock, &redactor);
  ASSERT_TRUE(cache.Get().ok());
  ASSERT_EQ(http.requests().size(), 1u);
  const http::HttpRequest request = http.requests()[0];
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, kTokenUrl);
  EXPECT_EQ(request.body,
            "grant_type=client_credentials&client_id=gateway%20id"
            "&client_secret=s3cr%26t&scope=flow%3Aread%20flow%3Awrite");
  EXPECT_THAT(request.headers,
              ::testing::Contains(std::pair<std::string, std::string>(
                  "Content-Type", "application/x-www-form-urlencoded")));
}

TEST(TokenCache, HttpBasicKeepsCredentialsOutOfTheBody) {
  FakeHttpClient http;
  IssueTokens(http, 3600);
  FakeClock clock;
  Redactor redactor;
  TokenEndpointConfig config = Config();
  config.auth_method = ClientAuthMethod::kHttpBasic;
  TokenCache cache(config, &http, &clock, &redactor);
  ASSERT_TRUE(cache.Get().ok());
  const http::HttpRequest request = http.requests().at(0);
  EXPECT_THAT(request.body, Not(HasSubstr("client_secret")));
  EXPECT_THAT(request.headers,
              ::testing::Contains(std::pair<std::string, std::string>(
                  "Authorization",
                  "Basic " + absl::Base64Escape("gateway%20id:s3cr%26t"))));
}

TEST(TokenCache, ReusesTokenUntilThirtySecondsBeforeExpiry) {
  FakeHttpClient http;
  IssueTokens(http, 3600);
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(Config(), &http, &clock, &redactor);
  EXPECT_EQ(*cache.Get(), "tok-1");
  clock.Advance(absl::Seconds(3600 - 31));
  EXPECT_EQ(*cache.Get(), "tok-1");
  clock.Advance(absl::Seconds(1));
  EXPECT_EQ(*cache.Get(), "tok-2");
  EXPECT_EQ(cache.fetch_count(), 2);
}

TEST(TokenCache, InvalidateDropsOnlyTheCurrentToken) {
  FakeHttpClient http;
  IssueTokens(http, 3600);
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(Config(), &http, &clock, &redactor);
  EXPECT_EQ(*cache.Get(), "tok-1");
  cache.Invalidate("tok-1");
  EXPECT_EQ(*cache.Get(), "tok-2");
  cache.Invalidate("tok-1");  // stale: another caller already replaced it
  EXPECT_EQ(*cache.Get(), "tok-2");
  EXPECT_EQ(cache.fetch_count(), 2);
}

TEST(TokenCache, ShortLivedTokenIsReusedForThreeQuartersOfItsLife) {
  FakeHttpClient http;
  IssueTokens(http, 2);
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(Config(), &http, &clock, &redactor);
  EXPECT_EQ(*cache.Get(), "tok-1");
  // The margin is min(30 s, a quarter of the life): 0.5 s of a 2 s token.
  clock.Advance(absl::Milliseconds(1499));
  EXPECT_EQ(*cache.Get(), "tok-1");
  clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(*cache.Get(), "tok-2");
  EXPECT_EQ(cache.fetch_count(), 2);
}

TEST(TokenCache, ShortLivedTokensDoNotCostARequestPerCall) {
  FakeHttpClient http;
  IssueTokens(http, 2);
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(Config(), &http, &clock, &redactor);
  // 200 calls in 20 s: a token every 1.5 s, not one per call.
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(cache.Get().ok());
    clock.Advance(absl::Milliseconds(100));
  }
  EXPECT_LE(cache.fetch_count(), 14);
}

TokenEndpointConfig BackoffConfig() {
  TokenEndpointConfig config = Config();
  config.failure_backoff = {absl::Milliseconds(500), absl::Seconds(30)};
  config.backoff_seed = 42;
  return config;
}

TEST(TokenCache, FailingEndpointIsBackedOffForEveryCaller) {
  FakeHttpClient http;
  http.On("/oauth/token", [](const http::HttpRequest&) {
    return Respond(503, R"({"error":"temporarily_unavailable"})");
  });
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(BackoffConfig(), &http, &clock, &redactor);
  // Ten callers asking every 100 ms for 15 s: the endpoint down sees a few
  // requests, spaced ever wider, not one per call.
  int answered = 0;
  for (int step = 0; step < 150; ++step) {
    for (int caller = 0; caller < 10; ++caller) {
      absl::Status status = cache.Get(clock.Now() + absl::Seconds(1)).status();
      ASSERT_TRUE(absl::IsUnavailable(status)) << status;
      EXPECT_THAT(status.message(), HasSubstr("HTTP 503"));
      ++answered;
    }
    clock.Advance(absl::Milliseconds(100));
  }
  EXPECT_EQ(answered, 1500);
  // Waits of at least 0.25, 0.5, 1, 2, 4 and 8 s: at most 7 in 15 s.
  EXPECT_LE(http.CountTo("/oauth/token"), 7);
  EXPECT_GE(http.CountTo("/oauth/token"), 4);
}

TEST(TokenCache, CallersDuringABackoffAreToldWhenTheNextRequestGoes) {
  FakeHttpClient http;
  http.On("/oauth/token",
          [](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
            return absl::UnavailableError("connection refused");
          });
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(BackoffConfig(), &http, &clock, &redactor);
  ASSERT_FALSE(cache.Get().ok());
  const absl::Status backed_off = cache.Get().status();
  EXPECT_TRUE(absl::IsUnavailable(backed_off));
  EXPECT_THAT(backed_off.message(), HasSubstr("connection refused"));
  EXPECT_THAT(backed_off.message(), HasSubstr("1 failure in a row"));
  EXPECT_THAT(backed_off.message(), HasSubstr("next token request goes in"));
  EXPECT_EQ(http.CountTo("/oauth/token"), 1);
}

TEST(TokenCache, SuccessEndsTheBackoff) {
  FakeHttpClient http;
  auto down = std::make_shared<std::atomic<bool>>(true);
  auto issued = std::make_shared<std::atomic<int>>(0);
  http.On("/oauth/token", [down, issued](const http::HttpRequest&) {
    if (down->load()) return Respond(503, "{}");
    return Respond(200, nlohmann::json{{"access_token",
                                        "tok-" + std::to_string(++*issued)},
                                       {"expires_in", 3600}}
                            .dump());
  });
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(BackoffConfig(), &http, &clock, &redactor);
  // Four failures: the next request waits at least 2 s.
  for (int i = 0; i < 4; ++i) {
    ASSERT_FALSE(cache.Get().ok());
    clock.Advance(absl::Seconds(30));
  }
  ASSERT_EQ(http.CountTo("/oauth/token"), 4);
  *down = false;
  EXPECT_EQ(*cache.Get(), "tok-1");
  // A failure after the success backs off from the start again: 0.25 to
  // 0.5 s, not 4 s or more.
  *down = true;
  cache.Invalidate("tok-1");
  ASSERT_FALSE(cache.Get().ok());
  clock.Advance(absl::Milliseconds(500));
  *down = false;
  EXPECT_EQ(*cache.Get(), "tok-2");
}

TEST(TokenCache, SameSeedGivesTheSameBackoff) {
  std::vector<int> counts;
  for (int run = 0; run < 2; ++run) {
    FakeHttpClient http;
    http.On("/oauth/token",
            [](const http::HttpRequest&) { return Respond(503, "{}"); });
    FakeClock clock;
    Redactor redactor;
    TokenCache cache(BackoffConfig(), &http, &clock, &redactor);
    for (int step = 0; step < 600; ++step) {
      (void)cache.Get();
      clock.Advance(absl::Milliseconds(100));
    }
    counts.push_back(http.CountTo("/oauth/token"));
  }
  EXPECT_EQ(counts[0], counts[1]);
}

TEST(TokenCache, OneFetchServesManyConcurrentCallers) {
  FakeHttpClient http;
  absl::Notification release;
  std::atomic<int> fetches{0};
  http.On("/oauth/token", [&](const http::HttpRequest&) {
    ++fetches;
    release.WaitForNotification();
    return Respond(200, R"({"access_token":"shared","expires_in":3600})");
  });
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(Config(), &http, &clock, &redactor);
  std::vector<std::thread> callers;
  std::atomic<int> got_shared{0};
  for (int i = 0; i < 16; ++i) {
    callers.emplace_back([&] {
      if (auto token = cache.Get(); token.ok() && *token == "shared") {
        ++got_shared;
      }
    });
  }
  // Wait (bounded) until the one fetch is in flight, then let it answer.
  for (int i = 0; i < 2000 && fetches.load() == 0; ++i) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  release.Notify();
  for (auto& caller : callers) caller.join();
  EXPECT_EQ(fetches.load(), 1);
  EXPECT_EQ(got_shared.load(), 16);
}

TEST(TokenCache, RejectedCredentialsAreFailedPreconditionWithoutTheSecret) {
  FakeHttpClient http;
  http.On("/oauth/token", [](const http::HttpRequest&) {
    return Respond(
        401, R"({"error":"invalid_client","error_description":"bad s3cr&t"})");
  });
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(Config(), &http, &clock, &redactor);
  absl::StatusOr<std::string> token = cache.Get();
  ASSERT_TRUE(absl::IsFailedPrecondition(token.status())) << token.status();
  EXPECT_THAT(token.status().message(), HasSubstr("invalid_client"));
  EXPECT_THAT(token.status().message(), HasSubstr("gateway id"));
  EXPECT_THAT(token.status().message(), Not(HasSubstr("s3cr&t")));
}

TEST(TokenCache, EndpointDownIsUnavailable) {
  FakeHttpClient http;
  http.On("/oauth/token",
          [](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
            return absl::UnavailableError("connection refused");
          });
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(Config(), &http, &clock, &redactor);
  EXPECT_TRUE(absl::IsUnavailable(cache.Get().status()));
}

TEST(TokenCache, MalformedTokenBodyIsUnavailableAndNotQuoted) {
  FakeHttpClient http;
  http.On("/oauth/token", [](const http::HttpRequest&) {
    return Respond(200, R"({"access_token": 42, "secret_thing": "leak-me"})");
  });
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(Config(), &http, &clock, &redactor);
  absl::Status status = cache.Get().status();
  EXPECT_TRUE(absl::IsUnavailable(status));
  EXPECT_THAT(status.message(), Not(HasSubstr("leak-me")));
}

TEST(TokenCache, RegistersIssuedTokensWithTheRedactor) {
  FakeHttpClient http;
  IssueTokens(http, 3600);
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(Config(), &http, &clock, &redactor);
  ASSERT_TRUE(cache.Get().ok());
  EXPECT_EQ(redactor.Scrub("Bearer tok-1 and s3cr&t"),
            "Bearer [REDACTED] and [REDACTED]");
}

// The client secret is registered first; refreshing tokens must never push
// it out of the Redactor.
TEST(TokenCache, KeepsRedactingTheClientSecretAfterManyTokenRefreshes) {
  FakeHttpClient http;
  std::atomic<int> issued{0};
  std::atomic<bool> failing{false};
  http.On("/oauth/token", [&](const http::HttpRequest&) {
    if (failing) {
      return Respond(500, R"({"error":"server_error",)"
                          R"("error_description":"bad secret s3cr&t"})");
    }
    return Respond(
        200, nlohmann::json{{"access_token", "tok-" + std::to_string(++issued)},
                            {"expires_in", 60}}
                 .dump());
  });
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(Config(), &http, &clock, &redactor);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(cache.Get().ok());
    clock.Advance(absl::Seconds(60));
  }
  ASSERT_EQ(issued.load(), 100);
  failing = true;
  const absl::Status status = cache.Get().status();
  ASSERT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("bad secret [REDACTED]"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("s3cr&t")));
}

TEST(TokenCache, ErrorEchoingTheFormEncodedRequestDoesNotLeakTheSecret) {
  FakeHttpClient http;
  http.On("/oauth/token", [](const http::HttpRequest& request) {
    return Respond(400, nlohmann::json{{"error", "invalid_request"},
                                       {"error_description",
                                        "cannot read " + request.body}}
                            .dump());
  });
  FakeClock clock;
  Redactor redactor;
  TokenCache cache(Config(), &http, &clock, &redactor);
  const absl::Status status = cache.Get().status();
  ASSERT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("&client_secret=[REDACTED]&scope"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("s3cr")));
}

TEST(TokenCache, ErrorEchoingTheBasicCredentialsDoesNotLeakThem) {
  FakeHttpClient http;
  http.On("/oauth/token", [](const http::HttpRequest& request) {
    std::string authorization;
    for (const auto& [name, value] : request.headers) {
      if (name == "Authorization") authorization = value;
    }
    return Respond(401, nlohmann::json{{"error", "invalid_client"},
                                       {"error_description",
                                        "unknown client " + authorization}}
                            .dump());
  });
  FakeClock clock;
  Redactor redactor;
  TokenEndpointConfig config = Config();
  config.auth_method = ClientAuthMethod::kHttpBasic;
  TokenCache cache(config, &http, &clock, &redactor);
  const absl::Status status = cache.Get().status();
  ASSERT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("unknown client Basic [REDACTED]"));
  EXPECT_THAT(std::string(status.message()),
              Not(HasSubstr(absl::Base64Escape("gateway%20id:s3cr%26t"))));
}

TEST(TokenCache, ASecretStraddlingTheExcerptCutLeavesNoPrefix) {
  FakeHttpClient http;
  constexpr char kLongSecret[] = "0123456789-a-long-client-secret-value";
  http.On("/oauth/token", [&](const http::HttpRequest&) {
    // The secret begins 10 characters before the 120-character cut.
    return Respond(503, nlohmann::json{{"error_description",
                                        std::string(110, '.') + kLongSecret}}
                            .dump());
  });
  FakeClock clock;
  Redactor redactor;
  TokenEndpointConfig config = Config();
  config.client_secret = kLongSecret;
  TokenCache cache(config, &http, &clock, &redactor);
  const absl::Status status = cache.Get().status();
  ASSERT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("[REDAC"));
  EXPECT_THAT(std::string(status.message()), Not(HasSubstr("012345")));
}

TEST(FormEncode, EncodesReservedCharactersInUpperCaseHex) {
  EXPECT_EQ(FormEncode("a b&c=d/é~"), "a%20b%26c%3Dd%2F%C3%A9~");
}

}  // namespace
}  // namespace cxone::upstream
