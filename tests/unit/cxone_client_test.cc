#include "server/upstream/cxone_client.h"

#include <atomic>
#include <cstdio>
#include <future>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_clock.h"
#include "tests/support/fake_http_client.h"
#include "tests/support/wait_until.h"

namespace cxone::upstream {
namespace {

using ::cxone::testing::FakeClock;
using ::cxone::testing::FakeHttpClient;
using ::cxone::testing::Respond;
using ::cxone::testing::WaitUntil;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kBase[] = "http://cxone.test";

// A CxoneClient over a FakeHttpClient whose token endpoint issues tok-1,
// tok-2, … on each request.
class CxoneClientTest : public ::testing::Test {
 protected:
  CxoneClientTest()
      : log_(std::tmpfile(), &clock_, &redactor_),
        tokens_(TokenEndpointConfig{std::string(kBase) + "/api/v2/oauth/token",
                                    "id", "secret", "",
                                    ClientAuthMethod::kFormFields},
                &http_, &clock_, &redactor_),
        backoff_({absl::Milliseconds(100), absl::Seconds(2), 4}, 1),
        client_({kBase, absl::Seconds(5), absl::Seconds(30)}, &http_, &tokens_,
                &backoff_, &clock_, &log_, &redactor_) {
    http_.On("/oauth/token", [this](const http::HttpRequest&) {
      int n = ++tokens_issued_;
      return Respond(
          200, nlohmann::json{{"access_token", "tok-" + std::to_string(n)},
                              {"expires_in", 3600}}
                   .dump());
    });
  }

  static std::string AuthorizationOf(const http::HttpRequest& request) {
    for (const auto& [name, value] : request.headers) {
      if (name == "Authorization") return value;
    }
    return "";
  }

  FakeClock clock_;
  Redactor redactor_;
  JsonLog log_;
  FakeHttpClient http_;
  std::atomic<int> tokens_issued_{0};
  TokenCache tokens_;
  Backoff backoff_;
  CxoneClient client_;
};

TEST_F(CxoneClientTest, TriggerPostsJsonWithFlowAndDirectives) {
  http_.On("/flows/main/compile", [](const http::HttpRequest&) {
    return Respond(201, R"({"compileId":"c-1","status":"QUEUED"})");
  });
  auto result = client_.Trigger("main", {{"optimize", true}});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->compile_id, "c-1");
  const http::HttpRequest request = http_.requests().back();
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://cxone.test/api/v2/flows/main/compile");
  EXPECT_EQ(AuthorizationOf(request), "Bearer tok-1");
  EXPECT_EQ(nlohmann::json::parse(request.body),
            (nlohmann::json{{"flowId", "main"},
                            {"directives", {{"optimize", true}}}}));
}

TEST_F(CxoneClientTest, On401FetchesOneNewTokenAndRetriesOnce) {
  std::atomic<int> calls{0};
  http_.On("/compile/c-1", [&](const http::HttpRequest& request) {
    ++calls;
    if (AuthorizationOf(request) == "Bearer tok-1") return Respond(401, "{}");
    return Respond(200, R"({"status":"IN_PROGRESS"})");
  });
  auto status = client_.GetStatus("main", "c-1");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->status, "IN_PROGRESS");
  EXPECT_EQ(calls.load(), 2);
  EXPECT_EQ(tokens_issued_.load(), 2);
}

TEST_F(CxoneClientTest, SecondConsecutive401IsFailedPrecondition) {
  http_.On("/compile/c-1",
           [](const http::HttpRequest&) { return Respond(401, "{}"); });
  auto status = client_.GetStatus("main", "c-1");
  EXPECT_TRUE(absl::IsFailedPrecondition(status.status())) << status.status();
  EXPECT_EQ(tokens_issued_.load(), 2);
  EXPECT_THAT(status.status().message(), Not(HasSubstr("tok-")));
}

TEST_F(CxoneClientTest, RetriesServerErrorsWithBackoffThenSucceeds) {
  std::atomic<int> calls{0};
  http_.On("/compile/c-1", [&](const http::HttpRequest&) {
    return ++calls < 3 ? Respond(503, "down")
                       : Respond(200, R"({"status":"QUEUED"})");
  });
  auto status = client_.GetStatus("main", "c-1");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(calls.load(), 3);
  // Two backoffs, bounded by the ceilings of retries 0 and 1.
  EXPECT_LE(clock_.slept(), absl::Milliseconds(100 + 200));
}

