// CompileOutcomes: how compiles end, for metrics — finished compiles by
// terminal state, and their duration (creation to the terminal event) by
// outcome.
//
// Thread-safe. Lock order (OnEvents() runs under the job's writer lock):
// server/LOCKING.md.
#ifndef CXONE_SERVER_OPS_COMPILE_OUTCOMES_H_
#define CXONE_SERVER_OPS_COMPILE_OUTCOMES_H_

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "common/counter_set.h"
#include "server/jobs/compile_job.h"

namespace cxone {

class CompileOutcomes final : public JobObserver {
 public:
  void OnEvents(const CompileJob& job,
                const std::vector<SharedEvent>& events) override;

  // Finished compiles by {state}.
  std::map<CounterSet::Labels, double> finished() const {
    return finished_.Snapshot();
  }
  // Durations by {outcome}.
  std::map<CounterSet::Labels, Histogram::Snapshot> durations() const;

 private:
  CounterSet finished_;
  mutable absl::Mutex mu_;
  std::map<std::string, Histogram> durations_ ABSL_GUARDED_BY(mu_);
};

// Tells several observers, in order.
class JobObservers final : public JobObserver {
 public:
  explicit JobObservers(std::vector<JobObserver*> observers)
      : observers_(std::move(observers)) {}
  void OnEvents(const CompileJob& job,
                const std::vector<SharedEvent>& events) override {
    for (JobObserver* observer : observers_) observer->OnEvents(job, events);
  }

 private:
  const std::vector<JobObserver*> observers_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_OPS_COMPILE_OUTCOMES_H_
