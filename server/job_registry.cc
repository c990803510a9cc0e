#include "server/job_registry.h"

namespace cxone {

std::shared_ptr<CompileJob> JobRegistry::Find(const std::string& name) const {
  absl::MutexLock lock(&mu_);
  auto it = jobs_.find(name);
  return it == jobs_.end() ? nullptr : it->second;
}

std::pair<std::shared_ptr<CompileJob>, bool> JobRegistry::AddIfAbsent(
    std::shared_ptr<CompileJob> job) {
  absl::MutexLock lock(&mu_);
  auto [it, inserted] = jobs_.try_emplace(job->name(), job);
  return {it->second, inserted};
}

size_t JobRegistry::size() const {
  absl::MutexLock lock(&mu_);
  return jobs_.size();
}

}  // namespace cxone
