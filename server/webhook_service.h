// WebhookService: the gRPC edge of webhook administration (webhooks.proto)
// — dead letters listed and replayed through the WebhookDispatcher.
//
// Thread-safe.
#ifndef CXONE_SERVER_WEBHOOK_SERVICE_H_
#define CXONE_SERVER_WEBHOOK_SERVICE_H_

#include "absl/status/statusor.h"
#include "common/redactor.h"
#include "cxone/compile/v1/webhooks.grpc.pb.h"
#include "server/audit_log.h"
#include "server/webhooks/webhook_config.h"
#include "server/webhooks/webhook_dispatcher.h"

namespace cxone {

class WebhookService final
    : public compile::v1::WebhookService::CallbackService {
 public:
  // `dispatcher` may be null (no webhooks configured: every call is
  // FAILED_PRECONDITION). Pointers must outlive the service.
  WebhookService(const WebhooksConfig* config, WebhookDispatcher* dispatcher,
                 const Redactor* redactor, AuditLog* audit = nullptr);

  grpc::ServerUnaryReactor* ListDeadLetters(
      grpc::CallbackServerContext* context,
      const compile::v1::ListDeadLettersRequest* request,
      compile::v1::ListDeadLettersResponse* response) override;

  grpc::ServerUnaryReactor* ReplayDeadLetters(
      grpc::CallbackServerContext* context,
      const compile::v1::ReplayDeadLettersRequest* request,
      compile::v1::ReplayDeadLettersResponse* response) override;

 private:
  // The store's filter for `selector`, or InvalidArgument naming what is
  // wrong (or FailedPrecondition without webhooks).
  absl::StatusOr<DeliveryFilter> FilterOf(
      const compile::v1::DeadLetterSelector& selector) const;

  const WebhooksConfig* const config_;
  WebhookDispatcher* const dispatcher_;
  const Redactor* const redactor_;
  AuditLog* const audit_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_WEBHOOK_SERVICE_H_
