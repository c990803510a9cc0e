// TenantUsage: what each tenant uses of its quotas (TenantQuotas) — its
// compiles in flight, its starts in the last minute, its open watches —
// and the admission of a new start or watch against them.
//
// Beyond a quota the answer is RESOURCE_EXHAUSTED naming the quota, with a
// google.rpc.RetryInfo (retry_delay.h) saying when to try again: for
// starts per minute exactly when the next start is allowed (a token bucket
// of `starts_per_minute` refilled evenly over the minute); for compiles
// in flight and open watches, which free when something ends, a fixed
// hint (kBusyRetryDelay).
//
// Compiles in flight are the tenant's live compiles plus its starts still
// waiting for CXone, so a burst of starts cannot overshoot the quota
// before any of them is a compile. TenantUsage learns of live and
// finished compiles as a JobObserver (every event of every job) and from
// Track() for the compiles recovered at start-up.
//
// Thread-safe; its lock is a leaf (OnEvents is called with a job's writer
// lock held): server/LOCKING.md.
#ifndef CXONE_SERVER_API_TENANT_USAGE_H_
#define CXONE_SERVER_API_TENANT_USAGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "server/api/tenant_policy.h"
#include "server/jobs/compile_job.h"

namespace cxone {

class TenantUsage final : public JobObserver {
 public:
  static constexpr absl::Duration kBusyRetryDelay = absl::Seconds(2);

 private:
  // What one tenant uses (only tenants with quotas are counted).
  struct Usage {
    TenantQuotas quotas;
    absl::flat_hash_set<std::string> live;  // compile names
    int64_t starting = 0;
    int64_t watches = 0;
    // The starts-per-minute bucket.
    double tokens = 0;
    absl::Time refilled_at = absl::InfinitePast();
  };

 public:
  // A place in one of a tenant's counts, given back when destroyed: a
  // start's place in flight (by then a compile it started counts as live),
  // a watch's among the open watches.
  class Hold {
   public:
    Hold(TenantUsage* usage, std::string tenant, int64_t Usage::*count)
        : usage_(usage), tenant_(std::move(tenant)), count_(count) {}
    Hold(const Hold&) = delete;
    Hold& operator=(const Hold&) = delete;
    ~Hold() { usage_->Release(tenant_, count_); }

   private:
    TenantUsage* const usage_;
    const std::string tenant_;
    int64_t Usage::*const count_;
  };
  using StartTicket = Hold;
  using WatchLease = Hold;

  // Counts for the tenants of `policy` that have quotas (the others cost
  // nothing). `policy` and `clock` must outlive the usage.
  TenantUsage(const TenantPolicy* policy, Clock* clock);
  TenantUsage(const TenantUsage&) = delete;
  TenantUsage& operator=(const TenantUsage&) = delete;

  // A start for `tenant`, within its compiles-in-flight and
  // starts-per-minute quotas; or ResourceExhausted with a retry delay.
  absl::StatusOr<std::shared_ptr<StartTicket>> AdmitStart(
      const TenantConfig& tenant);
  // A watch (WatchCompile or WatchCompiles) for `tenant`, within its
  // open-watches quota; or ResourceExhausted with a retry delay.
  absl::StatusOr<std::unique_ptr<WatchLease>> AdmitWatch(
      const TenantConfig& tenant);

  // Counts `job` as in flight for its tenant while it is live (a compile
  // recovered at start-up).
  void Track(const CompileJob& job);

  void OnEvents(const CompileJob& job,
                const std::vector<SharedEvent>& events) override;

  // For metrics and tests.
  int64_t compiles_in_flight(const std::string& tenant) const;
  int64_t open_watches(const std::string& tenant) const;

 private:

  void NoteLocked(const CompileJob& job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Release(const std::string& tenant, int64_t Usage::*count);

  Clock* const clock_;
  // Whether any tenant has a compiles-in-flight quota: without one, events
  // (every event of every job) cost no lock here.
  bool counts_live_ = false;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, Usage> usage_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone

#endif  // CXONE_SERVER_API_TENANT_USAGE_H_
