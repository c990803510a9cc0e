// JobRegistry: every compile the gateway knows, by resource name, and the
// newest compile of each flow for each tenant.
//
// Retention: Prune() drops the events of compiles finished longer than the
// event retention ago (keeping each one's final event, so its result stays
// readable) and forgets the oldest finished compiles beyond a count. Live
// compiles keep everything. The store applies the same rule (Store::
// DropEventsFinishedBefore, PruneFinishedBeyond), so what a caller sees does
// not change across a restart.
//
// Thread-safe. Lock order (Prune() asks jobs with the registry locked):
// server/LOCKING.md.
#ifndef CXONE_SERVER_JOBS_JOB_REGISTRY_H_
#define CXONE_SERVER_JOBS_JOB_REGISTRY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/jobs/compile_job.h"

namespace cxone {

struct RetentionConfig {
  // How long a finished compile's events stay replayable.
  absl::Duration event_retention = absl::Hours(24);
  // Finished compiles remembered at most; the oldest are forgotten first.
  int64_t max_finished_compiles = 100'000;
};

class JobRegistry {
 public:
  JobRegistry() = default;
  JobRegistry(const JobRegistry&) = delete;
  JobRegistry& operator=(const JobRegistry&) = delete;

  // The job named `name` (`flows/…/compiles/…`), or null.
  std::shared_ptr<CompileJob> Find(const std::string& name) const;

  // The most recently registered job of `flow_id` started by `tenant`, or
  // null.
  std::shared_ptr<CompileJob> NewestOfFlow(const std::string& flow_id,
                                           const std::string& tenant = "") const;

  // Registers `job` unless a job of the same name exists. Returns the
  // registered job and whether it is `job` (true) or the existing one.
  std::pair<std::shared_ptr<CompileJob>, bool> AddIfAbsent(
      std::shared_ptr<CompileJob> job);

  // Applies `config` at `now` (see the class comment). Returns the names
  // of the compiles it forgot.
  std::vector<std::string> Prune(const RetentionConfig& config, absl::Time now);

  size_t size() const;

  // Every job, in no particular order.
  std::vector<std::shared_ptr<CompileJob>> All() const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<CompileJob>> jobs_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::shared_ptr<CompileJob>> newest_by_flow_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone

#endif  // CXONE_SERVER_JOBS_JOB_REGISTRY_H_
