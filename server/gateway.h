// Gateway: the whole cxone-compile-server in one object — every component
// built from a ServerConfig and wired, in the order data flows:
//
//   store → journal → webhooks (outbox, dispatcher)
//   HTTP → rate budget → budgeted client → token cache → CXone client
//   worker pools → poll scheduler → registry, request ids, sweeper, starter
//   → recovered state → gRPC services → watch dispatcher → gRPC server
//   → metrics endpoint → health monitor
//
// The members are declared in that order, so destruction runs it backwards:
// nothing is destroyed while a component wired after it can still call it.
//
// Life: Create() builds everything and listens (gRPC and /metrics), with
// every verdict NOT_SERVING; Serve() starts the background threads and the
// pending starts, and serving begins; Drain() (on SIGTERM) says
// NOT_SERVING and lets open watches receive what is pending, up to
// --drain-timeout; Stop() stops every thread in the reverse order and waits
// for them. The destructor stops a gateway that was not stopped.
//
// Runs in the calling process: main.cc runs one, and tests may run one
// in-process. The caller owns process-wide setup (curl_global_init, signal
// masks, routing libprotobuf's log lines to log()).
//
// Thread-safety: Create, Serve, Drain and Stop are called from one thread;
// ReopenAuditLog and the accessors from any.
#ifndef CXONE_SERVER_GATEWAY_H_
#define CXONE_SERVER_GATEWAY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/json_log.h"
#include "common/redactor.h"
#include "common/worker_pool.h"
#include "grpcpp/grpcpp.h"
#include "server/api/access_control.h"
#include "server/api/caller_authenticator.h"
#include "server/api/tenant_policy.h"
#include "server/api/tenant_usage.h"
#include "server/api/compile_service.h"
#include "server/api/open_calls.h"
#include "server/api/tls_credentials.h"
#include "server/api/webhook_service.h"
#include "server/http/curl_http_client.h"
#include "server/jobs/compile_collection.h"
#include "server/jobs/compile_starter.h"
#include "server/jobs/job_registry.h"
#include "server/jobs/poll_scheduler.h"
#include "server/jobs/request_id_index.h"
#include "server/jobs/retention_sweeper.h"
#include "server/jobs/state_recovery.h"
#include "server/ops/audit_log.h"
#include "server/ops/compile_outcomes.h"
#include "server/ops/gateway_metrics.h"
#include "server/ops/health_monitor.h"
#include "server/server_config.h"
#include "server/store/group_committer.h"
#include "server/store/journal.h"
#include "server/store/no_journal.h"
#include "server/store/sqlite_store.h"
#include "server/upstream/budgeted_http_client.h"
#include "server/upstream/cxone_client.h"
#include "server/upstream/rate_budget.h"
#include "server/upstream/token_cache.h"
#include "server/watch/watch_dispatcher.h"
#include "server/watch/watcher_set.h"
#include "server/webhooks/webhook_config.h"
#include "server/webhooks/webhook_dispatcher.h"
#include "server/webhooks/webhook_outbox.h"

namespace cxone {

class Gateway {
 public:
  // Builds and wires every component, recovers the stored state and starts
  // listening. An error names what could not start (the webhooks config,
  // the audit log, the state store, recovery, the listen address, the
  // metrics address); it has been logged. `log_stream` receives the JSON
  // log (stderr in production).
  static absl::StatusOr<std::unique_ptr<Gateway>> Create(
      const ServerConfig& config, std::FILE* log_stream = stderr);

  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;
  ~Gateway();

  // Starts the background threads (polling, retention, heartbeats, watch
  // queues, webhook deliveries), resumes the starts a crash interrupted,
  // and starts the health monitor, whose first verdict says SERVING.
  // REQUIRES: called once, after Create().
  void Serve();

  // NOT_SERVING everywhere; every open watch gets what is pending, then
  // UNAVAILABLE naming the after_sequence to resume with, until none is
  // open or --drain-timeout passed. New watches are refused. Idempotent.
  void Drain();

  // Stops polling, upstream waits, the gRPC server (after
  // --shutdown-grace), the watch queues and every thread, and waits for
  // them. Idempotent; Drain() first for a graceful stop.
  void Stop();

