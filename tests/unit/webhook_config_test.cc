#include "server/webhooks/webhook_config.h"

#include <map>

#include "common/loopback.h"
#include "common/private_network.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

EnvLookup Env(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

absl::StatusOr<WebhooksConfig> Json(const std::string& text,
                                    EnvLookup env = Env({})) {
  return ParseWebhooksConfig(text, /*yaml=*/false, "hooks.json", env);
}

TEST(WebhooksConfig, ReadsEveryFieldOfAnEndpoint) {
  auto config = Json(R"({
    "retry_schedule": ["0s", "1s", "2m"],
    "endpoints": [{
      "name": "deploy-bot", "url": "https://hooks.example.com/cxone",
      "secret_env": "BOT_SECRET",
      "previous_secret": "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3",
      "previous_secret_until": "2026-12-01T00:00:00Z",
      "event_types": ["STATE_CHANGED", "EVENT_TYPE_STUCK"],
      "flow_ids": ["main-menu"], "ordered": true,
      "max_concurrency": 2, "timeout": "3s"}]})",
                     Env({{"BOT_SECRET", kSecret}}));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_THAT(config->endpoints, SizeIs(1));
  const WebhookEndpointConfig& endpoint = config->endpoints[0];
  EXPECT_EQ(endpoint.name, "deploy-bot");
  EXPECT_TRUE(endpoint.ordered);
  EXPECT_EQ(endpoint.max_concurrency, 2);
  EXPECT_EQ(endpoint.timeout, absl::Seconds(3));
  EXPECT_TRUE(endpoint.Wants(v1::EVENT_TYPE_STUCK, "main-menu", ""));
  EXPECT_FALSE(endpoint.Wants(v1::EVENT_TYPE_THROTTLED, "main-menu", ""));
  EXPECT_FALSE(endpoint.Wants(v1::EVENT_TYPE_STATE_CHANGED, "other", ""));
  const absl::Time until = absl::FromCivil(
      absl::CivilSecond(2026, 12, 1, 0, 0, 0), absl::UTCTimeZone());
  EXPECT_THAT(endpoint.SecretsAt(until - absl::Seconds(1)), SizeIs(2));
  EXPECT_THAT(endpoint.SecretsAt(until), SizeIs(1));
  EXPECT_EQ(config->retry_schedule,
            (std::vector<absl::Duration>{absl::ZeroDuration(), absl::Seconds(1),
                                         absl::Minutes(2)}));
}

TEST(WebhooksConfig, ReadsYamlToo) {
  auto config = ParseWebhooksConfig(R"(
allow_loopback: true
endpoints:
  - name: local
    url: http://127.0.0.1:8080/hook
    secret: ")" + std::string(kSecret) + R"("
    max_concurrency: 3
    ordered: true
)",
                                    /*yaml=*/true, "hooks.yaml", Env({}));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_THAT(config->endpoints, SizeIs(1));
  EXPECT_EQ(config->endpoints[0].max_concurrency, 3);
  EXPECT_TRUE(config->endpoints[0].ordered);
  EXPECT_TRUE(config->endpoints[0].Wants(v1::EVENT_TYPE_THROTTLED, "any", ""));
}

// Found by fuzz/webhook_config_fuzz: yaml-cpp shares an aliased node, so
// `&a [*a]` contains itself and converting it overflowed the stack; and
// aliases of aliases expand without bound. Both are refused, naming why.
TEST(WebhooksConfig, YamlAliasesCannotLoopOrExplode) {
  auto loop = ParseWebhooksConfig("endpoints: &a [*a]\n", /*yaml=*/true,
                                  "hooks.yaml", Env({}));
  ASSERT_FALSE(loop.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(loop.status()));
  EXPECT_THAT(loop.status().message(), HasSubstr("hooks.yaml"));
  EXPECT_THAT(loop.status().message(), HasSubstr("alias"));

  std::string laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    laughs += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) laughs += (j ? ", " : "") + prev;
    laughs += "]\n";
  }
  auto explosion =
      ParseWebhooksConfig(laughs, /*yaml=*/true, "hooks.yaml", Env({}));
  ASSERT_FALSE(explosion.ok());
  EXPECT_THAT(explosion.status().message(), HasSubstr("expands to more than"));
}

