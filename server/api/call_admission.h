// Admitting a unary call: who makes it, written on its audit line, and
// whether it may (AccessControl) — or, when it may not, the call finished
// UNAUTHENTICATED or PERMISSION_DENIED before anything else of it is read.
#ifndef CXONE_SERVER_API_CALL_ADMISSION_H_
#define CXONE_SERVER_API_CALL_ADMISSION_H_

#include <optional>

#include "common/redactor.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "server/api/access_control.h"
#include "server/api/rpc_audit.h"

namespace cxone {

// The caller, with its principal on `audit`; or nullopt once `audit` and
// `reactor` have finished the call with the refusal.
std::optional<Caller> AdmitUnaryCall(const AccessControl& access, Role role,
                                     const grpc::ServerContextBase& context,
                                     const Redactor& redactor, RpcAudit& audit,
                                     grpc::ServerUnaryReactor* reactor);

}  // namespace cxone

#endif  // CXONE_SERVER_API_CALL_ADMISSION_H_
