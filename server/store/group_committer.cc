#include "server/store/group_committer.h"

#include <utility>
#include <vector>

namespace cxone {

GroupCommitter::GroupCommitter(Store* store, const Clock* clock,
                               int64_t max_transaction_writes)
    : store_(store),
      clock_(clock),
      max_transaction_writes_(max_transaction_writes) {}

GroupCommitter::~GroupCommitter() { Shutdown(); }

void GroupCommitter::Start() {
  absl::MutexLock lock(&mu_);
  if (started_ || stopping_) return;
  started_ = true;
  thread_ = std::thread([this] { Run(); });
}

absl::Status GroupCommitter::Commit(StoreBatch batch) {
  if (observer_ != nullptr) observer_->Prepare(batch);
  if (batch.empty()) return absl::OkStatus();
  auto waiter = std::make_shared<Waiter>();
  waiter->batch = std::move(batch);
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ || !started_) {
      return absl::UnavailableError(
          "the state store is not accepting writes (the gateway is "
          "stopping)");
    }
    queue_.push_back(waiter);
    mu_.Await(absl::Condition(&waiter->done));
  }
  if (waiter->result.ok() && observer_ != nullptr) {
    observer_->Committed(waiter->batch);
  }
  return waiter->result;
}

void GroupCommitter::Run() {
  while (true) {
    std::vector<std::shared_ptr<Waiter>> taken;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return !queue_.empty() || stopping_;
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, and nothing waits
      int64_t rows = 0;
      while (!queue_.empty() &&
             (taken.empty() ||
              rows + static_cast<int64_t>(queue_.front()->batch.size()) <=
                  max_transaction_writes_)) {
        rows += static_cast<int64_t>(queue_.front()->batch.size());
        taken.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    // The waiters are blocked until done: their batches are ours to read.
    std::vector<const StoreBatch*> batches;
    for (const auto& waiter : taken) batches.push_back(&waiter->batch);
    const absl::Time began = clock_->Now();
    const absl::Status merged_result = store_->CommitAll(batches);
    commit_seconds_.Observe(absl::ToDoubleSeconds(clock_->Now() - began));
    for (const auto& waiter : taken) {
      waiter->result = merged_result.ok() || taken.size() == 1
                           ? merged_result
                           : store_->Commit(waiter->batch);
    }
    absl::MutexLock lock(&mu_);
    int64_t committed = 0;
    for (const auto& waiter : taken) {
      if (waiter->result.ok()) {
        writes_ += static_cast<int64_t>(waiter->batch.size());
        ++committed;
      }
      waiter->done = true;
    }
    transactions_ += merged_result.ok() ? 1 : committed;
    healthy_ = committed == static_cast<int64_t>(taken.size());
  }
}

void GroupCommitter::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

bool GroupCommitter::healthy() const {
  absl::MutexLock lock(&mu_);
  return healthy_;
}

int64_t GroupCommitter::waiting() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(queue_.size());
}

int64_t GroupCommitter::transactions() const {
  absl::MutexLock lock(&mu_);
  return transactions_;
}

int64_t GroupCommitter::writes() const {
  absl::MutexLock lock(&mu_);
  return writes_;
}

}  // namespace cxone
