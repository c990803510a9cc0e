#include "server/server_config.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/loopback.h"
#include "common/redactor.h"
#include "server/api/tls_credentials.h"

namespace cxone {
namespace {

constexpr char kUsage[] =
    "cxone-compile-server: a gRPC gateway to NICE CXone flow compilation.\n"
    "\n"
    "Usage: cxone-compile-server --cxone-base-url=URL --client-id=ID [flags]\n"
    "       cxone-compile-server --config=FILE [flags]\n"
    "\n"
    "Each setting comes from the command line, else its environment\n"
    "variable, else the --config file (TOML or INI: `poll-interval = \"2s\"`,\n"
    "keys the flag names), else its default.\n"
    "\n"
    "The client secret is read from the file named by --client-secret-file\n"
    "(or $CXONE_CLIENT_SECRET_FILE), else from $CXONE_CLIENT_SECRET, else\n"
    "from the --config file (its client-secret-file, or its client-secret).\n"
    "It is never taken as a flag value, so it does not show in process\n"
    "listings, and it is never echoed.";

// TLS needs both files; mTLS needs TLS; plaintext only on loopback unless
// --insecure-listen says so.
absl::Status CheckTransportSecurity(const ServerConfig& config) {
  if (config.tls_cert_file.empty() != config.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls-cert-file and --tls-key-file go together: give both (TLS) or "
        "neither");
  }
  const bool tls = !config.tls_cert_file.empty();
  if (!config.tls_client_ca_file.empty() && !tls) {
    return absl::InvalidArgumentError(
        "--tls-client-ca-file (mTLS) needs --tls-cert-file and --tls-key-file: "
        "the gateway must present a certificate too");
  }
  if (config.insecure_listen) return absl::OkStatus();
  if (!tls && !IsLoopbackAddress(config.listen)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--listen ", config.listen,
        " is reachable from other hosts, and without --tls-cert-file and "
        "--tls-key-file anyone who reaches it could use the account's "
        "credentials in plaintext: give them, listen on loopback, or say "
        "--insecure-listen"));
  }
  if (!IsLoopbackAddress(config.metrics_listen)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--metrics-listen ", config.metrics_listen,
        " is reachable from other hosts and /metrics is plaintext HTTP: "
        "listen on loopback (and scrape through a proxy), or say "
        "--insecure-listen"));
  }
  return absl::OkStatus();
}

absl::Status CheckHttpUrl(const std::string& flag, const std::string& url,
                          bool insecure_upstream) {
  if (!absl::StartsWith(url, "http://") && !absl::StartsWith(url, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, " must be an http:// or https:// URL, got \"", url, "\""));
  }
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "http://") || insecure_upstream) {
    return absl::OkStatus();
  }
  absl::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = authority.rfind('@'); at != absl::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string host;
  if (absl::ConsumePrefix(&authority, "[")) {
    host = std::string(authority.substr(0, authority.find(']')));
  } else {
    host = std::string(authority.substr(0, authority.find(':')));
  }
  if (!IsLoopbackHost(host)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, " \"", url,
        "\" is plain http:// to another host: the client secret and the "
        "access tokens would cross the network unencrypted; use https://, "
        "or say --insecure-upstream"));
  }
  return absl::OkStatus();
}

// SQLite's largest max_page_count.
constexpr int64_t kSqliteMaxPages = 4294967294;

absl::StatusOr<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return absl::InvalidArgumentError(
        absl::StrCat("--client-secret-file: cannot read \"", path, "\""));
  }
  std::stringstream content;
  content << file.rdbuf();
  // A trailing newline is an artefact of `echo secret > file`.
  return std::string(absl::StripTrailingAsciiWhitespace(content.str()));
}

}  // namespace

