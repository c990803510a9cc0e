#include "client/reconnect_backoff.h"

#include <algorithm>

namespace cxone::client {

ReconnectBackoff::ReconnectBackoff(ReconnectBackoffPolicy policy, uint64_t seed)
    : policy_(policy), random_(seed) {}

absl::Duration ReconnectBackoff::Ceiling(int attempt) const {
  absl::Duration ceiling = policy_.initial_delay;
  // Doubling one step at a time cannot overflow: it stops at max_delay.
  for (int i = 0; i < attempt && ceiling < policy_.max_delay; ++i) {
    ceiling *= 2;
  }
  return std::min(ceiling, policy_.max_delay);
}

absl::Duration ReconnectBackoff::Delay(int attempt) {
  const int64_t ceiling_us = absl::ToInt64Microseconds(Ceiling(attempt));
  if (ceiling_us <= 0) return absl::ZeroDuration();
  std::uniform_int_distribution<int64_t> draw(0, ceiling_us);
  return absl::Microseconds(draw(random_));
}

}  // namespace cxone::client
