#include "server/jobs/state_recovery.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/jobs/compile_starter.h"
#include "server/store/no_journal.h"
#include "tests/support/fake_store.h"
#include "tests/support/fake_upstream.h"

namespace cxone {
namespace {

using ::cxone::testing::FakeStore;
using ::cxone::testing::Status;
using ::testing::HasSubstr;
using ::testing::SizeIs;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

// Records `id` with `states`, one event each, as a journal would have.
void Record(FakeStore& store, const std::string& id,
            const std::vector<compilev1::State>& states, int64_t created) {
  StoreBatch batch;
  StoredCompile compile;
  compile.compile.set_name(absl::StrCat("flows/main/compiles/", id));
  compile.compile.set_flow_id("main");
  compile.compile.set_compile_id(id);
  compile.compile.mutable_create_time()->set_seconds(created);
  compile.compile.mutable_update_time()->set_seconds(created + 5);
  compile.compile.set_state(states.back());
  compile.last_sequence = states.size();
  if (IsTerminal(states.back())) compile.finished_at = kNow;
  batch.compiles.push_back(compile);
  for (size_t i = 0; i < states.size(); ++i) {
    compilev1::CompileEvent event;
    event.set_sequence(i + 1);
    event.set_state(states[i]);
    batch.events.push_back(
        {compile.compile.name(), i + 1, event.SerializeAsString()});
  }
  ASSERT_TRUE(store.Commit(batch).ok());
}

class StateRecoveryTest : public ::testing::Test {
 protected:
  absl::StatusOr<RecoveredState> Recover() {
    return RecoverState(&store_, &journal_, {}, kNow, &registry_, &request_ids_,
                        [this](std::shared_ptr<CompileJob> job) {
                          tracked_.push_back(std::move(job));
                        });
  }

  FakeStore store_;
  NoJournal journal_;
  JobRegistry registry_;
  RequestIdIndex request_ids_;
  std::vector<std::shared_ptr<CompileJob>> tracked_;
};

TEST_F(StateRecoveryTest, RebuildsEveryCompileAndPollsOnlyTheLiveOnes) {
  Record(store_, "done",
         {compilev1::STATE_QUEUED, compilev1::STATE_IN_PROGRESS,
          compilev1::STATE_COMPLETED},
         100);
  Record(store_, "live", {compilev1::STATE_QUEUED}, 200);
  auto recovered = Recover();
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_EQ(recovered->compiles, 2);
  EXPECT_EQ(recovered->live_compiles, 1);
  EXPECT_EQ(recovered->events, 4);
  ASSERT_THAT(tracked_, SizeIs(1));
  EXPECT_EQ(tracked_[0]->name(), "flows/main/compiles/live");
  auto done = registry_.Find("flows/main/compiles/done");
  ASSERT_NE(done, nullptr);
  EXPECT_TRUE(done->IsFinishedAfter(3));
  EXPECT_EQ(done->NextEvent(2, nullptr)->event.state(),
            compilev1::STATE_COMPLETED);
  // The newest compile of the flow is the one a flow watch follows.
  EXPECT_EQ(registry_.NewestOfFlow("main")->name(), "flows/main/compiles/live");
  // And the live one numbers its next event after the recorded ones.
  tracked_[0]->ApplyStatus(Status("IN_PROGRESS"), kNow);
  EXPECT_EQ(tracked_[0]->last_sequence(), 2u);
}

TEST_F(StateRecoveryTest, BindsKeysResumesPendingOnesAndDropsItsOwn) {
  Record(store_, "done", {compilev1::STATE_COMPLETED}, 100);
  StoreBatch keys;
  keys.request_ids = {
      {"bound", "main", "", "flows/main/compiles/done", kNow},
      {"pending", "main", R"({"x":1})", "", kNow},
      {absl::StrCat(kOwnKeyPrefix, "1-0"), "main", "", "", kNow}};
  ASSERT_TRUE(store_.Commit(keys).ok());
  auto recovered = Recover();
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  EXPECT_EQ(recovered->request_ids, 1);
  ASSERT_THAT(recovered->pending_starts, SizeIs(1));
  EXPECT_EQ(recovered->pending_starts[0].request_id, "pending");
  EXPECT_EQ(recovered->pending_starts[0].directives_json, R"({"x":1})");
  EXPECT_FALSE(
      store_.request_ids().contains(absl::StrCat(kOwnKeyPrefix, "1-0")));
  // The bound key answers with its compile at once.
  std::string answered;
  auto claim = request_ids_.ClaimOrJoin("bound", "main", {},
                                        [&](RequestIdIndex::JobOrError job) {
                                          if (job.ok())
                                            answered = (*job)->name();
                                        });
  ASSERT_TRUE(claim.ok());
  EXPECT_EQ(*claim, RequestIdIndex::Claim::kDone);
  EXPECT_EQ(answered, "flows/main/compiles/done");
}

TEST_F(StateRecoveryTest, KeysComeBackWithTheLabelsOfTheirFirstCall) {
  Record(store_, "done", {compilev1::STATE_COMPLETED}, 100);
  const Labels labels = {{"pipeline", "nightly"}};
  StoreBatch keys;
  keys.request_ids = {
      {"bound", "main", "", "flows/main/compiles/done", kNow, labels},
      {"pending", "main", "", "", kNow, labels}};
  ASSERT_TRUE(store_.Commit(keys).ok());
  auto recovered = Recover();
  ASSERT_TRUE(recovered.ok()) << recovered.status();
  ASSERT_THAT(recovered->pending_starts, SizeIs(1));
  EXPECT_EQ(recovered->pending_starts[0].labels, labels);
  // The bound key still answers only a retry with the same labels.
  EXPECT_TRUE(absl::IsAlreadyExists(
      request_ids_.ClaimOrJoin("bound", "main", {}, [](auto) {}).status()));
  auto found = request_ids_.Find("bound");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ((*found)->name(), "flows/main/compiles/done");
}

TEST_F(StateRecoveryTest, AGapInAnEventLogIsDataLoss) {
  StoreBatch batch;
  compilev1::CompileEvent first;
  first.set_sequence(1);
  compilev1::CompileEvent third;
  third.set_sequence(3);
  batch.events = {{"flows/main/compiles/c", 1, first.SerializeAsString()},
                  {"flows/main/compiles/c", 3, third.SerializeAsString()}};
  ASSERT_TRUE(store_.Commit(batch).ok());
  auto recovered = Recover();
  EXPECT_TRUE(absl::IsDataLoss(recovered.status())) << recovered.status();
  EXPECT_THAT(recovered.status().message(), HasSubstr("jump from 1 to 3"));
}

}  // namespace
}  // namespace cxone
