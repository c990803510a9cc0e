// ReconnectBackoff: how long a watch waits before reconnecting a broken
// stream. Exponential backoff with full jitter: the delay before reconnect
// number n (0-based, counted since the stream last delivered anything) is
// drawn uniformly from [0, min(max_delay, initial_delay * 2^n)], so that the
// many CLIs a gateway restart disconnects at once do not come back together.
//
// Randomness comes from a seeded generator: tests pass a fixed seed and get
// the same delays every run.
//
// Thread-compatible: one watch owns one ReconnectBackoff.
#ifndef CXONE_CLIENT_RECONNECT_BACKOFF_H_
#define CXONE_CLIENT_RECONNECT_BACKOFF_H_

#include <cstdint>
#include <random>

#include "absl/time/time.h"

namespace cxone::client {

struct ReconnectBackoffPolicy {
  // The ceiling of the first reconnect's delay; doubled for each further
  // reconnect that got nothing. Must be positive.
  absl::Duration initial_delay = absl::Milliseconds(200);
  // The largest ceiling. Must be at least initial_delay.
  absl::Duration max_delay = absl::Seconds(10);
};

class ReconnectBackoff {
 public:
  ReconnectBackoff(ReconnectBackoffPolicy policy, uint64_t seed);
  ReconnectBackoff(const ReconnectBackoff&) = delete;
  ReconnectBackoff& operator=(const ReconnectBackoff&) = delete;

  // The upper bound of Delay(attempt): min(max_delay, initial_delay *
  // 2^attempt). REQUIRES: attempt >= 0.
  absl::Duration Ceiling(int attempt) const;

  // A delay drawn uniformly from [0, Ceiling(attempt)], in whole
  // microseconds. REQUIRES: attempt >= 0.
  absl::Duration Delay(int attempt);

  const ReconnectBackoffPolicy& policy() const { return policy_; }

 private:
  const ReconnectBackoffPolicy policy_;
  std::mt19937_64 random_;
};

}  // namespace cxone::client

#endif  // CXONE_CLIENT_RECONNECT_BACKOFF_H_
