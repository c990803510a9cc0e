// WebhookOutbox: puts the webhook deliveries of each logged event into the
// same transaction as the event (a crash can neither lose a delivery nor
// invent one), and hands them to the dispatcher once they are committed.
//
// Thread-safe.
#ifndef CXONE_SERVER_WEBHOOKS_WEBHOOK_OUTBOX_H_
#define CXONE_SERVER_WEBHOOKS_WEBHOOK_OUTBOX_H_

#include <vector>

#include "common/clock.h"
#include "common/json_log.h"
#include "server/store/group_committer.h"
#include "server/webhooks/webhook_config.h"

namespace cxone {

// Receives committed deliveries (the WebhookDispatcher).
class DeliverySink {
 public:
  virtual ~DeliverySink() = default;
  virtual void Enqueue(std::vector<StoredDelivery> deliveries) = 0;
};

class WebhookOutbox final : public CommitObserver {
 public:
  // All pointers must outlive the outbox.
  WebhookOutbox(const WebhooksConfig* config, Clock* clock, DeliverySink* sink,
                JsonLog* log);

  // Adds a pending delivery for every endpoint that wants each event; the
  // body carries the labels of the event's compile, read from the batch's
  // record of that compile (committed with every event).
  void Prepare(StoreBatch& batch) override;
  // Hands the batch's new deliveries to the sink.
  void Committed(const StoreBatch& batch) override;

 private:
  const WebhooksConfig* const config_;
  Clock* const clock_;
  DeliverySink* const sink_;
  JsonLog* const log_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_WEBHOOKS_WEBHOOK_OUTBOX_H_
