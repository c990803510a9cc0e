// cxone-compile-server: wires the gateway together and runs it until
// SIGINT or SIGTERM.
#include <curl/curl.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/json_log.h"
#include "common/redactor.h"
#include "common/worker_pool.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/api/compile_service.h"
#include "server/api/webhook_service.h"
#include "server/http/curl_http_client.h"
#include "server/jobs/compile_starter.h"
#include "server/jobs/job_registry.h"
#include "server/jobs/poll_scheduler.h"
#include "server/jobs/request_id_index.h"
#include "server/jobs/retention_sweeper.h"
#include "server/jobs/state_recovery.h"
#include "server/metric_catalog.h"
#include "server/ops/audit_log.h"
#include "server/ops/compile_outcomes.h"
#include "server/ops/gateway_metrics.h"
#include "server/ops/health_monitor.h"
#include "server/ops/protobuf_log.h"
#include "server/server_config.h"
#include "server/store/group_committer.h"
#include "server/store/sqlite_store.h"
#include "server/upstream/budgeted_http_client.h"
#include "server/upstream/cxone_client.h"
#include "server/upstream/rate_budget.h"
#include "server/watch/watch_dispatcher.h"
#include "server/watch/watcher_set.h"
#include "server/webhooks/webhook_config.h"
#include "server/webhooks/webhook_dispatcher.h"
#include "server/webhooks/webhook_outbox.h"

