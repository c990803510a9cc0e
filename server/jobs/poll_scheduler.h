// PollScheduler: decides which compile CXone is asked about next, for all
// live compiles at once.
//
// One scheduler thread keeps every live compile's next due time: queued
// compiles are due every `queued_poll_interval`, running ones every
// `in_progress_poll_interval`. It hands due polls to the WorkerPool
// earliest-deadline-first within a tenant, at most `max_outstanding_polls`
// at a time, so when the rate budget is short every compile waits its turn
// (round-robin in effect) and none starves. Between tenants the due polls
// are shared in weighted fair order (start-time fair queueing, as in
// FairWorkQueue: the due compile of the tenant with the smallest virtual
// start tag goes next), so a tenant with a thousand live compiles does not
// slow another tenant's few down to its own pace: two tenants of equal
// weight with polls due get half of the polls each. When the budget has tokens to spare and nothing
// is due, it polls the compile due soonest early (never more often than
// `min_poll_interval`), spending the spare budget on lower latency instead
// of idling. A compile is polled once per round however many clients watch
// it, and never again once it is terminal.
//
// As a PauseListener it tells every live compile's watchers when CXone
// throttles the account (a THROTTLED event).
//
// The thread waits on the injected Clock, woken at once by every change
// (a new compile, a finished poll, Shutdown()). With a FakeClock, tests do
// not Start() the thread; they advance the clock and call DispatchDue().
// (A started thread would pass the clock on at every wait unless the
// clock's sleeps block.)
//
// Thread-safe. Lock order (the rate budget is read with the scheduler
// locked): server/LOCKING.md.
#ifndef CXONE_SERVER_JOBS_POLL_SCHEDULER_H_
#define CXONE_SERVER_JOBS_POLL_SCHEDULER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/json_log.h"
#include "common/worker_pool.h"
#include "server/jobs/compile_job.h"
#include "server/upstream/compile_upstream.h"
#include "server/upstream/rate_budget.h"

namespace cxone {

struct PollSchedulerConfig {
  absl::Duration queued_poll_interval = absl::Seconds(2);
  absl::Duration in_progress_poll_interval = absl::Seconds(1);
  // The floor for early polls made with spare budget.
  absl::Duration min_poll_interval = absl::Milliseconds(250);
  int64_t max_outstanding_polls = 8;
};

class PollScheduler final : public upstream::PauseListener {
 public:
  // `budget` may be null (no early polls). All pointers must outlive the
  // scheduler. `tenant_weights`: each tenant's share (1 if not in it).
  PollScheduler(PollSchedulerConfig config, upstream::CompileUpstream* upstream,
                const upstream::RateBudget* budget, WorkerPool* workers,
                Clock* clock, JsonLog* log,
                absl::flat_hash_map<std::string, double> tenant_weights = {});
  PollScheduler(const PollScheduler&) = delete;
  PollScheduler& operator=(const PollScheduler&) = delete;
  ~PollScheduler() override;

  // Polls `job` until it is terminal; the first poll is due one interval
  // from now. Does nothing for a terminal job or one already tracked.
  void Track(std::shared_ptr<CompileJob> job);

  // Starts the scheduler thread.
  void Start();
  // Stops the thread and joins it; polls already handed out still finish.
  // Call it before shutting down the upstream (the rate budget), so that no
  // poll is handed out only to fail because the gateway is stopping.
  void Shutdown();

  // Hands out every poll that may go now; returns how many. For tests.
  int DispatchDue();

  // Compiles being polled.
  int64_t live_compiles() const;
  // Polls handed to workers and not finished.
  int64_t outstanding_polls() const;

  void OnUpstreamPaused(absl::Time until) override;

 private:
  struct Entry {
    std::shared_ptr<CompileJob> job;
    absl::Time due;
    absl::Time last_poll;
    bool outstanding = false;
    size_t tenant = 0;  // in tenants_
  };
  // A tenant's place in the fair order.
  struct TenantShare {
    std::string name;
    double weight = 1;
    double finish_tag = 0;
  };

  absl::Duration IntervalFor(const CompileJob& job) const;
  // The entry to poll next at `now`, or null.
  Entry* PickLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The index of `tenant` in tenants_, added if new.
  size_t TenantIndexLocked(const std::string& tenant)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The start tag a poll of tenant `index` would get now.
  double StartTagLocked(size_t index) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void PollOnce(std::shared_ptr<CompileJob> job);
  void Run();
  // True once Shutdown() began: polls that fail now fail because the
  // gateway is stopping, which is no news worth a warning.
  bool stopping() const;

  const PollSchedulerConfig config_;
  upstream::CompileUpstream* const upstream_;
  const upstream::RateBudget* const budget_;
  WorkerPool* const workers_;
  Clock* const clock_;
  JsonLog* const log_;

  mutable absl::Mutex mu_;
  absl::flat_hash_map<const CompileJob*, Entry> entries_ ABSL_GUARDED_BY(mu_);
  const absl::flat_hash_map<std::string, double> tenant_weights_;
  std::vector<TenantShare> tenants_ ABSL_GUARDED_BY(mu_);
  double virtual_time_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t outstanding_ ABSL_GUARDED_BY(mu_) = 0;
  // Bumped on every change the scheduler thread may be waiting for.
  uint64_t changes_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_JOBS_POLL_SCHEDULER_H_
