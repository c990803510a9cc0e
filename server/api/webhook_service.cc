#include "server/api/webhook_service.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "server/api/call_admission.h"
#include "common/quoted.h"
#include "common/resource_name.h"
#include "google/protobuf/util/time_util.h"
#include "server/api/grpc_status.h"
#include "server/api/request_decoder.h"
#include "server/api/rpc_audit.h"
#include "server/api/unary_call_reactor.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using google::protobuf::util::TimeUtil;

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

// DecodeRequest checked the range; this saturates rather than overflow
// anyway.
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

// Decodes `request` as a `Request`, answers it with `answer`, audits the
// call (`compile` names what it was about) and finishes it.
template <typename Request, typename Answer>
grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                OpenCalls* calls, const char* method,
                                AuditLog* audit_log,
                                const AccessControl& access,
                                const Redactor& redactor,
                                const grpc::ByteBuffer* request,
                                grpc::ByteBuffer* response, Answer answer) {
  grpc::ServerUnaryReactor* reactor = new UnaryCallReactor(calls);
  RpcAudit audit(audit_log, method, *context);
  std::optional<Caller> caller =
      AdmitUnaryCall(access, Role::kAdmin, *context, redactor, audit, reactor);
  if (!caller.has_value()) return reactor;
  Request parsed;
  grpc::Status status;
  if (absl::Status decoded = DecodeRequest(*request, &parsed); !decoded.ok()) {
    status = ToGrpcStatus(decoded, redactor);
  } else {
    audit.set_compile(parsed.selector().compile());
    auto answered = answer(*caller, parsed);
    status = ToGrpcStatus(answered.status(), redactor);
    if (answered.ok()) {
      bool own_buffer = false;
      status = grpc::SerializationTraits<
          typename decltype(answered)::value_type>::Serialize(*answered,
                                                              response,
                                                              &own_buffer);
    }
  }
  audit.Finish(status);
  reactor->Finish(status);
  return reactor;
}

}  // namespace

WebhookService::WebhookService(const WebhooksConfig* config,
                               WebhookDispatcher* dispatcher, OpenCalls* calls,
                               const Redactor* redactor,
                               const AccessControl* access, AuditLog* audit)
    : config_(config),
      dispatcher_(dispatcher),
      calls_(calls),
      redactor_(redactor),
      access_(access),
      audit_(audit) {}

absl::StatusOr<std::vector<DeliveryFilter>> WebhookService::FiltersOf(
    const Caller& caller, const v1::DeadLetterSelector& selector) const {
  if (dispatcher_ == nullptr) {
    return absl::FailedPreconditionError(
        "this gateway has no webhooks configured (--webhooks-config)");
  }
  DeliveryFilter filter;
  if (!selector.endpoint().empty()) {
    const WebhookEndpointConfig* endpoint = config_->Find(selector.endpoint());
    if (endpoint == nullptr || endpoint->tenant != caller.tenant_name()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "no webhook endpoint is named ", Quoted(selector.endpoint())));
    }
    filter.endpoint = selector.endpoint();
  }
  if (!selector.compile().empty()) {
    absl::StatusOr<CompileName> name = CompileName::Parse(selector.compile());
    if (!name.ok()) return name.status();
    filter.compile_name = selector.compile();
  }
  if (selector.has_sequence()) {
    if (selector.compile().empty()) {
      return absl::InvalidArgumentError("sequence needs compile");
    }
    filter.sequence = selector.sequence();
  }
  if (selector.has_start_time()) {
    filter.from = FromTimestamp(selector.start_time());
  }
  if (selector.has_end_time()) filter.to = FromTimestamp(selector.end_time());
  if (filter.to < filter.from) {
    return absl::InvalidArgumentError("end_time is before start_time");
  }
  if (!filter.endpoint.empty() || !access_->policy().multi_tenant()) {
    return std::vector<DeliveryFilter>{filter};
  }
  // The caller's tenant's endpoints, each on its own.
  std::vector<DeliveryFilter> filters;
  for (const WebhookEndpointConfig& endpoint : config_->endpoints) {
    if (endpoint.tenant != caller.tenant_name()) continue;
    filters.push_back(filter);
    filters.back().endpoint = endpoint.name;
  }
  return filters;
}