TEST_F(CxoneClientTest, GivesUpAfterMaxAttemptsWithUnavailable) {
  std::atomic<int> calls{0};
  http_.On("/compile/c-1",
           [&](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
             ++calls;
             return absl::UnavailableError("connection reset");
           });
  auto status = client_.GetStatus("main", "c-1");
  EXPECT_TRUE(absl::IsUnavailable(status.status()));
  EXPECT_THAT(status.status().message(), HasSubstr("after 4 attempts"));
  EXPECT_THAT(status.status().message(), HasSubstr("connection reset"));
  EXPECT_EQ(calls.load(), 4);
}

TEST_F(CxoneClientTest, RateLimitedRequestIsRetriedWithoutUsingUpAttempts) {
  std::atomic<int> calls{0};
  http_.On("/compile/c-1", [&](const http::HttpRequest&) {
    // Five 429s in a row: more than the four attempts a failure may use.
    return ++calls <= 5 ? Respond(429, "{}", {{"retry-after", "1"}})
                        : Respond(200, R"({"status":"QUEUED"})");
  });
  ASSERT_TRUE(client_.GetStatus("main", "c-1").ok());
  EXPECT_EQ(calls.load(), 6);
}

// A trigger's answer is awaited for the whole call: giving up at the
// request timeout and sending again could start a second compile.
TEST_F(CxoneClientTest, TriggersAreInteractiveAndAwaitedForTheWholeCall) {
  http_.On("/flows/main/compile/c-1", [](const http::HttpRequest&) {
    return Respond(200, R"({"status":"QUEUED"})");
  });
  http_.On("/flows/main/compile", [](const http::HttpRequest&) {
    return Respond(201, R"({"compileId":"c-1"})");
  });
  ASSERT_TRUE(client_.Trigger("main", nullptr).ok());
  ASSERT_TRUE(client_.GetStatus("main", "c-1").ok());
  auto requests = http_.requests();
  ASSERT_EQ(requests.size(), 3u);  // token, trigger, status
  EXPECT_EQ(requests[1].priority, http::RequestPriority::kInteractive);
  EXPECT_EQ(requests[2].priority, http::RequestPriority::kBackground);
  EXPECT_LE(requests[2].deadline, clock_.Now() + absl::Seconds(30));
  // request_timeout is 5 s, max_call_duration 30 s.
  EXPECT_EQ(requests[1].timeout, absl::Seconds(30));
  EXPECT_EQ(requests[2].timeout, absl::Seconds(5));
  // A trigger goes on a connection of its own (no resend by the client).
  EXPECT_FALSE(requests[1].idempotent);
  EXPECT_TRUE(requests[2].idempotent);
}

TEST_F(CxoneClientTest, MalformedStatusBodyIsRetriedWithinTheCall) {
  std::atomic<int> calls{0};
  http_.On("/compile/c-1", [&](const http::HttpRequest&) {
    return ++calls == 1 ? Respond(200, R"({"status": "QUE)")
                        : Respond(200, R"({"status":"IN_PROGRESS"})");
  });
  auto status = client_.GetStatus("main", "c-1");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ(status->status, "IN_PROGRESS");
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(CxoneClientTest, TotalTimeIsBounded) {
  http_.On("/compile/c-1", [this](const http::HttpRequest&) {
    clock_.Advance(absl::Seconds(20));  // each try is slow
    return Respond(503, "busy");
  });
  const absl::Time start = clock_.Now();
  auto status = client_.GetStatus("main", "c-1");
  EXPECT_TRUE(absl::IsUnavailable(status.status()));
  // max_call_duration is 30 s: no new try starts after it.
  EXPECT_LE(clock_.Now() - start, absl::Seconds(60));
  EXPECT_LE(http_.CountTo("/compile/c-1"), 2);
}

TEST_F(CxoneClientTest, ForbiddenNamesTheMissingScope) {
  http_.On("/flows/main/compile", [](const http::HttpRequest&) {
    return Respond(403, R"({"error":"insufficient_scope"})");
  });
  auto result = client_.Trigger("main", nullptr);
  EXPECT_TRUE(absl::IsPermissionDenied(result.status()));
  EXPECT_THAT(result.status().message(), HasSubstr("flow:write"));
  http_.On("/compile/c-1",
           [](const http::HttpRequest&) { return Respond(403, "{}"); });
  auto status = client_.GetStatus("main", "c-1");
  EXPECT_TRUE(absl::IsPermissionDenied(status.status()));
  EXPECT_THAT(status.status().message(), HasSubstr("flow:read"));
}

TEST_F(CxoneClientTest, UnknownFlowIsNotFound) {
  http_.On("/flows/ghost/compile",
           [](const http::HttpRequest&) { return Respond(404, "{}"); });
  auto result = client_.Trigger("ghost", nullptr);
  EXPECT_TRUE(absl::IsNotFound(result.status()));
  EXPECT_THAT(result.status().message(), HasSubstr("ghost"));
}

TEST_F(CxoneClientTest, ConflictNamingTheRunningCompileAttaches) {
  http_.On("/flows/main/compile", [](const http::HttpRequest&) {
    return Respond(409, R"({"error":"conflict","compileId":"c-7"})");
  });
  auto result = client_.Trigger("main", nullptr);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->compile_id, "c-7");
  EXPECT_TRUE(result->already_running);
}

