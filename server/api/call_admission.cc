#include "server/api/call_admission.h"

#include "server/api/grpc_status.h"

namespace cxone {

std::optional<Caller> AdmitUnaryCall(const AccessControl& access, Role role,
                                     const grpc::ServerContextBase& context,
                                     const Redactor& redactor, RpcAudit& audit,
                                     grpc::ServerUnaryReactor* reactor) {
  absl::StatusOr<Caller> caller = [&]() -> absl::StatusOr<Caller> {
    absl::StatusOr<Principal> principal = access.Authenticate(context);
    if (!principal.ok()) return principal.status();
    audit.set_principal(principal->name);
    return access.AdmitPrincipal(principal->name, role);
  }();
  if (caller.ok()) return *std::move(caller);
  const grpc::Status status = ToGrpcStatus(caller.status(), redactor);
  audit.Finish(status);
  reactor->Finish(status);
  return std::nullopt;
}

}  // namespace cxone
