// Webhooks end to end: the real gateway delivers to a real HTTP receiver.
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
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
  const v1::Compile compile = MustStartCompile(*gateway, "syntax-error");
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
