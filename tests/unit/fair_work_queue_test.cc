#include "common/fair_work_queue.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

// Runs the queue with one task at a time on one thread, the first task
// holding the thread until released, so that everything queued behind it
// is ordered by the queue alone; returns the tenants in the order their
// tasks ran.
class FairWorkQueueTest : public ::testing::Test {
 protected:
  void SubmitHeld() {
    queue_.Submit(
        "hold",
        [this] {
          absl::MutexLock lock(&mu_);
          mu_.Await(absl::Condition(&released_));
        },
        [] {});
  }
  void Submit(const std::string& tenant) {
    queue_.Submit(
        tenant,
        [this, tenant] {
          absl::MutexLock lock(&mu_);
          order_.push_back(tenant);
        },
        [this] {
          absl::MutexLock lock(&mu_);
          ++refused_;
        });
  }
  std::vector<std::string> RunAll(size_t expected) {
    {
      absl::MutexLock lock(&mu_);
      released_ = true;
    }
    EXPECT_TRUE(testing::WaitUntil([&] {
      absl::MutexLock lock(&mu_);
      return order_.size() == expected;
    }));
    absl::MutexLock lock(&mu_);
    return order_;
  }

  WorkerPool pool_{1};
  FairWorkQueue queue_{&pool_, 1, {{"heavy", 2}}};
  absl::Mutex mu_;
  bool released_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::string> order_ ABSL_GUARDED_BY(mu_);
  int refused_ ABSL_GUARDED_BY(mu_) = 0;
};

TEST_F(FairWorkQueueTest, ALateSmallTenantIsNotQueuedBehindABurst) {
  SubmitHeld();
  for (int i = 0; i < 100; ++i) Submit("burst");
  for (int i = 0; i < 3; ++i) Submit("small");
  const std::vector<std::string> order = RunAll(103);
  // The small tenant's three go among the first seven, alternating.
  std::vector<std::string> first(order.begin(), order.begin() + 7);
  EXPECT_EQ(std::count(first.begin(), first.end(), "small"), 3);
  EXPECT_EQ(std::count(order.begin(), order.end(), "burst"), 100);
}

TEST_F(FairWorkQueueTest, WeightsShareTheTurnsAndOrderWithinATenantHolds) {
  SubmitHeld();
  for (int i = 0; i < 30; ++i) Submit("heavy");
  for (int i = 0; i < 30; ++i) Submit("light");
  const std::vector<std::string> order = RunAll(60);
  // While both wait: two heavy turns for every light one.
  std::vector<std::string> first(order.begin(), order.begin() + 30);
  EXPECT_EQ(std::count(first.begin(), first.end(), "heavy"), 20);
  EXPECT_EQ(std::count(first.begin(), first.end(), "light"), 10);
}

TEST(FairWorkQueue, TasksThePoolRefusesAreToldSoNoneIsLost) {
  WorkerPool pool(1);
  FairWorkQueue queue(&pool, 1);
  pool.Shutdown();
  absl::Mutex mu;
  int ran = 0, refused = 0;
  for (int i = 0; i < 5; ++i) {
    queue.Submit(
        i % 2 ? "a" : "b",
        [&] {
          absl::MutexLock lock(&mu);
          ++ran;
        },
        [&] {
          absl::MutexLock lock(&mu);
          ++refused;
        });
  }
  absl::MutexLock lock(&mu);
  EXPECT_EQ(ran, 0);
  EXPECT_EQ(refused, 5);
  EXPECT_EQ(queue.waiting(), 0u);
}

}  // namespace
}  // namespace cxone
