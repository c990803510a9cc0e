// CompileJob with a journal: what watchers see is what the store holds.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/jobs/compile_job.h"
#include "server/store/group_committer.h"
#include "server/store/no_journal.h"
#include "tests/support/fake_store.h"
#include "tests/support/fake_upstream.h"

namespace cxone {
namespace {

using ::cxone::testing::FakeStore;
using ::cxone::testing::Status;
using ::testing::SizeIs;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

// Checks, when told of an event, that the store already holds it.
class StoreCheckingListener : public EventListener {
 public:
  StoreCheckingListener(CompileJob* job, FakeStore* store)
      : job_(job), store_(store) {}
  void OnEventAvailable() override {
    SharedEvent event = job_->NextEvent(seen_, nullptr);
    ASSERT_NE(event, nullptr);
    seen_ = event->event.sequence();
    bool stored = false;
    for (const StoredEvent& record : store_->events()) {
      stored |= record.sequence == seen_ && record.payload == event->wire;
    }
    EXPECT_TRUE(stored) << "event " << seen_ << " seen before it was stored";
    job_->NextEvent(seen_, this);  // and wait for the next
  }
  uint64_t seen() const { return seen_; }

 private:
  CompileJob* const job_;
  FakeStore* const store_;
  uint64_t seen_ = 0;
};

TEST(CompileJobWithStore, EveryEventIsStoredBeforeAWatcherSeesIt) {
  FakeStore store;
  RealClock clock;
  GroupCommitter journal(&store, &clock);
  journal.Start();
  CompileJob job({"main", "c-1"}, kStart, {}, &journal);
  StoreCheckingListener listener(&job, &store);
  job.NextEvent(0, &listener);
  for (const char* status : {"QUEUED", "IN_PROGRESS", "COMPLETED"}) {
    job.ApplyStatus(Status(status), kStart);
  }
  EXPECT_EQ(listener.seen(), 3u);
  ASSERT_THAT(store.events(), SizeIs(3));
  auto contents = store.LoadAll();
  ASSERT_TRUE(contents.ok());
  ASSERT_THAT(contents->compiles, SizeIs(1));
  EXPECT_EQ(contents->compiles[0].compile.state(), compilev1::STATE_COMPLETED);
  EXPECT_EQ(contents->compiles[0].last_sequence, 3u);
  EXPECT_NE(contents->compiles[0].finished_at, absl::InfiniteFuture());
}

TEST(CompileJobWithStore, AChangeTheStoreRefusesDoesNotHappenUntilItCan) {
  FakeStore store;
  RealClock clock;
  GroupCommitter journal(&store, &clock);
  journal.Start();
  CompileJob job({"main", "c-1"}, kStart, {}, &journal);
  ASSERT_TRUE(
      job.ApplyFirstStatus(Status("QUEUED"), kStart, StoreBatch{}).ok());
  store.SetFailure(absl::UnavailableError("disk full"));
  EXPECT_FALSE(job.ApplyStatus(Status("COMPLETED"), kStart));  // not terminal
  EXPECT_EQ(job.Snapshot().state(), compilev1::STATE_QUEUED);
  EXPECT_EQ(job.last_sequence(), 1u);
  EXPECT_EQ(job.NextEvent(1, nullptr), nullptr);
  // Space again: the next poll brings the same news, and now it sticks.
  store.SetFailure(absl::OkStatus());
  EXPECT_TRUE(job.ApplyStatus(Status("COMPLETED"), kStart));
  EXPECT_EQ(job.last_sequence(), 2u);
  EXPECT_THAT(store.events(), SizeIs(2));
}

TEST(CompileJobWithStore, TheFirstStatusIsCommittedWithItsExtraWrites) {
  FakeStore store;
  RealClock clock;
  GroupCommitter journal(&store, &clock);
  journal.Start();
  CompileJob job({"main", "c-1"}, kStart, {}, &journal);
  StoreBatch extra;
  extra.request_ids.push_back({"req", "main", "", job.name(), kStart});
  store.SetFailure(absl::UnavailableError("read-only"));
  absl::Status refused = job.ApplyFirstStatus(Status("QUEUED"), kStart, extra);
  EXPECT_TRUE(absl::IsUnavailable(refused)) << refused;
  EXPECT_EQ(job.last_sequence(), 0u);
  store.SetFailure(absl::OkStatus());
  ASSERT_TRUE(job.ApplyFirstStatus(Status("QUEUED"), kStart, extra).ok());
  EXPECT_EQ(store.request_ids().at("req").compile_name, job.name());
}

TEST(CompileJobWithStore, ARecoveredJobContinuesItsSequence) {
  StoredCompile recorded;
  recorded.compile.set_name("flows/main/compiles/c-1");
  recorded.compile.set_flow_id("main");
  recorded.compile.set_compile_id("c-1");
  recorded.compile.set_state(compilev1::STATE_QUEUED);
  recorded.last_sequence = 1;
  auto first = std::make_shared<LoggedEvent>();
  first->event.set_sequence(1);
  first->event.set_state(compilev1::STATE_QUEUED);
  first->wire = first->event.SerializeAsString();
  NoJournal journal;
  CompileJob job(recorded, {first}, kStart, {}, &journal);
  EXPECT_EQ(job.NextEvent(0, nullptr).get(), first.get());
  EXPECT_TRUE(job.CheckRetained(0).ok());
  job.ApplyStatus(Status("IN_PROGRESS"), kStart);
  SharedEvent next = job.NextEvent(1, nullptr);
  ASSERT_NE(next, nullptr);
  EXPECT_EQ(next->event.sequence(), 2u);
  EXPECT_EQ(next->event.previous_state(), compilev1::STATE_QUEUED);
}

}  // namespace
}  // namespace cxone
