#include "server/jobs/request_id_index.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/quoted.h"

namespace cxone {
namespace {

// The first key, in key order, that one of `a` and `b` has and the other
// has not, or has with another value. REQUIRES: a != b.
const std::string& FirstDifference(const Labels& a, const Labels& b) {
  auto in_a = a.begin();
  auto in_b = b.begin();
  while (in_a != a.end() && in_b != b.end() && *in_a == *in_b) {
    ++in_a;
    ++in_b;
  }
  if (in_a == a.end()) return in_b->first;
  if (in_b == b.end()) return in_a->first;
  return std::min(in_a->first, in_b->first);
}

}  // namespace

absl::Status ValidateRequestId(absl::string_view request_id) {
  if (request_id.size() > kMaxRequestIdLength) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request_id is ", request_id.size(), " bytes long; at most ",
        kMaxRequestIdLength, " are allowed"));
  }
  if (absl::StartsWith(request_id, "~")) {
    return absl::InvalidArgumentError(
        "request_id must not start with \"~\" (reserved for the gateway)");
  }
  return absl::OkStatus();
}

absl::StatusOr<RequestIdIndex::Claim> RequestIdIndex::ClaimOrJoin(
    const RequestIdKey& key, const std::string& flow_id,
    const Labels& labels, Callback callback) {
  std::shared_ptr<CompileJob> done;
  {
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = entries_.try_emplace(key.AsPair());
    Entry& entry = it->second;
    if (inserted) {
      entry.flow_id = flow_id;
      entry.labels = labels;
      return Claim::kFirst;
    }
    if (entry.flow_id != flow_id) {
      return absl::AlreadyExistsError(
          absl::StrCat("request_id ", Quoted(key.request_id),
                       " was already used to compile flow \"", entry.flow_id,
                       "\"; use a new request_id for flow \"", flow_id, "\""));
    }
    if (entry.labels != labels) {
      // Values can be long and many: the first differing key says enough.
      return absl::AlreadyExistsError(absl::StrCat(
          "request_id ", Quoted(key.request_id),
          " was first used with other labels (they differ at ",
          Quoted(FirstDifference(entry.labels, labels)),
          "); a retry must repeat its first call's labels, or use a new "
          "request_id"));
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

void RequestIdIndex::Complete(const RequestIdKey& key,
                              const JobOrError& outcome) {
  std::vector<Callback> waiters;
  {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key.AsPair());
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

RequestIdIndex::JobOrError RequestIdIndex::Find(
    const RequestIdKey& key) const {
  absl::MutexLock lock(&mu_);
  auto it = entries_.find(key.AsPair());
  if (it == entries_.end()) {
    return absl::NotFoundError(absl::StrCat(
        "no compile was started with request_id ", Quoted(key.request_id),
        " (yet): the key was never used, its start failed, or retention "
        "forgot it with its compile. A StartCompile with this request_id "
        "starts one (or adopts the one CXone is running for the flow)"));
  }
  if (it->second.job == nullptr) {
    return absl::NotFoundError(absl::StrCat(
        "the start with request_id ", Quoted(key.request_id),
        " is still in flight: its compile is not known until CXone answers; "
        "look it up again later, or repeat the StartCompile with the same "
        "request_id, which waits for it"));
  }
  return it->second.job;
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

void RequestIdIndex::Restore(const RequestIdKey& key,
                             const std::string& flow_id, const Labels& labels,
                             std::shared_ptr<CompileJob> job) {
  absl::MutexLock lock(&mu_);
  Entry& entry = entries_[key.AsPair()];
  entry.flow_id = flow_id;
  entry.labels = labels;
  entry.job = std::move(job);
}

}  // namespace cxone
