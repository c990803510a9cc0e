#include "common/stop_signal.h"

namespace cxone {

void StopSignal::Stop() {
  absl::MutexLock lock(&mu_);
  stopped_ = true;
}

bool StopSignal::stopped() const {
  absl::MutexLock lock(&mu_);
  return stopped_;
}

bool StopSignal::SleepFor(absl::Duration duration) {
  absl::MutexLock lock(&mu_);
  if (stopped_) return false;
  return !clock_->AwaitWithDeadline(mu_, absl::Condition(&stopped_),
                                    clock_->Now() + duration);
}

}  // namespace cxone
