// WebhookService: the gRPC edge of webhook administration (webhooks.proto)
// — dead letters listed and replayed through the WebhookDispatcher.
//
// Requests arrive as raw bytes and are decoded by DecodeRequest
// (request_decoder.h), which also refuses timestamps outside protobuf's
// range: a request that cannot be decoded is INVALID_ARGUMENT naming the
// problem, and audited.
//
// Thread-safe.
#ifndef CXONE_SERVER_API_WEBHOOK_SERVICE_H_
#define CXONE_SERVER_API_WEBHOOK_SERVICE_H_

#include "absl/status/statusor.h"
#include "common/redactor.h"
#include "cxone/compile/v1/webhooks.grpc.pb.h"
#include "server/api/open_calls.h"
#include "server/api/caller_authenticator.h"
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
                 AuditLog* audit = nullptr,
                 const CallerAuthenticator* authenticator = nullptr);

  // A ListDeadLettersRequest in, a ListDeadLettersResponse out.
  grpc::ServerUnaryReactor* ListDeadLetters(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;

  // A ReplayDeadLettersRequest in, a ReplayDeadLettersResponse out.
  grpc::ServerUnaryReactor* ReplayDeadLetters(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;

 private:
  // The store's filter for `selector`, or InvalidArgument naming what is
  // wrong (or FailedPrecondition without webhooks).
  absl::StatusOr<DeliveryFilter> FilterOf(
      const compile::v1::DeadLetterSelector& selector) const;

  // The answers, on decoded requests.
  absl::StatusOr<compile::v1::ListDeadLettersResponse> List(
      const compile::v1::ListDeadLettersRequest& request) const;
  absl::StatusOr<compile::v1::ReplayDeadLettersResponse> Replay(
      const compile::v1::ReplayDeadLettersRequest& request) const;

  const WebhooksConfig* const config_;
  WebhookDispatcher* const dispatcher_;
  OpenCalls* const calls_;
  const Redactor* const redactor_;
  AuditLog* const audit_;
  const CallerAuthenticator* const authenticator_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_API_WEBHOOK_SERVICE_H_
