#include "server/jobs/job_registry.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"

namespace cxone {
namespace {

// A flow of a tenant: tenant names hold no '/', flow ids neither.
std::string FlowKey(const std::string& tenant, const std::string& flow_id) {
  return absl::StrCat(tenant, "/", flow_id);
}

}  // namespace

std::shared_ptr<CompileJob> JobRegistry::Find(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(name);
  return it == jobs_.end() ? nullptr : it->second;
}

std::shared_ptr<CompileJob> JobRegistry::NewestOfFlow(
    const std::string& flow_id, const std::string& tenant) const {
  absl::MutexLock lock(&mu_);
  auto it = newest_by_flow_.find(FlowKey(tenant, flow_id));
  return it == newest_by_flow_.end() ? nullptr : it->second;
}

std::pair<std::shared_ptr<CompileJob>, bool> JobRegistry::AddIfAbsent(
    std::shared_ptr<CompileJob> job) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = jobs_.try_emplace(job->name(), job);
  if (inserted) newest_by_flow_[FlowKey(job->tenant(), job->compile_name().flow_id)] = job;
  return {it->second, inserted};
}

std::vector<std::string> JobRegistry::Prune(const RetentionConfig& config,
                                            absl::Time now) {
  std::vector<std::shared_ptr<CompileJob>> finished;
  {
    absl::MutexLock lock(&mu_);
    for (const auto& [name, job] : jobs_) {
      if (job->terminal()) finished.push_back(job);
    }
  }
  // Outside the registry's lock: jobs take their own.
  std::vector<std::pair<absl::Time, std::shared_ptr<CompileJob>>> by_age;
  by_age.reserve(finished.size());
  for (std::shared_ptr<CompileJob>& job : finished) {
    const absl::Time finished_at = job->last_change();
    if (now - finished_at >= config.event_retention) {
      job->DropEventsBefore(job->last_sequence());
    }
    by_age.emplace_back(finished_at, std::move(job));
  }
  const int64_t excess =
      static_cast<int64_t>(by_age.size()) - config.max_finished_compiles;
  if (excess <= 0) return {};
  std::nth_element(
      by_age.begin(), by_age.begin() + excess, by_age.end(),
      [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> forgotten;
  forgotten.reserve(static_cast<size_t>(excess));
  absl::MutexLock lock(&mu_);
  for (int64_t i = 0; i < excess; ++i) {
    const std::shared_ptr<CompileJob>& job = by_age[i].second;
    forgotten.push_back(job->name());
    jobs_.erase(job->name());
    auto newest = newest_by_flow_.find(
        FlowKey(job->tenant(), job->compile_name().flow_id));
    if (newest != newest_by_flow_.end() && newest->second == job) {
      newest_by_flow_.erase(newest);
    }
  }
  return forgotten;
}

std::vector<std::shared_ptr<CompileJob>> JobRegistry::All() const {
  absl::MutexLock lock(&mu_);
  std::vector<std::shared_ptr<CompileJob>> jobs;
  jobs.reserve(jobs_.size());
  for (const auto& [name, job] : jobs_) jobs.push_back(job);
  return jobs;
}

size_t JobRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return jobs_.size();
}

}  // namespace cxone
