// CompileStarter: what StartCompile does, without gRPC.
//
// Validates the request, honours its idempotency key, triggers CXone on a
// worker thread, registers the new compile with the request's labels (or,
// when CXone says the flow is already compiling and names a compile the
// gateway knows, attaches to that one, which keeps the labels it has) and
// hands it to the poll scheduler.
//
// At most `max_pending_starts` calls wait for CXone at once (queued behind
// the rate budget); beyond that StartCompile fails fast with
// ResourceExhausted instead of queueing without bound.
//
// A start goes in three steps. It records its intent (flow, directives,
// labels) in the journal — under its request_id, or under a key of the
// gateway's own — before CXone is called; triggers CXone; and adopts the
// compile CXone names, whose first record binds the intent to it in the same
// transaction. So a start that cannot be recorded fails Unavailable without
// touching CXone, and a restart finds every key either bound to its compile or
// still pending: a pending request_id is triggered again (ResumePending), and
// CXone's 409 for a compile the crash interrupted names the compile to
// adopt. A start that fails at the trigger drops its intent (CXone started
// nothing the gateway may follow); one that fails to adopt keeps it (CXone
// holds a compile the gateway could not record). See FailStart.
//
// Thread-safe.
#ifndef CXONE_SERVER_JOBS_COMPILE_STARTER_H_
#define CXONE_SERVER_JOBS_COMPILE_STARTER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "common/json_log.h"
#include "common/labels.h"
#include "common/fair_work_queue.h"
#include "common/worker_pool.h"
#include "cxone/compile/v1/compile.pb.h"
#include "server/jobs/job_registry.h"
#include "server/jobs/poll_scheduler.h"
#include "server/jobs/request_id_index.h"
#include "server/store/journal.h"
#include "server/upstream/compile_upstream.h"

namespace cxone {

// The prefix of the keys the starter records for starts without a
// request_id (a request_id cannot start with "~": see Start).
inline constexpr char kOwnKeyPrefix[] = "~gateway-";

class CompileStarter {
 public:
  using Done = std::function<void(absl::StatusOr<compilev1::Compile>)>;

  // All pointers must outlive the starter; only `observer` may be null.
  // Triggers run on `workers`, as many at once as it has threads, taken
  // from each tenant's waiting starts in weighted fair order
  // (FairWorkQueue, `tenant_weights`; 1 for a tenant not in it).
  CompileStarter(upstream::CompileUpstream* upstream, JobRegistry* registry,
                 RequestIdIndex* request_ids, PollScheduler* scheduler,
                 WorkerPool* workers, Clock* clock, JsonLog* log,
                 LifecycleTimeouts timeouts, int64_t max_pending_starts,
                 Journal* journal, JobObserver* observer = nullptr,
                 absl::flat_hash_map<std::string, double> tenant_weights = {});
  CompileStarter(const CompileStarter&) = delete;
  CompileStarter& operator=(const CompileStarter&) = delete;

  // Starts (or joins) a compile for `request` of a caller of `tenant` ("" without
  // tenants: see TenantPolicy) and calls `done` exactly once
  // with the compile or an error: inline for answers that need no upstream
  // call (invalid request, replayed request_id), else on a worker thread.
  // InvalidArgument naming the field (or the label) for a request the
  // contract refuses; AlreadyExists for a request_id first used for another
  // flow or with other labels. Never blocks.
  //
  // The compile belongs to `tenant`, and so does the request_id: another
  // tenant's same request_id is another key. When CXone names a compile
  // the gateway follows for another tenant (the flow is compiling for it),
  // the start is refused Aborted without naming that compile.
  void Start(const compilev1::StartCompileRequest& request,
             const std::string& tenant, Done done);
  // A start on a gateway without tenants (tenant "").
  void Start(const compilev1::StartCompileRequest& request, Done done) {
    Start(request, "", std::move(done));
  }

  // Triggers again a start whose request_id was recorded but not bound to
  // a compile when the gateway stopped (see the class comment), with the
  // flow, directives and labels it recorded.
  void ResumePending(const StoredRequestId& intent);

  // Starts waiting for CXone (the trigger queue), for metrics.
  int64_t pending_starts() const { return pending_starts_.load(); }
  // Triggers CXone answered with the id of a compile the gateway already
  // knew as another (refused: see CheckNotReused), for metrics.
  int64_t reused_compile_ids() const { return reused_compile_ids_.load(); }

