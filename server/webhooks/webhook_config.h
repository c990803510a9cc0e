// WebhooksConfig: the webhook endpoints and delivery policy, read from the
// file named by --webhooks-config (JSON, or YAML for a .yaml/.yml name).
//
//   {
//     "allow_loopback": false,            // deliveries to 127.0.0.0/8, ::1
//     "retry_schedule": ["0s", "5s", "5m", "30m", "2h", "5h", "10h"],
//     "endpoints": [{
//       "name": "deploy-bot",              // [A-Za-z0-9._-]{1,64}, unique
//       "url": "https://hooks.example.com/cxone",
//       "secret_env": "DEPLOY_BOT_SECRET", // or "secret" or "secret_file":
//                                          //   whsec_… (HMAC) or whsk_…
//       "previous_secret_env": "…",        // a rotation's old secret, which
//       "previous_secret_until": "2026-12-01T00:00:00Z",  // signs until then
//       "event_types": ["STATE_CHANGED"],  // default: every logged type
//       "flow_ids": ["main-menu"],         // default: every flow
//       "ordered": false,                  // one at a time, in sequence order
//       "max_concurrency": 4,              // deliveries in flight
//       "timeout": "10s",                  // per attempt
//       "allow_private_network": false,    // deliveries to 10/8, 172.16/12,
//                                          //   192.168/16, 169.254/16, …
//       "tenant": "payments"               // with --policy-file: whose
//                                          //   compiles it receives
//                                          //   (required then, refused
//                                          //   without one)
//     }]
//   }
//
// Every error names the file and the entry (`endpoints[1] ("deploy-bot")`)
// and never quotes a secret.
#ifndef CXONE_SERVER_WEBHOOKS_WEBHOOK_CONFIG_H_
#define CXONE_SERVER_WEBHOOKS_WEBHOOK_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/env_lookup.h"
#include "cxone/compile/v1/compile.pb.h"
#include "server/webhooks/webhook_signer.h"

namespace cxone {

struct WebhookEndpointConfig {
  std::string name;
  std::string url;
  WebhookSecret secret;
  // A rotation's previous secret, which also signs until
  // `previous_secret_until`.
  std::optional<WebhookSecret> previous_secret;
  absl::Time previous_secret_until = absl::InfinitePast();
  // Empty: every logged event type.
  absl::flat_hash_set<int> event_types;
  // Empty: every flow.
  absl::flat_hash_set<std::string> flow_ids;
  bool ordered = false;
  int max_concurrency = 4;
  absl::Duration timeout = absl::Seconds(10);
  // Deliveries may go to private and link-local networks
  // (common/private_network.h); refused otherwise, whatever the URL's name
  // resolves to.
  bool allow_private_network = false;
  // The tenant whose compiles it receives ("" without tenants): an
  // endpoint never hears of another tenant's compile.
  std::string tenant;

  // Whether an event of `type` of a compile of `flow_id` started by
  // `compile_tenant` goes here.
  bool Wants(compile::v1::EventType type, const std::string& flow_id,
             const std::string& compile_tenant) const;
  // The secrets that sign at `now`: the current one, then the previous one
  // while the rotation's overlap lasts.
  std::vector<WebhookSecret> SecretsAt(absl::Time now) const;
};

struct WebhooksConfig {
  std::vector<WebhookEndpointConfig> endpoints;
  bool allow_loopback = false;
  // Delay before each attempt: the first is at once; after the last failed
  // attempt the delivery is dead-lettered.
  std::vector<absl::Duration> retry_schedule = {
      absl::ZeroDuration(), absl::Seconds(5), absl::Minutes(5),
      absl::Minutes(30),    absl::Hours(2),   absl::Hours(5),
      absl::Hours(10)};

  const WebhookEndpointConfig* Find(const std::string& name) const;
};

// Reads and checks the file at `path`; secrets named by environment
// variable come from `env`. InvalidArgument naming the file and entry.
absl::StatusOr<WebhooksConfig> LoadWebhooksConfig(const std::string& path,
                                                  const EnvLookup& env);

// The same from text (`yaml` for YAML, else JSON); `origin` names it in
// errors.
absl::StatusOr<WebhooksConfig> ParseWebhooksConfig(const std::string& text,
                                                   bool yaml,
                                                   const std::string& origin,
                                                   const EnvLookup& env);

}  // namespace cxone

#endif  // CXONE_SERVER_WEBHOOKS_WEBHOOK_CONFIG_H_
