#include "server/gateway.h"

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <random>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/quoted.h"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/metric_catalog.h"

namespace cxone {
namespace {

// The webhooks config names its secrets by environment variable.
std::optional<std::string> EnvironmentVariable(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  return std::string(value);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Gateway>> Gateway::Create(
    const ServerConfig& config, std::FILE* log_stream) {
  std::unique_ptr<Gateway> gateway(new Gateway(config, log_stream));
  JsonLog& log = gateway->log_;
  // Each step names what failed; the first failure ends the start-up.
  auto failed = [&log](const std::string& what, const absl::Status& status) {
    log.Error(what, {{"error", std::string(status.message())}});
    return absl::Status(status.code(),
                        absl::StrCat(what, ": ", status.message()));
  };
  if (absl::Status loaded = gateway->LoadWebhooks(); !loaded.ok()) {
    return failed("cannot read the webhooks config", loaded);
  }
  log.Info("starting cxone-compile-server", {{"config", config.ToJson()}});
  absl::StatusOr<std::unique_ptr<AuditLog>> audit =
      AuditLog::Open(config.audit_log, &gateway->redactor_, &gateway->clock_);
  if (!audit.ok()) return failed("cannot open the audit log", audit.status());
  gateway->audit_ = *std::move(audit);
  AuthenticatorConfig authentication;
  authentication.client_certificates = !config.tls_client_ca_file.empty();
  authentication.tokens_file = config.auth_tokens_file;
  authentication.jwks_file = config.auth_jwks_file;
  authentication.jwt = {config.auth_jwt_issuer, config.auth_jwt_audience,
                        config.auth_jwt_clock_skew};
  absl::StatusOr<std::unique_ptr<CallerAuthenticator>> authenticator =
      CallerAuthenticator::Create(authentication, &gateway->clock_);
  if (!authenticator.ok()) {
    return failed("cannot read the callers' credentials",
                  authenticator.status());
  }
  gateway->authenticator_ = *std::move(authenticator);
  log.Info("caller identity", {{"from", gateway->authenticator_->Describe()}});
  if (absl::Status loaded = gateway->LoadPolicy(); !loaded.ok()) {
    return failed("cannot read the tenant policy", loaded);
  }
  gateway->job_observers_ =
      std::make_unique<JobObservers>(std::vector<JobObserver*>{
          gateway->audit_.get(), &gateway->outcomes_, &gateway->collection_,
          gateway->tenant_usage_.get()});
  // The state store first: a gateway that cannot keep its promises after a
  // restart should not start at all. The store's errors name it.
  if (absl::Status opened = gateway->OpenStore(); !opened.ok()) {
    return failed("cannot start", opened);
  }
  gateway->BuildUpstream();
  gateway->BuildJobs();
  if (absl::Status recovered = gateway->Recover(); !recovered.ok()) {
    return failed("cannot recover the gateway's state", recovered);
  }
  if (absl::Status listening = gateway->Listen(); !listening.ok()) {
    // The message says it all: "cannot listen on ADDRESS", or which TLS
    // file is wrong.
    log.Error("cannot listen",
              {{"listen", config.listen},
               {"error", std::string(listening.message())}});
    return listening;
  }
  if (config.insecure_listen && config.tls_cert_file.empty() &&
      !IsLoopbackAddress(config.listen)) {
    log.Warn("plaintext gRPC on an address other hosts can reach "
             "(--insecure-listen): anyone who reaches it can start compiles "
             "with the account's credentials",
             {{"listen", config.listen}});
  }
  if (absl::Status metrics = gateway->ServeMetrics(); !metrics.ok()) {
    return failed("cannot serve metrics", metrics);
  }
  return gateway;
}

Gateway::Gateway(const ServerConfig& config, std::FILE* log_stream)
    : config_(config),
      log_(log_stream, &clock_, &redactor_),
      curl_(config.cxone_ca_file) {
  redactor_.AddPermanentSecret(config_.client_secret);
}

Gateway::~Gateway() { Stop(); }

absl::Status Gateway::LoadWebhooks() {
  if (config_.webhooks_config.empty()) return absl::OkStatus();
  absl::StatusOr<WebhooksConfig> loaded =
      LoadWebhooksConfig(config_.webhooks_config, EnvironmentVariable);
  if (!loaded.ok()) return loaded.status();
  webhooks_ = *std::move(loaded);
  // Known to the redactor before anything can log them.
  for (const WebhookEndpointConfig& endpoint : webhooks_.endpoints) {
    redactor_.AddPermanentSecret(endpoint.secret.text);
    if (endpoint.previous_secret.has_value()) {
      redactor_.AddPermanentSecret(endpoint.previous_secret->text);
    }
  }
  return absl::OkStatus();
}

absl::Status Gateway::LoadPolicy() {
  if (!config_.policy_file.empty()) {
    absl::StatusOr<std::unique_ptr<TenantPolicy>> loaded =
        TenantPolicy::Load(config_.policy_file);
    if (!loaded.ok()) return loaded.status();
    policy_ = *std::move(loaded);
  }
  access_ = std::make_unique<AccessControl>(authenticator_.get(), policy_.get());
  const TenantPolicy& policy = access_->policy();
  for (const WebhookEndpointConfig& endpoint : webhooks_.endpoints) {
    if (policy.multi_tenant() && policy.Find(endpoint.tenant) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "webhook endpoint ", Quoted(endpoint.name),
          endpoint.tenant.empty()
              ? " names no tenant; with --policy-file each endpoint names "
                "the tenant whose compiles it receives"
              : absl::StrCat(" names tenant ", Quoted(endpoint.tenant),
                             ", which the policy file does not have")));
    }
    if (!policy.multi_tenant() && !endpoint.tenant.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "webhook endpoint ", Quoted(endpoint.name), " names tenant ",
          Quoted(endpoint.tenant), " but there is no --policy-file"));
    }
  }
  tenant_usage_ = std::make_unique<TenantUsage>(&policy, &clock_);
  if (policy.multi_tenant()) {
    log_.Info("tenants", {{"policy_file", config_.policy_file},
                          {"tenants", policy.tenants().size()}});
  } else {
    log_.Info("tenants: none (no --policy-file): one tenant, every caller "
              "may start, watch and administer every compile");
  }
  return absl::OkStatus();
}

