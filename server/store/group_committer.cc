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

absl::Status GroupCommitter::Start() {
  absl::MutexLock lock(&mu_);
  if (started_ || stopping_) return absl::OkStatus();
  absl::StatusOr<uint64_t> last_revision = store_->LastRevision();
  if (!last_revision.ok()) return last_revision.status();
  last_revision_ = *last_revision;
  started_ = true;
  thread_ = std::thread([this] { Run(); });
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> GroupCommitter::CommitNumbered(StoreBatch batch) {
  if (batch.empty()) return 0;
  auto waiter = std::make_shared<Waiter>();
  waiter->own_deliveries = batch.deliveries.size();
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

void GroupCommitter::PrepareAttempt(Waiter& waiter, uint64_t first_revision) {
  StoreBatch& batch = waiter.batch;
  for (size_t i = 0; i < batch.events.size(); ++i) {
    batch.events[i].revision = first_revision + i;
  }
  if (observer_ == nullptr) return;
  batch.deliveries.resize(waiter.own_deliveries);
  observer_->Prepare(batch);
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
    // The waiters are blocked until done: their batches are ours to
    // number, prepare and read.
    std::vector<const StoreBatch*> batches;
    uint64_t next_revision = last_revision_ + 1;
    for (const auto& waiter : taken) {
      PrepareAttempt(*waiter, next_revision);
      next_revision += waiter->batch.events.size();
      batches.push_back(&waiter->batch);
    }
    const absl::Time began = clock_->Now();
    const absl::Status merged_result = store_->CommitAll(batches);
    commit_seconds_.Observe(absl::ToDoubleSeconds(clock_->Now() - began));
    for (const auto& waiter : taken) {
      const uint64_t first_revision = last_revision_ + 1;
      absl::Status result = merged_result;
      if (!merged_result.ok() && taken.size() > 1) {
        // Alone, numbered after what the retries before it committed.
        PrepareAttempt(*waiter, first_revision);
        result = store_->Commit(waiter->batch);
      }
      if (!result.ok()) {
        waiter->result = result;
        continue;
      }
      const size_t events = waiter->batch.events.size();
      waiter->result = events == 0 ? 0 : first_revision;
      last_revision_ += events;
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
