#include "server/metric_catalog.h"

#include <functional>

namespace cxone {

void RegisterMetrics(GatewayMetrics& metrics, const MetricSources& from) {
  metrics.AddGauge("cxone_gateway_live_watchers",
                   "Open WatchCompile and WatchCompiles streams.",
                   [w = from.watchers] { return w->size(); });
  metrics.AddGauge("cxone_gateway_live_compiles",
                   "Compiles being polled (not yet terminal).",
                   [s = from.scheduler] { return s->live_compiles(); });
  metrics.AddGauge("cxone_gateway_upstream_in_flight",
                   "Upstream HTTP requests in flight.",
                   [b = from.budget] { return b->in_flight(); });
  metrics.AddGauge(
      "cxone_gateway_upstream_rate_limit_rps",
      "The pace the gateway allows itself towards CXone now, requests per "
      "second: below --account-rps-limit, lowered after a 429, climbing back "
      "slowly.",
      [b = from.budget] { return b->current_rate(); });
  metrics.AddGauge("cxone_gateway_trigger_queue_depth",
                   "StartCompile calls waiting to trigger CXone.",
                   [s = from.starter] { return s->pending_starts(); });
  metrics.AddCounters("cxone_gateway_upstream_requests_total",
                      "Requests to CXone by operation and HTTP status "
                      "(\"error\": no answer).",
                      {"operation", "code"},
                      [h = from.http] { return h->requests(); });
  metrics.AddCounters("cxone_gateway_upstream_throttled_total",
                      "429 answers from CXone.", {}, [h = from.http] {
                        return GatewayMetrics::Samples{{{}, h->throttled()}};
                      });
  metrics.AddCounters(
      "cxone_gateway_upstream_paused_seconds_total",
      "Seconds of Retry-After pauses begun.", {}, [h = from.http] {
        return GatewayMetrics::Samples{{{}, h->paused_seconds()}};
      });
  metrics.AddCounters(
      "cxone_gateway_upstream_reused_compile_ids_total",
      "Triggers CXone answered with the id of a compile the gateway already "
      "knew as another (refused with ABORTED).",
      {}, [s = from.starter] {
        return GatewayMetrics::Samples{
            {{}, static_cast<double>(s->reused_compile_ids())}};
      });
  metrics.AddCounters("cxone_gateway_token_refreshes_total",
                      "OAuth2 token requests by result.", {"result"},
                      [t = from.tokens] { return t->refreshes(); });
  metrics.AddCounters("cxone_gateway_compiles_finished_total",
                      "Compiles that reached a terminal state, by state.",
                      {"state"}, [o = from.outcomes] { return o->finished(); });
  metrics.AddHistograms("cxone_gateway_compile_duration_seconds",
                        "From start to terminal event, by outcome.",
                        {"outcome"},
                        [o = from.outcomes] { return o->durations(); });
  metrics.AddCounters("cxone_gateway_watch_events_sent_total",
                      "Logged events written to WatchCompile streams.", {},
                      [d = from.watch_dispatcher] {
                        return GatewayMetrics::Samples{
                            {{}, static_cast<double>(d->events_sent())}};
                      });
  metrics.AddGauge("cxone_gateway_collection_revision",
                   "The collection revision ListCompiles reflects: every "
                   "event up to it applied, none after.",
                   [c = from.collection] {
                     return static_cast<double>(c->revision());
                   });
  metrics.AddGauge("cxone_gateway_collection_compiles",
                   "Compiles in the collection (ListCompiles over all).",
                   [c = from.collection] {
                     return static_cast<double>(c->size());
                   });
  metrics.AddGauge("cxone_gateway_collection_history_events",
                   "Events the collection keeps for WatchCompiles to replay "
                   "(at most --collection-history).",
                   [c = from.collection] {
                     return static_cast<double>(c->history_size());
                   });
  metrics.AddGauge("cxone_gateway_collection_pending_reports",
                   "Event reports waiting for an earlier revision to be "
                   "applied; above 0 for more than a moment, the collection "
                   "revision is stuck.",
                   [c = from.collection] {
                     return static_cast<double>(c->pending_reports());
                   });
  metrics.AddGauge("cxone_gateway_collection_watchers",
                   "Open WatchCompiles streams.", [c = from.collection] {
                     return static_cast<double>(c->open_cursors());
                   });
  metrics.AddCounters(
      "cxone_gateway_collection_events_sent_total",
      "Logged events written to WatchCompiles streams.", {},
      [d = from.watch_dispatcher] {
        return GatewayMetrics::Samples{
            {{}, static_cast<double>(d->collection_events_sent())}};
      });
  if (from.journal != nullptr) {
    metrics.AddHistograms(
        "cxone_gateway_store_commit_duration_seconds",
        "State store transactions.", {}, [j = from.journal] {
          return GatewayMetrics::Histograms{{{}, j->commit_seconds()}};
        });
  }
  if (from.webhooks == nullptr) return;
  auto per_endpoint =
      [w = from.webhooks](
          std::function<double(const WebhookDispatcher::EndpointStats&)> read) {
        return [w, read] {
          GatewayMetrics::Samples samples;
          for (const auto& [name, stats] : w->Stats()) {
            samples[{name}] = read(stats);
          }
          return samples;
        };
      };
  metrics.AddCounters(
      "cxone_gateway_webhook_deliveries_total",
      "Webhook delivery attempts by endpoint and result.",
      {"endpoint", "result"}, [w = from.webhooks] {
        GatewayMetrics::Samples samples;
        for (const auto& [name, stats] : w->Stats()) {
          samples[{name, "delivered"}] = static_cast<double>(stats.delivered);
          samples[{name, "failed"}] =
              static_cast<double>(stats.failed_attempts);
          samples[{name, "dead_lettered"}] =
              static_cast<double>(stats.dead_letters);
        }
        return samples;
      });
  metrics.AddGauges(
      "cxone_gateway_webhook_outbox_depth",
      "Webhook deliveries waiting or in flight, by endpoint.", {"endpoint"},
      per_endpoint([](const auto& stats) {
        return static_cast<double>(stats.waiting + stats.in_flight);
      }));
  metrics.AddCounters("cxone_gateway_webhook_dead_letters_total",
                      "Webhook deliveries dead-lettered, by endpoint.",
                      {"endpoint"}, per_endpoint([](const auto& stats) {
                        return static_cast<double>(stats.dead_letters);
                      }));
  metrics.AddGauges("cxone_gateway_webhook_endpoint_disabled",
                    "1 while a receiver has disabled the endpoint (410).",
                    {"endpoint"}, per_endpoint([](const auto& stats) {
                      return stats.disabled ? 1.0 : 0.0;
                    }));
  metrics.AddCounters("cxone_gateway_webhook_endpoint_disabled_total",
                      "Times a receiver disabled the endpoint (410 Gone).",
                      {"endpoint"}, per_endpoint([](const auto& stats) {
                        return static_cast<double>(stats.disabled_count);
                      }));
  metrics.AddCounters("cxone_gateway_webhook_endpoint_enabled_total",
                      "Times a replay enabled the endpoint again.",
                      {"endpoint"}, per_endpoint([](const auto& stats) {
                        return static_cast<double>(stats.enabled_count);
                      }));
}

}  // namespace cxone
