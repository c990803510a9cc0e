// Runs the real cxone-sim binary and talks to it over HTTP, as the gateway
// will.
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"

namespace cxone::sim {
namespace {

using ::cxone::testing::ChildProcess;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

constexpr char kListeningPrefix[] = "cxone-sim listening on http://127.0.0.1:";
constexpr char kForm[] = "application/x-www-form-urlencoded";
constexpr char kFormCredentials[] =
    "grant_type=client_credentials&client_id=demo-client&client_secret=demo-"
    "secret";
constexpr absl::Duration kStartTimeout = absl::Seconds(20);
constexpr absl::Duration kPollDeadline = absl::Seconds(20);

nlohmann::json Json(const httplib::Result& res) {
  if (!res) return nullptr;
  return nlohmann::json::parse(res->body, nullptr, /*allow_exceptions=*/false);
}

std::string Describe(const httplib::Result& res) {
  if (!res)
    return absl::StrCat("no response: ", httplib::to_string(res.error()));
  return absl::StrCat("HTTP ", res->status, " ", res->body);
}

// Waits until the process has closed stdout and stderr, so that Lines() is
// complete (Wait() may return before the last lines were read).
void DrainOutput(ChildProcess& process) {
  absl::StatusOr<std::string> none = process.WaitForLine(
      [](const std::string&) { return false; }, absl::Seconds(20));
  EXPECT_TRUE(absl::IsUnavailable(none.status())) << none.status();
}

httplib::Headers Bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

class SimHttpTest : public ::testing::Test {
 protected:
  // Starts the simulator with the standard test flags plus `extra_args`
  // (later flags win) and connects a client to it.
  void StartSim(
      const std::vector<std::string>& extra_args = {},
      const std::vector<std::pair<std::string, std::string>>& extra_env = {}) {
    std::vector<std::string> args = {"--port=0",
                                     "--flows-dir=" CXONE_SOURCE_DIR
                                     "/simulator/flows",
                                     "--queued-ms=100",
                                     "--in-progress-ms=150",
                                     "--not-found-flows=ghost",
                                     "--failing-flows=flaky"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    auto sim = ChildProcess::Start(CXONE_SIM_BINARY, args, extra_env);
    ASSERT_TRUE(sim.ok()) << sim.status();
    sim_ = *std::move(sim);
    absl::StatusOr<std::string> line = sim_->WaitForLine(
        [](const std::string& l) {
          return absl::StartsWith(l, kListeningPrefix);
        },
        kStartTimeout);
    ASSERT_TRUE(line.ok()) << line.status();
    ASSERT_TRUE(absl::SimpleAtoi(
        absl::string_view(*line).substr(sizeof(kListeningPrefix) - 1), &port_))
        << *line;
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_connection_timeout(10);
    client_->set_read_timeout(30);
  }

  httplib::Result RequestToken(const std::string& body,
                               const httplib::Headers& headers = {},
                               const std::string& content_type = kForm) {
    return client_->Post("/api/v2/oauth/token", headers, body, content_type);
  }

  // A token from the form flow; `scope` is sent if not empty.
  std::string Token(const std::string& scope = "") {
    std::string body = kFormCredentials;
    if (!scope.empty()) body += "&scope=" + scope;
    httplib::Result res = RequestToken(body);
    EXPECT_TRUE(res && res->status == 200) << Describe(res);
    return Json(res).value("access_token", "");
  }

  httplib::Result Trigger(const std::string& flow_id, const std::string& token,
                          const std::string& body = "") {
    return client_->Post(absl::StrCat("/api/v2/flows/", flow_id, "/compile"),
                         Bearer(token), body, "application/json");
  }

  httplib::Result Status(const std::string& flow_id,
                         const std::string& compile_id,
                         const std::string& token) {
    return client_->Get(
        absl::StrCat("/api/v2/flows/", flow_id, "/compile/", compile_id),
        Bearer(token));
  }

  // Triggers `flow_id` and returns the compile id.
  std::string StartCompile(const std::string& flow_id,
                           const std::string& token) {
    httplib::Result res = Trigger(flow_id, token);
    EXPECT_TRUE(res && res->status == 201) << Describe(res);
    return Json(res).value("compileId", "");
  }

  // Polls the status until it is terminal or the deadline passes; returns
  // the last body and appends every status seen to `seen`.
  nlohmann::json PollUntilTerminal(const std::string& flow_id,
                                   const std::string& compile_id,
                                   const std::string& token,
                                   std::vector<std::string>* seen) {
    const absl::Time deadline = absl::Now() + kPollDeadline;
    nlohmann::json body;
    while (absl::Now() < deadline) {
      httplib::Result res = Status(flow_id, compile_id, token);
      EXPECT_TRUE(res && res->status == 200) << Describe(res);
      if (!res || res->status != 200) return nullptr;
      body = Json(res);
      const std::string status = body.value("status", "");
      if (seen->empty() || seen->back() != status) seen->push_back(status);
      if (status == "COMPLETED" || status == "FAILED") return body;
      absl::SleepFor(absl::Milliseconds(10));
    }
    ADD_FAILURE() << "compile " << compile_id << " not terminal by deadline";
    return body;
  }

  nlohmann::json Stats() {
    httplib::Result res = client_->Get("/_sim/stats");
    EXPECT_TRUE(res && res->status == 200) << Describe(res);
    return Json(res);
  }

  nlohmann::json Faults() {
    httplib::Result res = client_->Get("/_sim/faults");
    EXPECT_TRUE(res && res->status == 200) << Describe(res);
    return Json(res);
  }

  // POST /_sim/faults with `patch`; returns the response.
  httplib::Result SetFaults(const std::string& patch) {
    return client_->Post("/_sim/faults", patch, "application/json");
  }

  nlohmann::json DebugCompile(const std::string& compile_id) {
    httplib::Result res = client_->Get("/_sim/compiles/" + compile_id);
    EXPECT_TRUE(res && res->status == 200) << Describe(res);
    return Json(res);
  }

  std::unique_ptr<ChildProcess> sim_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
};

// Rank of a status in the lifecycle, to check it only moves forward.
int Rank(const std::string& status) {
  if (status == "QUEUED") return 0;
  if (status == "IN_PROGRESS") return 1;
  return 2;
}

// --- Tokens ---

TEST_F(SimHttpTest, IssuesTokenForFormCredentials) {
  StartSim();
  httplib::Result res = RequestToken(kFormCredentials);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->get_header_value("Cache-Control"), "no-store");
  const nlohmann::json body = Json(res);
  EXPECT_THAT(body.value("access_token", ""), MatchesRegex("[0-9a-f]{64}"));
  EXPECT_EQ(body["token_type"], "Bearer");
  EXPECT_EQ(body["expires_in"], 3600);
  EXPECT_EQ(body["scope"], "flow:read flow:write");
}

TEST_F(SimHttpTest, IssuesTokenForBasicCredentials) {
  StartSim({"--token-ttl", "90s", "--client-secret", "s3cr:t"});
  httplib::Result res = RequestToken(
      "grant_type=client_credentials&scope=flow%3Aread",
      {{"Authorization", "Basic " + absl::Base64Escape("demo-client:s3cr:t")}});
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 200) << res->body;
  const nlohmann::json body = Json(res);
  EXPECT_EQ(body["expires_in"], 90);
  EXPECT_EQ(body["scope"], "flow:read");
}

TEST_F(SimHttpTest, RejectsJsonBodyUnderFormContentType) {
  StartSim();
  httplib::Result res = RequestToken(
      R"({"grant_type":"client_credentials","client_id":"demo-client",)"
      R"("client_secret":"demo-secret"})");
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(Json(res)["error"], "invalid_request");
  EXPECT_THAT(Json(res).value("error_description", ""),
              HasSubstr("the body is JSON"));
}

TEST_F(SimHttpTest, RejectsTokenRequestWithJsonContentType) {
  StartSim();
  httplib::Result res = RequestToken(kFormCredentials, {}, "application/json");
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Json(res)["error"], "invalid_request");
}

