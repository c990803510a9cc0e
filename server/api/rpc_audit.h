// RpcAudit: one RPC's line in the audit log — method, peer, the
// authenticated principal, the self-declared `x-caller` metadata, what the call named, its code and latency —
// made when the call arrives and written when it ends. The latency is
// measured on the audit log's Clock.
//
// Not thread-safe: a call's steps use it one after another.
#ifndef CXONE_SERVER_API_RPC_AUDIT_H_
#define CXONE_SERVER_API_RPC_AUDIT_H_

#include <string>

#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "server/ops/audit_log.h"

namespace cxone {

// One RPC's audit line: made when the call starts, written by Finish().
class RpcAudit {
 public:
  // The call started now. `log` may be null (nothing is written); else it
  // must outlive this.
  RpcAudit(AuditLog* log, std::string method,
           const grpc::ServerContextBase& context);
  // The call started at `start`, a time of `log`'s clock.
  RpcAudit(AuditLog* log, std::string method,
           const grpc::ServerContextBase& context, absl::Time start);

  // Who made the call (CallerAuthenticator's principal).
  void set_principal(std::string principal) {
    principal_ = std::move(principal);
  }
  void set_flow_id(std::string flow_id) { flow_id_ = std::move(flow_id); }
  void set_compile(std::string compile) { compile_ = std::move(compile); }

  // Writes the line with the call's outcome.
  void Finish(const grpc::Status& status);

 private:
  AuditLog* const log_;
  const std::string method_;
  const std::string peer_;
  std::string caller_;
  // "-" until authenticated: a line of a refused call names no one.
  std::string principal_ = "-";
  std::string flow_id_;
  std::string compile_;
  const absl::Time start_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_API_RPC_AUDIT_H_
