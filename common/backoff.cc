#include "common/backoff.h"

#include <algorithm>

namespace cxone {

Backoff::Backoff(BackoffPolicy policy, uint64_t seed)
    : policy_(policy), random_(seed) {}

absl::Duration Backoff::Ceiling(int retry) const {
  absl::Duration ceiling = policy_.initial_delay;
  for (int i = 0; i < retry && ceiling < policy_.max_delay; ++i) ceiling *= 2;
  return std::min(ceiling, policy_.max_delay);
}

absl::Duration Backoff::Delay(int retry) {
  const int64_t ceiling_us = absl::ToInt64Microseconds(Ceiling(retry));
  if (ceiling_us <= 0) return absl::ZeroDuration();
  std::uniform_int_distribution<int64_t> uniform(0, ceiling_us);
  absl::MutexLock lock(&mu_);
  return absl::Microseconds(uniform(random_));
}

}  // namespace cxone
