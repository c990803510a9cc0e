#include "server/api/rpc_audit.h"

#include "absl/status/status.h"

namespace cxone {

RpcAudit::RpcAudit(AuditLog* log, std::string method,
                   const grpc::ServerContextBase& context)
    : RpcAudit(log, std::move(method), context,
               log != nullptr ? log->clock().Now() : absl::InfinitePast()) {}

RpcAudit::RpcAudit(AuditLog* log, std::string method,
                   const grpc::ServerContextBase& context, absl::Time start)
    : log_(log),
      method_(std::move(method)),
      peer_(context.peer()),
      start_(start) {
  const auto& metadata = context.client_metadata();
  auto caller = metadata.find("x-caller");
  if (caller != metadata.end()) {
    caller_ = std::string(caller->second.data(), caller->second.size());
  }
}

void RpcAudit::Finish(const grpc::Status& status) {
  if (log_ == nullptr) return;
  nlohmann::json fields = {
      {"method", method_},
      {"peer", peer_},
      {"principal", principal_},
      {"code", absl::StatusCodeToString(
                   static_cast<absl::StatusCode>(status.error_code()))},
      {"latency_ms", absl::ToDoubleMilliseconds(log_->clock().Now() - start_)}};
  if (!caller_.empty()) fields["caller"] = caller_;
  if (!flow_id_.empty()) fields["flow_id"] = flow_id_;
  if (!compile_.empty()) fields["compile"] = compile_;
  log_->Write("rpc", std::move(fields));
}

}  // namespace cxone
