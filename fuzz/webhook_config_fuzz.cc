// Fuzzes ParseWebhooksConfig (server/webhooks/webhook_config.h). The first
// byte picks JSON (even) or YAML (odd); the rest is the file. Every
// variable a `*_env` field names holds kEnvSecret. Properties:
// - an accepted config keeps the promises of the header: unique valid
//   names, an http(s) URL, a secret with a key, 1 to 256 deliveries in
//   flight, a positive timeout, 1 to 50 non-negative retry delays;
// - an error names the origin and never quotes a secret: not the one from
//   the environment, nor (JSON) one written inline.
// Texts naming a `*_file` are skipped: the fuzzer must not read the disk.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/resource_name.h"
#include "fuzz/fuzz_check.h"
#include "nlohmann/json.hpp"
#include "server/webhooks/webhook_config.h"

namespace {

constexpr char kEnvSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kOrigin[] = "fuzz.conf";

// Every inline secret of a JSON text that parses.
void InlineSecrets(const nlohmann::json& value,
                   std::vector<std::string>* secrets) {
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      if ((key == "secret" || key == "previous_secret") && item.is_string() &&
          item.get<std::string>().size() >= 8) {
        secrets->push_back(item.get<std::string>());
      }
      InlineSecrets(item, secrets);
    }
  } else if (value.is_array()) {
    for (const auto& item : value) InlineSecrets(item, secrets);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool yaml = (data[0] & 1) != 0;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (absl::StrContains(text, "_file")) return 0;
  const cxone::EnvLookup env = [](const std::string&) {
    return std::optional<std::string>(kEnvSecret);
  };
  absl::StatusOr<cxone::WebhooksConfig> config =
      cxone::ParseWebhooksConfig(text, yaml, kOrigin, env);
  if (!config.ok()) {
    const std::string message(config.status().message());
    FUZZ_CHECK(absl::IsInvalidArgument(config.status()),
               "refused with another code: %s",
               config.status().ToString().c_str());
    FUZZ_CHECK(absl::StrContains(message, kOrigin), "the error names no file");
    // (Unless the text carries it too, say as a key an error may name.)
    FUZZ_CHECK(absl::StrContains(text, kEnvSecret) ||
                   !absl::StrContains(message, kEnvSecret),
               "the error quotes the secret from the environment");
    if (!yaml) {
      const nlohmann::json parsed =
          nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
      std::vector<std::string> secrets;
      if (!parsed.is_discarded()) InlineSecrets(parsed, &secrets);
      for (const std::string& secret : secrets) {
        // A secret written elsewhere too (as a name, say) may be quoted so.
        if (text.find(secret) != text.rfind(secret)) continue;
        FUZZ_CHECK(!absl::StrContains(message, secret),
                   "the error quotes an inline secret: %s", message.c_str());
      }
    }
    return 0;
  }
  FUZZ_CHECK(
      !config->retry_schedule.empty() && config->retry_schedule.size() <= 50,
      "a retry schedule of %zu delays", config->retry_schedule.size());
  for (absl::Duration delay : config->retry_schedule) {
    FUZZ_CHECK(
        delay >= absl::ZeroDuration() && delay != absl::InfiniteDuration(),
        "a retry delay out of range");
  }
  for (const cxone::WebhookEndpointConfig& endpoint : config->endpoints) {
    FUZZ_CHECK(
        cxone::ValidateFlowId(endpoint.name).ok() && endpoint.name.size() <= 64,
        "an invalid name accepted");
    FUZZ_CHECK(config->Find(endpoint.name) == &endpoint, "names not unique");
    FUZZ_CHECK(absl::StartsWith(endpoint.url, "https://") ||
                   absl::StartsWith(endpoint.url, "http://"),
               "a URL that is not http(s)");
    FUZZ_CHECK(!endpoint.secret.key.empty(), "an endpoint without a key");
    FUZZ_CHECK(endpoint.max_concurrency >= 1 && endpoint.max_concurrency <= 256,
               "max_concurrency %d", endpoint.max_concurrency);
    FUZZ_CHECK(endpoint.timeout > absl::ZeroDuration() &&
                   endpoint.timeout != absl::InfiniteDuration(),
               "a timeout out of range");
    FUZZ_CHECK(!endpoint.SecretsAt(absl::Now()).empty(), "no signing secret");
  }
  return 0;
}
