// Secrets end to end: whatever CXone echoes, no credential gets past the
// gateway — not into an event (watch streams, GetCompile), the store, a
// webhook body or a log line — and a secret too short to redact is refused
// at start-up.
#include <sqlite3.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/support/child_process.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/harness_testing.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"
#include "tests/support/webhook_receiver.h"

namespace cxone {
namespace {

using ::cxone::testing::GatewayHarness;
using ::cxone::testing::HarnessOptions;
using ::cxone::testing::MustStart;
using ::cxone::testing::MustStartCompile;
using ::cxone::testing::WaitUntil;
using ::cxone::testing::WebhookReceiver;
using ::testing::HasSubstr;
using ::testing::Not;
namespace v1 = ::cxone::compile::v1;

constexpr char kWebhookSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kRedactedBearer[] = "Bearer [REDACTED]";

// Every value of every row of every table of the SQLite database at `path`,
// as bytes (events are stored as serialised protobufs: their strings show).
std::vector<std::string> EverythingStoredIn(const std::string& path) {
  std::vector<std::string> values;
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr),
            SQLITE_OK)
      << path;
  std::vector<std::string> tables;
  auto collect = [](sqlite3* db, const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr),
              SQLITE_OK)
        << sql << ": " << sqlite3_errmsg(db);
    while (statement != nullptr && sqlite3_step(statement) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        const void* bytes = sqlite3_column_blob(statement, i);
        const int size = sqlite3_column_bytes(statement, i);
        row.emplace_back(
            bytes == nullptr
                ? ""
                : std::string(static_cast<const char*>(bytes), size));
      }
      rows.push_back(std::move(row));
    }
    sqlite3_finalize(statement);
    return rows;
  };
  for (const auto& row :
       collect(db, "SELECT name FROM sqlite_master WHERE type = 'table'")) {
    tables.push_back(row[0]);
  }
  EXPECT_FALSE(tables.empty());
  for (const std::string& table : tables) {
    for (const auto& row :
         collect(db, absl::StrCat("SELECT * FROM \"", table, "\""))) {
      values.insert(values.end(), row.begin(), row.end());
    }
  }
  sqlite3_close(db);
  return values;
}

// Fails if `text` holds a credential: a bearer token other than the redacted
// one, something shaped like the simulator's tokens (64 hex digits), or a
// configured secret.
void ExpectNoCredential(const std::string& text, const std::string& where) {
  const std::string rest =
      absl::StrReplaceAll(text, {{kRedactedBearer, "(redacted)"}});
  EXPECT_THAT(rest, Not(HasSubstr("Bearer "))) << where << ": " << text;
  EXPECT_FALSE(std::regex_search(rest, std::regex("[0-9a-f]{64}")))
      << where << ": " << text;
  EXPECT_THAT(rest, Not(HasSubstr(testing::kHarnessClientSecret))) << where;
  EXPECT_THAT(rest, Not(HasSubstr(kWebhookSecret))) << where;
}

