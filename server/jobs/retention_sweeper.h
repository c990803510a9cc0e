// RetentionSweeper: applies the registry's retention in the background.
//
// One thread that calls JobRegistry::Prune() every `interval` until
// Shutdown(), forgets the request_id keys of the compiles it forgot, and
// applies the same retention to the store.
//
// Thread-safe.
#ifndef CXONE_SERVER_JOBS_RETENTION_SWEEPER_H_
#define CXONE_SERVER_JOBS_RETENTION_SWEEPER_H_

#include <thread>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/json_log.h"
#include "server/jobs/job_registry.h"
#include "server/jobs/request_id_index.h"
#include "server/store/store.h"

namespace cxone {

class RetentionSweeper {
 public:
  // All pointers must outlive the sweeper. `store` may be null; else the
  // same retention is applied to it (see JobRegistry).
  RetentionSweeper(RetentionConfig config, absl::Duration interval,
                   JobRegistry* registry, RequestIdIndex* request_ids,
                   Clock* clock, JsonLog* log, Store* store = nullptr);

  // One sweep now (the thread does this every interval).
  void SweepOnce();
  RetentionSweeper(const RetentionSweeper&) = delete;
  RetentionSweeper& operator=(const RetentionSweeper&) = delete;
  ~RetentionSweeper();

  void Start();
  void Shutdown();

 private:
  void Run();

  const RetentionConfig config_;
  const absl::Duration interval_;
  JobRegistry* const registry_;
  RequestIdIndex* const request_ids_;
  Clock* const clock_;
  JsonLog* const log_;
  Store* const store_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_JOBS_RETENTION_SWEEPER_H_
