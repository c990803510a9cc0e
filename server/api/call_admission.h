// Admitting a call: who makes it (CallerAuthenticator), written on its
// audit line — or, when the caller cannot say, the call finished
// UNAUTHENTICATED before anything else of it is read.
#ifndef CXONE_SERVER_API_CALL_ADMISSION_H_
#define CXONE_SERVER_API_CALL_ADMISSION_H_

#include "absl/status/statusor.h"
#include "common/redactor.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/server_callback.h"
#include "server/api/caller_authenticator.h"
#include "server/api/rpc_audit.h"

namespace cxone {

// The caller of `context`: `authenticator`'s answer, or anonymous when
// there is none (authentication off).
absl::StatusOr<Principal> CallerOf(const CallerAuthenticator* authenticator,
                                   const grpc::ServerContextBase& context);

// True, with the principal on `audit`; or false once `audit` and
// `reactor` have finished the call UNAUTHENTICATED.
bool AdmitUnaryCall(const CallerAuthenticator* authenticator,
                    const grpc::ServerContextBase& context,
                    const Redactor& redactor, RpcAudit& audit,
                    grpc::ServerUnaryReactor* reactor);

}  // namespace cxone

#endif  // CXONE_SERVER_API_CALL_ADMISSION_H_