namespace cxone {
namespace {

// Logs why the server cannot start, tells the operator on stderr, and
// returns the exit code.
int FailToStart(JsonLog& log, const std::string& what,
                const absl::Status& status) {
  log.Error(what, {{"error", std::string(status.message())}});
  std::fprintf(stderr, "cxone-compile-server: %s: %s\n", what.c_str(),
               std::string(status.message()).c_str());
  return 1;
}

int Run(const ServerConfig& config, sigset_t* stop_signals) {
  RealClock clock;
  Redactor redactor;
  redactor.AddPermanentSecret(config.client_secret);
  JsonLog log(stderr, &clock, &redactor);
  // libprotobuf's own complaints as JSON lines too.
  ProtobufLogRoute protobuf_logs(&log);
  // Webhook secrets are known before anything can log them.
  WebhooksConfig webhooks;
  if (!config.webhooks_config.empty()) {
    absl::StatusOr<WebhooksConfig> loaded = LoadWebhooksConfig(
        config.webhooks_config,
        [](const std::string& name) -> std::optional<std::string> {
          const char* value = std::getenv(name.c_str());
          if (value == nullptr) return std::nullopt;
          return std::string(value);
        });
    if (!loaded.ok()) {
      return FailToStart(log, "cannot read the webhooks config",
                         loaded.status());
    }
    webhooks = *std::move(loaded);
    for (const WebhookEndpointConfig& endpoint : webhooks.endpoints) {
      redactor.AddPermanentSecret(endpoint.secret.text);
      if (endpoint.previous_secret.has_value()) {
        redactor.AddPermanentSecret(endpoint.previous_secret->text);
      }
    }
  }
  log.Info("starting cxone-compile-server", {{"config", config.ToJson()}});
  absl::StatusOr<std::unique_ptr<AuditLog>> audit =
      AuditLog::Open(config.audit_log, &redactor, &clock);
  if (!audit.ok()) {
    return FailToStart(log, "cannot open the audit log", audit.status());
  }
  // Every logged event: a state_change audit line, and how compiles end.
  CompileOutcomes outcomes;
  JobObservers job_observers({audit->get(), &outcomes});

  // The state store first: a gateway that cannot keep its promises after
  // a restart should not start at all.
  std::unique_ptr<SqliteStore> store;
  if (config.store == "sqlite") {
    SqliteStoreOptions store_options;
    store_options.sync_every_commit = config.store_sync_every_commit;
    store_options.max_page_count = config.store_max_pages;
    absl::StatusOr<std::unique_ptr<SqliteStore>> opened =
        SqliteStore::Open(config.state_dir, store_options);
    if (!opened.ok()) {
      // The store's errors name it: "state store PATH: reason".
      return FailToStart(log, "cannot start", opened.status());
    }
    store = *std::move(opened);
  }
  std::unique_ptr<GroupCommitter> journal;
  // Webhooks: their own HTTP client (never the CXone budget), the outbox
  // that writes deliveries with their events, the dispatcher that sends.
  http::CurlHttpClient webhook_http;
  std::unique_ptr<WebhookDispatcher> webhook_dispatcher;
  std::unique_ptr<WebhookOutbox> webhook_outbox;
  if (store != nullptr) {
    journal = std::make_unique<GroupCommitter>(store.get(), &clock);
    if (!webhooks.endpoints.empty()) {
      webhook_dispatcher = std::make_unique<WebhookDispatcher>(
          &webhooks, journal.get(), store.get(), &webhook_http, &clock, &log,
          std::random_device{}(), audit->get());
      webhook_outbox = std::make_unique<WebhookOutbox>(
          &webhooks, &clock, webhook_dispatcher.get(), &log);
      journal->SetObserver(webhook_outbox.get());
    }
    journal->Start();
  }

  // Every upstream request — token, trigger, status — goes through the
  // budgeted client, so none can bypass the account's rate budget.
  http::CurlHttpClient curl;
  upstream::RateBudget budget(config.budget, &clock);
  upstream::BudgetedHttpClient http(&curl, &budget, config.retry_after, &clock,
                                    &log);
  upstream::TokenEndpointConfig token_endpoint;
  token_endpoint.url = config.token_url;
  token_endpoint.client_id = config.client_id;
  token_endpoint.client_secret = config.client_secret;
  token_endpoint.scope = config.scopes;
  token_endpoint.auth_method = config.token_auth;
  token_endpoint.request_timeout = config.request_timeout;
  token_endpoint.max_wait = config.max_call_duration;
  token_endpoint.backoff_seed = std::random_device{}();
  upstream::TokenCache tokens(token_endpoint, &http, &clock, &redactor);
  Backoff backoff(config.backoff, std::random_device{}());
  upstream::CxoneClientConfig cxone_config;
  cxone_config.base_url = config.cxone_base_url;
  cxone_config.request_timeout = config.request_timeout;
  cxone_config.max_call_duration = config.max_call_duration;
  upstream::CxoneClient cxone(cxone_config, &http, &tokens, &backoff, &clock,
                              &log, &redactor);

  // Polls and starts have their own threads, so neither can queue the
  // other out; polls never use more threads than requests may be in flight.
  WorkerPool poll_workers(
      static_cast<int>(config.polling.max_outstanding_polls));
  WorkerPool workers(static_cast<int>(config.upstream_workers));
  PollScheduler scheduler(config.polling, &cxone, &budget, &poll_workers,
                          &clock, &log);
  budget.AddPauseListener(&scheduler);
  JobRegistry registry;
  RequestIdIndex request_ids;
  RetentionSweeper sweeper(
      config.retention,
      std::clamp(config.retention.event_retention / 4, absl::Milliseconds(100),
                 absl::Minutes(1)),
      &registry, &request_ids, &clock, &log, store.get());
  WatcherSet watchers(config.heartbeat_interval, &clock);
  CompileStarter starter(&cxone, &registry, &request_ids, &scheduler, &workers,
                         &clock, &log, config.lifecycle,
                         config.max_pending_starts, journal.get(),
                         &job_observers);
  std::vector<StoredRequestId> pending_starts;
  if (store != nullptr) {
    const absl::Time recovery_began = absl::Now();
    absl::StatusOr<RecoveredState> recovered = RecoverState(
        store.get(), journal.get(), config.lifecycle, clock.Now(), &registry,
        &request_ids,
        [&scheduler](std::shared_ptr<CompileJob> job) {
          scheduler.Track(std::move(job));
        },
        &job_observers);
    if (!recovered.ok()) {
      return FailToStart(log, "cannot recover the gateway's state",
                         recovered.status());
    }
    log.Info(
        "recovered state",
        {{"compiles", recovered->compiles},
         {"live_compiles", recovered->live_compiles},
         {"events", recovered->events},
         {"request_ids", recovered->request_ids},
         {"pending_starts", recovered->pending_starts.size()},
         {"seconds", absl::ToDoubleSeconds(absl::Now() - recovery_began)}});
    pending_starts = std::move(recovered->pending_starts);
    if (webhook_dispatcher != nullptr) {
      webhook_dispatcher->Recover(recovered->pending_deliveries,
                                  recovered->endpoint_states);
    }
  }
  CompileService service(&starter, &registry, &redactor, &log, audit->get());

  // health.proto is compiled into this binary so that reflection can
  // describe grpc.health.v1.Health; touching a descriptor keeps the linker
  // from dropping it.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  WebhookService webhook_service(&webhooks, webhook_dispatcher.get(), &redactor,
                                 audit->get());
  builder.RegisterService(&webhook_service);
  WatchDispatcher watch_dispatcher(&service, &watchers, &redactor, &clock,
                                   &builder,
                                   static_cast<int>(config.watch_queues));
  // Notice dead clients of long watches; allow clients' keepalive pings.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 30'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10'000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10'000);
  // Clients enforce their own deadlines (they cancel, and the server sees
  // it). A server-side timer per call as well would put every open watch in
  // gRPC's timer list, which it walks on each refill: 22% of the server's
  // CPU with 50,000 watches.
  builder.AddChannelArgument(GRPC_ARG_ENABLE_DEADLINE_CHECKS, 0);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    log.Error("cannot listen", {{"listen", config.listen}});
    std::fprintf(stderr, "cxone-compile-server: cannot listen on %s\n",
                 config.listen.c_str());
    return 1;
  }
  // grpc.health.v1 answers for the whole server ("") and for each service
  // by name, all with the one verdict of the HealthMonitor: a Kubernetes
  // gRPC probe may name either. Until the monitor's first verdict (at
  // health.Start(), once everything runs) they are NOT_SERVING; names not
  // listed stay NOT_FOUND.
  const std::string health_services[] = {
      "", compile::v1::CompileService::service_full_name(),
      compile::v1::WebhookService::service_full_name()};
  auto publish_health = [&server, &health_services](bool serving) {
    for (const std::string& name : health_services) {
      server->GetHealthCheckService()->SetServingStatus(name, serving);
    }
  };
  publish_health(false);
  absl::StatusOr<std::unique_ptr<GatewayMetrics>> metrics =
      GatewayMetrics::Serve(config.metrics_listen);
  if (!metrics.ok()) {
    return FailToStart(log, "cannot serve metrics", metrics.status());
  }
  RegisterMetrics(**metrics, {&watchers, &scheduler, &budget, &http, &tokens,
                              &starter, &outcomes, &watch_dispatcher,
                              journal.get(), webhook_dispatcher.get()});
  HealthMonitor health({journal != nullptr ? std::function<bool()>([&journal] {
                          return journal->healthy();
                        })
                                           : nullptr,
                        [&tokens] { return tokens.failing_since(); }},
                       config.auth_failure_window, absl::Seconds(1), &clock,
                       &log, publish_health);
  (*metrics)->SetReadiness([&health] { return health.serving(); },
                           [&health] { return health.why(); });
  scheduler.Start();
  sweeper.Start();
  watchers.Start();
  watch_dispatcher.Start();
  if (webhook_dispatcher != nullptr) webhook_dispatcher->Start();
  for (const StoredRequestId& intent : pending_starts) {
    starter.ResumePending(intent);
  }
  health.Start();
  const std::string host = config.listen.substr(0, config.listen.rfind(':'));
  log.Info("listening", {{"address", absl::StrCat(host, ":", port)},
                         {"port", port},
                         {"metrics_port", (*metrics)->port()}});

