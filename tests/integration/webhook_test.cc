// Webhooks end to end: the real gateway delivers to a real HTTP receiver.
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cxone/compile/v1/webhooks.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "server/webhooks/webhook_signer.h"
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
using ::cxone::testing::ReceivedWebhook;
using ::cxone::testing::WaitUntil;
using ::cxone::testing::WebhookReceiver;
using ::testing::HasSubstr;
namespace v1 = ::cxone::compile::v1;

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// A gateway whose webhooks go to `receiver` (fast retries unless given).
std::unique_ptr<GatewayHarness> StartWithWebhooks(
    const testing::ScopedTempDir& dir, const WebhookReceiver& receiver,
    const std::string& extra = R"("retry_schedule": ["0s", "100ms", "200ms",
        "400ms", "800ms", "1s", "1s", "1s", "1s", "1s", "1s", "1s"])") {
  const std::string path = dir.path() + "/webhooks.json";
  std::ofstream(path) << absl::StrCat(
      R"({"allow_loopback": true, )", extra, R"(, "endpoints": [{
        "name": "receiver", "url": ")",
      receiver.url(), R"(", "secret": ")", kSecret, R"("}]})");
  HarnessOptions options;
  options.server_args.push_back(absl::StrCat("--webhooks-config=", path));
  return MustStart(options);
}

// The deliveries' bodies, by sequence, for `compile`.
std::map<uint64_t, nlohmann::json> BodiesOf(
    const std::vector<ReceivedWebhook>& webhooks, const std::string& compile) {
  std::map<uint64_t, nlohmann::json> bodies;
  for (const ReceivedWebhook& webhook : webhooks) {
    nlohmann::json body = nlohmann::json::parse(webhook.body, nullptr, false);
    if (body.is_object() && body["data"]["compile"] == compile) {
      bodies[body["data"]["sequence"].get<uint64_t>()] = body;
    }
  }
  return bodies;
}

TEST(Webhooks, EveryEventOfACompileArrivesSignedWithAStableId) {
  testing::ScopedTempDir dir;
  WebhookReceiver receiver;
  auto gateway = StartWithWebhooks(dir, receiver);
  ASSERT_NE(gateway, nullptr);
  v1::StartCompileRequest request;
  request.set_flow_id("syntax-error");
  (*request.mutable_labels())["pipeline"] = "checkout";
  auto started = testing::StartCompile(gateway->stub(), request);
  ASSERT_TRUE(started.ok()) << started.status();
  const v1::Compile compile = *started;
  ASSERT_TRUE(testing::WatchToEnd(gateway->stub(), compile.name()).status.ok());
  // QUEUED, IN_PROGRESS, FAILED.
  ASSERT_TRUE(WaitUntil([&] {
    return BodiesOf(receiver.accepted(), compile.name()).size() == 3;
  }));
  const auto bodies = BodiesOf(receiver.accepted(), compile.name());
  EXPECT_EQ(bodies.at(1)["data"]["state"], "QUEUED");
  EXPECT_EQ(bodies.at(3)["data"]["state"], "FAILED");
  EXPECT_EQ(bodies.at(3)["type"], "compile.state_changed");
  EXPECT_EQ(bodies.at(3)["data"]["flow_id"], "syntax-error");
  EXPECT_EQ(bodies.at(3)["data"]["event"]["errors"][0]["location"]["line"], 13);
  // Every body carries the compile's labels.
  for (const auto& [sequence, body] : bodies) {
    EXPECT_EQ(body["data"]["labels"],
              (nlohmann::json{{"pipeline", "checkout"}}))
        << "event " << sequence;
  }

  auto secret = ParseWebhookSecret(kSecret);
  ASSERT_TRUE(secret.ok());
  std::set<std::string> ids;
  for (const ReceivedWebhook& webhook : receiver.accepted()) {
    ids.insert(webhook.headers.at("webhook-id"));
    int64_t timestamp = 0;
    ASSERT_TRUE(
        absl::SimpleAtoi(webhook.headers.at("webhook-timestamp"), &timestamp));
    EXPECT_LE(std::abs(timestamp - absl::ToUnixSeconds(webhook.at)), 5);
    auto expected = SignWebhook({*secret}, webhook.headers.at("webhook-id"),
                                timestamp, webhook.body);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(webhook.headers.at("webhook-signature"), *expected);
    EXPECT_EQ(webhook.headers.at("content-type"), "application/json");
  }
  EXPECT_EQ(ids.size(), receiver.accepted().size());  // one id per event
}

