#include "server/webhooks/webhook_dispatcher.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/webhooks/webhook_signer.h"

namespace cxone {
namespace {

constexpr char kUserAgent[] = "cxone-compile-gateway-webhooks/1";

}  // namespace

WebhookDispatcher::WebhookDispatcher(const WebhooksConfig* config,
                                     Journal* journal, Store* store,
                                     http::HttpClient* http, Clock* clock,
                                     JsonLog* log, uint64_t seed,
                                     AuditLog* audit)
    : config_(config),
      journal_(journal),
      store_(store),
      http_(http),
      clock_(clock),
      log_(log),
      audit_(audit),
      random_(seed) {
  absl::MutexLock lock(&mu_);
  for (const WebhookEndpointConfig& endpoint_config : config_->endpoints) {
    Endpoint& endpoint = endpoints_[endpoint_config.name];
    endpoint.config = &endpoint_config;
    endpoint.workers =
        std::make_unique<WorkerPool>(endpoint_config.max_concurrency);
  }
}

WebhookDispatcher::~WebhookDispatcher() { Shutdown(); }

void WebhookDispatcher::Recover(
    const std::vector<StoredDelivery>& pending,
    const std::vector<StoredEndpointState>& endpoint_states) {
  absl::MutexLock lock(&mu_);
  for (const StoredEndpointState& state : endpoint_states) {
    auto it = endpoints_.find(state.endpoint);
    if (it != endpoints_.end()) it->second.stats.disabled = state.disabled;
  }
  for (const StoredDelivery& delivery : pending) {
    auto it = endpoints_.find(delivery.endpoint);
    if (it == endpoints_.end()) {
      log_->Warn(
          "a stored webhook delivery names an endpoint no longer "
          "configured; it stays in the store",
          {{"endpoint", delivery.endpoint},
           {"compile", delivery.compile_name},
           {"sequence", delivery.sequence}});
      continue;
    }
    AddLocked(it->second, delivery);
  }
}

void WebhookDispatcher::Enqueue(std::vector<StoredDelivery> deliveries) {
  std::vector<StoredDelivery> refused;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = clock_->Now();
    for (StoredDelivery& delivery : deliveries) {
      auto it = endpoints_.find(delivery.endpoint);
      if (it == endpoints_.end()) continue;
      Endpoint& endpoint = it->second;
      if (endpoint.stats.disabled) {
        delivery.state = DeliveryState::kDead;
        delivery.last_error =
            "the endpoint is disabled (its receiver "
            "answered 410 Gone); replay to enable it";
        delivery.updated_at = now;
        ++endpoint.stats.dead_letters;
        refused.push_back(std::move(delivery));
        continue;
      }
      AddLocked(endpoint, std::move(delivery));
    }
    ++changes_;
  }
  if (!refused.empty()) {
    StoreBatch batch;
    batch.delivery_updates = std::move(refused);
    Record(std::move(batch));
  }
}

void WebhookDispatcher::AddLocked(Endpoint& endpoint, StoredDelivery delivery) {
  if (endpoint.config->ordered) {
    endpoint.sequences[delivery.compile_name].insert(delivery.sequence);
  }
  ++endpoint.stats.waiting;
  const absl::Time due = delivery.next_attempt;
  endpoint.due.emplace(due, std::move(delivery));
}

void WebhookDispatcher::Start() {
  thread_ = std::thread([this] { Run(); });
}

void WebhookDispatcher::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  std::vector<WorkerPool*> pools;
  {
    absl::MutexLock lock(&mu_);
    for (auto& [name, endpoint] : endpoints_) {
      pools.push_back(endpoint.workers.get());
    }
  }
  for (WorkerPool* pool : pools) pool->Shutdown();
}

void WebhookDispatcher::Run() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    const absl::Time now = clock_->Now();
    absl::Time next = absl::InfiniteFuture();
    for (auto& [name, endpoint] : endpoints_) {
      next = std::min(next, DispatchLocked(endpoint, now));
    }
    const int64_t seen = changes_;
    auto changed = [this, seen]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return stopping_ || changes_ != seen;
    };
    // Woken by new work or a settled attempt; else when the next is due
    // (re-checked at least every second, in case the clock jumps).
    clock_->AwaitWithDeadline(
        mu_, absl::Condition(&changed),
        now + std::clamp(next - now, absl::Milliseconds(1), absl::Seconds(1)));
  }
}

