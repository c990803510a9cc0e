// CompileService: the gRPC edge, on the callback API.
//
// Each RPC returns a reactor and never blocks: StartCompile hands the work
// to the CompileStarter (which uses worker threads) and finishes when it
// calls back; GetCompile answers from the registry at once; WatchCompile
// returns a WatchReactor, a cursor into the compile's event log that writes
// the next event when the previous write completes.
//
// Thread-safe.
#ifndef CXONE_SERVER_COMPILE_SERVICE_H_
#define CXONE_SERVER_COMPILE_SERVICE_H_

#include <atomic>
#include <cstdint>

#include "common/json_log.h"
#include "common/redactor.h"
#include "cxone/compile/v1/compile.grpc.pb.h"
#include "server/compile_starter.h"
#include "server/job_registry.h"

namespace cxone {

class CompileService final : public compilev1::CompileService::CallbackService {
 public:
  // All pointers must outlive the service.
  CompileService(CompileStarter* starter, JobRegistry* registry,
                 const Redactor* redactor, JsonLog* log);

  grpc::ServerUnaryReactor* StartCompile(
      grpc::CallbackServerContext* context,
      const compilev1::StartCompileRequest* request,
      compilev1::Compile* response) override;

  grpc::ServerWriteReactor<compilev1::CompileEvent>* WatchCompile(
      grpc::CallbackServerContext* context,
      const compilev1::WatchCompileRequest* request) override;

  grpc::ServerUnaryReactor* GetCompile(
      grpc::CallbackServerContext* context,
      const compilev1::GetCompileRequest* request,
      compilev1::Compile* response) override;

  // Open WatchCompile streams.
  int64_t live_watchers() const { return live_watchers_.load(); }

 private:
  class WatchReactor;

  // The job named `name`, or an error Status (InvalidArgument, NotFound).
  absl::StatusOr<std::shared_ptr<CompileJob>> FindJob(
      const std::string& name) const;

  CompileStarter* const starter_;
  JobRegistry* const registry_;
  const Redactor* const redactor_;
  JsonLog* const log_;
  std::atomic<int64_t> live_watchers_{0};
};

}  // namespace cxone

#endif  // CXONE_SERVER_COMPILE_SERVICE_H_
