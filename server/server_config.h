// ServerConfig: every setting of cxone-compile-server, from flags,
// environment variables and a config file (see `cxone-compile-server
// --help` and common/flag_parser.h).
#ifndef CXONE_SERVER_SERVER_CONFIG_H_
#define CXONE_SERVER_SERVER_CONFIG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/backoff.h"
#include "common/flag_parser.h"
#include "nlohmann/json.hpp"
#include "server/jobs/compile_lifecycle.h"
#include "server/jobs/job_registry.h"
#include "server/jobs/poll_scheduler.h"
#include "server/upstream/budgeted_http_client.h"
#include "server/upstream/rate_budget.h"
#include "server/upstream/token_cache.h"

namespace cxone {

struct ServerConfig {
  // The --config file read; empty for none.
  std::string config_file;
  std::string listen = "127.0.0.1:50051";
  std::string metrics_listen = "127.0.0.1:9464";
  // TLS on the gRPC port (server/api/tls_credentials.h): the certificate
  // chain and key (both or neither), and the client CA that makes it mTLS.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  absl::Duration tls_reload_interval = absl::Seconds(10);
  // Plaintext gRPC (and /metrics) on an address other hosts can reach:
  // refused unless this says it is meant.
  bool insecure_listen = false;
  // Caller identity (server/api/caller_authenticator.h): static bearer
  // tokens by their SHA-256, JWTs checked against a JWKS with this issuer
  // and audience; mTLS client certificates whenever tls_client_ca_file is
  // set. None of them: every caller is anonymous.
  std::string auth_tokens_file;
  std::string auth_jwks_file;
  std::string auth_jwt_issuer;
  std::string auth_jwt_audience;
  absl::Duration auth_jwt_clock_skew = absl::Seconds(60);
  // Tenants, their members' roles, quotas and budget weights
  // (server/api/tenant_policy.h); empty: one tenant, every caller with
  // every role.
  std::string policy_file;
  // Where compiles, events and request_id keys are kept (SQLite).
  std::string state_dir = "./var/cxone-compile";
  // "sqlite", or "memory": nothing survives a restart (for comparisons).
  std::string store = "sqlite";
  // fsync on every commit (survives power loss, not just a crash).
  bool store_sync_every_commit = false;
  // Size bound of the database in pages, 0 for none (tests of a full disk).
  int64_t store_max_pages = 0;
  // Webhook endpoints (JSON or YAML); empty for none.
  std::string webhooks_config;
  // The audit log's file (reopened on SIGHUP); empty for stderr.
  std::string audit_log;
  // Token requests failing this long make the gateway NOT_SERVING.
  absl::Duration auth_failure_window = absl::Minutes(2);
  std::string cxone_base_url;
  // The PEM CA bundle that verifies CXone's (and the token endpoint's) TLS
  // certificate instead of the system's. Verification is never off.
  std::string cxone_ca_file;
  // Allow an http:// base or token URL whose host is not loopback: the
  // client secret and tokens would cross the network in the clear.
  bool insecure_upstream = false;
  std::string token_url;  // default: base URL + /api/v2/oauth/token
  std::string client_id;
  std::string client_secret;  // from $CXONE_CLIENT_SECRET or the file
  std::string client_secret_file;
  upstream::ClientAuthMethod token_auth =
      upstream::ClientAuthMethod::kFormFields;
  std::string scopes = "flow:read flow:write";
  PollSchedulerConfig polling;
  absl::Duration request_timeout = absl::Seconds(10);
  absl::Duration max_call_duration = absl::Minutes(2);
  LifecycleTimeouts lifecycle;
  BackoffPolicy backoff;
  upstream::RateBudgetConfig budget;
  upstream::RetryAfterPolicy retry_after;
  int64_t max_pending_starts = 256;
  absl::Duration heartbeat_interval = absl::Seconds(30);
  RetentionConfig retention;
  // On SIGTERM: how long open watches get to receive what is pending
  // before the server stops.
  absl::Duration drain_timeout = absl::Seconds(10);
  int64_t upstream_workers = 8;
  // Completion queues (one thread each) serving WatchCompile; more queues
  // make each completion cheaper with many watches (watch_dispatcher.h).
  int64_t watch_queues = 8;
  // Input limits: the largest request message gRPC accepts; HTTP/2 streams
  // one client connection may have open at once; watches among them (the
  // rest stay free for unary calls).
  int64_t max_receive_message_bytes = 4 * 1024 * 1024;
  int64_t max_streams_per_connection = 10'000;
  int64_t max_watches_per_connection = 5'000;
  // Events (of every compile) WatchCompiles can replay; a watch further
  // behind ends OUT_OF_RANGE and lists again.
  int64_t collection_history = 10'000;
  absl::Duration shutdown_grace = absl::Seconds(5);

  // The effective settings for the start-up log; the secret never appears.
  nlohmann::json ToJson() const;
};

// The outcome of reading the command line.
struct ParsedServerConfig {
  ServerConfig config;
  bool help_requested = false;
  std::string usage;  // what --help prints
};

// Reads the command line, then the environment, then the --config file (see
// FlagParser: the command line wins, then the environment, then the file,
// then the default); checks every setting and reads the client secret.
// Errors are InvalidArgument naming the flag, variable or config file key at
// fault, never the secret (main prints them and exits 2).
absl::StatusOr<ParsedServerConfig> ParseServerConfig(
    const std::vector<std::string>& args, const EnvLookup& env);

}  // namespace cxone

#endif  // CXONE_SERVER_SERVER_CONFIG_H_