TEST_F(SimHttpTest, RejectsWrongSecretWith401InvalidClient) {
  StartSim();
  httplib::Result res = RequestToken(
      "grant_type=client_credentials&client_id=demo-client&client_secret=nope");
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(Json(res)["error"], "invalid_client");
  EXPECT_TRUE(Json(res).contains("error_description"));
}

TEST_F(SimHttpTest, RejectsOtherGrantTypes) {
  StartSim();
  httplib::Result res = RequestToken(
      "grant_type=password&client_id=demo-client&client_secret=demo-secret");
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Json(res)["error"], "unsupported_grant_type");
}

// --- Trigger and status ---

TEST_F(SimHttpTest, TriggerAnswers201Queued) {
  StartSim();
  httplib::Result res = Trigger("main-menu", Token());
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 201) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  const nlohmann::json body = Json(res);
  EXPECT_THAT(body.value("compileId", ""),
              MatchesRegex("c-[0-9a-z]+-000001-[0-9a-f]{8}"));
  EXPECT_EQ(body["status"], "QUEUED");
}

// CXone never gives a compile id twice; neither may a restarted simulator
// with the same seed (a gateway keeping its state would take the second
// compile for the first).
TEST_F(SimHttpTest, CompileIdsNeverRepeatAcrossRestarts) {
  StartSim();
  httplib::Result first = Trigger("main-menu", Token());
  ASSERT_TRUE(first && first->status == 201) << Describe(first);
  StartSim();  // the same flags and seed
  httplib::Result second = Trigger("main-menu", Token());
  ASSERT_TRUE(second && second->status == 201) << Describe(second);
  EXPECT_NE(Json(first).value("compileId", ""),
            Json(second).value("compileId", ""));
}

TEST_F(SimHttpTest, SecondTriggerWhileRunningAnswers409WithRunningCompileId) {
  // A minute in the queue: the first is certainly still running.
  StartSim({"--queued-ms", "60000"});
  const std::string token = Token();
  const std::string first = StartCompile("main-menu", token);
  httplib::Result res = Trigger("main-menu", token);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 409);
  const nlohmann::json body = Json(res);
  EXPECT_EQ(body["error"], "conflict");
  EXPECT_EQ(body["compileId"], first);
  EXPECT_THAT(body.value("message", ""), HasSubstr(first));
  // Another flow is not blocked.
  EXPECT_EQ(Trigger("other-flow", token)->status, 201);
}

TEST_F(SimHttpTest, StatusProgressesFromQueuedToCompleted) {
  StartSim();
  const std::string token = Token();
  const std::string id = StartCompile("main-menu", token);
  std::vector<std::string> seen;
  const nlohmann::json body = PollUntilTerminal("main-menu", id, token, &seen);
  EXPECT_EQ(body["status"], "COMPLETED");
  EXPECT_EQ(body["flowId"], "main-menu");
  EXPECT_EQ(body["compileId"], id);
  EXPECT_EQ(body["errors"], nlohmann::json::array());
  EXPECT_EQ(body["warnings"], nlohmann::json::array());
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_LT(Rank(seen[i - 1]), Rank(seen[i]))
        << "went from " << seen[i - 1] << " to " << seen[i];
  }
}

TEST_F(SimHttpTest, HidesDiagnosticsUntilTerminal) {
  StartSim({"--queued-ms", "60000"});
  const std::string token = Token();
  const std::string id = StartCompile("broken-refs", token);
  httplib::Result res = Status("broken-refs", id, token);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 200);
  const nlohmann::json body = Json(res);
  EXPECT_EQ(body["status"], "QUEUED");
  EXPECT_EQ(body["errors"], nlohmann::json::array());
  EXPECT_EQ(body["warnings"], nlohmann::json::array());
}

