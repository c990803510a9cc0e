// WebhookService: the gRPC edge of webhook administration (webhooks.proto)
// — dead letters listed and replayed through the WebhookDispatcher.
//
// Requests arrive as raw bytes and are decoded by DecodeRequest
// (request_decoder.h), which also refuses timestamps outside protobuf's
// range: a request that cannot be decoded is INVALID_ARGUMENT naming the
// problem, and audited.
//
// Every call needs the admin role (AccessControl); an admin sees and
// replays only its tenant's endpoints' deliveries — another tenant's
// endpoint is named like one that does not exist.
//
// Thread-safe.
#ifndef CXONE_SERVER_API_WEBHOOK_SERVICE_H_
#define CXONE_SERVER_API_WEBHOOK_SERVICE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "common/redactor.h"
#include "cxone/compile/v1/webhooks.grpc.pb.h"
#include "server/api/open_calls.h"
#include "server/api/access_control.h"
#include "server/ops/audit_log.h"
#include "server/webhooks/webhook_config.h"
#include "server/webhooks/webhook_dispatcher.h"

namespace cxone {

// The generated callback service on raw bytes (see above).
using WebhookServiceBase =
    compile::v1::WebhookService::WithRawCallbackMethod_ListDeadLetters<
        compile::v1::WebhookService::WithRawCallbackMethod_ReplayDeadLetters<
            compile::v1::WebhookService::Service>>;

class WebhookService final : public WebhookServiceBase {
 public:
  // `dispatcher` may be null (no webhooks configured: every call is
  // FAILED_PRECONDITION). Pointers must outlive the service; `calls`
  // counts its calls.
  WebhookService(const WebhooksConfig* config, WebhookDispatcher* dispatcher,
                 OpenCalls* calls, const Redactor* redactor,
                 const AccessControl* access, AuditLog* audit = nullptr);

  // A ListDeadLettersRequest in, a ListDeadLettersResponse out.
  grpc::ServerUnaryReactor* ListDeadLetters(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;

  // A ReplayDeadLettersRequest in, a ReplayDeadLettersResponse out.
  grpc::ServerUnaryReactor* ReplayDeadLetters(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;

 private:
  // The store's filters for `selector` of `caller`: one, or with tenants
  // one per endpoint of the caller's tenant (none when it has none); or
  // InvalidArgument naming what is wrong (or FailedPrecondition without
  // webhooks).
  absl::StatusOr<std::vector<DeliveryFilter>> FiltersOf(
      const Caller& caller,
      const compile::v1::DeadLetterSelector& selector) const;

  // The answers, on decoded requests.
  absl::StatusOr<compile::v1::ListDeadLettersResponse> List(
      const Caller& caller,
      const compile::v1::ListDeadLettersRequest& request) const;
  absl::StatusOr<compile::v1::ReplayDeadLettersResponse> Replay(
      const Caller& caller,
      const compile::v1::ReplayDeadLettersRequest& request) const;

  const WebhooksConfig* const config_;
  WebhookDispatcher* const dispatcher_;
  OpenCalls* const calls_;
  const Redactor* const redactor_;
  const AccessControl* const access_;
  AuditLog* const audit_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_API_WEBHOOK_SERVICE_H_