TEST(Webhooks, AReceiverDownForAWhileGetsEveryEventOncePerId) {
  testing::ScopedTempDir dir;
  WebhookReceiver receiver;
  receiver.AnswerWith(503);
  auto gateway = StartWithWebhooks(dir, receiver);
  ASSERT_NE(gateway, nullptr);
  const v1::Compile compile = MustStartCompile(*gateway, "main-menu");
  ASSERT_TRUE(testing::WatchToEnd(gateway->stub(), compile.name()).status.ok());
  ASSERT_TRUE(WaitUntil([&] { return receiver.received().size() >= 6; }));
  receiver.AnswerWith(200);  // back
  ASSERT_TRUE(WaitUntil([&] {
    return BodiesOf(receiver.accepted(), compile.name()).size() == 3;
  }));
  std::map<std::string, int> accepted_per_id;
  std::map<std::string, std::set<std::string>> bodies_per_id;
  for (const ReceivedWebhook& webhook : receiver.received()) {
    const std::string& id = webhook.headers.at("webhook-id");
    bodies_per_id[id].insert(webhook.body);
    if (webhook.answered == 200) ++accepted_per_id[id];
  }
  EXPECT_EQ(accepted_per_id.size(), 3u);
  for (const auto& [id, count] : accepted_per_id) {
    EXPECT_EQ(count, 1) << id;
    EXPECT_EQ(bodies_per_id[id].size(), 1u)
        << "retries of " << id << " changed the body";
  }
}

TEST(Webhooks, KillNineDuringDeliveriesLosesNone) {
  testing::ScopedTempDir dir;
  WebhookReceiver receiver;
  receiver.AnswerWith(503);
  auto gateway = StartWithWebhooks(dir, receiver);
  ASSERT_NE(gateway, nullptr);
  std::vector<v1::Compile> compiles;
  for (int i = 0; i < 5; ++i) {
    compiles.push_back(MustStartCompile(*gateway, absl::StrCat("hooked-", i)));
  }
  for (const v1::Compile& compile : compiles) {
    ASSERT_TRUE(
        testing::WatchToEnd(gateway->stub(), compile.name()).status.ok());
  }
  ASSERT_TRUE(gateway->KillServer().ok());
  receiver.AnswerWith(204);
  ASSERT_TRUE(gateway->RestartServer().ok());
  for (const v1::Compile& compile : compiles) {
    EXPECT_TRUE(WaitUntil([&] {
      return BodiesOf(receiver.accepted(), compile.name()).size() == 3;
    })) << compile.name();
  }
}

// Runs the CLI's `webhooks` command against `gateway`; exit code and
// output.
std::pair<int, std::string> WebhooksCli(GatewayHarness& gateway,
                                        std::vector<std::string> args) {
  args.insert(args.begin(),
              {"webhooks", "--server", gateway.gateway_address()});
  auto outcome =
      testing::ChildProcess::Run(CXONE_CLI_BINARY, args, {}, absl::Seconds(30));
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  if (!outcome.ok()) return {-1, ""};
  return {outcome->exit_code, outcome->Text()};
}