absl::Status Gateway::OpenStore() {
  if (config_.store != "sqlite") return absl::OkStatus();
  SqliteStoreOptions options;
  options.sync_every_commit = config_.store_sync_every_commit;
  options.max_page_count = config_.store_max_pages;
  absl::StatusOr<std::unique_ptr<SqliteStore>> opened =
      SqliteStore::Open(config_.state_dir, options);
  if (!opened.ok()) return opened.status();
  store_ = *std::move(opened);
  group_commit_ = std::make_unique<GroupCommitter>(store_.get(), &clock_);
  journal_ = group_commit_.get();
  if (!webhooks_.endpoints.empty()) {
    webhook_dispatcher_ = std::make_unique<WebhookDispatcher>(
        &webhooks_, journal_, store_.get(), &webhook_http_, &clock_, &log_,
        std::random_device{}(), audit_.get());
    webhook_outbox_ = std::make_unique<WebhookOutbox>(
        &webhooks_, &clock_, webhook_dispatcher_.get(), &log_);
    group_commit_->SetObserver(webhook_outbox_.get());
  }
  return group_commit_->Start();
}

void Gateway::BuildUpstream() {
  budget_ = std::make_unique<upstream::RateBudget>(config_.budget, &clock_);
  http_ = std::make_unique<upstream::BudgetedHttpClient>(
      &curl_, budget_.get(), config_.retry_after, &clock_, &log_);
  upstream::TokenEndpointConfig token_endpoint;
  token_endpoint.url = config_.token_url;
  token_endpoint.client_id = config_.client_id;
  token_endpoint.client_secret = config_.client_secret;
  token_endpoint.scope = config_.scopes;
  token_endpoint.auth_method = config_.token_auth;
  token_endpoint.request_timeout = config_.request_timeout;
  token_endpoint.max_wait = config_.max_call_duration;
  token_endpoint.backoff_seed = std::random_device{}();
  tokens_ = std::make_unique<upstream::TokenCache>(token_endpoint, http_.get(),
                                                   &clock_, &redactor_);
  backoff_ = std::make_unique<Backoff>(config_.backoff, std::random_device{}());
  upstream::CxoneClientConfig cxone_config;
  cxone_config.base_url = config_.cxone_base_url;
  cxone_config.request_timeout = config_.request_timeout;
  cxone_config.max_call_duration = config_.max_call_duration;
  cxone_ = std::make_unique<upstream::CxoneClient>(
      cxone_config, http_.get(), tokens_.get(), backoff_.get(), &clock_, &log_,
      &redactor_);
}