absl::Time WebhookDispatcher::DispatchLocked(Endpoint& endpoint,
                                             absl::Time now) {
  const WebhookEndpointConfig& config = *endpoint.config;
  if (endpoint.stats.disabled) return absl::InfiniteFuture();
  for (auto it = endpoint.due.begin(); it != endpoint.due.end();) {
    if (it->first > now) return it->first;
    if (endpoint.stats.in_flight >= config.max_concurrency) return now;
    StoredDelivery& delivery = it->second;
    if (config.ordered) {
      // One at a time per compile, lowest sequence first.
      const std::set<uint64_t>& waiting =
          endpoint.sequences[delivery.compile_name];
      if (endpoint.busy_compiles.contains(delivery.compile_name) ||
          (!waiting.empty() && *waiting.begin() != delivery.sequence)) {
        ++it;
        continue;
      }
      endpoint.busy_compiles.insert(delivery.compile_name);
    }
    --endpoint.stats.waiting;
    ++endpoint.stats.in_flight;
    endpoint.workers->Submit(
        [this, target = &endpoint, attempt = std::move(delivery)]() mutable {
          Attempt(target, std::move(attempt));
        });
    it = endpoint.due.erase(it);
  }
  return absl::InfiniteFuture();
}

void WebhookDispatcher::Attempt(Endpoint* endpoint, StoredDelivery delivery) {
  const WebhookEndpointConfig& config = *endpoint->config;
  const absl::Time now = clock_->Now();
  const int64_t timestamp = absl::ToUnixSeconds(now);
  absl::StatusOr<std::string> signature = SignWebhook(
      config.SecretsAt(now), delivery.webhook_id, timestamp, delivery.body);
  if (!signature.ok()) {
    Settle(endpoint, std::move(delivery), Outcome::kDead,
           absl::StrCat("cannot sign: ", signature.status().message()));
    return;
  }
  http::HttpRequest request;
  request.method = "POST";
  request.url = config.url;
  request.headers = {{"Content-Type", "application/json"},
                     {"User-Agent", kUserAgent},
                     {"webhook-id", delivery.webhook_id},
                     {"webhook-timestamp", absl::StrCat(timestamp)},
                     {"webhook-signature", *std::move(signature)}};
  request.body = delivery.body;
  request.timeout = config.timeout;
  request.refuse_loopback = !config_->allow_loopback;
  request.refuse_private_network = !config.allow_private_network;
  absl::StatusOr<http::HttpResponse> response = http_->Send(request);
  if (!response.ok()) {
    Settle(endpoint, std::move(delivery), Outcome::kRetry,
           std::string(response.status().message()));
  } else if (response->status_code >= 200 && response->status_code < 300) {
    Settle(endpoint, std::move(delivery), Outcome::kDelivered, "");
  } else if (response->status_code == 410) {
    Settle(endpoint, std::move(delivery), Outcome::kGone, "HTTP 410 Gone");
  } else {
    Settle(endpoint, std::move(delivery), Outcome::kRetry,
           absl::StrCat("HTTP ", response->status_code));
  }
}

absl::Duration WebhookDispatcher::RetryDelayLocked(int attempts) {
  const absl::Duration base =
      config_->retry_schedule[static_cast<size_t>(attempts)];
  std::uniform_real_distribution<double> jitter(0.8, 1.2);
  return base * jitter(random_);
}

