#include "server/webhook_service.h"

#include "absl/strings/str_cat.h"
#include "common/resource_name.h"
#include "google/protobuf/util/time_util.h"
#include "server/grpc_status.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using google::protobuf::util::TimeUtil;

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  return TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(time));
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(timestamp));
}

}  // namespace

WebhookService::WebhookService(const WebhooksConfig* config,
                               WebhookDispatcher* dispatcher,
                               const Redactor* redactor, AuditLog* audit)
    : config_(config),
      dispatcher_(dispatcher),
      redactor_(redactor),
      audit_(audit) {}

absl::StatusOr<DeliveryFilter> WebhookService::FilterOf(
    const v1::DeadLetterSelector& selector) const {
  if (dispatcher_ == nullptr) {
    return absl::FailedPreconditionError(
        "this gateway has no webhooks configured (--webhooks-config)");
  }
  DeliveryFilter filter;
  if (!selector.endpoint().empty()) {
    if (config_->Find(selector.endpoint()) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "no webhook endpoint is named \"", selector.endpoint(), "\""));
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
  return filter;
}

grpc::ServerUnaryReactor* WebhookService::ListDeadLetters(
    grpc::CallbackServerContext* context,
    const v1::ListDeadLettersRequest* request,
    v1::ListDeadLettersResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  RpcAudit audit(audit_, "/cxone.compile.v1.WebhookService/ListDeadLetters",
                 *context);
  audit.set_compile(request->selector().compile());
  auto finish = [&](const grpc::Status& status) {
    audit.Finish(status);
    reactor->Finish(status);
  };
  absl::StatusOr<DeliveryFilter> filter = FilterOf(request->selector());
  if (filter.ok() &&
      (request->page_size() < 0 || request->page_size() > kMaxPageSize)) {
    filter = absl::InvalidArgumentError(
        absl::StrCat("page_size must be 0 to ", kMaxPageSize));
  }
  if (!filter.ok()) {
    finish(ToGrpcStatus(filter.status(), *redactor_));
    return reactor;
  }
  filter->limit =
      request->page_size() == 0 ? kDefaultPageSize : request->page_size();
  absl::StatusOr<std::vector<StoredDelivery>> letters =
      dispatcher_->DeadLetters(*filter);
  if (letters.ok()) {
    for (const StoredDelivery& delivery : *letters) {
      v1::DeadLetter* letter = response->add_dead_letters();
      letter->set_endpoint(delivery.endpoint);
      letter->set_compile(delivery.compile_name);
      letter->set_sequence(delivery.sequence);
      letter->set_webhook_id(delivery.webhook_id);
      letter->set_attempts(delivery.attempts);
      letter->set_last_error(delivery.last_error);
      *letter->mutable_dead_time() = ToTimestamp(delivery.updated_at);
      *letter->mutable_create_time() = ToTimestamp(delivery.created_at);
    }
  }
  finish(ToGrpcStatus(letters.status(), *redactor_));
  return reactor;
}

grpc::ServerUnaryReactor* WebhookService::ReplayDeadLetters(
    grpc::CallbackServerContext* context,
    const v1::ReplayDeadLettersRequest* request,
    v1::ReplayDeadLettersResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  RpcAudit audit(audit_, "/cxone.compile.v1.WebhookService/ReplayDeadLetters",
                 *context);
  audit.set_compile(request->selector().compile());
  auto finish = [&](const grpc::Status& status) {
    audit.Finish(status);
    reactor->Finish(status);
  };
  absl::StatusOr<DeliveryFilter> filter = FilterOf(request->selector());
  if (filter.ok() && filter->compile_name.empty() &&
      !request->selector().has_start_time() &&
      !request->selector().has_end_time()) {
    filter = absl::InvalidArgumentError(
        "a replay must name a compile or bound a time range (start_time, "
        "end_time)");
  }
  if (!filter.ok()) {
    finish(ToGrpcStatus(filter.status(), *redactor_));
    return reactor;
  }
  filter->limit = -1;
  absl::StatusOr<int64_t> replayed = dispatcher_->Replay(*filter);
  if (replayed.ok()) response->set_replayed(*replayed);
  finish(ToGrpcStatus(replayed.status(), *redactor_));
  return reactor;
}

}  // namespace cxone