TEST_F(CxoneClientTest, ConflictWithoutCompileIdIsAborted) {
  http_.On("/flows/main/compile", [](const http::HttpRequest&) {
    return Respond(409, R"({"error":"conflict"})");
  });
  EXPECT_TRUE(absl::IsAborted(client_.Trigger("main", nullptr).status()));
}

TEST_F(CxoneClientTest, MalformedTriggerBodyIsAClearError) {
  http_.On("/flows/main/compile", [](const http::HttpRequest&) {
    return Respond(201, "<html>ok</html>");
  });
  auto result = client_.Trigger("main", nullptr);
  EXPECT_TRUE(absl::IsUnavailable(result.status()));
  EXPECT_THAT(result.status().message(), HasSubstr("could not be read"));
}

TEST_F(CxoneClientTest, MalformedStatusBodyIsTransient) {
  http_.On("/compile/c-1",
           [](const http::HttpRequest&) { return Respond(200, "{"); });
  EXPECT_TRUE(absl::IsUnavailable(client_.GetStatus("main", "c-1").status()));
}

// An answer lost after the trigger may have reached CXone.
absl::StatusOr<http::HttpResponse> AnswerLost() {
  return http::MarkMayHaveBeenDelivered(
      absl::DeadlineExceededError("POST … timed out without an answer"));
}

TEST_F(CxoneClientTest, TriggerWhoseAnswerWasLostAdoptsTheCompileItStarted) {
  std::atomic<int> triggers{0};
  http_.On("/flows/main/compile",
           [&](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
             // The first request started c-7; its answer never came back.
             if (++triggers == 1) return AnswerLost();
             return Respond(409, R"({"error":"conflict","compileId":"c-7"})");
           });
  auto result = client_.Trigger("main", nullptr);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->compile_id, "c-7");
  EXPECT_TRUE(result->already_running);
  EXPECT_EQ(triggers.load(), 2);
}

