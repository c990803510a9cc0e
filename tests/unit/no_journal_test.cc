#include "server/store/no_journal.h"

#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace cxone {
namespace {

// A batch with a write of every kind a component commits.
StoreBatch EveryKindOfWrite() {
  StoreBatch batch;
  StoredCompile compile;
  compile.compile.set_name("flows/main/compiles/c-1");
  compile.last_sequence = 1;
  batch.compiles.push_back(compile);
  batch.events.push_back({"flows/main/compiles/c-1", 1, "event"});
  batch.request_ids.push_back({"deploy-7", "main", "", "", absl::Now()});
  batch.forgotten_request_ids.push_back({"", "deploy-6"});
  StoredDelivery delivery;
  delivery.endpoint = "ci";
  batch.deliveries.push_back(delivery);
  batch.delivery_updates.push_back(delivery);
  batch.endpoint_states.push_back({"ci", true, "410 Gone", absl::Now()});
  return batch;
}

// Unlike the GroupCommitter, it needs no Start() and is never shut.
TEST(NoJournal, EveryCommitSucceedsWithoutStarting) {
  NoJournal journal;
  EXPECT_TRUE(journal.Commit(StoreBatch{}).ok());
  EXPECT_TRUE(journal.Commit(EveryKindOfWrite()).ok());
}

TEST(NoJournal, CommitsFromManyThreadsAtOnce) {
  NoJournal journal;
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&journal, &failures, t] {
      for (int i = 0; i < 1000; ++i) {
        if (!journal.Commit(EveryKindOfWrite()).ok()) ++failures[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(8, 0));
}

}  // namespace
}  // namespace cxone