TEST(Webhooks, GoneDisablesTheEndpointUntilAReplayFromTheCli) {
  testing::ScopedTempDir dir;
  WebhookReceiver receiver;
  receiver.AnswerWith(410);
  auto gateway = StartWithWebhooks(dir, receiver);
  ASSERT_NE(gateway, nullptr);
  const v1::Compile compile = MustStartCompile(*gateway, "main-menu");
  ASSERT_TRUE(testing::WatchToEnd(gateway->stub(), compile.name()).status.ok());
  // One 410, then the endpoint takes nothing: every event is a dead letter.
  std::string listing;
  ASSERT_TRUE(WaitUntil([&] {
    auto [code, output] =
        WebhooksCli(*gateway, {"dead-letters", "--compile", compile.name()});
    listing = output;
    return code == 0 && absl::StrContains(output, "3 dead letters");
  })) << listing;
  EXPECT_THAT(listing, HasSubstr("410"));
  EXPECT_EQ(receiver.received().size(), 1u);

  receiver.AnswerWith(204);
  auto [code, output] =
      WebhooksCli(*gateway, {"replay", "--compile", compile.name()});
  EXPECT_EQ(code, 0) << output;
  EXPECT_THAT(output, HasSubstr("replayed 3"));
  EXPECT_TRUE(WaitUntil([&] {
    return BodiesOf(receiver.accepted(), compile.name()).size() == 3;
  }));
  // Enabled again: new events flow.
  const v1::Compile next = MustStartCompile(*gateway, "syntax-error");
  EXPECT_TRUE(WaitUntil(
      [&] { return BodiesOf(receiver.accepted(), next.name()).size() == 3; }));
}

TEST(Webhooks, ExhaustedRetriesAreDeadLettersAndAReplayByTimeDeliversThem) {
  testing::ScopedTempDir dir;
  WebhookReceiver receiver;
  receiver.AnswerWith(500);
  auto gateway =
      StartWithWebhooks(dir, receiver, R"("retry_schedule": ["0s", "50ms"])");
  ASSERT_NE(gateway, nullptr);
  const absl::Time begin = absl::Now() - absl::Seconds(1);
  const v1::Compile compile = MustStartCompile(*gateway, "main-menu");
  ASSERT_TRUE(testing::WatchToEnd(gateway->stub(), compile.name()).status.ok());
  auto stub = v1::WebhookService::NewStub(grpc::CreateChannel(
      gateway->gateway_address(), grpc::InsecureChannelCredentials()));
  v1::ListDeadLettersResponse letters;
  ASSERT_TRUE(WaitUntil([&] {
    grpc::ClientContext context;
    v1::ListDeadLettersRequest request;
    letters.Clear();
    return stub->ListDeadLetters(&context, request, &letters).ok() &&
           letters.dead_letters_size() == 3;
  }));
  for (const v1::DeadLetter& letter : letters.dead_letters()) {
    EXPECT_EQ(letter.attempts(), 2);
    EXPECT_EQ(letter.last_error(), "HTTP 500");
    EXPECT_EQ(letter.endpoint(), "receiver");
  }
  EXPECT_EQ(receiver.received().size(), 6u);  // 3 events x 2 attempts

  receiver.AnswerWith(200);
  grpc::ClientContext context;
  v1::ReplayDeadLettersRequest replay;
  *replay.mutable_selector()->mutable_start_time() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
          absl::ToUnixMicros(begin));
  v1::ReplayDeadLettersResponse replayed;
  ASSERT_TRUE(stub->ReplayDeadLetters(&context, replay, &replayed).ok());
  EXPECT_EQ(replayed.replayed(), 3);
  EXPECT_TRUE(WaitUntil([&] {
    return BodiesOf(receiver.accepted(), compile.name()).size() == 3;
  }));
  // The same ids as the failed attempts: a receiver can deduplicate.
  std::set<std::string> failed_ids;
  std::set<std::string> accepted_ids;
  for (const ReceivedWebhook& webhook : receiver.received()) {
    (webhook.answered == 200 ? accepted_ids : failed_ids)
        .insert(webhook.headers.at("webhook-id"));
  }
  EXPECT_EQ(accepted_ids, failed_ids);
}

