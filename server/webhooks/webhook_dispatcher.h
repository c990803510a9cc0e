// WebhookDispatcher: delivers the outbox — at least once, signed, with
// retries on the configured schedule, and never at the expense of anything
// else.
//
// Each endpoint has its own worker threads (its max_concurrency) and its
// own queue, so a slow or dead receiver delays only its own deliveries; the
// requests go through their own HTTP client, not the CXone rate budget.
// One scheduler thread hands each endpoint its due deliveries, earliest
// first; for an `ordered` endpoint, a compile's deliveries go one at a
// time, in sequence order.
//
// Outcomes: 2xx delivered. 410 Gone disables the endpoint: that delivery
// and every other one waiting for it become dead letters until a replay
// (which enables the endpoint again). Anything else — another status, a
// timeout, a refused connection — is retried after the next delay of the
// schedule, with ±20% jitter; after the last attempt the delivery is a dead
// letter. Every outcome is committed to the store (through the journal), so
// after a crash undelivered deliveries are attempted again with the same
// webhook-id.
//
// The scheduler thread waits on the injected Clock, woken at once by new
// work, a settled attempt or Shutdown(). (On a FakeClock whose sleeps do
// not block, a started thread would pass the clock on at every wait.)
//
// Thread-safe. Lock order: server/LOCKING.md.
#ifndef CXONE_SERVER_WEBHOOKS_WEBHOOK_DISPATCHER_H_
#define CXONE_SERVER_WEBHOOKS_WEBHOOK_DISPATCHER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/json_log.h"
#include "common/worker_pool.h"
#include "server/http/http_client.h"
#include "server/ops/audit_log.h"
#include "server/store/journal.h"
#include "server/webhooks/webhook_config.h"
#include "server/webhooks/webhook_outbox.h"

namespace cxone {

class WebhookDispatcher final : public DeliverySink {
 public:
  // Counters per endpoint, for metrics.
  struct EndpointStats {
    int64_t delivered = 0;
    int64_t failed_attempts = 0;  // attempts that will be retried
    int64_t dead_letters = 0;
    int64_t waiting = 0;  // queued, not in flight
    int64_t in_flight = 0;
    bool disabled = false;
    int64_t disabled_count = 0;  // times a receiver disabled it
    int64_t enabled_count = 0;   // times a replay enabled it again
  };

  // All pointers must outlive the dispatcher; `store` serves dead-letter
  // queries and replays, `journal` records every outcome.
  // `audit` (may be null) records endpoints disabled and enabled.
  WebhookDispatcher(const WebhooksConfig* config, Journal* journal,
                    Store* store, http::HttpClient* http, Clock* clock,
                    JsonLog* log, uint64_t seed, AuditLog* audit = nullptr);
  WebhookDispatcher(const WebhookDispatcher&) = delete;
  WebhookDispatcher& operator=(const WebhookDispatcher&) = delete;
  ~WebhookDispatcher() override;

  // What the store held at start-up: deliveries still to make, and the
  // endpoints receivers had disabled. REQUIRES: before Start().
  void Recover(const std::vector<StoredDelivery>& pending,
               const std::vector<StoredEndpointState>& endpoint_states);

  // Newly committed deliveries (WebhookOutbox).
  void Enqueue(std::vector<StoredDelivery> deliveries) override;

  void Start();
  // Stops scheduling and waits for the deliveries in flight (each bounded
  // by its endpoint's timeout).
  void Shutdown();

  // Dead letters matching `filter`.
  absl::StatusOr<std::vector<StoredDelivery>> DeadLetters(
      const DeliveryFilter& filter);
  // Makes the dead letters matching `filter` pending again, enabling their
  // endpoints if a receiver had disabled them; returns how many.
  absl::StatusOr<int64_t> Replay(const DeliveryFilter& filter);

  std::map<std::string, EndpointStats> Stats() const;

 private:
  struct Endpoint {
    const WebhookEndpointConfig* config = nullptr;
    std::unique_ptr<WorkerPool> workers;
    // Waiting deliveries by when they are due.
    std::multimap<absl::Time, StoredDelivery> due;
    // For ordered endpoints: each compile's waiting or in-flight sequences,
    // and the compiles with a delivery in flight.
    absl::flat_hash_map<std::string, std::set<uint64_t>> sequences;
    absl::flat_hash_set<std::string> busy_compiles;
    EndpointStats stats;
  };
  // How an attempt ended.
  enum class Outcome { kDelivered, kRetry, kDead, kGone };

  void Run();
  // Moves due deliveries of `endpoint` to its workers. Returns when the
  // next waiting one is due.
  absl::Time DispatchLocked(Endpoint& endpoint, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void AddLocked(Endpoint& endpoint, StoredDelivery delivery)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes one attempt (on the endpoint's worker) and settles it.
  void Attempt(Endpoint* endpoint, StoredDelivery delivery);
  // Records the outcome and queues a retry.
  void Settle(Endpoint* endpoint, StoredDelivery delivery, Outcome outcome,
              const std::string& error);
  // Dead-letters everything waiting for `endpoint` (disabled).
  std::vector<StoredDelivery> DrainLocked(Endpoint& endpoint,
                                          const std::string& reason,
                                          absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Duration RetryDelayLocked(int attempts)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Record(StoreBatch batch);

  const WebhooksConfig* const config_;
  Journal* const journal_;
  Store* const store_;
  http::HttpClient* const http_;
  Clock* const clock_;
  JsonLog* const log_;
  AuditLog* const audit_;

  mutable absl::Mutex mu_;
  std::map<std::string, Endpoint> endpoints_ ABSL_GUARDED_BY(mu_);
  std::mt19937_64 random_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Bumped whenever there is something new to schedule.
  int64_t changes_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_WEBHOOKS_WEBHOOK_DISPATCHER_H_