TEST(WebhooksConfig, EachMistakeIsNamedWithItsEntryAndNoSecret) {
  const std::string secret = std::string("\"secret\": \"") + kSecret + "\"";
  const std::pair<std::string, std::string> cases[] = {
      {R"({"endpoints": [{"name": "a", "url": "ftp://x", )" + secret + "}]}",
       R"(endpoints[0] ("a"): url: must be an http:// or https:// URL)"},
      {R"({"endpoints": [{"name": "a", "url": "http://127.0.0.1/", )" + secret +
           "}]}",
       "loopback"},
      {R"({"endpoints": [{"name": "a", "url": "https://u:p@x/", )" + secret +
           "}]}",
       "credentials"},
      {R"({"endpoints": [{"name": "a", "url": "https://x/"}]})",
       "secret: required"},
      {R"({"endpoints": [{"name": "a", "url": "https://x/",
           "secret": "whsec_c2VjcmV0LXRvby1zaG9ydA=="}]})",
       "at least 24 bytes"},
      {R"({"endpoints": [{"name": "a", "url": "https://x/",
           "secret_env": "MISSING"}]})",
       "$MISSING is not set"},
      {R"({"endpoints": [{"name": "a", "url": "https://x/", )" + secret +
           R"(, "event_types": ["SYNCED"]}]})",
       "event_types"},
      {R"({"endpoints": [{"name": "a", "url": "https://x/", )" + secret +
           R"(, "max_concurrency": 0}]})",
       "max_concurrency"},
      {R"({"endpoints": [{"name": "a", "url": "https://x/", )" + secret +
           R"(, "colour": "blue"}]})",
       "colour: unknown field"},
      {R"({"endpoints": [{"name": "a", "url": "https://x/", )" + secret +
           R"(}, {"name": "a", "url": "https://y/", )" + secret + "}]}",
       R"(endpoints[1] ("a"): name: used by an earlier endpoint)"},
      {R"({"retry_schedule": ["soon"]})", "retry_schedule[0]"},
      {"{not json", "not valid JSON"},
  };
  for (const auto& [text, expected] : cases) {
    auto config = Json(text);
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_TRUE(absl::IsInvalidArgument(config.status()));
    EXPECT_THAT(config.status().message(), HasSubstr("hooks.json")) << text;
    EXPECT_THAT(config.status().message(), HasSubstr(expected)) << text;
    EXPECT_THAT(config.status().message(), Not(HasSubstr(kSecret))) << text;
  }
}

TEST(IsLoopbackHost, KnowsTheLoopbackSpellings) {
  for (const char* host :
       {"localhost", "api.localhost", "127.0.0.1", "127.8.9.10", "0.0.0.0",
        "::1", "::", "::ffff:127.0.0.1", "LOCALHOST"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host : {"example.com", "10.0.0.1", "::ffff:10.0.0.1",
                           "128.0.0.1", "2001:db8::1"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(IsPrivateNetworkHost, KnowsThePrivateAndLinkLocalRanges) {
  for (const char* host :
       {"10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254",
        "192.168.1.1", "169.254.169.254", "100.64.0.1", "100.127.255.255",
        "fc00::1", "fd12:3456::1", "fe80::1", "::ffff:10.1.2.3",
        "::ffff:169.254.169.254"}) {
    EXPECT_TRUE(IsPrivateNetworkHost(host)) << host;
  }
  for (const char* host :
       {"8.8.8.8", "172.15.255.255", "172.32.0.1", "192.169.0.1",
        "100.63.255.255", "100.128.0.1", "127.0.0.1", "2001:db8::1",
        "hooks.example.com", "fec0::1", "::ffff:8.8.8.8"}) {
    EXPECT_FALSE(IsPrivateNetworkHost(host)) << host;
  }
}

TEST(WebhooksConfig, APrivateNetworkUrlNeedsItsEndpointsConsent) {
  const std::string endpoint = R"("name": "internal", "secret": "whsec_MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3")";
  auto refused = Json(absl::StrCat(R"({"endpoints": [{"url": "http://169.254.169.254/latest", )",
                                   endpoint, "}]}"));
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.status().message(),
              HasSubstr("private-network or link-local address"));
  auto allowed = Json(absl::StrCat(
      R"({"endpoints": [{"url": "https://10.0.0.7/hooks", "allow_private_network": true, )",
      endpoint, "}]}"));
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_TRUE(allowed->endpoints[0].allow_private_network);
  auto named = Json(absl::StrCat(R"({"endpoints": [{"url": "https://hooks.example.com", )",
                                 endpoint, "}]}"));
  ASSERT_TRUE(named.ok()) << named.status();
  EXPECT_FALSE(named->endpoints[0].allow_private_network);
}

}  // namespace
}  // namespace cxone