TEST(Webhooks, ATimeBeyondTheTimestampRangeIsRefusedAndReplaysNothing) {
  testing::ScopedTempDir dir;
  WebhookReceiver receiver;
  receiver.AnswerWith(500);
  auto gateway =
      StartWithWebhooks(dir, receiver, R"("retry_schedule": ["0s", "50ms"])");
  ASSERT_NE(gateway, nullptr);
  const v1::Compile compile = MustStartCompile(*gateway, "main-menu");
  ASSERT_TRUE(testing::WatchToEnd(gateway->stub(), compile.name()).status.ok());
  auto stub = v1::WebhookService::NewStub(grpc::CreateChannel(
      gateway->gateway_address(), grpc::InsecureChannelCredentials()));
  auto dead_letters = [&] {
    grpc::ClientContext context;
    v1::ListDeadLettersRequest request;
    v1::ListDeadLettersResponse letters;
    return stub->ListDeadLetters(&context, request, &letters).ok()
               ? letters.dead_letters_size()
               : -1;
  };
  ASSERT_TRUE(WaitUntil([&] { return dead_letters() == 3; }));

  // 2^62 s after 1970: microseconds of it overflow int64.
  v1::ReplayDeadLettersRequest replay;
  replay.mutable_selector()->mutable_start_time()->set_seconds(int64_t{1}
                                                               << 62);
  grpc::ClientContext context;
  v1::ReplayDeadLettersResponse replayed;
  grpc::Status status = stub->ReplayDeadLetters(&context, replay, &replayed);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << "replayed " << replayed.replayed();
  EXPECT_THAT(status.error_message(), HasSubstr("selector.start_time"));
  EXPECT_THAT(status.error_message(), HasSubstr("outside the range"));
  v1::ListDeadLettersRequest list;
  list.mutable_selector()->mutable_end_time()->set_seconds(-(int64_t{1} << 62));
  grpc::ClientContext list_context;
  v1::ListDeadLettersResponse letters;
  status = stub->ListDeadLetters(&list_context, list, &letters);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("selector.end_time"));
  EXPECT_EQ(dead_letters(), 3);  // still dead: nothing was replayed
}