void Gateway::BuildJobs() {
  // Each tenant's share of the budget: of the polls and of the starts.
  absl::flat_hash_map<std::string, double> weights;
  for (const std::unique_ptr<TenantConfig>& tenant :
       access_->policy().tenants()) {
    weights[tenant->name] = tenant->weight;
  }
  poll_workers_ = std::make_unique<WorkerPool>(
      static_cast<int>(config_.polling.max_outstanding_polls));
  workers_ =
      std::make_unique<WorkerPool>(static_cast<int>(config_.upstream_workers));
  scheduler_ = std::make_unique<PollScheduler>(
      config_.polling, cxone_.get(), budget_.get(), poll_workers_.get(),
      &clock_, &log_, weights);
  budget_->AddPauseListener(scheduler_.get());
  sweeper_ = std::make_unique<RetentionSweeper>(
      config_.retention,
      std::clamp(config_.retention.event_retention / 4, absl::Milliseconds(100),
                 absl::Minutes(1)),
      &registry_, &request_ids_, &clock_, &log_, store_.get(), &collection_);
  watchers_ = std::make_unique<WatcherSet>(config_.heartbeat_interval, &clock_);
  starter_ = std::make_unique<CompileStarter>(
      cxone_.get(), &registry_, &request_ids_, scheduler_.get(), workers_.get(),
      &clock_, &log_, config_.lifecycle, config_.max_pending_starts, journal_,
      job_observers_.get(), weights);
  // As many of a batch's items at once as there are workers to trigger
  // them: enough to keep the budget busy, and a single StartCompile waits
  // behind no more than that per batch.
  batches_ = std::make_unique<BatchStarter>(
      static_cast<int>(config_.upstream_workers));
}

absl::Status Gateway::Recover() {
  if (store_ == nullptr) return absl::OkStatus();
  const absl::Time began = clock_.Now();
  absl::StatusOr<RecoveredState> recovered = RecoverState(
      store_.get(), journal_, config_.lifecycle, clock_.Now(), &registry_,
      &request_ids_,
      [this](std::shared_ptr<CompileJob> job) {
        tenant_usage_->Track(*job);
        scheduler_->Track(std::move(job));
      },
      job_observers_.get());
  if (!recovered.ok()) return recovered.status();
  collection_.Restore(registry_.All(), recovered->last_revision);
  log_.Info("recovered state",
            {{"compiles", recovered->compiles},
             {"live_compiles", recovered->live_compiles},
             {"events", recovered->events},
             {"request_ids", recovered->request_ids},
             {"pending_starts", recovered->pending_starts.size()},
             {"seconds", absl::ToDoubleSeconds(clock_.Now() - began)}});
  pending_starts_ = std::move(recovered->pending_starts);
  if (webhook_dispatcher_ != nullptr) {
    webhook_dispatcher_->Recover(recovered->pending_deliveries,
                                 recovered->endpoint_states);
  }
  return absl::OkStatus();
}

absl::Status Gateway::Listen() {
  compile_service_ = std::make_unique<CompileService>(
      starter_.get(), batches_.get(), &registry_, &collection_, &request_ids_,
      &open_calls_, &redactor_, access_.get(), audit_.get(),
      tenant_usage_.get());
  webhook_service_ = std::make_unique<WebhookService>(
      &webhooks_, webhook_dispatcher_.get(), &open_calls_, &redactor_,
      access_.get(), audit_.get());

  // health.proto is compiled into this binary so that reflection can
  // describe grpc.health.v1.Health; touching a descriptor keeps the linker
  // from dropping it.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  std::shared_ptr<grpc::ServerCredentials> credentials =
      grpc::InsecureServerCredentials();
  if (!config_.tls_cert_file.empty()) {
    absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> tls =
        MakeTlsServerCredentials({config_.tls_cert_file, config_.tls_key_file,
                                  config_.tls_client_ca_file,
                                  config_.tls_reload_interval});
    if (!tls.ok()) return tls.status();
    credentials = *std::move(tls);
  }
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config_.listen, credentials, &port_);
  builder.RegisterService(compile_service_.get());
  builder.RegisterService(webhook_service_.get());
  watch_dispatcher_ = std::make_unique<WatchDispatcher>(
      compile_service_.get(), watchers_.get(), &collection_, &redactor_,
      &clock_, &builder, static_cast<int>(config_.watch_queues),
      config_.max_watches_per_connection);
  builder.SetMaxReceiveMessageSize(
      static_cast<int>(config_.max_receive_message_bytes));
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONCURRENT_STREAMS,
      static_cast<int>(config_.max_streams_per_connection));
  // A second gateway given a taken address must fail, not share the port
  // with the first (gRPC sets SO_REUSEPORT by default): each has its own
  // state, and clients would reach either at random.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
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
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    server_.reset();
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config_.listen));
  }
  // Until the monitor's first verdict (at Serve(), once everything runs)
  // every service is NOT_SERVING.
  PublishHealth(false);
  return absl::OkStatus();
}

