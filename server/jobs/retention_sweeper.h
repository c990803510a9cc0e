// RetentionSweeper: applies the registry's retention in the background.
//
// One thread (a PeriodicThread on the injected Clock) that calls
// JobRegistry::Prune() every `interval` until Shutdown(), forgets the
// request_id keys of the compiles it forgot, and applies the same retention
// to the store. Shutdown() ends the wait at once.
//
// Thread-safe.
#ifndef CXONE_SERVER_JOBS_RETENTION_SWEEPER_H_
#define CXONE_SERVER_JOBS_RETENTION_SWEEPER_H_

#include "common/clock.h"
#include "common/json_log.h"
#include "common/periodic_thread.h"
#include "server/jobs/compile_collection.h"
#include "server/jobs/job_registry.h"
#include "server/jobs/request_id_index.h"
#include "server/store/store.h"

namespace cxone {

class RetentionSweeper {
 public:
  // All pointers must outlive the sweeper. `store` may be null; else the
  // same retention is applied to it (see JobRegistry). `collection` may be
  // null; else the compiles forgotten leave it too. REQUIRES:
  // interval > 0.
  RetentionSweeper(RetentionConfig config, absl::Duration interval,
                   JobRegistry* registry, RequestIdIndex* request_ids,
                   Clock* clock, JsonLog* log, Store* store = nullptr,
                   CompileCollection* collection = nullptr);
  RetentionSweeper(const RetentionSweeper&) = delete;
  RetentionSweeper& operator=(const RetentionSweeper&) = delete;

  // One sweep now (the thread does this every interval).
  void SweepOnce();

  // Starts the thread; its first sweep comes one interval later.
  void Start() { thread_.Start(); }
  // Stops and joins the thread (a sweep under way finishes). Idempotent;
  // the destructor calls it.
  void Shutdown() { thread_.Shutdown(); }

 private:
  const RetentionConfig config_;
  JobRegistry* const registry_;
  RequestIdIndex* const request_ids_;
  Clock* const clock_;
  JsonLog* const log_;
  Store* const store_;
  CompileCollection* const collection_;
  // Last, so that it is joined before the members a sweep uses go.
  PeriodicThread thread_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_JOBS_RETENTION_SWEEPER_H_