 private:
  // The steps of a start (see the class comment), which FailStart tells
  // apart when one fails.
  enum class StartStep { kRecordIntent, kTrigger, kAdopt };
  // What CXone answered a trigger with, checked: the compile it named and,
  // if the gateway already knew that compile, its job.
  struct CheckedTrigger {
    upstream::TriggerResult answer;
    std::shared_ptr<CompileJob> known;  // null: new to the gateway
  };

  // Runs on a worker: the three steps of a start, and FailStart if one
  // fails. `request_id` may be empty.
  absl::StatusOr<std::shared_ptr<CompileJob>> TriggerAndRegister(
      const std::string& flow_id, const nlohmann::json& directives,
      const Labels& labels, const RequestIdKey& key);
  // The intent of a start: under `request_id`, or under a new key of the
  // gateway's own if it is empty; not bound to a compile yet.
  StoredRequestId NewIntent(const std::string& flow_id,
                            const nlohmann::json& directives,
                            const Labels& labels, const RequestIdKey& key);
  // Step 1: commits `intent`, so that CXone is never asked for a compile a
  // restart could not find out about.
  absl::Status RecordIntent(const StoredRequestId& intent);
  // Step 2: asks CXone to compile. An answer naming a compile the gateway
  // knew as another is refused here (CheckNotReused), so that nothing is
  // ever bound to a compile that did not run.
  absl::StatusOr<CheckedTrigger> TriggerUpstream(
      const StoredRequestId& intent, const nlohmann::json& directives);
  // Step 3: makes the compile CXone named the gateway's — recorded with the
  // intent's labels and the intent bound to it, registered and polled — or
  // attaches to the gateway's job of it (whose labels stay as they are), so
  // that the caller and every retry of the key get that compile.
  absl::StatusOr<std::shared_ptr<CompileJob>> Adopt(
      const StoredRequestId& intent, const CheckedTrigger& triggered);
  // The first status of a compile new to the gateway: from the trigger's
  // answer, or asked of CXone when it named a running compile (409), so
  // that the caller gets a real state, not a guess.
  absl::StatusOr<upstream::CompileStatus> FirstStatus(
      const StoredRequestId& intent, const CheckedTrigger& triggered);
  // Binds `intent` to `existing` in the store and returns it.
  absl::StatusOr<std::shared_ptr<CompileJob>> Attach(
      const StoredRequestId& intent, std::shared_ptr<CompileJob> existing);
  // The one error path of a start that failed at `step` with `error`:
  // decides what becomes of `intent` and returns what the caller is told.
  absl::Status FailStart(StartStep step, const StoredRequestId& intent,
                         const absl::Status& error);
  // OK if `known`, the gateway's compile of the id CXone just named, can be
  // the compile CXone means, given that the trigger was sent at `sent_at`:
  // for a new compile (201) only if `known` was created after that; for a
  // running one (409) only if `known` had not finished before. Else CXone
  // reused an old compile's id: Aborted, and the anomaly is logged and
  // counted — answering with the stored compile would report a result for
  // a compile that never ran.
  absl::Status CheckNotReused(const upstream::TriggerResult& triggered,
                              const CompileJob& known, absl::Time sent_at);
  // OK if `known`, a compile CXone named for `intent`, belongs to the
  // intent's tenant; else Aborted, naming neither the compile nor its
  // tenant.
  static absl::Status CheckSameTenant(const StoredRequestId& intent,
                                      const CompileJob& known);
  // Queues TriggerAndRegister on a worker; `done` gets the outcome.
  void SubmitTrigger(const std::string& flow_id, nlohmann::json directives,
                     Labels labels, const RequestIdKey& key,
                     std::function<void(absl::Status)> refuse,
                     std::function<void(RequestIdIndex::JobOrError)> finish);

  upstream::CompileUpstream* const upstream_;
  JobRegistry* const registry_;
  RequestIdIndex* const request_ids_;
  PollScheduler* const scheduler_;
  FairWorkQueue triggers_;
  Clock* const clock_;
  JsonLog* const log_;
  const LifecycleTimeouts timeouts_;
  const int64_t max_pending_starts_;
  Journal* const journal_;
  JobObserver* const observer_;
  std::atomic<int64_t> pending_starts_{0};
  std::atomic<int64_t> reused_compile_ids_{0};
  // Names the intents of starts without a request_id: unique across
  // restarts (the start-up time) and within a run (the counter).
  const std::string own_key_prefix_;
  std::atomic<int64_t> own_keys_{0};
};

}  // namespace cxone

#endif  // CXONE_SERVER_JOBS_COMPILE_STARTER_H_