nlohmann::json ServerConfig::ToJson() const {
  return {
      {"config", config_file},
      {"listen", listen},
      {"metrics_listen", metrics_listen},
      {"tls", tls_cert_file.empty()              ? "off (plaintext)"
              : tls_client_ca_file.empty() ? "TLS"
                                           : "mTLS"},
      {"tls_cert_file", tls_cert_file},
      {"tls_key_file", tls_key_file},
      {"tls_client_ca_file", tls_client_ca_file},
      {"tls_reload_interval", absl::FormatDuration(tls_reload_interval)},
      {"insecure_listen", insecure_listen},
      {"cxone_ca_file", cxone_ca_file},
      {"insecure_upstream", insecure_upstream},
      {"auth_tokens_file", auth_tokens_file},
      {"auth_jwks_file", auth_jwks_file},
      {"auth_jwt_issuer", auth_jwt_issuer},
      {"auth_jwt_audience", auth_jwt_audience},
      {"auth_jwt_clock_skew", absl::FormatDuration(auth_jwt_clock_skew)},
      {"policy_file", policy_file},
      {"state_dir", state_dir},
      {"store", store},
      {"store_sync_every_commit", store_sync_every_commit},
      {"store_max_pages", store_max_pages},
      {"webhooks_config", webhooks_config},
      {"audit_log", audit_log.empty() ? "stderr" : audit_log},
      {"auth_failure_window", absl::FormatDuration(auth_failure_window)},
      {"cxone_base_url", cxone_base_url},
      {"token_url", token_url},
      {"client_id", client_id},
      {"client_secret", client_secret.empty() ? "" : "[REDACTED]"},
      {"client_secret_file", client_secret_file},
      {"token_auth",
       token_auth == upstream::ClientAuthMethod::kHttpBasic ? "basic" : "form"},
      {"scopes", scopes},
      {"poll_interval",
       absl::FormatDuration(polling.in_progress_poll_interval)},
      {"queued_poll_interval",
       absl::FormatDuration(polling.queued_poll_interval)},
      {"min_poll_interval", absl::FormatDuration(polling.min_poll_interval)},
      {"request_timeout", absl::FormatDuration(request_timeout)},
      {"max_call_duration", absl::FormatDuration(max_call_duration)},
      {"account_rps_limit", budget.account_rps_limit},
      {"upstream_burst", budget.burst},
      {"max_inflight_requests", budget.max_in_flight},
      {"max_pending_starts", max_pending_starts},
      {"default_retry_after",
       absl::FormatDuration(retry_after.default_retry_after)},
      {"stuck_timeout", absl::FormatDuration(lifecycle.stuck_timeout)},
      {"give_up_timeout", absl::FormatDuration(lifecycle.give_up_timeout)},
      {"upstream_attempts", backoff.max_attempts},
      {"retry_initial_delay", absl::FormatDuration(backoff.initial_delay)},
      {"retry_max_delay", absl::FormatDuration(backoff.max_delay)},
      {"max_retry_after", absl::FormatDuration(retry_after.max_pause)},
      {"heartbeat_interval", absl::FormatDuration(heartbeat_interval)},
      {"event_retention", absl::FormatDuration(retention.event_retention)},
      {"max_finished_compiles", retention.max_finished_compiles},
      {"drain_timeout", absl::FormatDuration(drain_timeout)},
      {"upstream_workers", upstream_workers},
      {"watch_queues", watch_queues},
      {"max_receive_message_bytes", max_receive_message_bytes},
      {"max_streams_per_connection", max_streams_per_connection},
      {"max_watches_per_connection", max_watches_per_connection},
      {"collection_history", collection_history},
      {"shutdown_grace", absl::FormatDuration(shutdown_grace)},
  };
}

