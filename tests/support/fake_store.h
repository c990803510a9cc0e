// FakeStore: a Store in memory, for unit tests. It keeps what is committed
// (replacing compiles and keys by name, appending events) and can be told
// to fail every commit, as a full or broken disk would, or only some.
#ifndef CXONE_TESTS_SUPPORT_FAKE_STORE_H_
#define CXONE_TESTS_SUPPORT_FAKE_STORE_H_

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/store/store.h"

namespace cxone::testing {

class FakeStore final : public Store {
 public:
  absl::Status CommitAll(absl::Span<const StoreBatch* const> batches) override {
    absl::MutexLock lock(&mu_);
    if (!failure_.ok()) {
      bool fails = fails_ == nullptr;
      for (const StoreBatch* batch : batches) fails |= fails_ && fails_(*batch);
      if (fails) return failure_;
    }
    ++transactions_;
    for (const StoreBatch* batch : batches) {
      for (const StoredCompile& compile : batch->compiles) {
        compiles_[compile.compile.name()] = compile;
      }
      events_.insert(events_.end(), batch->events.begin(), batch->events.end());
      for (const StoredEvent& event : batch->events) {
        last_revision_ = std::max(last_revision_, event.revision);
      }
      for (const StoredRequestId& key : batch->request_ids) {
        request_ids_[{key.tenant, key.request_id}] = key;
      }
      for (const auto& key : batch->forgotten_request_ids) {
        request_ids_.erase(key);
      }
      for (const StoredDelivery& delivery : batch->deliveries) {
        deliveries_.try_emplace(Key(delivery), delivery);
      }
      for (const StoredDelivery& update : batch->delivery_updates) {
        auto it = deliveries_.find(Key(update));
        if (it == deliveries_.end()) continue;
        it->second.state = update.state;
        it->second.attempts = update.attempts;
        it->second.next_attempt = update.next_attempt;
        it->second.last_error = update.last_error;
        it->second.updated_at = update.updated_at;
      }
      for (const StoredEndpointState& state : batch->endpoint_states) {
        endpoint_states_[state.endpoint] = state;
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
    contents.last_revision = last_revision_;
    contents.events = events_;
    std::stable_sort(contents.events.begin(), contents.events.end(),
                     [](const StoredEvent& a, const StoredEvent& b) {
                       return a.compile_name < b.compile_name;
                     });
    for (const auto& [key, request_id] : request_ids_) {
      contents.request_ids.push_back(request_id);
    }
    for (const auto& [key, delivery] : deliveries_) {
      if (delivery.state == DeliveryState::kPending) {
        contents.pending_deliveries.push_back(delivery);
      }
    }
    for (const auto& [name, state] : endpoint_states_) {
      contents.endpoint_states.push_back(state);
    }
    return contents;
  }

  absl::StatusOr<uint64_t> LastRevision() override {
    absl::MutexLock lock(&mu_);
    return last_revision_;
  }

  absl::StatusOr<std::vector<StoredDelivery>> ListDeliveries(
      DeliveryState state, const DeliveryFilter& filter) override {
    absl::MutexLock lock(&mu_);
    std::vector<StoredDelivery> found;
    for (const auto& [key, delivery] : deliveries_) {
      if (delivery.state == state && Matches(delivery, filter)) {
        found.push_back(delivery);
      }
    }
    return found;
  }

  absl::StatusOr<std::vector<StoredDelivery>> ReplayDeadLetters(
      const DeliveryFilter& filter, absl::Time now) override {
    absl::MutexLock lock(&mu_);
    std::vector<StoredDelivery> replayed;
    for (auto& [key, delivery] : deliveries_) {
      if (delivery.state != DeliveryState::kDead ||
          !Matches(delivery, filter)) {
        continue;
      }
      delivery.state = DeliveryState::kPending;
      delivery.attempts = 0;
      delivery.next_attempt = now;
      delivery.updated_at = now;
      replayed.push_back(delivery);
    }
    return replayed;
  }

  absl::StatusOr<int64_t> DropEventsFinishedBefore(absl::Time) override {
    return 0;
  }
  absl::StatusOr<int64_t> PruneFinishedBeyond(int64_t) override { return 0; }

  // Every commit fails with `failure` until it is set back to OK.
  void SetFailure(absl::Status failure) {
    absl::MutexLock lock(&mu_);
    failure_ = std::move(failure);
    fails_ = nullptr;
  }
  // Only the commits that hold a batch for which `fails` is true fail with
  // `failure`, as when one kind of write hits a broken table; the next
  // SetFailure() replaces this.
  void SetFailure(absl::Status failure,
                  std::function<bool(const StoreBatch&)> fails) {
    absl::MutexLock lock(&mu_);
    failure_ = std::move(failure);
    fails_ = std::move(fails);
  }
  std::vector<StoredEvent> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  // By request_id; a tenant's keys as "TENANT/request_id".
  std::map<std::string, StoredRequestId> request_ids() {
    absl::MutexLock lock(&mu_);
    std::map<std::string, StoredRequestId> by_name;
    for (const auto& [key, stored] : request_ids_) {
      by_name[key.first.empty() ? key.second
                                : key.first + "/" + key.second] = stored;
    }
    return by_name;
  }
  std::vector<StoredDelivery> deliveries() {
    absl::MutexLock lock(&mu_);
    std::vector<StoredDelivery> all;
    for (const auto& [key, delivery] : deliveries_) all.push_back(delivery);
    return all;
  }
  int64_t transactions() {
    absl::MutexLock lock(&mu_);
    return transactions_;
  }

 private:
  using DeliveryKey = std::tuple<std::string, std::string, uint64_t>;
  static DeliveryKey Key(const StoredDelivery& delivery) {
    return {delivery.endpoint, delivery.compile_name, delivery.sequence};
  }
  static bool Matches(const StoredDelivery& delivery,
                      const DeliveryFilter& filter) {
    return (filter.endpoint.empty() || delivery.endpoint == filter.endpoint) &&
           (filter.compile_name.empty() ||
            delivery.compile_name == filter.compile_name) &&
           (!filter.sequence.has_value() ||
            delivery.sequence == *filter.sequence) &&
           delivery.updated_at >= filter.from &&
           delivery.updated_at <= filter.to;
  }

  absl::Mutex mu_;
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  std::function<bool(const StoreBatch&)> fails_ ABSL_GUARDED_BY(mu_);
  int64_t transactions_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::string, StoredCompile> compiles_ ABSL_GUARDED_BY(mu_);
  std::vector<StoredEvent> events_ ABSL_GUARDED_BY(mu_);
  uint64_t last_revision_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<std::pair<std::string, std::string>, StoredRequestId> request_ids_
      ABSL_GUARDED_BY(mu_);
  std::map<DeliveryKey, StoredDelivery> deliveries_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, StoredEndpointState> endpoint_states_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_FAKE_STORE_H_
