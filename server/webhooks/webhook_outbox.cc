#include "server/webhooks/webhook_outbox.h"

#include <string>
#include <utility>

#include "common/resource_name.h"
#include "server/webhooks/webhook_payload.h"

namespace cxone {

WebhookOutbox::WebhookOutbox(const WebhooksConfig* config, Clock* clock,
                             DeliverySink* sink, JsonLog* log)
    : config_(config), clock_(clock), sink_(sink), log_(log) {}

namespace {

// The compile `name` as `batch` records it. A job commits every event
// with its compile's record (CompileJob::Mutate), so the compile is there;
// null if it were not.
const compile::v1::Compile* CompileInBatch(const StoreBatch& batch,
                                           const std::string& name) {
  for (const StoredCompile& stored : batch.compiles) {
    if (stored.compile.name() == name) return &stored.compile;
  }
  return nullptr;
}

}  // namespace

void WebhookOutbox::Prepare(StoreBatch& batch) {
  if (config_->endpoints.empty() || batch.events.empty()) return;
  const absl::Time now = clock_->Now();
  for (const StoredEvent& stored : batch.events) {
    compile::v1::CompileEvent event;
    absl::StatusOr<CompileName> name = CompileName::Parse(stored.compile_name);
    if (!event.ParseFromString(stored.payload) || !name.ok()) {
      log_->Error(
          "cannot read an event for its webhooks",
          {{"compile", stored.compile_name}, {"sequence", stored.sequence}});
      continue;
    }
    // The payload was serialised before the journal numbered it.
    event.set_revision(stored.revision);
    // Without its record the compile is taken as tenant "" without labels:
    // on a gateway with tenants no endpoint is of tenant "", so nobody is
    // told what they may not see.
    const compile::v1::Compile* compile =
        CompileInBatch(batch, stored.compile_name);
    if (compile == nullptr) compile = &compile::v1::Compile::default_instance();
    std::string body;  // made once, for the first endpoint that wants it
    for (const WebhookEndpointConfig& endpoint : config_->endpoints) {
      if (!endpoint.Wants(event.type(), name->flow_id, compile->tenant())) {
        continue;
      }
      if (body.empty()) {
        absl::StatusOr<std::string> made = WebhookBody(
            event,
            Labels(compile->labels().begin(), compile->labels().end()));
        if (!made.ok()) {
          log_->Error("cannot make a webhook body",
                      {{"compile", stored.compile_name},
                       {"error", std::string(made.status().message())}});
          break;
        }
        body = *std::move(made);
      }
      StoredDelivery delivery;
      delivery.endpoint = endpoint.name;
      delivery.compile_name = stored.compile_name;
      delivery.sequence = stored.sequence;
      delivery.webhook_id =
          WebhookId(endpoint.name, stored.compile_name, stored.sequence);
      delivery.body = body;
      delivery.next_attempt = now;
      delivery.created_at = now;
      delivery.updated_at = now;
      batch.deliveries.push_back(std::move(delivery));
    }
  }
}

void WebhookOutbox::Committed(const StoreBatch& batch) {
  if (!batch.deliveries.empty()) sink_->Enqueue(batch.deliveries);
}

}  // namespace cxone