TEST_F(SimHttpTest, SyntaxErrorFlowFailsWithLocatedError) {
  StartSim();
  const std::string token = Token();
  const std::string id = StartCompile("syntax-error", token);
  std::vector<std::string> seen;
  const nlohmann::json body =
      PollUntilTerminal("syntax-error", id, token, &seen);
  EXPECT_EQ(body["status"], "FAILED");
  EXPECT_EQ(body["errors"], nlohmann::json::parse(R"json([{
      "code": "SYNTAX_ERROR",
      "message": "expected ',' or '}' after an object member, found a string (missing ','?)",
      "location": {"line": 13, "column": 7}}])json"));
  EXPECT_EQ(body["warnings"], nlohmann::json::array());
}

TEST_F(SimHttpTest, BrokenRefsFlowFailsWithEveryProblem) {
  StartSim();
  const std::string token = Token();
  const std::string id = StartCompile("broken-refs", token);
  std::vector<std::string> seen;
  const nlohmann::json body =
      PollUntilTerminal("broken-refs", id, token, &seen);
  EXPECT_EQ(body["status"], "FAILED");
  std::vector<std::string> where;
  for (const nlohmann::json& error : body["errors"]) {
    where.push_back(absl::StrCat(error.value("code", ""), "@",
                                 error["location"].value("line", 0), ":",
                                 error["location"].value("column", 0)));
  }
  EXPECT_THAT(where, ::testing::ElementsAre(
                         "REFERENCE_ERROR@16:14", "VALIDATION_ERROR@19:5",
                         "REFERENCE_ERROR@26:15", "VALIDATION_ERROR@29:13"));
  EXPECT_EQ(body["warnings"], nlohmann::json::parse(R"([{
      "code": "UNREACHABLE_NODE",
      "message": "node \"survey\" is not reachable from start node \"greet\"",
      "location": {"line": 36, "column": 5}}])"));
}

TEST_F(SimHttpTest, AnswersUnknownCompileWith404) {
  StartSim();
  const std::string token = Token();
  const std::string id = StartCompile("main-menu", token);
  EXPECT_EQ(Status("main-menu", "c-999999-00000000", token)->status, 404);
  // A real compile id, but of another flow.
  httplib::Result res = Status("other-flow", id, token);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(Json(res)["error"], "not_found");
}

TEST_F(SimHttpTest, PassesDirectivesThrough) {
  StartSim();
  httplib::Result res =
      Trigger("main-menu", Token(),
              R"({"flowId": "main-menu", "directives": {"mode": "strict",)"
              R"( "targets": ["a", "b"]}})");
  ASSERT_TRUE(res && res->status == 201) << Describe(res);
  const std::string id = Json(res)["compileId"];
  const nlohmann::json expected =
      nlohmann::json::parse(R"({"mode": "strict", "targets": ["a", "b"]})");

  httplib::Result debug = client_->Get("/_sim/compiles/" + id);
  ASSERT_TRUE(debug && debug->status == 200) << Describe(debug);
  EXPECT_EQ(Json(debug)["directives"], expected);
  EXPECT_EQ(Json(debug)["flowId"], "main-menu");
  EXPECT_EQ(Stats()["last_trigger"]["directives"], expected);
  EXPECT_EQ(client_->Get("/_sim/compiles/c-9")->status, 404);
}

TEST_F(SimHttpTest, RejectsInvalidFlowIdAndBodies) {
  StartSim();
  const std::string token = Token();
  httplib::Result res = Trigger("bad$id", token);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Json(res)["error"], "invalid_argument");
  EXPECT_EQ(Trigger("..", token)->status, 400);
  EXPECT_EQ(Trigger("main-menu", token, "[1, 2]")->status, 400);
  EXPECT_EQ(Trigger("main-menu", token, "not json")->status, 400);
  EXPECT_EQ(Trigger("main-menu", token, R"({"directives": 3})")->status, 400);
  EXPECT_EQ(Trigger("main-menu", token, R"({"flowId": "other"})")->status, 400);
}

TEST_F(SimHttpTest, AnswersConfiguredNotFoundAndFailingFlows) {
  StartSim();
  const std::string token = Token();
  httplib::Result res = Trigger("ghost", token);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(Json(res),
            nlohmann::json::parse(
                R"({"error":"not_found","message":"flow ghost not found"})"));
  EXPECT_EQ(Trigger("flaky", token)->status, 503);
  EXPECT_EQ(Status("flaky", "c-000001-00000000", token)->status, 503);
}

// --- Authorization ---

TEST_F(SimHttpTest, RejectsMissingOrUnknownTokenWith401) {
  StartSim();
  httplib::Result res = client_->Post("/api/v2/flows/main-menu/compile");
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(Json(res)["error"], "invalid_token");
  res = Status("main-menu", "c-000001-00000000", "0123456789abcdef");
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(Json(res)["error"], "invalid_token");
}

TEST_F(SimHttpTest, RejectsExpiredTokenWith401) {
  StartSim({"--token-ttl", "1s"});
  const std::string token = Token();
  const absl::Time deadline = absl::Now() + kPollDeadline;
  int status = 0;
  // Wait for the expiry on the simulator's clock: poll until it says 401.
  while (absl::Now() < deadline) {
    status = Trigger("other-flow", token)->status;
    if (status == 401) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(status, 401);
}

TEST_F(SimHttpTest, RefusesTriggerWithoutWriteScopeWith403) {
  StartSim();
  const std::string read_only = Token("flow:read");
  httplib::Result res = Trigger("main-menu", read_only);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(Json(res),
            nlohmann::json::parse(R"({"error":"insufficient_scope",)"
                                  R"("message":"scope flow:write required"})"));
  // Reading is allowed with that token.
  EXPECT_EQ(Status("main-menu", "c-000001-00000000", read_only)->status, 404);
}

TEST_F(SimHttpTest, RefusesStatusWithoutReadScopeWith403) {
  StartSim({"--scopes", "flow:write"});
  const std::string token = Token();
  const std::string id = StartCompile("main-menu", token);
  httplib::Result res = Status("main-menu", id, token);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 403);
  EXPECT_EQ(Json(res)["message"], "scope flow:read required");
}