  // Writes the audit log to a new file of its name (after logrotate).
  absl::Status ReopenAuditLog();

  // The bound ports (useful when the config asked for port 0).
  int port() const { return port_; }
  int metrics_port() const;
  // The address gRPC listens on, with the bound port.
  std::string address() const;
  JsonLog& log() { return log_; }

 private:
  Gateway(const ServerConfig& config, std::FILE* log_stream);

  // Create()'s steps, in order; each logs what failed.
  absl::Status LoadWebhooks();
  // Reads --policy-file and checks each webhook endpoint's tenant against
  // it.
  absl::Status LoadPolicy();
  absl::Status OpenStore();
  void BuildUpstream();
  void BuildJobs();
  absl::Status Recover();
  absl::Status Listen();
  absl::Status ServeMetrics();
  // grpc.health.v1 for the whole server and each service.
  void PublishHealth(bool serving);

  const ServerConfig config_;
  RealClock clock_;
  Redactor redactor_;
  JsonLog log_;
  WebhooksConfig webhooks_;
  std::unique_ptr<AuditLog> audit_;
  // Who calls: every service asks it first.
  std::unique_ptr<CallerAuthenticator> authenticator_;
  // Tenants (null without --policy-file), and what each may do.
  std::unique_ptr<TenantPolicy> policy_;
  std::unique_ptr<AccessControl> access_;
  // What each tenant uses of its quotas.
  std::unique_ptr<TenantUsage> tenant_usage_;
  // Every logged event: a state_change audit line, and how compiles end.
  CompileOutcomes outcomes_;
  // Every compile at each collection revision, for ListCompiles.
  CompileCollection collection_{
      static_cast<size_t>(config_.collection_history)};
  std::unique_ptr<JobObservers> job_observers_;

  // Durable state (null with --store=memory), then webhooks: their own
  // HTTP client (never the CXone budget), the outbox that writes
  // deliveries with their events, the dispatcher that sends.
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<GroupCommitter> group_commit_;
  // What the jobs commit to: the store's group commit, or one that keeps
  // nothing (--store=memory).
  NoJournal no_journal_;
  Journal* journal_ = &no_journal_;
  http::CurlHttpClient webhook_http_;
  std::unique_ptr<WebhookDispatcher> webhook_dispatcher_;
  std::unique_ptr<WebhookOutbox> webhook_outbox_;

  // Every upstream request goes through the budgeted client, so none can
  // bypass the account's rate budget.
  http::CurlHttpClient curl_;
  std::unique_ptr<upstream::RateBudget> budget_;
  std::unique_ptr<upstream::BudgetedHttpClient> http_;
  std::unique_ptr<upstream::TokenCache> tokens_;
  std::unique_ptr<Backoff> backoff_;
  std::unique_ptr<upstream::CxoneClient> cxone_;

  // Polls and starts have their own threads, so neither can queue the
  // other out; polls never use more threads than requests may be in flight.
  std::unique_ptr<WorkerPool> poll_workers_;
  std::unique_ptr<WorkerPool> workers_;
  std::unique_ptr<PollScheduler> scheduler_;
  JobRegistry registry_;
  RequestIdIndex request_ids_;
  std::unique_ptr<RetentionSweeper> sweeper_;
  std::unique_ptr<WatcherSet> watchers_;
  std::unique_ptr<CompileStarter> starter_;
  std::unique_ptr<BatchStarter> batches_;
  std::vector<StoredRequestId> pending_starts_;

  // The unary calls being served: a shutdown waits for them (open_calls.h).
  OpenCalls open_calls_{&clock_};
  std::unique_ptr<CompileService> compile_service_;
  std::unique_ptr<WebhookService> webhook_service_;
  std::unique_ptr<WatchDispatcher> watch_dispatcher_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  // The monitor before the metrics endpoint, whose /readyz reads it: the
  // endpoint's thread goes first.
  std::unique_ptr<HealthMonitor> health_;
  std::unique_ptr<GatewayMetrics> metrics_;

  bool serving_ = false;
  bool drained_ = false;
  bool stopped_ = false;
};

}  // namespace cxone

#endif  // CXONE_SERVER_GATEWAY_H_