TEST(Secrets, AStatusAnswerEchoingTheTokenReachesNoEventStoreWebhookOrLog) {
  testing::ScopedTempDir dir;
  WebhookReceiver receiver;
  const std::string webhooks = dir.path() + "/webhooks.json";
  std::ofstream(webhooks) << absl::StrCat(
      R"({"allow_loopback": true, "endpoints": [{"name": "bot", "url": ")",
      receiver.url(), R"(", "secret": ")", kWebhookSecret, R"("}]})");
  HarnessOptions options;
  options.server_args.push_back(absl::StrCat("--webhooks-config=", webhooks));
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);

  // CXone answers every status request 400, quoting the Authorization
  // header it was sent, until the fault is lifted.
  ASSERT_TRUE(
      gateway->SetSimFaults({{"echo_authorization_flows", {"main-menu"}}})
          .ok());
  const v1::Compile compile = MustStartCompile(*gateway, "main-menu");
  ASSERT_TRUE(WaitUntil(
      [&] {
        auto stats = gateway->SimStats();
        return stats.ok() &&
               (*stats)["status_codes"].value("400", int64_t{0}) >= 3;
      },
      absl::Seconds(20)));
  ASSERT_TRUE(gateway
                  ->SetSimFaults(
                      {{"echo_authorization_flows", nlohmann::json::array()}})
                  .ok());

  // Watch streams, replaying every event: the anomaly says what CXone
  // answered, the token redacted.
  const testing::WatchResult watched = testing::Watch(
      *gateway, testing::After(compile.name(), 0), absl::Seconds(60));
  ASSERT_TRUE(watched.status.ok()) << watched.status.error_message();
  bool anomaly_seen = false;
  for (const v1::CompileEvent& event : watched.events) {
    if (event.type() == v1::EVENT_TYPE_UPSTREAM_ANOMALY &&
        absl::StrContains(event.detail(), "HTTP 400")) {
      anomaly_seen = true;
      EXPECT_THAT(event.detail(),
                  HasSubstr(absl::StrCat("Authorization: ", kRedactedBearer)));
    }
    ExpectNoCredential(event.DebugString(), "watched event");
  }
  EXPECT_TRUE(anomaly_seen) << "no UPSTREAM_ANOMALY for the 400";

  ASSERT_EQ(testing::WithoutMarkers(watched.events).back().state(),
            v1::STATE_COMPLETED);

  // GetCompile.
  {
    grpc::ClientContext context;
    v1::GetCompileRequest request;
    request.set_name(compile.name());
    v1::Compile got;
    ASSERT_TRUE(gateway->stub().GetCompile(&context, request, &got).ok());
    ExpectNoCredential(got.DebugString(), "GetCompile");
  }

  // Webhook bodies: every event is delivered, the anomaly among them.
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const testing::ReceivedWebhook& webhook : receiver.accepted()) {
          if (absl::StrContains(webhook.body, "COMPLETED")) return true;
        }
        return false;
      },
      absl::Seconds(20)));
  bool anomaly_delivered = false;
  for (const testing::ReceivedWebhook& webhook : receiver.received()) {
    anomaly_delivered |= absl::StrContains(webhook.body, kRedactedBearer);
    ExpectNoCredential(webhook.body, "webhook body");
    for (const auto& [name, value] : webhook.headers) {
      ExpectNoCredential(value, absl::StrCat("webhook header ", name));
    }
  }
  EXPECT_TRUE(anomaly_delivered);

  // The store: every value of every table.
  for (const std::string& value :
       EverythingStoredIn(gateway->state_dir() + "/gateway.db")) {
    ExpectNoCredential(value, "gateway.db");
  }

  // The logs of both processes.
  for (const std::string& line : gateway->AllLogLines()) {
    ExpectNoCredential(line, "log line");
  }
}

// A short secret matches ordinary text: redacting every occurrence would
// garble the logs, so the gateway does not start with one.
TEST(Secrets, AClientSecretTooShortToRedactStopsTheStartNamingIt) {
  testing::ScopedTempDir dir;
  auto outcome = testing::ChildProcess::Run(
      CXONE_SERVER_BINARY,
      {"--cxone-base-url=http://127.0.0.1:9", "--client-id=x",
       "--listen=127.0.0.1:0", "--metrics-listen=127.0.0.1:0",
       absl::StrCat("--state-dir=", dir.path())},
      {{"CXONE_CLIENT_SECRET", "e"}}, absl::Seconds(30));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->exit_code, 2) << outcome->Text();
  EXPECT_THAT(outcome->Text(), HasSubstr("$CXONE_CLIENT_SECRET"));
  EXPECT_THAT(outcome->Text(), HasSubstr("at least 8 characters"));
  // Not a line where every "e" became [REDACTED].
  EXPECT_THAT(outcome->Text(), Not(HasSubstr("[REDACTED]")));
}

}  // namespace
}  // namespace cxone
