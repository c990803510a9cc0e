// CompileStarter: what StartCompile does, without gRPC.
//
// Validates the request, honours its idempotency key, triggers CXone on a
// worker thread, registers the new compile (or, when CXone says the flow is
// already compiling and names the compile, attaches to that one) and hands
// it to the poll scheduler.
//
// At most `max_pending_starts` calls wait for CXone at once (queued behind
// the rate budget); beyond that StartCompile fails fast with
// ResourceExhausted instead of queueing without bound.
//
// Thread-safe.
#ifndef CXONE_SERVER_COMPILE_STARTER_H_
#define CXONE_SERVER_COMPILE_STARTER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/json_log.h"
#include "cxone/compile/v1/compile.pb.h"
#include "server/job_registry.h"
#include "server/poll_scheduler.h"
#include "server/request_id_index.h"
#include "server/upstream/compile_upstream.h"
#include "server/worker_pool.h"

namespace cxone {

class CompileStarter {
 public:
  using Done = std::function<void(absl::StatusOr<compilev1::Compile>)>;

  // All pointers must outlive the starter.
  CompileStarter(upstream::CompileUpstream* upstream, JobRegistry* registry,
                 RequestIdIndex* request_ids, PollScheduler* scheduler,
                 WorkerPool* workers, Clock* clock, JsonLog* log,
                 LifecycleTimeouts timeouts, int64_t max_pending_starts);
  CompileStarter(const CompileStarter&) = delete;
  CompileStarter& operator=(const CompileStarter&) = delete;

  // Starts (or joins) a compile for `request` and calls `done` exactly once
  // with the compile or an error: inline for answers that need no upstream
  // call (invalid request, replayed request_id), else on a worker thread.
  // Never blocks.
  void Start(const compilev1::StartCompileRequest& request, Done done);

 private:
  // Runs on a worker: triggers CXone and registers the compile.
  absl::StatusOr<std::shared_ptr<CompileJob>> TriggerAndRegister(
      const std::string& flow_id, const nlohmann::json& directives);

  upstream::CompileUpstream* const upstream_;
  JobRegistry* const registry_;
  RequestIdIndex* const request_ids_;
  PollScheduler* const scheduler_;
  WorkerPool* const workers_;
  Clock* const clock_;
  JsonLog* const log_;
  const LifecycleTimeouts timeouts_;
  const int64_t max_pending_starts_;
  std::atomic<int64_t> pending_starts_{0};
};

}  // namespace cxone

#endif  // CXONE_SERVER_COMPILE_STARTER_H_
