#include "server/api/tenant_usage.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/quoted.h"
#include "server/api/retry_delay.h"

namespace cxone {

TenantUsage::TenantUsage(const TenantPolicy* policy, Clock* clock)
    : clock_(clock) {
  absl::MutexLock lock(&mu_);
  for (const std::unique_ptr<TenantConfig>& tenant : policy->tenants()) {
    const TenantQuotas& quotas = tenant->quotas;
    if (quotas.compiles_in_flight == 0 && quotas.starts_per_minute == 0 &&
        quotas.open_watches == 0) {
      continue;
    }
    Usage& usage = usage_[tenant->name];
    usage.quotas = quotas;
    usage.tokens = static_cast<double>(quotas.starts_per_minute);
    counts_live_ = counts_live_ || quotas.compiles_in_flight > 0;
  }
}

absl::StatusOr<std::shared_ptr<TenantUsage::StartTicket>>
TenantUsage::AdmitStart(const TenantConfig& tenant) {
  const absl::Time now = clock_->Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = usage_.find(tenant.name);
    if (it == usage_.end()) return nullptr;  // no quota: nothing to hold
    Usage& usage = it->second;
    const TenantQuotas& quotas = usage.quotas;
    const int64_t in_flight =
        static_cast<int64_t>(usage.live.size()) + usage.starting;
    if (quotas.compiles_in_flight > 0 &&
        in_flight >= quotas.compiles_in_flight) {
      return WithRetryDelay(
          absl::ResourceExhaustedError(absl::StrCat(
              "tenant ", Quoted(tenant.name), " has ", in_flight,
              " compiles in flight, its quota (compiles_in_flight ",
              quotas.compiles_in_flight,
              "); start more when some have finished")),
          kBusyRetryDelay);
    }
    if (quotas.starts_per_minute > 0) {
      const double capacity = static_cast<double>(quotas.starts_per_minute);
      const double per_second = capacity / 60;
      if (usage.refilled_at != absl::InfinitePast() && now > usage.refilled_at) {
        usage.tokens = std::min(
            capacity, usage.tokens + absl::ToDoubleSeconds(
                                         now - usage.refilled_at) *
                                         per_second);
      }
      usage.refilled_at = std::max(usage.refilled_at, now);
      if (usage.tokens < 1) {
        return WithRetryDelay(
            absl::ResourceExhaustedError(absl::StrCat(
                "tenant ", Quoted(tenant.name),
                " has used its quota of starts (starts_per_minute ",
                quotas.starts_per_minute, ")")),
            absl::Seconds((1 - usage.tokens) / per_second));
      }
      usage.tokens -= 1;
    }
    ++usage.starting;
  }
  return std::make_shared<Hold>(this, tenant.name, &Usage::starting);
}

absl::StatusOr<std::unique_ptr<TenantUsage::WatchLease>>
TenantUsage::AdmitWatch(const TenantConfig& tenant) {
  {
    absl::MutexLock lock(&mu_);
    auto it = usage_.find(tenant.name);
    if (it == usage_.end()) return nullptr;
    Usage& usage = it->second;
    if (usage.quotas.open_watches > 0 &&
        usage.watches >= usage.quotas.open_watches) {
      return WithRetryDelay(
          absl::ResourceExhaustedError(absl::StrCat(
              "tenant ", Quoted(tenant.name), " has ", usage.watches,
              " watches open, its quota (open_watches ",
              usage.quotas.open_watches, "); close some first")),
          kBusyRetryDelay);
    }
    ++usage.watches;
  }
  return std::make_unique<Hold>(this, tenant.name, &Usage::watches);
}

void TenantUsage::Release(const std::string& tenant, int64_t Usage::*count) {
  absl::MutexLock lock(&mu_);
  auto it = usage_.find(tenant);
  if (it != usage_.end()) --(it->second.*count);
}

void TenantUsage::NoteLocked(const CompileJob& job) {
  auto it = usage_.find(job.tenant());
  if (it == usage_.end() || it->second.quotas.compiles_in_flight == 0) return;
  if (job.terminal()) {
    it->second.live.erase(job.name());
  } else {
    it->second.live.insert(job.name());
  }
}

void TenantUsage::Track(const CompileJob& job) {
  if (!counts_live_) return;
  absl::MutexLock lock(&mu_);
  NoteLocked(job);
}

void TenantUsage::OnEvents(const CompileJob& job,
                           const std::vector<SharedEvent>& /*events*/) {
  if (!counts_live_) return;
  absl::MutexLock lock(&mu_);
  NoteLocked(job);
}

int64_t TenantUsage::compiles_in_flight(const std::string& tenant) const {
  absl::MutexLock lock(&mu_);
  auto it = usage_.find(tenant);
  return it == usage_.end() ? 0
                            : static_cast<int64_t>(it->second.live.size()) +
                                  it->second.starting;
}

int64_t TenantUsage::open_watches(const std::string& tenant) const {
  absl::MutexLock lock(&mu_);
  auto it = usage_.find(tenant);
  return it == usage_.end() ? 0 : it->second.watches;
}

}  // namespace cxone
