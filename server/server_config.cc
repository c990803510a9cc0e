#include "server/server_config.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace cxone {
namespace {

constexpr char kUsage[] =
    "cxone-compile-server: a gRPC gateway to NICE CXone flow compilation.\n"
    "\n"
    "Usage: cxone-compile-server --cxone-base-url=URL --client-id=ID [flags]\n"
    "\n"
    "The client secret is read from $CXONE_CLIENT_SECRET or from the file\n"
    "named by --client-secret-file; it is never taken as a flag value, so it\n"
    "does not show in process listings.";

absl::Status CheckHttpUrl(const std::string& flag, const std::string& url) {
  if (!absl::StartsWith(url, "http://") && !absl::StartsWith(url, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--", flag, " must be an http:// or https:// URL, got \"", url, "\""));
  }
  return absl::OkStatus();
}

absl::Status CheckPositive(const std::string& flag, absl::Duration value) {
  if (value <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " must be greater than zero"));
  }
  return absl::OkStatus();
}

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
      {"listen", listen},
      {"metrics_listen", metrics_listen},
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
      {"shutdown_grace", absl::FormatDuration(shutdown_grace)},
  };
}

absl::StatusOr<ParsedServerConfig> ParseServerConfig(
    const std::vector<std::string>& args, const EnvLookup& env) {
  ParsedServerConfig parsed;
  ServerConfig& config = parsed.config;
  std::string token_auth = "form";
  int64_t attempts = config.backoff.max_attempts;
  // --upstream-rps, the older name of --account-rps-limit; empty: not given.
  std::string upstream_rps;

  FlagSet flags("CXONE_", kUsage);
  flags.AddString("listen", &config.listen,
                  "gRPC listen address host:port (port 0 picks a free port)");
  flags.AddString("metrics-listen", &config.metrics_listen,
                  "Prometheus /metrics address host:port (port 0 picks a "
                  "free port)");
  flags.AddString("state-dir", &config.state_dir,
                  "directory of the state store (created if missing)");
  flags.AddString("store", &config.store,
                  "sqlite (durable), or memory (nothing survives a restart)");
  flags.AddBool("store-sync-every-commit", &config.store_sync_every_commit,
                "fsync every commit: survives power loss too, not only a "
                "crash (slower)");
  flags.AddInt("store-max-pages", &config.store_max_pages,
               "size bound of the state database in 4 KiB pages; 0 for "
               "none (for tests of a full disk)");
  flags.AddString("webhooks-config", &config.webhooks_config,
                  "webhook endpoints file, JSON or YAML (.yaml/.yml)");
  flags.AddString("audit-log", &config.audit_log,
                  "audit log file, one JSON line per RPC and state change "
                  "(reopened on SIGHUP); default stderr");
  flags.AddDuration("auth-failure-window", &config.auth_failure_window,
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
                  "$CXONE_CLIENT_SECRET)");
  flags.AddString("token-auth", &token_auth,
                  "how the client authenticates to the token endpoint: form "
                  "(client_id/client_secret fields) or basic (HTTP Basic)");
  flags.AddString("scopes", &config.scopes,
                  "scopes requested with each token, space-separated (empty: "
                  "none requested)");
  flags.AddDuration("poll-interval", &config.polling.in_progress_poll_interval,
                    "time between status polls of a running compile (when "
                    "the rate budget allows)");
  flags.AddDuration("queued-poll-interval",
                    &config.polling.queued_poll_interval,
                    "time between status polls of a queued compile");
  flags.AddDuration("min-poll-interval", &config.polling.min_poll_interval,
                    "shortest time between polls of one compile when spare "
                    "budget is spent on lower latency");
  flags.AddDuration("request-timeout", &config.request_timeout,
                    "timeout of one upstream HTTP request");
  flags.AddDuration("max-call-duration", &config.max_call_duration,
                    "all the time one upstream call may take, retries and "
                    "waits for the budget included");
  flags.AddDouble("account-rps-limit", &config.budget.account_rps_limit,
                  "the account's CXone rate limit, requests per rolling "
                  "second, as CXone documents it: the gateway sends all its "
                  "requests (token, trigger, status) within it, keeping its "
                  "own margin, and slows down further after a 429");
  flags.AddString("upstream-rps", &upstream_rps,
                  "older name of --account-rps-limit (it now means the "
                  "account's limit, not a rate below it)");
  flags.AddInt("upstream-burst", &config.budget.burst,
               "upstream requests that may go at once after a quiet spell; "
               "0: as many as the account limit allows in one second (a "
               "larger value is cut to that)");
  flags.AddInt("max-inflight-requests", &config.budget.max_in_flight,
               "upstream HTTP requests in flight at once, at most");
  flags.AddInt("max-pending-starts", &config.max_pending_starts,
               "StartCompile calls that may wait for the budget at once; "
               "more fail with RESOURCE_EXHAUSTED");
  flags.AddDuration("default-retry-after",
                    &config.retry_after.default_retry_after,
                    "pause after a 429 whose Retry-After is missing or "
                    "malformed");
  flags.AddDuration("stuck-timeout", &config.lifecycle.stuck_timeout,
                    "no upstream change for this long: a STUCK event");
  flags.AddDuration("give-up-timeout", &config.lifecycle.give_up_timeout,
                    "no upstream change for this long: the compile ends "
                    "TIMED_OUT");
  flags.AddInt("upstream-attempts", &attempts,
               "attempts per upstream call for transient failures (1-10)");
  flags.AddDuration("retry-initial-delay", &config.backoff.initial_delay,
                    "first retry's backoff ceiling (doubles per retry)");
  flags.AddDuration("retry-max-delay", &config.backoff.max_delay,
                    "largest backoff ceiling");
  flags.AddDuration("max-retry-after", &config.retry_after.max_pause,
                    "longest Retry-After pause honoured (a longer one is cut "
                    "to this)");
  flags.AddDuration("heartbeat-interval", &config.heartbeat_interval,
                    "longest silence on a WatchCompile stream: a HEARTBEAT "
                    "marker fills it");
  flags.AddDuration("event-retention", &config.retention.event_retention,
                    "how long a finished compile's events stay replayable "
                    "with after_sequence");
  flags.AddInt("max-finished-compiles", &config.retention.max_finished_compiles,
               "finished compiles remembered at most (oldest forgotten first)");
  flags.AddDuration("drain-timeout", &config.drain_timeout,
                    "on SIGTERM, how long open watches get to receive what is "
                    "pending before the server stops");
  flags.AddInt("upstream-workers", &config.upstream_workers,
               "threads starting compiles upstream (polls have their own, "
               "one per --max-inflight-requests)");
  flags.AddInt("watch-queues", &config.watch_queues,
               "completion queues (one thread each) serving WatchCompile "
               "streams (1-64)");
  flags.AddDuration("shutdown-grace", &config.shutdown_grace,
                    "on SIGTERM, how long open calls may take to end");

  absl::StatusOr<std::vector<std::string>> positional = flags.Parse(args, env);
  if (!positional.ok()) return positional.status();
  parsed.usage = flags.Usage();
  if (flags.help_requested()) {
    parsed.help_requested = true;
    return parsed;
  }
  if (!positional->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unexpected argument \"", positional->front(), "\" (see --help)"));
  }
  if (config.cxone_base_url.empty()) {
    return absl::InvalidArgumentError(
        "--cxone-base-url (or $CXONE_BASE_URL) is required");
  }
  if (absl::Status url = CheckHttpUrl("cxone-base-url", config.cxone_base_url);
      !url.ok()) {
    return url;
  }
  while (absl::EndsWith(config.cxone_base_url, "/")) {
    config.cxone_base_url.pop_back();
  }
  if (config.token_url.empty()) {
    config.token_url =
        absl::StrCat(config.cxone_base_url, "/api/v2/oauth/token");
  } else if (absl::Status url = CheckHttpUrl("token-url", config.token_url);
             !url.ok()) {
    return url;
  }
  if (config.client_id.empty()) {
    return absl::InvalidArgumentError(
        "--client-id (or $CXONE_CLIENT_ID) is required");
  }
  if (!config.client_secret_file.empty()) {
    absl::StatusOr<std::string> secret =
        ReadSecretFile(config.client_secret_file);
    if (!secret.ok()) return secret.status();
    config.client_secret = *secret;
  } else if (std::optional<std::string> secret = env("CXONE_CLIENT_SECRET")) {
    config.client_secret = *secret;
  }
  if (config.client_secret.empty()) {
    return absl::InvalidArgumentError(
        "the client secret is required: set $CXONE_CLIENT_SECRET or "
        "--client-secret-file");
  }
  if (config.store != "sqlite" && config.store != "memory") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--store must be sqlite or memory, got \"", config.store, "\""));
  }
  if (config.store == "sqlite" && config.state_dir.empty()) {
    return absl::InvalidArgumentError("--state-dir must not be empty");
  }
  if (!config.webhooks_config.empty() && config.store != "sqlite") {
    return absl::InvalidArgumentError(
        "--webhooks-config needs --store=sqlite: the webhook outbox is kept "
        "in the state store");
  }
  if (config.store_max_pages < 0) {
    return absl::InvalidArgumentError("--store-max-pages must not be negative");
  }
  if (token_auth == "basic") {
    config.token_auth = upstream::ClientAuthMethod::kHttpBasic;
  } else if (token_auth != "form") {
    return absl::InvalidArgumentError(absl::StrCat(
        "--token-auth must be form or basic, got \"", token_auth, "\""));
  }
  if (!upstream_rps.empty()) {
    double value = 0;
    if (!absl::SimpleAtod(upstream_rps, &value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--upstream-rps must be a number, got \"", upstream_rps, "\""));
    }
    if (config.budget.account_rps_limit !=
            upstream::RateBudgetConfig{}.account_rps_limit &&
        config.budget.account_rps_limit != value) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--upstream-rps (", value,
          ") is the older name of --account-rps-limit (",
          config.budget.account_rps_limit, "): give only one of them"));
    }
    config.budget.account_rps_limit = value;
  }
  if (!(config.budget.account_rps_limit > 0) ||
      config.budget.account_rps_limit > 100000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--account-rps-limit (or --upstream-rps) must be above 0 and at "
        "most 100000, got ",
        config.budget.account_rps_limit));
  }
  if (config.budget.burst < 0 || config.budget.burst > 100000) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--upstream-burst must be 0 to 100000, got ", config.budget.burst));
  }
  // What the budget will use, so that the start-up log shows it.
  config.budget.burst = upstream::RateBudget::EffectiveBurst(config.budget);
  if (config.budget.max_in_flight < 1 || config.budget.max_in_flight > 1024) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max-inflight-requests must be 1 to 1024, got ",
                     config.budget.max_in_flight));
  }
  if (config.retention.max_finished_compiles < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max-finished-compiles must be at least 1, got ",
                     config.retention.max_finished_compiles));
  }
  if (config.max_pending_starts < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max-pending-starts must be at least 1, got ",
                     config.max_pending_starts));
  }
  config.polling.max_outstanding_polls = config.budget.max_in_flight;
  for (const auto& [flag, value] :
       {std::pair<const char*, absl::Duration>{
            "poll-interval", config.polling.in_progress_poll_interval},
        {"queued-poll-interval", config.polling.queued_poll_interval},
        {"min-poll-interval", config.polling.min_poll_interval},
        {"max-call-duration", config.max_call_duration},
        {"default-retry-after", config.retry_after.default_retry_after},
        {"max-retry-after", config.retry_after.max_pause},
        {"heartbeat-interval", config.heartbeat_interval},
        {"event-retention", config.retention.event_retention},
        {"request-timeout", config.request_timeout},
        {"stuck-timeout", config.lifecycle.stuck_timeout},
        {"give-up-timeout", config.lifecycle.give_up_timeout},
        {"retry-initial-delay", config.backoff.initial_delay},
        {"retry-max-delay", config.backoff.max_delay}}) {
    if (absl::Status positive = CheckPositive(flag, value); !positive.ok()) {
      return positive;
    }
  }
  if (config.lifecycle.give_up_timeout <= config.lifecycle.stuck_timeout) {
    return absl::InvalidArgumentError(
        "--give-up-timeout must be longer than --stuck-timeout");
  }
  if (attempts < 1 || attempts > 10) {
    return absl::InvalidArgumentError(
        absl::StrCat("--upstream-attempts must be 1 to 10, got ", attempts));
  }
  config.backoff.max_attempts = static_cast<int>(attempts);
  if (config.upstream_workers < 1 || config.upstream_workers > 2048) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--upstream-workers must be 1 to 2048, got ", config.upstream_workers));
  }
  if (config.watch_queues < 1 || config.watch_queues > 64) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--watch-queues must be 1 to 64, got ", config.watch_queues));
  }
  return parsed;
}

}  // namespace cxone
