// Backoff: exponential backoff with full jitter (the AWS architecture blog's
// "full jitter": a delay drawn uniformly from [0, min(cap, base * 2^n)]), so
// that many callers retrying after one fault — the gateway's upstream calls,
// or the CLIs a gateway restart disconnects at once — spread out instead of
// striking together.
//
// Randomness comes from a seeded generator so tests are deterministic.
//
// Thread-safe.
#ifndef CXONE_COMMON_BACKOFF_H_
#define CXONE_COMMON_BACKOFF_H_

#include <cstdint>
#include <random>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace cxone {

struct BackoffPolicy {
  absl::Duration initial_delay = absl::Milliseconds(200);
  absl::Duration max_delay = absl::Seconds(5);
  // Attempts per call, the first included; at least 1 (for callers that
  // bound attempts; the CLI bounds reconnects itself).
  int max_attempts = 4;
};

class Backoff {
 public:
  Backoff(BackoffPolicy policy, uint64_t seed);
  Backoff(const Backoff&) = delete;
  Backoff& operator=(const Backoff&) = delete;

  // The delay before retry number `retry` (0 for the first retry): uniform
  // in [0, min(max_delay, initial_delay * 2^retry)].
  absl::Duration Delay(int retry);

  // The upper bound Delay(retry) draws below.
  absl::Duration Ceiling(int retry) const;

  const BackoffPolicy& policy() const { return policy_; }

 private:
  const BackoffPolicy policy_;
  absl::Mutex mu_;
  std::mt19937_64 random_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone

#endif  // CXONE_COMMON_BACKOFF_H_
