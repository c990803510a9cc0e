// CompilePoller: polls CXone for every live compile, one poll at a time per
// compile, however many clients watch it, until the compile is terminal.
//
// Each compile's next poll is a TimerQueue entry; the poll itself (a
// blocking HTTP call) runs on the WorkerPool. After each poll the job's
// stuck and give-up timeouts are checked. A transient failure (CXone
// unreachable, 5xx after the client's own retries) is logged and the poll
// repeats after the interval; a final one (403, 404) is reported to
// watchers as an anomaly and polling goes on until the give-up timeout.
//
// Thread-safe.
#ifndef CXONE_SERVER_COMPILE_POLLER_H_
#define CXONE_SERVER_COMPILE_POLLER_H_

#include <cstdint>
#include <memory>

#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "common/json_log.h"
#include "server/compile_job.h"
#include "server/timer_queue.h"
#include "server/upstream/compile_upstream.h"
#include "server/worker_pool.h"

namespace cxone {

struct PollerConfig {
  absl::Duration poll_interval = absl::Seconds(1);
};

class CompilePoller {
 public:
  // All pointers must outlive the poller.
  CompilePoller(PollerConfig config, upstream::CompileUpstream* upstream,
                TimerQueue* timers, WorkerPool* workers, Clock* clock,
                JsonLog* log);
  CompilePoller(const CompilePoller&) = delete;
  CompilePoller& operator=(const CompilePoller&) = delete;

  // Polls `job` every poll interval until it is terminal. REQUIRES: called
  // once per job.
  void Track(std::shared_ptr<CompileJob> job);

  // Compiles being polled.
  int64_t live_compiles() const;

 private:
  void ScheduleNext(std::shared_ptr<CompileJob> job);
  void PollOnce(const std::shared_ptr<CompileJob>& job);
  void Untrack();

  const PollerConfig config_;
  upstream::CompileUpstream* const upstream_;
  TimerQueue* const timers_;
  WorkerPool* const workers_;
  Clock* const clock_;
  JsonLog* const log_;

  mutable absl::Mutex mu_;
  int64_t live_compiles_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace cxone

#endif  // CXONE_SERVER_COMPILE_POLLER_H_