// --- Simulator endpoints ---

TEST_F(SimHttpTest, CountsRequestsInStatsAndResetZeroesThem) {
  StartSim();
  const std::string token = Token();
  const std::string id = StartCompile("main-menu", token);
  ASSERT_EQ(Status("main-menu", id, token)->status, 200);
  ASSERT_EQ(Status("main-menu", id, token)->status, 200);
  nlohmann::json stats = Stats();
  EXPECT_EQ(
      stats["requests"],
      nlohmann::json::parse(R"({"token": 1, "trigger": 1, "status": 2})"));
  EXPECT_EQ(stats["rate_limited"], 0);
  EXPECT_EQ(stats["max_concurrent"], 1);

  httplib::Result reset = client_->Post("/_sim/reset");
  ASSERT_TRUE(reset && reset->status == 200) << Describe(reset);
  stats = Stats();
  EXPECT_EQ(
      stats["requests"],
      nlohmann::json::parse(R"({"token": 0, "trigger": 0, "status": 0})"));
  EXPECT_EQ(stats["max_concurrent"], 0);
  // Tokens and compiles survive a reset.
  EXPECT_EQ(Status("main-menu", id, token)->status, 200);
}

TEST_F(SimHttpTest, MeasuresPeakConcurrency) {
  // Each request is held for 500 ms, so four sent at once overlap.
  StartSim({"--response-delay", "500ms"});
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([this] {
      httplib::Client client("127.0.0.1", port_);
      httplib::Result res =
          client.Post("/api/v2/oauth/token", kFormCredentials, kForm);
      EXPECT_TRUE(res && res->status == 200) << Describe(res);
    });
  }
  for (std::thread& thread : threads) thread.join();
  const nlohmann::json stats = Stats();
  EXPECT_EQ(stats["requests"]["token"], 4);
  EXPECT_GE(stats["max_concurrent"].get<int>(), 2);
  EXPECT_LE(stats["max_concurrent"].get<int>(), 4);
}

TEST_F(SimHttpTest, RateLimitsWith429AndRetryAfter) {
  StartSim({"--rate-limit-per-second", "1"});
  const std::string token = Token();
  // Three requests within a second cross at most one window boundary, so
  // at least one of them exceeds one request per second.
  int limited = 0;
  for (int i = 0; i < 3; ++i) {
    httplib::Result res = Status("main-menu", "c-000001-00000000", token);
    ASSERT_TRUE(res) << Describe(res);
    if (res->status == 429) {
      ++limited;
      EXPECT_EQ(res->get_header_value("Retry-After"), "1");
      EXPECT_EQ(Json(res)["error"], "rate_limited");
    } else {
      EXPECT_EQ(res->status, 404);
    }
  }
  EXPECT_GE(limited, 1);
  EXPECT_EQ(Stats()["rate_limited"], limited);
}

// Sends `request` over a fresh connection and returns everything the server
// answers until it closes the connection.
std::string RawExchange(int port, const std::string& request) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_GE(fd, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string response;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      send(fd, request.data(), request.size(), 0) ==
          static_cast<ssize_t>(request.size())) {
    char buffer[4096];
    ssize_t n;
    while ((n = recv(fd, buffer, sizeof buffer, 0)) > 0) {
      response.append(buffer, static_cast<size_t>(n));
    }
  }
  close(fd);
  return response;
}