  int signal_number = 0;
  while (true) {
    sigwait(stop_signals, &signal_number);
    if (signal_number != SIGHUP) break;
    // logrotate moved the audit log: write to a new file of that name.
    if (absl::Status reopened = (*audit)->Reopen(); !reopened.ok()) {
      log.Error("cannot reopen the audit log",
                {{"error", std::string(reopened.message())}});
    } else {
      log.Info("audit log reopened");
    }
  }
  log.Info("shutting down", {{"signal", signal_number}});
  health.Shutdown();
  publish_health(false);
  (*metrics)->SetReadiness([] { return false; },
                           [] { return std::string("draining"); });
  // Drain: every open watch gets what is pending, then UNAVAILABLE naming
  // the after_sequence to resume with; new watches are refused.
  const absl::Time drain_deadline = absl::Now() + config.drain_timeout;
  watchers.Drain();
  while (watchers.size() > 0 && absl::Now() < drain_deadline) {
    absl::SleepFor(absl::Milliseconds(10));  // bounded by drain_deadline
  }
  log.Info("watches drained", {{"still_open", watchers.size()}});
  // No new polls from here: they could only fail once the budget is shut.
  scheduler.Shutdown();
  // Upstream waits (rate limit, Retry-After, retry backoff) end now instead
  // of delaying the exit; calls still waiting fail as UNAVAILABLE.
  budget.Shutdown();
  cxone.Shutdown();
  watch_dispatcher.StopAccepting();
  server->Shutdown(std::chrono::system_clock::now() +
                   absl::ToChronoMilliseconds(config.shutdown_grace));
  watch_dispatcher.Shutdown(config.shutdown_grace);
  watchers.Shutdown();
  sweeper.Shutdown();
  poll_workers.Shutdown();
  workers.Shutdown();
  if (webhook_dispatcher != nullptr) webhook_dispatcher->Shutdown();
  if (journal != nullptr) journal->Shutdown();
  log.Info("stopped");
  return 0;
}

}  // namespace
}  // namespace cxone

int main(int argc, char** argv) {
  // Debian builds Abseil with mutex deadlock detection on: it costs every
  // lock (gRPC's included) a graph update, 15% of the server's CPU and
  // about 1 KB per open watch in the watcher benchmark. Lock order is
  // documented per class instead.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // Block the stop signals before any thread starts, so every thread
  // inherits the mask and only sigwait() in Run() receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<cxone::ParsedServerConfig> parsed =
      cxone::ParseServerConfig(cxone::ArgsOf(argc, argv), cxone::ProcessEnv());
  if (!parsed.ok()) {
    std::fprintf(stderr, "cxone-compile-server: %s\n",
                 std::string(parsed.status().message()).c_str());
    return 2;
  }
  if (parsed->help_requested) {
    std::fputs(parsed->usage.c_str(), stdout);
    return 0;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int code = cxone::Run(parsed->config, &stop_signals);
  curl_global_cleanup();
  return code;
}
