#include "server/api/call_admission.h"

#include "server/api/grpc_status.h"

namespace cxone {

absl::StatusOr<Principal> CallerOf(const CallerAuthenticator* authenticator,
                                   const grpc::ServerContextBase& context) {
  if (authenticator == nullptr) return Principal{"anonymous"};
  return authenticator->Authenticate(context);
}

bool AdmitUnaryCall(const CallerAuthenticator* authenticator,
                    const grpc::ServerContextBase& context,
                    const Redactor& redactor, RpcAudit& audit,
                    grpc::ServerUnaryReactor* reactor) {
  absl::StatusOr<Principal> caller = CallerOf(authenticator, context);
  if (caller.ok()) {
    audit.set_principal(caller->name);
    return true;
  }
  const grpc::Status status = ToGrpcStatus(caller.status(), redactor);
  audit.Finish(status);
  reactor->Finish(status);
  return false;
}

}  // namespace cxone