absl::Status Gateway::ServeMetrics() {
  absl::StatusOr<std::unique_ptr<GatewayMetrics>> metrics =
      GatewayMetrics::Serve(config_.metrics_listen);
  if (!metrics.ok()) return metrics.status();
  metrics_ = *std::move(metrics);
  RegisterMetrics(*metrics_, {watchers_.get(), scheduler_.get(), budget_.get(),
                              http_.get(), tokens_.get(), starter_.get(),
                              &outcomes_, watch_dispatcher_.get(),
                              &collection_, group_commit_.get(),
                              webhook_dispatcher_.get()});
  health_ = std::make_unique<HealthMonitor>(
      HealthMonitor::Probes{group_commit_ != nullptr
                                ? std::function<bool()>([this] {
                                    return group_commit_->healthy();
                                  })
                                : nullptr,
                            [this] { return tokens_->failing_since(); }},
      config_.auth_failure_window, absl::Seconds(1), &clock_, &log_,
      [this](bool serving) { PublishHealth(serving); });
  metrics_->SetReadiness([this] { return health_->serving(); },
                         [this] { return health_->why(); });
  return absl::OkStatus();
}

void Gateway::PublishHealth(bool serving) {
  // grpc.health.v1 answers for the whole server ("") and for each service
  // by name, all with the one verdict of the HealthMonitor: a Kubernetes
  // gRPC probe may name either. Names not listed stay NOT_FOUND.
  const std::string services[] = {
      "", compile::v1::CompileService::service_full_name(),
      compile::v1::WebhookService::service_full_name()};
  for (const std::string& name : services) {
    server_->GetHealthCheckService()->SetServingStatus(name, serving);
  }
}

void Gateway::Serve() {
  serving_ = true;
  scheduler_->Start();
  sweeper_->Start();
  watchers_->Start();
  watch_dispatcher_->Start();
  if (webhook_dispatcher_ != nullptr) webhook_dispatcher_->Start();
  for (const StoredRequestId& intent : pending_starts_) {
    starter_->ResumePending(intent);
  }
  pending_starts_.clear();
  health_->Start();
  log_.Info("listening", {{"address", address()},
                          {"port", port_},
                          {"metrics_port", metrics_->port()}});
}

void Gateway::Drain() {
  if (drained_ || server_ == nullptr) return;
  drained_ = true;
  if (health_ != nullptr) health_->Shutdown();
  PublishHealth(false);
  metrics_->SetReadiness([] { return false; },
                         [] { return std::string("draining"); });
  const absl::Time deadline = clock_.Now() + config_.drain_timeout;
  watchers_->Drain();
  watchers_->AwaitEmpty(deadline);
  log_.Info("watches drained", {{"still_open", watchers_->size()}});
}

void Gateway::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (health_ != nullptr) health_->Shutdown();
  // Stopped without a drain: say so before anything stops.
  if (server_ != nullptr) PublishHealth(false);
  if (metrics_ != nullptr) {
    metrics_->SetReadiness([] { return false; },
                           [] { return std::string("stopping"); });
  }
  // No new polls from here: they could only fail once the budget is shut.
  if (scheduler_ != nullptr) scheduler_->Shutdown();
  // Upstream waits (rate limit, Retry-After, retry backoff) end now instead
  // of delaying the exit; calls still waiting fail as UNAVAILABLE.
  if (budget_ != nullptr) budget_->Shutdown();
  if (cxone_ != nullptr) cxone_->Shutdown();
  if (server_ != nullptr) {
    watch_dispatcher_->StopAccepting();
    // The grace is for the calls being served (they end soon: the upstream
    // waits are over). Once none is open, the server is shut at once
    // rather than when every idle client has answered gRPC's shutdown ping
    // (open_calls.h says why that can take seconds). A call that arrives
    // in between is cancelled: it was sent to a gateway that was stopping.
    const absl::Time grace_ends = clock_.Now() + config_.shutdown_grace;
    const bool calls_ended = open_calls_.AwaitNone(grace_ends);
    server_->Shutdown(
        absl::ToChronoTime(calls_ended ? clock_.Now() : grace_ends));
    watch_dispatcher_->Shutdown(config_.shutdown_grace);
  } else if (watch_dispatcher_ != nullptr) {
    // Built, but the server never started: only the queues need draining.
    watch_dispatcher_->Shutdown(absl::ZeroDuration());
  }
  if (watchers_ != nullptr) watchers_->Shutdown();
  if (sweeper_ != nullptr) sweeper_->Shutdown();
  if (poll_workers_ != nullptr) poll_workers_->Shutdown();
  if (workers_ != nullptr) workers_->Shutdown();
  if (webhook_dispatcher_ != nullptr) webhook_dispatcher_->Shutdown();
  if (group_commit_ != nullptr) group_commit_->Shutdown();
  if (serving_) log_.Info("stopped");
}

absl::Status Gateway::ReopenAuditLog() { return audit_->Reopen(); }

int Gateway::metrics_port() const { return metrics_->port(); }

std::string Gateway::address() const {
  const std::string host = config_.listen.substr(0, config_.listen.rfind(':'));
  return absl::StrCat(host, ":", port_);
}

}  // namespace cxone
