#include "server/api/open_calls.h"

namespace cxone {

OpenCalls::Call OpenCalls::Open() {
  absl::MutexLock lock(&mu_);
  ++open_;
  return Call(this);
}

void OpenCalls::Close() {
  absl::MutexLock lock(&mu_);
  --open_;
}

int64_t OpenCalls::count() const {
  absl::MutexLock lock(&mu_);
  return open_;
}

bool OpenCalls::AwaitNone(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto none = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return open_ == 0; };
  return clock_->AwaitWithDeadline(mu_, absl::Condition(&none), deadline);
}

}  // namespace cxone
