// WatchStreamHost: what a watch stream needs of whoever serves it — the
// call to wait for, the job a request names (or the collection), the
// watcher set, and where to report that it began and ended. The WatchDispatcher
// is the host; this interface is the one include a stream has of it, so the
// stream and the dispatcher do not include each other.
#ifndef CXONE_SERVER_WATCH_WATCH_STREAM_HOST_H_
#define CXONE_SERVER_WATCH_WATCH_STREAM_HOST_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/redactor.h"
#include "cxone/compile/v1/compile.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/api/access_control.h"
#include "server/api/tenant_usage.h"
#include "server/jobs/compile_collection.h"
#include "server/jobs/compile_job.h"
#include "server/ops/audit_log.h"
#include "server/watch/watcher_set.h"

namespace cxone {

// A watch's caller, its place in the tenant's quota of open watches (null
// without one) and on its connection, held while the stream is open.
struct AdmittedWatch {
  Caller caller;
  std::unique_ptr<TenantUsage::WatchLease> lease;
  std::shared_ptr<void> connection_slot;
};

class WatchStreamHost {
 public:
  virtual ~WatchStreamHost() = default;

  // Asks gRPC for the next WatchCompile call on `cq`, completing `tag`.
  virtual void RequestCall(grpc::ServerContext* context,
                           grpc::ByteBuffer* request,
                           grpc::ServerAsyncWriter<grpc::ByteBuffer>* writer,
                           grpc::ServerCompletionQueue* cq, void* tag) = 0;
  // Requests the next call on `cq` unless no more are accepted.
  virtual void RequestNext(grpc::ServerCompletionQueue* cq) = 0;
  // The same for WatchCompiles.
  virtual void RequestCollectionCall(
      grpc::ServerContext* context, grpc::ByteBuffer* request,
      grpc::ServerAsyncWriter<grpc::ByteBuffer>* writer,
      grpc::ServerCompletionQueue* cq, void* tag) = 0;
  virtual void RequestNextCollectionWatch(grpc::ServerCompletionQueue* cq) = 0;
  // What WatchCompiles streams follow.
  virtual CompileCollection* collection() const = 0;
  // Who calls a watch, or Unauthenticated (the stream ends at once).
  virtual absl::StatusOr<Principal> Authenticate(
      const grpc::ServerContextBase& context) const = 0;
  // `principal` admitted to a watch on the connection `peer` (the watch
  // role, its tenant's quota of open watches, the connection's limit), or
  // the refusal (the stream ends at once).
  virtual absl::StatusOr<AdmittedWatch> AdmitWatch(
      const std::string& principal, const std::string& peer) = 0;
  // The job a request of `caller` names, checked against retention; or
  // the error.
  virtual absl::StatusOr<std::shared_ptr<CompileJob>> ResolveWatch(
      const Caller& caller,
      const compilev1::WatchCompileRequest& request) const = 0;

  virtual WatcherSet* watchers() const = 0;
  virtual const Redactor& redactor() const = 0;
  // May be null.
  virtual AuditLog* audit() const = 0;

  // A stream came to be / deleted itself; a logged event was written to a
  // WatchCompile / a WatchCompiles stream.
  virtual void StreamCreated() = 0;
  virtual void StreamEnded() = 0;
  virtual void CountEventSent() = 0;
  virtual void CountCollectionEventSent() = 0;
};

}  // namespace cxone

#endif  // CXONE_SERVER_WATCH_WATCH_STREAM_HOST_H_