TEST_F(SimHttpTest, AcceptsPostWithoutContentLengthAsEmptyBody) {
  // What `curl -X POST` sends: no body, no Content-Length.
  StartSim();
  const std::string response = RawExchange(
      port_, absl::StrCat("POST /api/v2/flows/main-menu/compile HTTP/1.1\r\n"
                          "Host: 127.0.0.1\r\nAuthorization: Bearer ",
                          Token(), "\r\nConnection: close\r\n\r\n"));
  EXPECT_TRUE(absl::StartsWith(response, "HTTP/1.1 201")) << response;
  EXPECT_THAT(response, HasSubstr("\"status\":\"QUEUED\""));
  EXPECT_TRUE(
      absl::StartsWith(RawExchange(port_,
                                   "POST /nope HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                   "Connection: close\r\n\r\n"),
                       "HTTP/1.1 404"));
}

TEST_F(SimHttpTest, AnswersUnknownPathsWithJson404) {
  StartSim();
  httplib::Result res = client_->Get("/api/v2/nope");
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(Json(res)["error"], "not_found");
}

// --- Faults: settings ---

TEST_F(SimHttpTest, FaultsEndpointShowsTheDefaults) {
  StartSim();
  EXPECT_EQ(Faults(), nlohmann::json::parse(R"({
      "rate_limit_rps": 0, "retry_after_form": "seconds",
      "retry_after_seconds": 1, "error_rate": 0.0, "latency_ms": 0,
      "drop_rate": 0.0, "malformed_rate": 0.0, "token_ttl_seconds": 3600,
      "token_endpoint_down": false, "stuck_flows": [], "backwards_flows": [],
      "unknown_status_flows": [], "chatty_flows": [],
      "echo_authorization_flows": [], "in_progress_ms_max": 150,
      "queued_spread_ms": 0, "trigger_answer_delay_ms": 0,
      "lost_trigger_answers": 0})"));
}

TEST_F(SimHttpTest, PostingFaultsChangesOnlyTheFieldsGiven) {
  StartSim({"--error-rate=0.25"});
  httplib::Result res =
      SetFaults(R"({"drop_rate": 0.5, "stuck_flows": ["a", "b"]})");
  ASSERT_TRUE(res && res->status == 200) << Describe(res);
  const nlohmann::json body = Json(res);
  EXPECT_EQ(body["drop_rate"], 0.5);
  EXPECT_EQ(body["stuck_flows"], nlohmann::json::parse(R"(["a", "b"])"));
  EXPECT_EQ(body["error_rate"], 0.25);
  EXPECT_EQ(Faults(), body);
}

TEST_F(SimHttpTest, PostingABadFieldAnswers400NamingItAndChangesNothing) {
  StartSim();
  const nlohmann::json before = Faults();
  const std::pair<const char*, const char*> cases[] = {
      {R"({"error_rate": 0.5, "bogus": true})", "bogus"},
      {R"({"drop_rate": "lots"})", "drop_rate"},
      {R"({"error_rate": 0.5, "malformed_rate": 2})", "malformed_rate"},
      {R"({"stuck_flows": "a,b"})", "stuck_flows"},
      {R"({"revoke_tokens": "yes"})", "revoke_tokens"}};
  for (const auto& [patch, field] : cases) {
    httplib::Result res = SetFaults(patch);
    ASSERT_TRUE(res) << Describe(res);
    EXPECT_EQ(res->status, 400) << patch;
    const nlohmann::json body = Json(res);
    EXPECT_EQ(body["error"], "invalid_argument") << patch;
    EXPECT_EQ(body["field"], field) << patch;
    EXPECT_THAT(body.value("message", ""), HasSubstr(field)) << patch;
  }
  EXPECT_EQ(SetFaults("not json")->status, 400);
  EXPECT_EQ(SetFaults("[1, 2]")->status, 400);
  EXPECT_EQ(Faults(), before);
}

TEST_F(SimHttpTest, FaultFlagsAndEnvironmentSetTheInitialFaults) {
  StartSim(
      {"--rate-limit-rps=7", "--retry-after-form=http-date",
       "--retry-after-seconds=2.5", "--latency-ms=5", "--malformed-rate=0.125",
       "--token-ttl-seconds=120", "--token-endpoint-down", "--stuck-flows=b, a",
       "--backwards-flows=c", "--unknown-status-flows=d", "--chatty-flows=e",
       "--echo-authorization-flows=f", "--in-progress-ms-max=400",
       "--queued-spread-ms=250"},
      {{"CXONE_SIM_ERROR_RATE", "0.5"}, {"CXONE_SIM_DROP_RATE", "0.25"}});
  EXPECT_EQ(Faults(), nlohmann::json::parse(R"({
      "rate_limit_rps": 7, "retry_after_form": "http-date",
      "retry_after_seconds": 2.5, "error_rate": 0.5, "latency_ms": 5,
      "drop_rate": 0.25, "malformed_rate": 0.125, "token_ttl_seconds": 120,
      "token_endpoint_down": true, "stuck_flows": ["a", "b"],
      "backwards_flows": ["c"], "unknown_status_flows": ["d"],
      "chatty_flows": ["e"], "echo_authorization_flows": ["f"],
      "in_progress_ms_max": 400, "queued_spread_ms": 250,
      "trigger_answer_delay_ms": 0, "lost_trigger_answers": 0})"));
}

TEST_F(SimHttpTest, OlderFlagNamesStillSetTheirFaults) {
  StartSim({"--rate-limit-per-second=3", "--response-delay=20ms",
            "--token-ttl=90s"});
  const nlohmann::json faults = Faults();
  EXPECT_EQ(faults["rate_limit_rps"], 3);
  EXPECT_EQ(faults["latency_ms"], 20);
  EXPECT_EQ(faults["token_ttl_seconds"], 90);
}

// --- Faults: their effect ---

TEST_F(SimHttpTest, DroppedConnectionIsATransportErrorForTheClient) {
  StartSim({"--drop-rate=1"});
  httplib::Result res = RequestToken(kFormCredentials);
  EXPECT_FALSE(res) << Describe(res);
  // The simulator's own endpoints are never faulty.
  const nlohmann::json stats = Stats();
  EXPECT_EQ(stats["requests"]["token"], 1);
  EXPECT_EQ(stats["status_codes"], nlohmann::json::parse(R"({"dropped": 1})"));
}

TEST_F(SimHttpTest, CurlSeesADroppedConnectionAsATruncatedTransfer) {
  constexpr char kCurl[] = "/usr/bin/curl";
  if (access(kCurl, X_OK) != 0) GTEST_SKIP() << "no " << kCurl;
  StartSim({"--drop-rate=1"});
  absl::StatusOr<ChildProcess::Outcome> curl = ChildProcess::Run(
      kCurl,
      {"-sS", "--noproxy", "*", "-o", "/dev/null", "--data", kFormCredentials,
       absl::StrCat("http://127.0.0.1:", port_, "/api/v2/oauth/token")});
  ASSERT_TRUE(curl.ok()) << curl.status();
  // 18: CURLE_PARTIAL_FILE, "transfer closed with N bytes remaining".
  EXPECT_EQ(curl->exit_code, 18) << curl->Text();
}

TEST_F(SimHttpTest, MalformedStatusBodyIsNotValidJson) {
  StartSim({"--malformed-rate=1"});
  const std::string token = Token();
  const std::string id = StartCompile("main-menu", token);
  httplib::Result res = Status("main-menu", id, token);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_TRUE(Json(res).is_discarded()) << res->body;
  EXPECT_THAT(res->body, HasSubstr(R"("status":"QUE)"));
  // Only 200 status answers are cut short.
  res = Status("main-menu", "c-999999-00000000", token);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_FALSE(Json(res).is_discarded()) << res->body;
}

TEST_F(SimHttpTest, ErrorRateAnswers503WithAJsonError) {
  StartSim({"--error-rate=1"});
  httplib::Result res = RequestToken(kFormCredentials);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(Json(res)["error"], "unavailable");
}

TEST_F(SimHttpTest, SameSeedGivesTheSameFaultsAcrossRuns) {
  std::vector<std::vector<int>> runs;
  for (const char* seed : {"--seed=5", "--seed=5", "--seed=6"}) {
    StartSim({seed, "--error-rate=0.5"});
    std::vector<int> statuses;
    for (int i = 0; i < 32; ++i) {
      httplib::Result res = RequestToken(kFormCredentials);
      ASSERT_TRUE(res) << Describe(res);
      statuses.push_back(res->status);
    }
    runs.push_back(statuses);
  }
  EXPECT_EQ(runs[0], runs[1]);
  EXPECT_NE(runs[0], runs[2]);
}

TEST_F(SimHttpTest, LatencyDelaysEveryApiRequest) {
  StartSim({"--latency-ms=300"});
  const absl::Time start = absl::Now();
  ASSERT_EQ(RequestToken(kFormCredentials)->status, 200);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(300));
}

TEST_F(SimHttpTest, TokenEndpointDownAnswers503UntilItIsBackUp) {
  StartSim({"--token-endpoint-down"});
  httplib::Result res = RequestToken(kFormCredentials);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(Json(res)["error"], "temporarily_unavailable");
  ASSERT_EQ(SetFaults(R"({"token_endpoint_down": false})")->status, 200);
  EXPECT_EQ(RequestToken(kFormCredentials)->status, 200);
}

TEST_F(SimHttpTest, RevokedTokensAnswer401InvalidToken) {
  StartSim();
  const std::string old_token = Token();
  ASSERT_EQ(Status("main-menu", "c-999999-00000000", old_token)->status, 404);
  ASSERT_EQ(SetFaults(R"({"revoke_tokens": true})")->status, 200);
  httplib::Result res = Status("main-menu", "c-999999-00000000", old_token);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(Json(res)["error"], "invalid_token");
  EXPECT_THAT(Json(res).value("message", ""), HasSubstr("revoked"));
  // Revoking is an action, not a state: a new token works.
  EXPECT_EQ(Status("main-menu", "c-999999-00000000", Token())->status, 404);
}

TEST_F(SimHttpTest, EchoAuthorizationFlowsAnswer400QuotingTheHeader) {
  StartSim();
  const std::string token = Token();
  const std::string compile_id = StartCompile("main-menu", token);
  ASSERT_EQ(SetFaults(R"({"echo_authorization_flows": ["main-menu"]})")->status,
            200);
  httplib::Result res = Status("main-menu", compile_id, token);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(Json(res)["error"], "invalid_request");
  EXPECT_THAT(Json(res).value("message", ""),
              HasSubstr("Authorization: Bearer " + token));
  // Other flows, and the flow once the fault is lifted, answer as usual.
  ASSERT_EQ(Status("broken-refs", "c-999999-00000000", token)->status, 404);
  ASSERT_EQ(SetFaults(R"({"echo_authorization_flows": []})")->status, 200);
  EXPECT_EQ(Status("main-menu", compile_id, token)->status, 200);
  sim_->Signal(SIGTERM);
  ASSERT_TRUE(sim_->Wait(absl::Seconds(20)).ok());
  DrainOutput(*sim_);
  for (const std::string& line : sim_->Lines()) {
    EXPECT_THAT(line, Not(HasSubstr(token)));
  }
}

TEST_F(SimHttpTest, RateLimitPausesTheWholeAccountUntilRetryAfter) {
  StartSim({"--rate-limit-rps=1"});
  const std::string token = Token();  // this second's one request
  httplib::Result res = Status("main-menu", "c-999999-00000000", token);
  ASSERT_TRUE(res) << Describe(res);
  ASSERT_EQ(res->status, 429);
  const absl::Time told = absl::Now();
  EXPECT_EQ(res->get_header_value("Retry-After"), "1");
  // During the pause every endpoint is refused, and counted.
  res = RequestToken(kFormCredentials);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(res->get_header_value("Retry-After"), "1");
  // (Arriving right after the 429, it may count as already in flight.)
  nlohmann::json stats = Stats();
  EXPECT_EQ(stats["rate_limited"], 2);
  EXPECT_EQ(stats["requests_during_pause"].get<int>() +
                stats["requests_in_flight_at_pause"].get<int>(),
            1);

  // A client that honours Retry-After is served and not counted.
  absl::SleepFor(told + absl::Seconds(1) - absl::Now());
  res = Status("main-menu", "c-999999-00000000", token);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 404);
  stats = Stats();
  EXPECT_EQ(stats["requests_during_pause"].get<int>() +
                stats["requests_in_flight_at_pause"].get<int>(),
            1);
  EXPECT_EQ(stats["status_codes"],
            nlohmann::json::parse(R"({"200": 1, "404": 1, "429": 2})"));
}

