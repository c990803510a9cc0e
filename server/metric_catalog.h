// The catalogue of what /metrics serves: every metric the gateway exports,
// with its name, help text and the component it reads. Names follow
// Prometheus conventions: units in the name, _total for counters.
#ifndef CXONE_SERVER_METRIC_CATALOG_H_
#define CXONE_SERVER_METRIC_CATALOG_H_

#include "server/api/compile_service.h"
#include "server/jobs/compile_collection.h"
#include "server/jobs/compile_starter.h"
#include "server/jobs/poll_scheduler.h"
#include "server/ops/compile_outcomes.h"
#include "server/ops/gateway_metrics.h"
#include "server/store/group_committer.h"
#include "server/upstream/budgeted_http_client.h"
#include "server/upstream/rate_budget.h"
#include "server/upstream/token_cache.h"
#include "server/watch/watch_dispatcher.h"
#include "server/watch/watcher_set.h"
#include "server/webhooks/webhook_dispatcher.h"

namespace cxone {

// What the metrics read. The pointers must outlive the metrics.
struct MetricSources {
  WatcherSet* watchers;
  PollScheduler* scheduler;
  upstream::RateBudget* budget;
  upstream::BudgetedHttpClient* http;
  upstream::TokenCache* tokens;
  CompileStarter* starter;
  CompileOutcomes* outcomes;
  WatchDispatcher* watch_dispatcher;
  CompileCollection* collection;
  GroupCommitter* journal;      // may be null
  WebhookDispatcher* webhooks;  // may be null
};

// Registers every metric on `metrics`, reading `from`.
void RegisterMetrics(GatewayMetrics& metrics, const MetricSources& from);

}  // namespace cxone

#endif  // CXONE_SERVER_METRIC_CATALOG_H_
