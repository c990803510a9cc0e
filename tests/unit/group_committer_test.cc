#include "server/store/group_committer.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::cxone::testing::WaitUntil;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A store in memory that counts transactions. Optionally holds the first
// transaction until `release` (so that others gather behind it), and fails
// any transaction that holds an event with sequence 0.
class RecordingStore final : public Store {
 public:
  absl::Status CommitAll(absl::Span<const StoreBatch* const> batches) override {
    if (hold_first_ && first_.exchange(false)) {
      holding_.Notify();
      release_.WaitForNotification();
    }
    absl::MutexLock lock(&mu_);
    ++transactions_;
    for (const StoreBatch* batch : batches) {
      for (const StoredEvent& event : batch->events) {
        if (event.sequence == 0) {
          return absl::UnavailableError("sequence 0 is refused");
        }
      }
    }
    for (const StoreBatch* batch : batches) {
      for (const StoredEvent& event : batch->events) {
        events_.push_back(event.compile_name);
        revisions_.push_back(event.revision);
      }
    }
    return absl::OkStatus();
  }
  absl::StatusOr<StoreContents> LoadAll() override { return StoreContents{}; }
  absl::StatusOr<uint64_t> LastRevision() override { return last_revision_; }
  absl::StatusOr<std::vector<StoredDelivery>> ListDeliveries(
      DeliveryState, const DeliveryFilter&) override {
    return std::vector<StoredDelivery>();
  }
  absl::StatusOr<std::vector<StoredDelivery>> ReplayDeadLetters(
      const DeliveryFilter&, absl::Time) override {
    return std::vector<StoredDelivery>();
  }
  absl::StatusOr<int64_t> DropEventsFinishedBefore(absl::Time) override {
    return 0;
  }
  absl::StatusOr<int64_t> PruneFinishedBeyond(int64_t) override { return 0; }

  void HoldFirst() { hold_first_ = true; }
  void Release() { release_.Notify(); }
  // Whether the first transaction is being held (waits up to 10 s).
  bool Holding() {
    return holding_.WaitForNotificationWithTimeout(absl::Seconds(10));
  }
  int64_t transactions() {
    absl::MutexLock lock(&mu_);
    return transactions_;
  }
  std::vector<std::string> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  // The revisions of the committed events, in commit order.
  std::vector<uint64_t> revisions() {
    absl::MutexLock lock(&mu_);
    return revisions_;
  }
  // What LastRevision() answers, as a store that numbered events before.
  void SetLastRevision(uint64_t last_revision) {
    last_revision_ = last_revision;
  }

 private:
  bool hold_first_ = false;
  std::atomic<bool> first_{true};
  absl::Notification holding_;
  absl::Notification release_;
  absl::Mutex mu_;
  int64_t transactions_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
  std::vector<uint64_t> revisions_ ABSL_GUARDED_BY(mu_);
  uint64_t last_revision_ = 0;
};

StoreBatch OneEvent(const std::string& compile, uint64_t sequence) {
  StoreBatch batch;
  batch.events.push_back({compile, sequence, "x"});
  return batch;
}

// Starts `count` threads that each commit one batch; returns them.
std::vector<std::thread> CommitEach(GroupCommitter& committer, int count,
                                    std::vector<absl::Status>& results,
                                    uint64_t bad_index = ~uint64_t{0}) {
  std::vector<std::thread> threads;
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([&committer, &results, i, bad_index] {
      results[i] = committer.Commit(OneEvent(
          absl::StrCat("c", i), static_cast<uint64_t>(i) == bad_index ? 0 : 1));
    });
  }
  return threads;
}

TEST(GroupCommitter, BatchesWaitingTogetherShareOneTransaction) {
  RecordingStore store;
  store.HoldFirst();
  RealClock clock;
  GroupCommitter committer(&store, &clock);
  ASSERT_TRUE(committer.Start().ok());
  std::vector<absl::Status> first(1);
  std::vector<std::thread> holder = CommitEach(committer, 1, first);
  const bool holding = store.Holding();
  std::vector<absl::Status> results(50);
  std::vector<std::thread> threads = CommitEach(committer, 50, results);
  // Every batch is queued behind the held transaction before it ends.
  const bool queued = WaitUntil([&] { return committer.waiting() >= 50; });
  store.Release();
  for (auto& thread : holder) thread.join();
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(holding && queued);
  for (const absl::Status& status : results) EXPECT_TRUE(status.ok());
  EXPECT_EQ(store.events().size(), 51u);
  EXPECT_LT(store.transactions(), 51);
  EXPECT_EQ(committer.writes(), 51);
  EXPECT_TRUE(committer.healthy());
}

TEST(GroupCommitter, ABadBatchFailsAloneNotTheOthersInItsTransaction) {
  RecordingStore store;
  store.HoldFirst();
  RealClock clock;
  GroupCommitter committer(&store, &clock);
  ASSERT_TRUE(committer.Start().ok());
  std::vector<absl::Status> first(1);
  std::vector<std::thread> holder = CommitEach(committer, 1, first);
  const bool holding = store.Holding();
  std::vector<absl::Status> results(10);
  std::vector<std::thread> threads =
      CommitEach(committer, 10, results, /*bad_index=*/4);
  const bool queued = WaitUntil([&] { return committer.waiting() >= 10; });
  store.Release();
  for (auto& thread : holder) thread.join();
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(holding && queued);
  for (int i = 0; i < 10; ++i) {
    if (i == 4) {
      EXPECT_TRUE(absl::IsUnavailable(results[i])) << results[i];
    } else {
      EXPECT_TRUE(results[i].ok()) << i << ": " << results[i];
    }
  }
  EXPECT_EQ(store.events().size(), 10u);  // 9 good + the held one
  // The failed batch took no revision: the others were numbered again
  // for their retries, in commit order, without a gap.
  EXPECT_THAT(store.revisions(), ElementsAre(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
  EXPECT_FALSE(committer.healthy());
  // The next good transaction makes it healthy again, and goes on.
  EXPECT_EQ(committer.CommitNumbered(OneEvent("later", 1)).value_or(0), 11u);
  EXPECT_TRUE(committer.healthy());
}

TEST(GroupCommitter, NumbersABatchsEventsInOrderAfterTheStoresLastRevision) {
  RecordingStore store;
  store.SetLastRevision(41);
  RealClock clock;
  GroupCommitter committer(&store, &clock);
  ASSERT_TRUE(committer.Start().ok());
  StoreBatch three;
  for (uint64_t sequence = 1; sequence <= 3; ++sequence) {
    three.events.push_back({"c", sequence, "x"});
  }
  EXPECT_EQ(committer.CommitNumbered(three).value_or(0), 42u);
  // A batch without events takes no number and says so with 0.
  StoreBatch no_events;
  no_events.request_ids.push_back({"key", "flow", "", "", absl::Now()});
  EXPECT_EQ(committer.CommitNumbered(no_events).value_or(99), 0u);
  EXPECT_EQ(committer.CommitNumbered(OneEvent("d", 1)).value_or(0), 45u);
  EXPECT_THAT(store.revisions(), ElementsAre(42, 43, 44, 45));
}

TEST(GroupCommitter, RefusesWritesOnceShutDown) {
  RecordingStore store;
  RealClock clock;
  GroupCommitter committer(&store, &clock);
  ASSERT_TRUE(committer.Start().ok());
  EXPECT_TRUE(committer.Commit(OneEvent("c", 1)).ok());
  committer.Shutdown();
  absl::Status status = committer.Commit(OneEvent("c", 2));
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("stopping"));
}

}  // namespace
}  // namespace cxone