TEST_F(SimHttpTest, HttpDateRetryAfterNamesAWholeSecondToComeBackAt) {
  StartSim({"--rate-limit-rps=1", "--retry-after-form=http-date"});
  const std::string token = Token();
  httplib::Result res = Status("main-menu", "c-999999-00000000", token);
  ASSERT_TRUE(res) << Describe(res);
  ASSERT_EQ(res->status, 429);
  const std::string date = res->get_header_value("Retry-After");
  ASSERT_THAT(date, MatchesRegex("[A-Z][a-z][a-z], [0-9][0-9] [A-Z][a-z][a-z] "
                                 "[0-9]{4} [0-9][0-9]:[0-9][0-9]:[0-9][0-9] "
                                 "GMT"));
  absl::Time until;
  std::string error;
  ASSERT_TRUE(absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", date,
                              absl::UTCTimeZone(), &until, &error))
      << error;
  // At least the one-second pause, rounded up to a whole second.
  EXPECT_GT(until, absl::Now());
  EXPECT_LE(until, absl::Now() + absl::Seconds(2));

  absl::SleepFor(until - absl::Now());
  res = Status("main-menu", "c-999999-00000000", token);
  ASSERT_TRUE(res) << Describe(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(Stats()["requests_during_pause"], 0);
}

