// FakeStore: a Store in memory, for unit tests. It keeps what is committed
// (replacing compiles and keys by name, appending events) and can be told
// to fail every commit, as a full or broken disk would.
#ifndef CXONE_TESTS_SUPPORT_FAKE_STORE_H_
#define CXONE_TESTS_SUPPORT_FAKE_STORE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/store/store.h"

namespace cxone::testing {

class FakeStore final : public Store {
 public:
  absl::Status CommitAll(absl::Span<const StoreBatch* const> batches) override {
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) return failure_;
    ++transactions_;
    for (const StoreBatch* batch : batches) {
      for (const StoredCompile& compile : batch->compiles) {
        compiles_[compile.compile.name()] = compile;
      }
      events_.insert(events_.end(), batch->events.begin(), batch->events.end());
      for (const StoredRequestId& key : batch->request_ids) {
        request_ids_[key.request_id] = key;
      }
      for (const std::string& key : batch->forgotten_request_ids) {
        request_ids_.erase(key);
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<StoreContents> LoadAll() override {
    absl::MutexLock lock(&mu_);
    StoreContents contents;
    for (const auto& [name, compile] : compiles_) {
      contents.compiles.push_back(compile);
    }
    contents.events = events_;
    std::stable_sort(contents.events.begin(), contents.events.end(),
                     [](const StoredEvent& a, const StoredEvent& b) {
                       return a.compile_name < b.compile_name;
                     });
    for (const auto& [key, request_id] : request_ids_) {
      contents.request_ids.push_back(request_id);
    }
    return contents;
  }

  absl::StatusOr<int64_t> PruneFinishedBefore(absl::Time) override { return 0; }
  absl::StatusOr<int64_t> PruneFinishedBeyond(int64_t) override { return 0; }

  // Every commit fails with `failure` until it is set back to OK.
  void SetFailure(absl::Status failure) {
    absl::MutexLock lock(&mu_);
    failure_ = std::move(failure);
  }
  std::vector<StoredEvent> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  std::map<std::string, StoredRequestId> request_ids() {
    absl::MutexLock lock(&mu_);
    return request_ids_;
  }
  int64_t transactions() {
    absl::MutexLock lock(&mu_);
    return transactions_;
  }

 private:
  absl::Mutex mu_;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  int64_t transactions_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, StoredCompile> compiles_ ABSL_GUARDED_BY(mu_);
  std::vector<StoredEvent> events_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, StoredRequestId> request_ids_ ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_FAKE_STORE_H_