TEST_F(CxoneClientTest, TriggerLostTwiceIsUnavailableWithTheOutcomeUnknown) {
  std::atomic<int> triggers{0};
  http_.On("/flows/main/compile",
           [&](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
             ++triggers;
             return AnswerLost();
           });
  auto result = client_.Trigger("main", nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(absl::IsUnavailable(result.status())) << result.status();
  EXPECT_TRUE(http::MayHaveBeenDelivered(result.status()));
  EXPECT_THAT(result.status().message(), HasSubstr("outcome"));
  EXPECT_THAT(result.status().message(), HasSubstr("unknown"));
  EXPECT_THAT(result.status().message(), HasSubstr("may have started"));
  // Never more than the request and the one that asks what became of it,
  // however many attempts a call may make.
  EXPECT_EQ(triggers.load(), 2);
}

TEST_F(CxoneClientTest, TriggerLostThenRefusedKeepsTheOutcomeUnknown) {
  std::atomic<int> triggers{0};
  http_.On("/flows/main/compile",
           [&](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
             if (++triggers == 1) return AnswerLost();
             // Asking again never reaches CXone.
             return absl::UnavailableError("connection refused");
           });
  auto result = client_.Trigger("main", nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(http::MayHaveBeenDelivered(result.status())) << result.status();
  EXPECT_THAT(result.status().message(), HasSubstr("unknown"));
}

TEST_F(CxoneClientTest, TriggerAnsweredAServerErrorIsNotSentAgainBlindly) {
  for (int code : {500, 502, 504}) {
    std::atomic<int> triggers{0};
    FakeHttpClient http;
    http.On("/oauth/token", [](const http::HttpRequest&) {
      return Respond(200, R"({"access_token":"tok","expires_in":3600})");
    });
    http.On("/flows/main/compile", [&](const http::HttpRequest&) {
      // The first request started c-7 and failed answering.
      return ++triggers == 1
                 ? Respond(code, "{}")
                 : Respond(409, R"({"error":"conflict","compileId":"c-7"})");
    });
    TokenCache tokens(
        TokenEndpointConfig{std::string(kBase) + "/api/v2/oauth/token", "id",
                            "secret-secret", "", ClientAuthMethod::kFormFields},
        &http, &clock_, &redactor_);
    CxoneClient client({kBase, absl::Seconds(5), absl::Seconds(30)}, &http,
                       &tokens, &backoff_, &clock_, &log_, &redactor_);
    auto result = client.Trigger("main", nullptr);
    ASSERT_TRUE(result.ok()) << code << ": " << result.status();
    EXPECT_EQ(result->compile_id, "c-7") << code;
    EXPECT_TRUE(result->already_running) << code;
    EXPECT_EQ(triggers.load(), 2) << code;
  }
}

TEST_F(CxoneClientTest, TriggerAnswered503IsRetriedAsNotHandled) {
  std::atomic<int> triggers{0};
  http_.On("/flows/main/compile", [&](const http::HttpRequest&) {
    return ++triggers < 3 ? Respond(503, "{}")
                          : Respond(201, R"({"compileId":"c-1"})");
  });
  auto result = client_.Trigger("main", nullptr);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_FALSE(result->already_running);
  EXPECT_EQ(triggers.load(), 3);
}

TEST_F(CxoneClientTest, TriggerThatNeverLeftIsRetried) {
  std::atomic<int> triggers{0};
  http_.On("/flows/main/compile",
           [&](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
             if (++triggers < 3) {
               return absl::UnavailableError("connection refused");
             }
             return Respond(201, R"({"compileId":"c-1"})");
           });
  auto result = client_.Trigger("main", nullptr);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(triggers.load(), 3);
}

TEST_F(CxoneClientTest, StatusPollWhoseAnswerWasLostIsRetried) {
  std::atomic<int> polls{0};
  http_.On("/compile/c-1",
           [&](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
             if (++polls < 3) return AnswerLost();
             return Respond(200, R"({"status":"QUEUED"})");
           });
  ASSERT_TRUE(client_.GetStatus("main", "c-1").ok());
  EXPECT_EQ(polls.load(), 3);
}

TEST_F(CxoneClientTest, BadRequestIsInvalidArgument) {
  http_.On("/flows/main/compile", [](const http::HttpRequest&) {
    return Respond(400, R"({"message":"directives.level must be a number"})");
  });
  auto result = client_.Trigger("main", {{"level", "x"}});
  EXPECT_TRUE(absl::IsInvalidArgument(result.status()));
  EXPECT_THAT(result.status().message(), HasSubstr("directives.level"));
}

// Text from CXone is redacted where it enters the gateway: an answer that
// echoes the request's Authorization header cannot carry the token into an
// error message (and from there into events, the store and webhooks).
TEST_F(CxoneClientTest, ErrorAnswersEchoingTheAuthorizationHeaderAreRedacted) {
  http_.On("/compile/c-1", [](const http::HttpRequest& request) {
    return Respond(400,
                   nlohmann::json{{"error", "bad_request"},
                                  {"message", "rejected Authorization: " +
                                                  AuthorizationOf(request)}}
                       .dump());
  });
  http_.On("/flows/main/compile", [](const http::HttpRequest& request) {
    return Respond(403, "forbidden for " + AuthorizationOf(request));
  });
  auto status = client_.GetStatus("main", "c-1");
  ASSERT_TRUE(absl::IsInvalidArgument(status.status())) << status.status();
  EXPECT_THAT(std::string(status.status().message()),
              HasSubstr("rejected Authorization: Bearer [REDACTED]"));
  EXPECT_THAT(std::string(status.status().message()), Not(HasSubstr("tok-1")));
  auto trigger = client_.Trigger("main", nullptr);
  ASSERT_TRUE(absl::IsPermissionDenied(trigger.status())) << trigger.status();
  EXPECT_THAT(std::string(trigger.status().message()),
              HasSubstr("Bearer [REDACTED]"));
  EXPECT_THAT(std::string(trigger.status().message()), Not(HasSubstr("tok-1")));
}

TEST_F(CxoneClientTest, ServerErrorsEchoingTheTokenAreRedacted) {
  http_.On("/compile/c-1", [](const http::HttpRequest& request) {
    return Respond(502, "upstream saw " + AuthorizationOf(request));
  });
  auto status = client_.GetStatus("main", "c-1");
  ASSERT_TRUE(absl::IsUnavailable(status.status())) << status.status();
  EXPECT_THAT(std::string(status.status().message()),
              HasSubstr("Bearer [REDACTED]"));
  EXPECT_THAT(std::string(status.status().message()), Not(HasSubstr("tok-1")));
}

TEST_F(CxoneClientTest, TextFieldsOfAnswersAreRedacted) {
  http_.On("/compile/c-1", [](const http::HttpRequest& request) {
    const std::string echo = AuthorizationOf(request);
    return Respond(200, nlohmann::json{{"status", "FAILED " + echo},
                                       {"flowId", "main " + echo},
                                       {"compileId", "c-1 " + echo},
                                       {"errors",
                                        {{{"code", "E_" + echo},
                                          {"message", "bad header " + echo}}}},
                                       {"warnings", {"saw " + echo}}}
                            .dump());
  });
  http_.On("/flows/main/compile", [](const http::HttpRequest& request) {
    return Respond(
        201, nlohmann::json{{"compileId", "c-1"},
                            {"status", "QUEUED " + AuthorizationOf(request)}}
                 .dump());
  });
  auto status = client_.GetStatus("main", "c-1");
  ASSERT_TRUE(status.ok()) << status.status();
  ASSERT_EQ(status->errors.size(), 1u);
  ASSERT_EQ(status->warnings.size(), 1u);
  for (const std::string& text :
       {status->status, status->flow_id, status->compile_id,
        status->errors[0].code, status->errors[0].message,
        status->warnings[0].message}) {
    EXPECT_THAT(text, HasSubstr("Bearer [REDACTED]"));
    EXPECT_THAT(text, Not(HasSubstr("tok-1")));
  }
  auto trigger = client_.Trigger("main", nullptr);
  ASSERT_TRUE(trigger.ok()) << trigger.status();
  EXPECT_EQ(trigger->status, "QUEUED Bearer [REDACTED]");
}

// Waits (bounded) for `call` to finish after Shutdown(); if it does not,
// moves the clock on so that the thread can be joined, and fails.
template <typename T>
T AwaitAfterShutdown(std::future<T>& call, FakeClock& clock) {
  const bool ended =
      call.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
  if (!ended) clock.Advance(absl::Hours(1));  // let the thread go
  EXPECT_TRUE(ended) << "the call still waited out its backoff 10 s after "
                        "Shutdown()";
  return call.get();
}

TEST_F(CxoneClientTest, ShutdownEndsABackoffWaitWithUnavailable) {
  clock_.set_sleeps_block(true);  // the call stays in its backoff
  std::atomic<int> calls{0};
  http_.On("/compile/c-1", [&](const http::HttpRequest&) {
    ++calls;
    return Respond(503, "down");
  });
  std::future<absl::StatusOr<CompileStatus>> polled = std::async(
      std::launch::async, [this] { return client_.GetStatus("main", "c-1"); });
  const bool in_backoff =
      WaitUntil([&] { return clock_.blocked_waits() == 1; });
  client_.Shutdown();
  const absl::StatusOr<CompileStatus> status =
      AwaitAfterShutdown(polled, clock_);
  ASSERT_TRUE(in_backoff) << "the call never waited in its backoff";
  EXPECT_TRUE(absl::IsUnavailable(status.status())) << status.status();
  EXPECT_THAT(status.status().message(), HasSubstr("shutting down"));
  EXPECT_EQ(calls.load(), 1);  // not sent again
  // A later call fails at its first backoff too, instead of passing it as
  // the clock now would.
  clock_.set_sleeps_block(false);
  EXPECT_TRUE(absl::IsUnavailable(client_.GetStatus("main", "c-1").status()));
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(CxoneClientTest,
       ShutdownBeforeAskingAgainLeavesTheTriggerOutcomeUnknown) {
  clock_.set_sleeps_block(true);  // the call stays in its wait to ask again
  std::atomic<int> triggers{0};
  http_.On("/flows/main/compile",
           [&](const http::HttpRequest&) -> absl::StatusOr<http::HttpResponse> {
             ++triggers;
             return AnswerLost();
           });
  std::future<absl::StatusOr<TriggerResult>> triggered = std::async(
      std::launch::async, [this] { return client_.Trigger("main", nullptr); });
  const bool in_backoff =
      WaitUntil([&] { return clock_.blocked_waits() == 1; });
  client_.Shutdown();
  const absl::StatusOr<TriggerResult> result =
      AwaitAfterShutdown(triggered, clock_);
  ASSERT_TRUE(in_backoff) << "the trigger never waited to ask again";
  EXPECT_TRUE(absl::IsUnavailable(result.status())) << result.status();
  EXPECT_TRUE(http::MayHaveBeenDelivered(result.status()));
  EXPECT_THAT(result.status().message(), HasSubstr("unknown"));
  EXPECT_THAT(result.status().message(), HasSubstr("shutting down"));
  EXPECT_EQ(triggers.load(), 1);  // not asked again
}

}  // namespace
}  // namespace cxone::upstream