// Polls the debug endpoint until `compile_id` is terminal; returns it.
nlohmann::json WaitUntilTerminal(httplib::Client& client,
                                 const std::string& compile_id) {
  const absl::Time deadline = absl::Now() + kPollDeadline;
  nlohmann::json compile;
  while (absl::Now() < deadline) {
    httplib::Result res = client.Get("/_sim/compiles/" + compile_id);
    if (!res || res->status != 200) return nullptr;
    compile = Json(res);
    const std::string status = compile.value("status", "");
    if (status == "COMPLETED" || status == "FAILED") return compile;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ADD_FAILURE() << "compile " << compile_id << " not terminal by deadline";
  return compile;
}

// "STATUS+ms since the previous transition" for each transition.
std::vector<std::string> Steps(const nlohmann::json& compile) {
  std::vector<std::string> steps;
  int64_t previous = -1;
  for (const nlohmann::json& transition : compile["transitions"]) {
    const int64_t at = transition.value("at_unix_ms", int64_t{0});
    steps.push_back(absl::StrCat(transition.value("status", ""), "+",
                                 previous < 0 ? 0 : at - previous));
    previous = at;
  }
  return steps;
}

TEST_F(SimHttpTest, LifecycleFaultsShowInTheCompilesTransitions) {
  StartSim();
  ASSERT_EQ(SetFaults(R"({"backwards_flows": ["main-menu"],
                          "unknown_status_flows": ["other-flow"],
                          "stuck_flows": ["stuck-flow"]})")
                ->status,
            200);
  const std::string token = Token();
  const std::string backwards = StartCompile("main-menu", token);
  const std::string unknown = StartCompile("other-flow", token);
  const std::string stuck = StartCompile("stuck-flow", token);
  EXPECT_THAT(
      Steps(WaitUntilTerminal(*client_, backwards)),
      ::testing::ElementsAre("QUEUED+0", "IN_PROGRESS+100", "QUEUED+150",
                             "IN_PROGRESS+150", "COMPLETED+150"));
  EXPECT_THAT(Steps(WaitUntilTerminal(*client_, unknown)),
              ::testing::ElementsAre("QUEUED+0", "VALIDATING+100",
                                     "IN_PROGRESS+150", "COMPLETED+150"));
  // By now the stuck compile would have finished long ago.
  EXPECT_THAT(Steps(DebugCompile(stuck)),
              ::testing::ElementsAre("QUEUED+0", "IN_PROGRESS+100"));
  EXPECT_EQ(DebugCompile(stuck)["status"], "IN_PROGRESS");
}

TEST_F(SimHttpTest, UnknownStatusIsWhatTheStatusEndpointReports) {
  StartSim({"--unknown-status-flows=main-menu", "--queued-ms=300",
            "--in-progress-ms=300"});
  const std::string token = Token();
  const std::string id = StartCompile("main-menu", token);
  std::vector<std::string> seen;
  PollUntilTerminal("main-menu", id, token, &seen);
  EXPECT_THAT(seen, ::testing::Contains("VALIDATING"));
  EXPECT_EQ(seen.back(), "COMPLETED");
}

TEST_F(SimHttpTest, InProgressDurationsSpreadOverTheConfiguredRange) {
  StartSim({"--queued-ms=0", "--in-progress-ms=100", "--in-progress-ms-max=300",
            "--stuck-flows=never"});
  const std::string token = Token();
  std::vector<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(StartCompile(absl::StrCat("spread-", i), token));
  }
  std::set<int64_t> durations;
  for (const std::string& id : ids) {
    const nlohmann::json compile = WaitUntilTerminal(*client_, id);
    const nlohmann::json& transitions = compile["transitions"];
    ASSERT_EQ(transitions.size(), 2u) << compile;
    const int64_t ms = transitions[1].value("at_unix_ms", int64_t{0}) -
                       transitions[0].value("at_unix_ms", int64_t{0});
    EXPECT_GE(ms, 100);
    EXPECT_LE(ms, 300);
    durations.insert(ms);
  }
  EXPECT_GT(durations.size(), 1u);
}

// --- Statistics ---

TEST_F(SimHttpTest, CountsEveryApiResponseByStatusCode) {
  StartSim();
  const std::string token = Token();
  ASSERT_EQ(RequestToken("grant_type=client_credentials&client_id=demo-client&"
                         "client_secret=wrong")
                ->status,
            401);
  ASSERT_EQ(Trigger("main-menu", token)->status, 201);
  ASSERT_EQ(Trigger("ghost", token)->status, 404);
  ASSERT_EQ(Status("main-menu", "c-999999-00000000", "nope")->status, 401);
  ASSERT_EQ(SetFaults(R"({"error_rate": 1})")->status, 200);
  ASSERT_EQ(Status("main-menu", "c-999999-00000000", token)->status, 503);
  const nlohmann::json stats = Stats();
  EXPECT_EQ(stats["status_codes"],
            nlohmann::json::parse(
                R"({"200": 1, "201": 1, "401": 2, "404": 1, "503": 1})"));
  EXPECT_EQ(stats["in_flight"], 0);

  ASSERT_EQ(client_->Post("/_sim/reset")->status, 200);
  EXPECT_EQ(Stats()["status_codes"], nlohmann::json::object());
  // Faults survive a reset.
  EXPECT_EQ(Faults()["error_rate"], 1.0);
}

TEST_F(SimHttpTest, CountsStatusPollsAfterATerminalAnswer) {
  StartSim();
  const std::string token = Token();
  const std::string id = StartCompile("main-menu", token);
  std::vector<std::string> seen;
  PollUntilTerminal("main-menu", id, token, &seen);
  // A well-behaved client stops here.
  EXPECT_EQ(Stats()["status_polls_after_terminal"], 0);
  EXPECT_EQ(DebugCompile(id)["terminal_polls"], 1);

  ASSERT_EQ(Status("main-menu", id, token)->status, 200);
  EXPECT_EQ(Stats()["status_polls_after_terminal"], 1);
  EXPECT_EQ(DebugCompile(id)["terminal_polls"], 2);
}

