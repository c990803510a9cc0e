// CompileService: the gRPC edge, on the callback API.
//
// Each RPC returns a reactor and never blocks: StartCompile hands the work
// to the CompileStarter (which uses worker threads) and finishes when it
// calls back; GetCompile answers from the registry at once, LookupCompile
// from the request_id index.
//
// Requests arrive as raw bytes and are decoded by DecodeRequest
// (request_decoder.h): a request that cannot be decoded is answered
// INVALID_ARGUMENT naming the problem, and audited, like any other.
// Every call is admitted first (AccessControl: who calls, for which tenant,
// with which role); a caller sees only its tenant's compiles — another
// tenant's is NOT_FOUND, as a name nobody knows — and its starts are
// admitted against its tenant's quotas (TenantUsage) and flows.
//
// WatchCompile is served on the async API by the WatchDispatcher
// (watch_dispatcher.h says why), which asks this service what a request names
// (ResolveWatch).
//
// Thread-safe.
#ifndef CXONE_SERVER_API_COMPILE_SERVICE_H_
#define CXONE_SERVER_API_COMPILE_SERVICE_H_

#include <memory>
#include <optional>
#include <string>

#include "common/json_log.h"
#include "common/redactor.h"
#include "cxone/compile/v1/compile.grpc.pb.h"
#include "server/api/access_control.h"
#include "server/api/tenant_usage.h"
#include "server/api/open_calls.h"
#include "server/api/rpc_audit.h"
#include "server/jobs/batch_starter.h"
#include "server/jobs/compile_collection.h"
#include "server/jobs/compile_starter.h"
#include "server/jobs/job_registry.h"
#include "server/jobs/request_id_index.h"
#include "server/ops/audit_log.h"

namespace cxone {

// The generated callback service on raw bytes (decoded here, see above),
// with WatchCompile asynchronous and writing raw bytes so that logged
// events are serialised once for all watchers.
using CompileServiceBase =
    compilev1::CompileService::WithRawCallbackMethod_StartCompile<
        compilev1::CompileService::WithRawMethod_WatchCompile<
            compilev1::CompileService::WithRawCallbackMethod_GetCompile<
                compilev1::CompileService::WithRawCallbackMethod_ListCompiles<
                    compilev1::CompileService::WithRawMethod_WatchCompiles<
                        compilev1::CompileService::
                            WithRawCallbackMethod_LookupCompile<
                                compilev1::CompileService::
                                    WithRawCallbackMethod_BatchStartCompiles<
                                        compilev1::CompileService::
                                            Service>>>>>>>;

class CompileService final : public CompileServiceBase {
 public:
  // All pointers must outlive the service; `calls` counts its calls.
  // `audit` and `usage` may be null (no audit log; no quotas).
  CompileService(CompileStarter* starter, BatchStarter* batches,
                 JobRegistry* registry, const CompileCollection* collection,
                 const RequestIdIndex* request_ids, OpenCalls* calls,
                 const Redactor* redactor,
                 const AccessControl* access, AuditLog* audit = nullptr,
                 TenantUsage* usage = nullptr);

  const AccessControl& access() const { return *access_; }
  // Null without quotas.
  TenantUsage* usage() const { return usage_; }
  AuditLog* audit() const { return audit_; }

  // A StartCompileRequest in, a Compile out.
  grpc::ServerUnaryReactor* StartCompile(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;

  // A GetCompileRequest in, a Compile out.
  grpc::ServerUnaryReactor* GetCompile(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;

  // A BatchStartCompilesRequest in, a BatchStartCompilesResponse out.
  grpc::ServerUnaryReactor* BatchStartCompiles(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;

  // A ListCompilesRequest in, a ListCompilesResponse out.
  grpc::ServerUnaryReactor* ListCompiles(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;

  // A LookupCompileRequest in, the compile its request_id is bound to out
  // (see RequestIdIndex::Find for NOT_FOUND).
  grpc::ServerUnaryReactor* LookupCompile(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;

  // The job a WatchCompile request of `caller` names (by name or by
  // flow), checked against retention; or InvalidArgument, NotFound,
  // OutOfRange.
  absl::StatusOr<std::shared_ptr<CompileJob>> ResolveWatch(
      const Caller& caller,
      const compilev1::WatchCompileRequest& request) const;

 private:
  // The job named `name` if `caller` may see it, or an error Status
  // (InvalidArgument, NotFound: the same for another tenant's compile as
  // for one that does not exist).
  absl::StatusOr<std::shared_ptr<CompileJob>> FindJob(
      const Caller& caller, const std::string& name) const;
  // The job StartCompile bound `request_id` of `caller`'s tenant to, or an
  // error Status (InvalidArgument for an id no StartCompile could have
  // used, NotFound).
  absl::StatusOr<std::shared_ptr<CompileJob>> FindByRequestId(
      const Caller& caller, const std::string& request_id) const;
  // One start of `caller`'s: its flow checked against the tenant's flows,
  // admitted against its quotas, handed to the starter.
  void StartOne(const Caller& caller,
                const compilev1::StartCompileRequest& request,
                CompileStarter::Done done);

  CompileStarter* const starter_;
  BatchStarter* const batches_;
  JobRegistry* const registry_;
  const CompileCollection* const collection_;
  const RequestIdIndex* const request_ids_;
  OpenCalls* const calls_;
  const Redactor* const redactor_;
  // Admits the call of `context` for `role` (AdmitUnaryCall): the caller,
  // or nullopt once `reactor` and `audit` have finished the call.
  std::optional<Caller> Admit(const grpc::ServerContextBase& context,
                              Role role, RpcAudit& audit,
                              grpc::ServerUnaryReactor* reactor) const;

  const AccessControl* const access_;
  AuditLog* const audit_;
  TenantUsage* const usage_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_API_COMPILE_SERVICE_H_
