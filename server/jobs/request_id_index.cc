#include "server/jobs/request_id_index.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/quoted.h"

namespace cxone {

absl::StatusOr<RequestIdIndex::Claim> RequestIdIndex::ClaimOrJoin(
    const std::string& request_id, const std::string& flow_id,
    Callback callback) {
  std::shared_ptr<CompileJob> done;
  {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = entries_.try_emplace(request_id);
    Entry& entry = it->second;
    if (inserted) {
      entry.flow_id = flow_id;
      return Claim::kFirst;
    }
    if (entry.flow_id != flow_id) {
      return absl::AlreadyExistsError(
          absl::StrCat("request_id ", Quoted(request_id),
                       " was already used to compile flow \"", entry.flow_id,
                       "\"; use a new request_id for flow \"", flow_id, "\""));
    }
    if (entry.job == nullptr) {
      entry.waiters.push_back(std::move(callback));
      return Claim::kWaiting;
    }
    done = entry.job;
  }
  callback(done);
  return Claim::kDone;
}

void RequestIdIndex::Complete(const std::string& request_id,
                              const JobOrError& outcome) {
  std::vector<Callback> waiters;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(request_id);
    if (it == entries_.end()) return;
    waiters.swap(it->second.waiters);
    if (outcome.ok()) {
      it->second.job = *outcome;
    } else {
      entries_.erase(it);
    }
  }
  for (Callback& waiter : waiters) waiter(outcome);
}

void RequestIdIndex::ForgetCompiles(
    const std::vector<std::string>& compile_names) {
  if (compile_names.empty()) return;
  const absl::flat_hash_set<std::string> names(compile_names.begin(),
                                               compile_names.end());
  absl::MutexLock lock(&mu_);
  absl::erase_if(entries_, [&names](const auto& key_and_entry) {
    const std::shared_ptr<CompileJob>& job = key_and_entry.second.job;
    return job != nullptr && names.contains(job->name());
  });
}

void RequestIdIndex::Restore(const std::string& request_id,
                             const std::string& flow_id,
                             std::shared_ptr<CompileJob> job) {
  absl::MutexLock lock(&mu_);
  Entry& entry = entries_[request_id];
  entry.flow_id = flow_id;
  entry.job = std::move(job);
}

}  // namespace cxone