TEST_F(SimHttpTest, ListsEveryCompileWithTransitionsInTriggerOrder) {
  StartSim();
  const std::string token = Token();
  const std::string first = StartCompile("main-menu", token);
  const std::string second = StartCompile("broken-refs", token);
  const std::string third = StartCompile("other-flow", token);
  WaitUntilTerminal(*client_, first);
  httplib::Result res = client_->Get("/_sim/compiles");
  ASSERT_TRUE(res && res->status == 200) << Describe(res);
  const nlohmann::json list = Json(res);
  ASSERT_TRUE(list.is_array()) << res->body;
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]["compileId"], first);
  EXPECT_EQ(list[1]["compileId"], second);
  EXPECT_EQ(list[2]["compileId"], third);
  EXPECT_THAT(
      Steps(list[0]),
      ::testing::ElementsAre("QUEUED+0", "IN_PROGRESS+100", "COMPLETED+150"));
  for (const nlohmann::json& compile : list) {
    EXPECT_TRUE(compile.contains("directives"));
    EXPECT_TRUE(compile.contains("terminal_polls"));
    // The same form as the single-compile endpoint.
    EXPECT_EQ(compile.size(), DebugCompile(compile["compileId"]).size());
  }
}

// --- Process behaviour ---

TEST_F(SimHttpTest, NeverLogsTheSecretOrTokens) {
  StartSim();
  const std::string token = Token();
  StartCompile("main-menu", token);
  RequestToken(
      "grant_type=client_credentials&client_id=demo-client&"
      "client_secret=wrong");
  sim_->Signal(SIGTERM);
  ASSERT_TRUE(sim_->Wait(absl::Seconds(20)).ok());
  DrainOutput(*sim_);
  const std::vector<std::string> lines = sim_->Lines();
  ASSERT_FALSE(lines.empty());
  for (const std::string& line : lines) {
    EXPECT_THAT(line, Not(HasSubstr("demo-secret")));
    EXPECT_THAT(line, Not(HasSubstr(token)));
  }
}

TEST_F(SimHttpTest, StopsCleanlyOnSigtermAndSigint) {
  for (int signal : {SIGTERM, SIGINT}) {
    StartSim();
    ASSERT_EQ(RequestToken(kFormCredentials)->status, 200);
    sim_->Signal(signal);
    absl::StatusOr<int> code = sim_->Wait(absl::Seconds(20));
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, 0) << "signal " << signal;
  }
}

TEST(SimProcess, ExitsWithCode2OnInvalidFlags) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--port", "abc"},
                                             {"--no-such-flag"},
                                             {"--port", "70000"},
                                             {"--token-ttl", "soon"},
                                             {"--failing-flows", "a/b"},
                                             {"--flows-dir", "/nonexistent"},
                                             {"--error-rate", "2"},
                                             {"--drop-rate", "lots"},
                                             {"--retry-after-form", "minutes"},
                                             {"--stuck-flows", "a/b"},
                                             {"--in-progress-ms-max", "10"},
                                             {"positional"}}) {
    auto sim = ChildProcess::Start(CXONE_SIM_BINARY, args);
    ASSERT_TRUE(sim.ok()) << sim.status();
    absl::StatusOr<int> code = (*sim)->Wait(absl::Seconds(20));
    ASSERT_TRUE(code.ok()) << code.status();
    EXPECT_EQ(*code, 2) << args[0];
    // The reason is on stderr, the only output.
    DrainOutput(**sim);
    EXPECT_FALSE((*sim)->Lines().empty()) << args[0];
  }
}

TEST(SimProcess, NamesTheBadFaultFlag) {
  absl::StatusOr<ChildProcess::Outcome> sim =
      ChildProcess::Run(CXONE_SIM_BINARY, {"--error-rate=1.5"});
  ASSERT_TRUE(sim.ok()) << sim.status();
  EXPECT_EQ(sim->exit_code, 2);
  EXPECT_THAT(sim->Text(), HasSubstr("--error-rate"));
}

TEST(SimProcess, HelpListsEveryFlagWithoutTheSecret) {
  auto sim = ChildProcess::Start(CXONE_SIM_BINARY, {"--help"});
  ASSERT_TRUE(sim.ok()) << sim.status();
  absl::StatusOr<int> code = (*sim)->Wait(absl::Seconds(20));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  DrainOutput(**sim);
  std::string text;
  for (const std::string& line : (*sim)->Lines())
    absl::StrAppend(&text, line, "\n");
  for (const char* flag : {"--host",
                           "--port",
                           "--flows-dir",
                           "--client-id",
                           "--client-secret",
                           "--token-ttl",
                           "--queued-ms",
                           "--in-progress-ms",
                           "--scopes",
                           "--not-found-flows",
                           "--failing-flows",
                           "--seed",
                           "--rate-limit-rps",
                           "--retry-after-form",
                           "--retry-after-seconds",
                           "--error-rate",
                           "--latency-ms",
                           "--drop-rate",
                           "--malformed-rate",
                           "--token-ttl-seconds",
                           "--token-endpoint-down",
                           "--stuck-flows",
                           "--backwards-flows",
                           "--unknown-status-flows",
                           "--in-progress-ms-max",
                           "--rate-limit-per-second",
                           "--response-delay",
                           "CXONE_SIM_PORT",
                           "CXONE_SIM_ERROR_RATE"}) {
    EXPECT_THAT(text, HasSubstr(flag));
  }
  EXPECT_THAT(text, Not(HasSubstr("demo-secret")));
}

}  // namespace
}  // namespace cxone::sim