grpc::ServerUnaryReactor* WebhookService::ListDeadLetters(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::ListDeadLettersRequest>(
      context, calls_, "/cxone.compile.v1.WebhookService/ListDeadLetters",
      audit_, *access_, *redactor_, request, response,
      [this](const Caller& caller, const v1::ListDeadLettersRequest& parsed) {
        return List(caller, parsed);
      });
}

grpc::ServerUnaryReactor* WebhookService::ReplayDeadLetters(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return Serve<v1::ReplayDeadLettersRequest>(
      context, calls_, "/cxone.compile.v1.WebhookService/ReplayDeadLetters",
      audit_, *access_, *redactor_, request, response,
      [this](const Caller& caller,
             const v1::ReplayDeadLettersRequest& parsed) {
        return Replay(caller, parsed);
      });
}

absl::StatusOr<v1::ListDeadLettersResponse> WebhookService::List(
    const Caller& caller, const v1::ListDeadLettersRequest& request) const {
  absl::StatusOr<std::vector<DeliveryFilter>> filters =
      FiltersOf(caller, request.selector());
  if (!filters.ok()) return filters.status();
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_size must be 0 to ", kMaxPageSize));
  }
  const int limit =
      request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  std::vector<StoredDelivery> letters;
  for (DeliveryFilter& filter : *filters) {
    filter.limit = limit;
    absl::StatusOr<std::vector<StoredDelivery>> some =
        dispatcher_->DeadLetters(filter);
    if (!some.ok()) return some.status();
    letters.insert(letters.end(), std::make_move_iterator(some->begin()),
                   std::make_move_iterator(some->end()));
  }
  // Oldest update first across the endpoints, as the store orders one.
  std::stable_sort(letters.begin(), letters.end(),
                   [](const StoredDelivery& a, const StoredDelivery& b) {
                     return a.updated_at < b.updated_at;
                   });
  if (letters.size() > static_cast<size_t>(limit)) letters.resize(limit);
  v1::ListDeadLettersResponse response;
  for (const StoredDelivery& delivery : letters) {
    v1::DeadLetter* letter = response.add_dead_letters();
    letter->set_endpoint(delivery.endpoint);
    letter->set_compile(delivery.compile_name);
    letter->set_sequence(delivery.sequence);
    letter->set_webhook_id(delivery.webhook_id);
    letter->set_attempts(delivery.attempts);
    letter->set_last_error(delivery.last_error);
    *letter->mutable_dead_time() = ToTimestamp(delivery.updated_at);
    *letter->mutable_create_time() = ToTimestamp(delivery.created_at);
  }
  return response;
}

absl::StatusOr<v1::ReplayDeadLettersResponse> WebhookService::Replay(
    const Caller& caller, const v1::ReplayDeadLettersRequest& request) const {
  absl::StatusOr<std::vector<DeliveryFilter>> filters =
      FiltersOf(caller, request.selector());
  if (!filters.ok()) return filters.status();
  if (request.selector().compile().empty() &&
      !request.selector().has_start_time() &&
      !request.selector().has_end_time()) {
    return absl::InvalidArgumentError(
        "a replay must name a compile or bound a time range (start_time, "
        "end_time)");
  }
  int64_t replayed = 0;
  for (DeliveryFilter& filter : *filters) {
    filter.limit = -1;
    absl::StatusOr<int64_t> some = dispatcher_->Replay(filter);
    if (!some.ok()) return some.status();
    replayed += *some;
  }
  v1::ReplayDeadLettersResponse response;
  response.set_replayed(replayed);
  return response;
}

}  // namespace cxone