absl::StatusOr<ParsedServerConfig> ParseServerConfig(
    const std::vector<std::string>& args, const EnvLookup& env) {
  ParsedServerConfig parsed;
  ServerConfig& config = parsed.config;
  std::string token_auth = "form";
  int64_t attempts = config.backoff.max_attempts;
  // --upstream-rps, the older name of --account-rps-limit; 0: not given.
  double upstream_rps = 0;

  // The config file's client-secret: used when neither
  // --client-secret-file nor $CXONE_CLIENT_SECRET gives one.
  std::string file_secret;

  FlagParser flags("CXONE_", kUsage);
  flags.AddConfigFile(
      "settings file, TOML or INI: one `flag-name = value` a line; the "
      "command line and the environment win over it");
  flags.AddConfigFileSecret(
      "client-secret", &file_secret,
      "the OAuth2 client secret, when neither --client-secret-file nor "
      "$CXONE_CLIENT_SECRET gives one");
  flags.AddAddress("listen", &config.listen, PortUse::kListen,
                   "gRPC listen address host:port (port 0 picks a free port)");
  flags.AddAddress("metrics-listen", &config.metrics_listen, PortUse::kListen,
                   "Prometheus /metrics address host:port (port 0 picks a "
                   "free port)");
  flags.AddString("cxone-ca-file", &config.cxone_ca_file,
                  "PEM CA bundle that verifies CXone's TLS certificate "
                  "(default: the system's)");
  flags.AddBool("insecure-upstream", &config.insecure_upstream,
                "allow a plain http:// --cxone-base-url or --token-url to a "
                "host other than this one");
  flags.AddString("tls-cert-file", &config.tls_cert_file,
                  "PEM certificate chain of the gRPC port: TLS (with "
                  "--tls-key-file); reloaded when it changes");
  flags.AddString("tls-key-file", &config.tls_key_file,
                  "PEM private key of --tls-cert-file");
  flags.AddString("tls-client-ca-file", &config.tls_client_ca_file,
                  "PEM CA certificates: mTLS, every client must present a "
                  "certificate they signed");
  flags.AddDuration("tls-reload-interval", &config.tls_reload_interval,
                    {absl::Seconds(1), absl::Hours(24)},
                    "how often the TLS files are re-read for a rotation");
  flags.AddBool("insecure-listen", &config.insecure_listen,
                "allow plaintext gRPC and /metrics on an address other "
                "hosts can reach (refused otherwise)");
  flags.AddString("auth-tokens-file", &config.auth_tokens_file,
                  "static bearer tokens: one `NAME SHA256-HEX` a line (the "
                  "tokens themselves are never stored)");
  flags.AddString("auth-jwks-file", &config.auth_jwks_file,
                  "JWKS (RSA and EC P-256 keys) that verifies bearer JWTs "
                  "(RS256, ES256), offline");
  flags.AddString("auth-jwt-issuer", &config.auth_jwt_issuer,
                  "the `iss` a JWT must carry (with --auth-jwks-file)");
  flags.AddString("auth-jwt-audience", &config.auth_jwt_audience,
                  "the `aud` a JWT must name (with --auth-jwks-file)");
  flags.AddDuration("auth-jwt-clock-skew", &config.auth_jwt_clock_skew,
                    {absl::ZeroDuration(), absl::Minutes(10)},
                    "clock difference allowed for a JWT's exp, nbf and iat");
  flags.AddString("policy-file", &config.policy_file,
                  "tenants: which principals act for each, with which roles "
                  "(start, watch, admin), and its quotas (JSON); without "
                  "it one tenant, every caller with every role");
  flags.AddString("state-dir", &config.state_dir,
                  "directory of the state store (created if missing)");
  flags.AddChoice("store", &config.store, {"sqlite", "memory"},
                  "sqlite (durable), or memory (nothing survives a restart)");
  flags.AddBool("store-sync-every-commit", &config.store_sync_every_commit,
                "fsync every commit: survives power loss too, not only a "
                "crash (slower)");
  flags.AddInt("store-max-pages", &config.store_max_pages, {0, kSqliteMaxPages},
               "size bound of the state database in 4 KiB pages; 0 for "
               "none (for tests of a full disk)");
  flags.AddString("webhooks-config", &config.webhooks_config,
                  "webhook endpoints file, JSON or YAML (.yaml/.yml)");
  flags.AddString("audit-log", &config.audit_log,
                  "audit log file, one JSON line per RPC and state change "
                  "(reopened on SIGHUP); default stderr");
  flags.AddDuration("auth-failure-window", &config.auth_failure_window,
                    {absl::Seconds(1), absl::Hours(24)},
                    "CXone token requests failing this long make health "
                    "NOT_SERVING");
  flags.AddString("cxone-base-url", &config.cxone_base_url,
                  "CXone API base URL, e.g. "
                  "https://SITE.api.cxm.nice.incontact.com (required)");
  flags.AddString("token-url", &config.token_url,
                  "OAuth2 token URL (default: base URL + /api/v2/oauth/token)");
  flags.AddString("client-id", &config.client_id,
                  "OAuth2 client id (required)");
  flags.AddString("client-secret-file", &config.client_secret_file,
                  "file holding the OAuth2 client secret (else "
                  "$CXONE_CLIENT_SECRET, else the config file's "
                  "client-secret)");
  flags.AddChoice("token-auth", &token_auth, {"form", "basic"},
                  "how the client authenticates to the token endpoint: form "
                  "(client_id/client_secret fields) or basic (HTTP Basic)");
  flags.AddString("scopes", &config.scopes,
                  "scopes requested with each token, space-separated (empty: "
                  "none requested)");
  flags.AddDuration("poll-interval", &config.polling.in_progress_poll_interval,
                    {absl::Milliseconds(10), absl::Hours(1)},
                    "time between status polls of a running compile (when "
                    "the rate budget allows)");
  flags.AddDuration("queued-poll-interval",
                    &config.polling.queued_poll_interval,
                    {absl::Milliseconds(10), absl::Hours(1)},
                    "time between status polls of a queued compile");
  flags.AddDuration("min-poll-interval", &config.polling.min_poll_interval,
                    {absl::Milliseconds(10), absl::Hours(1)},
                    "shortest time between polls of one compile when spare "
                    "budget is spent on lower latency");
  flags.AddDuration("request-timeout", &config.request_timeout,
                    {absl::Milliseconds(10), absl::Minutes(10)},
                    "timeout of one upstream HTTP request");
  flags.AddDuration("max-call-duration", &config.max_call_duration,
                    {absl::Milliseconds(100), absl::Hours(24)},
                    "all the time one upstream call may take, retries and "
                    "waits for the budget included");
  flags.AddDouble("account-rps-limit", &config.budget.account_rps_limit,
                  {0.1, 100000},
                  "the account's CXone rate limit, requests per rolling "
                  "second, as CXone documents it: the gateway sends all its "
                  "requests (token, trigger, status) within it, keeping its "
                  "own margin, and slows down further after a 429");
  flags.AddDouble("upstream-rps", &upstream_rps, {0.1, 100000},
                  "older name of --account-rps-limit (it now means the "
                  "account's limit, not a rate below it); 0: not given");
  flags.AddInt("upstream-burst", &config.budget.burst, {0, 100000},
               "upstream requests that may go at once after a quiet spell; "
               "0: as many as the account limit allows in one second (a "
               "larger value is cut to that)");
  flags.AddInt("max-inflight-requests", &config.budget.max_in_flight, {1, 1024},
               "upstream HTTP requests in flight at once, at most");
  flags.AddInt("max-pending-starts", &config.max_pending_starts, {1, 1000000},
               "StartCompile calls that may wait for the budget at once; "
               "more fail with RESOURCE_EXHAUSTED");
  flags.AddDuration("default-retry-after",
                    &config.retry_after.default_retry_after,
                    {absl::Milliseconds(10), absl::Hours(1)},
                    "pause after a 429 whose Retry-After is missing or "
                    "malformed");
  flags.AddDuration("stuck-timeout", &config.lifecycle.stuck_timeout,
                    {absl::Milliseconds(100), absl::Hours(24 * 7)},
                    "no upstream change for this long: a STUCK event");
  flags.AddDuration("give-up-timeout", &config.lifecycle.give_up_timeout,
                    {absl::Milliseconds(100), absl::Hours(24 * 30)},
                    "no upstream change for this long: the compile ends "
                    "TIMED_OUT");
  flags.AddInt("upstream-attempts", &attempts, {1, 10},
               "attempts per upstream call for transient failures");
  flags.AddDuration("retry-initial-delay", &config.backoff.initial_delay,
                    {absl::Milliseconds(1), absl::Minutes(1)},
                    "first retry's backoff ceiling (doubles per retry)");
  flags.AddDuration("retry-max-delay", &config.backoff.max_delay,
                    {absl::Milliseconds(1), absl::Hours(1)},
                    "largest backoff ceiling");
  flags.AddDuration("max-retry-after", &config.retry_after.max_pause,
                    {absl::Milliseconds(100), absl::Hours(1)},
                    "longest Retry-After pause honoured (a longer one is cut "
                    "to this)");
  flags.AddDuration("heartbeat-interval", &config.heartbeat_interval,
                    {absl::Milliseconds(100), absl::Hours(24)},
                    "longest silence on a WatchCompile stream: a HEARTBEAT "
                    "marker fills it");
  flags.AddDuration("event-retention", &config.retention.event_retention,
                    {absl::Milliseconds(100), absl::Hours(24 * 365)},
                    "how long a finished compile's events stay replayable "
                    "with after_sequence");
  flags.AddInt("max-finished-compiles", &config.retention.max_finished_compiles,
               {1, 100000000},
               "finished compiles remembered at most (oldest forgotten first)");
  flags.AddDuration("drain-timeout", &config.drain_timeout,
                    {absl::ZeroDuration(), absl::Hours(1)},
                    "on SIGTERM, how long open watches get to receive what is "
                    "pending before the server stops");
  flags.AddInt("upstream-workers", &config.upstream_workers, {1, 2048},
               "threads starting compiles upstream (polls have their own, "
               "one per --max-inflight-requests)");
  flags.AddInt("max-receive-message-bytes", &config.max_receive_message_bytes,
               {1024, 64 * 1024 * 1024},
               "the largest request message accepted (RESOURCE_EXHAUSTED "
               "beyond)");
  flags.AddInt("max-streams-per-connection",
               &config.max_streams_per_connection, {1, 1'000'000},
               "HTTP/2 streams one client connection may have open at once "
               "(more wait in the client)");
  flags.AddInt("max-watches-per-connection",
               &config.max_watches_per_connection, {1, 1'000'000},
               "watch streams one client connection may have open "
               "(RESOURCE_EXHAUSTED beyond)");
  flags.AddInt("watch-queues", &config.watch_queues, {1, 64},
               "completion queues (one thread each) serving WatchCompile "
               "streams");
  flags.AddInt("collection-history", &config.collection_history,
               {1, 10'000'000},
               "events of all compiles that WatchCompiles can replay; a "
               "watch further behind ends OUT_OF_RANGE (list again)");
  flags.AddDuration("shutdown-grace", &config.shutdown_grace,
                    {absl::ZeroDuration(), absl::Hours(1)},
                    "on SIGTERM, how long open calls may take to end");

  if (absl::Status status = flags.Parse(args, env); !status.ok()) {
    return status;
  }
  parsed.usage = flags.Usage();
  if (flags.help_requested()) {
    parsed.help_requested = true;
    return parsed;
  }
  config.config_file = flags.config_file();
  if (config.cxone_base_url.empty()) {
    return absl::InvalidArgumentError(
        "--cxone-base-url (or $CXONE_BASE_URL, or cxone-base-url in the "
        "--config file) is required");
  }
  if (absl::Status url = CheckHttpUrl("cxone-base-url", config.cxone_base_url,
                                     config.insecure_upstream);
      !url.ok()) {
    return url;
  }
  while (absl::EndsWith(config.cxone_base_url, "/")) {
    config.cxone_base_url.pop_back();
  }
  if (config.token_url.empty()) {
    config.token_url =
        absl::StrCat(config.cxone_base_url, "/api/v2/oauth/token");
  } else if (absl::Status url = CheckHttpUrl("token-url", config.token_url,
                                            config.insecure_upstream);
             !url.ok()) {
    return url;
  }
  if (config.client_id.empty()) {
    return absl::InvalidArgumentError(
        "--client-id (or $CXONE_CLIENT_ID, or client-id in the --config file) "
        "is required");
  }
  // The secret's sources in the order of every setting's: a file named on
  // the command line or by $CXONE_CLIENT_SECRET_FILE, then
  // $CXONE_CLIENT_SECRET, then the config file (its client-secret-file or
  // its client-secret).
  const bool secret_file_from_config =
      flags.SourceOf("client-secret-file") == FlagSource::kConfigFile;
  if (secret_file_from_config && !file_secret.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("config file \"", config.config_file,
                     "\": give client-secret or client-secret-file, not both"));
  }
  const std::optional<std::string> env_secret = env("CXONE_CLIENT_SECRET");
  std::string secret_source = "$CXONE_CLIENT_SECRET";
  if (!config.client_secret_file.empty() &&
      !(secret_file_from_config && env_secret.has_value())) {
    absl::StatusOr<std::string> secret =
        ReadSecretFile(config.client_secret_file);
    if (!secret.ok()) return secret.status();
    config.client_secret = *secret;
    secret_source = absl::StrCat("--client-secret-file \"",
                                 config.client_secret_file, "\"");
  } else if (env_secret.has_value()) {
    config.client_secret = *env_secret;
  } else if (!file_secret.empty()) {
    config.client_secret = file_secret;
    secret_source = absl::StrCat("the client-secret of config file \"",
                                 config.config_file, "\"");
  }
  if (config.client_secret.empty()) {
    return absl::InvalidArgumentError(
        "the client secret is required: set $CXONE_CLIENT_SECRET, "
        "--client-secret-file, or client-secret in the --config file");
  }
  // Every occurrence of the secret is redacted from the logs: a short one
  // matches ordinary text and would garble every line (see redactor.h).
  if (config.client_secret.size() < Redactor::kMinSecretLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the client secret from ", secret_source, " is too short: at least ",
        Redactor::kMinSecretLength,
        " characters are required, so that redacting it from the logs "
        "cannot garble them"));
  }
  if (absl::Status tls = CheckTransportSecurity(config); !tls.ok()) {
    return tls;
  }
  const bool jwt_claims =
      !config.auth_jwt_issuer.empty() || !config.auth_jwt_audience.empty();
  if (!config.auth_jwks_file.empty() &&
      (config.auth_jwt_issuer.empty() || config.auth_jwt_audience.empty())) {
    return absl::InvalidArgumentError(
        "--auth-jwks-file needs --auth-jwt-issuer and --auth-jwt-audience: a "
        "JWT is only accepted from its issuer, for this gateway");
  }
  if (config.auth_jwks_file.empty() && jwt_claims) {
    return absl::InvalidArgumentError(
        "--auth-jwt-issuer and --auth-jwt-audience need --auth-jwks-file, "
        "the keys that verify the JWTs");
  }
  if (config.store == "sqlite" && config.state_dir.empty()) {
    return absl::InvalidArgumentError("--state-dir must not be empty");
  }
  if (!config.webhooks_config.empty() && config.store != "sqlite") {
    return absl::InvalidArgumentError(
        "--webhooks-config needs --store=sqlite: the webhook outbox is kept "
        "in the state store");
  }
  if (token_auth == "basic") {
    config.token_auth = upstream::ClientAuthMethod::kHttpBasic;
  }
  // The two names of one setting follow the layers' order like any flag
  // (command line > environment > file): the stronger one wins, and only
  // two different values in the same layer are a contradiction.
  const FlagSource old_name = flags.SourceOf("upstream-rps");
  const FlagSource new_name = flags.SourceOf("account-rps-limit");
  if (old_name != FlagSource::kDefault) {
    if (old_name == new_name &&
        config.budget.account_rps_limit != upstream_rps) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--upstream-rps (", upstream_rps,
          ") is the older name of --account-rps-limit (",
          config.budget.account_rps_limit, "): give only one of them"));
    }
    if (old_name > new_name) config.budget.account_rps_limit = upstream_rps;
  }
  // What the budget will use, so that the start-up log shows it.
  config.budget.burst = upstream::RateBudget::EffectiveBurst(config.budget);
  config.polling.max_outstanding_polls = config.budget.max_in_flight;
  if (config.lifecycle.give_up_timeout <= config.lifecycle.stuck_timeout) {
    return absl::InvalidArgumentError(
        "--give-up-timeout must be longer than --stuck-timeout");
  }
  if (config.backoff.max_delay < config.backoff.initial_delay) {
    return absl::InvalidArgumentError(
        "--retry-max-delay must not be shorter than --retry-initial-delay");
  }
  config.backoff.max_attempts = static_cast<int>(attempts);
  return parsed;
}

}  // namespace cxone