TEST(Webhooks, AReplayMustNameWhatItReplays) {
  testing::ScopedTempDir dir;
  WebhookReceiver receiver;
  auto gateway = StartWithWebhooks(dir, receiver);
  ASSERT_NE(gateway, nullptr);
  auto [code, output] = WebhooksCli(*gateway, {"replay"});
  EXPECT_EQ(code, 2);
  EXPECT_THAT(output, HasSubstr("--compile"));
  auto stub = v1::WebhookService::NewStub(grpc::CreateChannel(
      gateway->gateway_address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  v1::ReplayDeadLettersRequest everything;
  v1::ReplayDeadLettersResponse response;
  grpc::Status status =
      stub->ReplayDeadLetters(&context, everything, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext unknown_context;
  v1::ListDeadLettersRequest unknown;
  unknown.mutable_selector()->set_endpoint("nobody");
  v1::ListDeadLettersResponse letters;
  status = stub->ListDeadLetters(&unknown_context, unknown, &letters);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("nobody"));
}

// The standardwebhooks receiver (tests/webhook-receiver/receiver.mjs),
// holding `secret`; null (after GTEST_SKIP) when Node or its packages are
// missing.
std::unique_ptr<testing::ChildProcess> StartNodeReceiver(
    const std::string& secret, int* port) {
  const std::string dir = CXONE_WEBHOOK_RECEIVER_DIR;
  if (std::string(CXONE_NODE_BINARY).empty() ||
      !std::filesystem::exists(dir + "/node_modules/standardwebhooks")) {
    return nullptr;
  }
  auto receiver = testing::ChildProcess::Start(
      CXONE_NODE_BINARY, {dir + "/receiver.mjs", secret}, {});
  if (!receiver.ok()) return nullptr;
  auto line = (*receiver)->WaitForLine(
      [](const std::string& l) { return absl::StartsWith(l, "listening "); },
      absl::Seconds(30));
  if (!line.ok() || !absl::SimpleAtoi(line->substr(10), port)) return nullptr;
  return *std::move(receiver);
}

// What the Node receiver printed about each delivery.
std::vector<nlohmann::json> Verdicts(const testing::ChildProcess& receiver) {
  std::vector<nlohmann::json> verdicts;
  for (const std::string& line : receiver.Lines()) {
    nlohmann::json verdict = nlohmann::json::parse(line, nullptr, false);
    if (verdict.is_object()) verdicts.push_back(std::move(verdict));
  }
  return verdicts;
}

TEST(Webhooks, TheStandardWebhooksPackageVerifiesEveryDeliveryDuringARotation) {
  // The gateway signs with the new secret and, during the overlap, the old
  // one; this receiver still holds the old one.
  const std::string old_secret =
      "whsec_" + Base64Encode("an old secret of thirty-two bytes");
  int port = 0;
  std::unique_ptr<testing::ChildProcess> receiver =
      StartNodeReceiver(old_secret, &port);
  if (receiver == nullptr) {
    GTEST_SKIP() << "node or the standardwebhooks package is missing (run "
                    "scripts/test, which installs it)";
  }
  testing::ScopedTempDir dir;
  const std::string path = dir.path() + "/webhooks.yaml";
  std::ofstream(path) << absl::StrCat(
      "allow_loopback: true\n"
      "endpoints:\n"
      "  - name: node\n"
      "    url: http://127.0.0.1:",
      port,
      "/\n"
      "    secret: \"",
      kSecret,
      "\"\n"
      "    previous_secret: \"",
      old_secret,
      "\"\n"
      "    previous_secret_until: \"2999-01-01T00:00:00Z\"\n");
  HarnessOptions options;
  options.server_args.push_back(absl::StrCat("--webhooks-config=", path));
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  const v1::Compile compile = MustStartCompile(*gateway, "broken-refs");
  ASSERT_TRUE(testing::WatchToEnd(gateway->stub(), compile.name()).status.ok());
  ASSERT_TRUE(WaitUntil([&] { return Verdicts(*receiver).size() >= 3; }));
  std::set<uint64_t> sequences;
  for (const nlohmann::json& verdict : Verdicts(*receiver)) {
    EXPECT_TRUE(verdict.value("verified", false)) << verdict.dump();
    if (verdict.value("compile", "") == compile.name()) {
      sequences.insert(verdict.value("sequence", uint64_t{0}));
    }
  }
  EXPECT_EQ(sequences, (std::set<uint64_t>{1, 2, 3}));
  // No secret reached a log line.
  for (const std::string& line : gateway->AllLogLines()) {
    EXPECT_THAT(line, ::testing::Not(HasSubstr(kSecret)));
    EXPECT_THAT(line, ::testing::Not(HasSubstr(old_secret)));
  }
}

TEST(WebhooksStartup, ABadConfigStopsTheStartNamingTheEntry) {
  testing::ScopedTempDir dir;
  const std::string path = dir.path() + "/webhooks.json";
  std::ofstream(path) << R"({"endpoints": [{"name": "x", "url": "ftp://no",
      "secret": ")" << kSecret
                      << R"("}]})";
  auto outcome = testing::ChildProcess::Run(
      CXONE_SERVER_BINARY,
      {"--cxone-base-url=http://127.0.0.1:9", "--client-id=x",
       absl::StrCat("--state-dir=", dir.path()),
       absl::StrCat("--webhooks-config=", path)},
      {{"CXONE_CLIENT_SECRET", "startup-secret"}}, absl::Seconds(30));
  ASSERT_TRUE(outcome.ok()) << outcome.status();
  EXPECT_EQ(outcome->exit_code, 1);
  EXPECT_THAT(outcome->Text(), HasSubstr(R"(endpoints[0] ("x"): url)"));
  EXPECT_THAT(outcome->Text(), ::testing::Not(HasSubstr(kSecret)));
}

}  // namespace
}  // namespace cxone