void WebhookDispatcher::Settle(Endpoint* endpoint, StoredDelivery delivery,
                               Outcome outcome, const std::string& error) {
  StoreBatch batch;
  const absl::Time now = clock_->Now();
  bool disabled_now = false;
  {
    absl::MutexLock lock(&mu_);
    EndpointStats& stats = endpoint->stats;
    --stats.in_flight;
    ++delivery.attempts;
    delivery.updated_at = now;
    delivery.last_error = error;
    const bool exhausted =
        delivery.attempts >= static_cast<int>(config_->retry_schedule.size());
    if (outcome == Outcome::kRetry && exhausted) outcome = Outcome::kDead;
    switch (outcome) {
      case Outcome::kDelivered:
        delivery.state = DeliveryState::kDelivered;
        ++stats.delivered;
        break;
      case Outcome::kRetry:
        delivery.next_attempt = now + RetryDelayLocked(delivery.attempts);
        ++stats.failed_attempts;
        break;
      case Outcome::kDead:
        delivery.state = DeliveryState::kDead;
        ++stats.dead_letters;
        break;
      case Outcome::kGone:
        delivery.state = DeliveryState::kDead;
        ++stats.dead_letters;
        if (!stats.disabled) {
          stats.disabled = true;
          ++stats.disabled_count;
          disabled_now = true;
          batch.endpoint_states.push_back(
              {endpoint->config->name, true, error, now});
        }
        break;
    }
    if (endpoint->config->ordered) {
      endpoint->busy_compiles.erase(delivery.compile_name);
      if (delivery.state != DeliveryState::kPending) {
        auto waiting = endpoint->sequences.find(delivery.compile_name);
        if (waiting != endpoint->sequences.end()) {
          waiting->second.erase(delivery.sequence);
          if (waiting->second.empty()) endpoint->sequences.erase(waiting);
        }
      }
    }
    batch.delivery_updates.push_back(delivery);
    if (disabled_now) {
      for (StoredDelivery& drained :
           DrainLocked(*endpoint,
                       "the endpoint was disabled: its receiver answered "
                       "410 Gone; replay to enable it",
                       now)) {
        batch.delivery_updates.push_back(std::move(drained));
      }
    } else if (delivery.state == DeliveryState::kPending) {
      if (stats.disabled) {  // disabled while this attempt was in flight
        delivery.state = DeliveryState::kDead;
        delivery.last_error =
            "the endpoint was disabled: its receiver "
            "answered 410 Gone; replay to enable it";
        ++stats.dead_letters;
        batch.delivery_updates.back() = delivery;
      } else {
        AddLocked(*endpoint, delivery);
      }
    }
    ++changes_;
  }
  if (disabled_now && audit_ != nullptr) {
    audit_->Write("webhook_endpoint_disabled",
                  {{"endpoint", endpoint->config->name},
                   {"reason", delivery.last_error}});
  }
  if (delivery.state == DeliveryState::kDead) {
    log_->Warn(disabled_now ? "webhook endpoint disabled by its receiver"
                            : "webhook delivery dead-lettered",
               {{"endpoint", endpoint->config->name},
                {"compile", delivery.compile_name},
                {"sequence", delivery.sequence},
                {"attempts", delivery.attempts},
                {"error", delivery.last_error}});
  }
  Record(std::move(batch));
}

std::vector<StoredDelivery> WebhookDispatcher::DrainLocked(
    Endpoint& endpoint, const std::string& reason, absl::Time now) {
  std::vector<StoredDelivery> drained;
  for (auto& [due, delivery] : endpoint.due) {
    delivery.state = DeliveryState::kDead;
    delivery.last_error = reason;
    delivery.updated_at = now;
    ++endpoint.stats.dead_letters;
    drained.push_back(std::move(delivery));
  }
  endpoint.stats.waiting = 0;
  endpoint.due.clear();
  endpoint.sequences.clear();
  return drained;
}

void WebhookDispatcher::Record(StoreBatch batch) {
  if (absl::Status recorded = journal_->Commit(std::move(batch));
      !recorded.ok()) {
    // The store still says pending: after a restart the delivery is
    // attempted again (at least once, same webhook-id).
    log_->Warn("cannot record a webhook outcome",
               {{"error", std::string(recorded.message())}});
  }
}

absl::StatusOr<std::vector<StoredDelivery>> WebhookDispatcher::DeadLetters(
    const DeliveryFilter& filter) {
  return store_->ListDeliveries(DeliveryState::kDead, filter);
}

absl::StatusOr<int64_t> WebhookDispatcher::Replay(
    const DeliveryFilter& filter) {
  absl::StatusOr<std::vector<StoredDelivery>> replayed =
      store_->ReplayDeadLetters(filter, clock_->Now());
  if (!replayed.ok()) return replayed.status();
  StoreBatch enabled;
  {
    absl::MutexLock lock(&mu_);
    for (StoredDelivery& delivery : *replayed) {
      auto it = endpoints_.find(delivery.endpoint);
      if (it == endpoints_.end()) continue;
      Endpoint& endpoint = it->second;
      if (endpoint.stats.disabled) {
        endpoint.stats.disabled = false;
        ++endpoint.stats.enabled_count;
        enabled.endpoint_states.push_back({endpoint.config->name, false,
                                           "enabled by a replay",
                                           clock_->Now()});
        log_->Info("webhook endpoint enabled by a replay",
                   {{"endpoint", endpoint.config->name}});
        if (audit_ != nullptr) {
          audit_->Write("webhook_endpoint_enabled",
                        {{"endpoint", endpoint.config->name},
                         {"reason", "replay of its dead letters"}});
        }
      }
      AddLocked(endpoint, std::move(delivery));
    }
    ++changes_;
  }
  if (!enabled.empty()) Record(std::move(enabled));
  return static_cast<int64_t>(replayed->size());
}

std::map<std::string, WebhookDispatcher::EndpointStats>
WebhookDispatcher::Stats() const {
  absl::MutexLock lock(&mu_);
  std::map<std::string, EndpointStats> stats;
  for (const auto& [name, endpoint] : endpoints_) stats[name] = endpoint.stats;
  return stats;
}

}  // namespace cxone
