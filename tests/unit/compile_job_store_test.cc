// CompileJob with a journal: what watchers see is what the store holds.
#include "absl/strings/match.h"
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
using ::testing::ElementsAre;
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
      // The watchers' bytes are the stored payload and its revision.
      stored |= record.sequence == seen_ &&
                record.revision == event->event.revision() &&
                absl::StartsWith(event->wire, record.payload);
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
  ASSERT_TRUE(journal.Start().ok());
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
  ASSERT_TRUE(journal.Start().ok());
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
  ASSERT_TRUE(journal.Start().ok());
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

namespace cxone {
namespace {

// The revisions the events of `job` carry, in sequence order, as the
// message says and as a watcher decodes the shared bytes.
std::vector<uint64_t> RevisionsOf(CompileJob& job) {
  std::vector<uint64_t> revisions;
  uint64_t after = 0;
  while (SharedEvent event = job.NextEvent(after, nullptr)) {
    after = event->event.sequence();
    compilev1::CompileEvent decoded;
    EXPECT_TRUE(decoded.ParseFromString(event->wire));
    EXPECT_EQ(decoded.revision(), event->event.revision());
    revisions.push_back(event->event.revision());
  }
  return revisions;
}

TEST(CompileJobWithStore, EveryJobsEventsAreNumberedInCommitOrderWithoutGaps) {
  FakeStore store;
  RealClock clock;
  GroupCommitter journal(&store, &clock);
  ASSERT_TRUE(journal.Start().ok());
  CompileJob a({"main", "c-1"}, kStart, {}, &journal);
  CompileJob b({"billing", "c-2"}, kStart, {}, &journal);
  ASSERT_TRUE(a.ApplyFirstStatus(Status("QUEUED"), kStart, {}).ok());   // 1
  ASSERT_TRUE(b.ApplyFirstStatus(Status("QUEUED"), kStart, {}).ok());   // 2
  a.ApplyStatus(Status("IN_PROGRESS"), kStart);                          // 3
  // A refused change takes no number.
  store.SetFailure(absl::UnavailableError("disk full"));
  b.ApplyStatus(Status("IN_PROGRESS"), kStart);
  store.SetFailure(absl::OkStatus());
  b.ApplyStatus(Status("COMPLETED"), kStart);                            // 4
  a.ApplyStatus(Status("COMPLETED"), kStart);                            // 5

  EXPECT_THAT(RevisionsOf(a), ElementsAre(1, 3, 5));
  // b went QUEUED -> COMPLETED: one state change, numbered after a's.
  EXPECT_THAT(RevisionsOf(b), ElementsAre(2, 4));
  EXPECT_EQ(a.Snapshot().revision(), 5u);
  EXPECT_EQ(a.SnapshotEvent().revision(), 5u);
  EXPECT_EQ(b.last_revision(), 4u);
  std::vector<uint64_t> stored;
  for (const StoredEvent& event : store.events()) stored.push_back(event.revision);
  EXPECT_THAT(stored, ElementsAre(1, 2, 3, 4, 5));
}

TEST(CompileJobWithStore, ARecoveredJobKeepsItsRevisions) {
  FakeStore store;
  RealClock clock;
  GroupCommitter journal(&store, &clock);
  ASSERT_TRUE(journal.Start().ok());
  CompileJob job({"main", "c-1"}, kStart, {}, &journal);
  ASSERT_TRUE(job.ApplyFirstStatus(Status("QUEUED"), kStart, {}).ok());
  job.ApplyStatus(Status("IN_PROGRESS"), kStart);
  auto contents = store.LoadAll();
  ASSERT_TRUE(contents.ok());
  EXPECT_EQ(contents->last_revision, 2u);
  std::vector<SharedEvent> events;
  for (const StoredEvent& stored : contents->events) {
    auto entry = std::make_shared<LoggedEvent>();
    ASSERT_TRUE(entry->event.ParseFromString(stored.payload));
    entry->wire = stored.payload;
    SetRevision(*entry, stored.revision);
    events.push_back(std::move(entry));
  }
  NoJournal no_journal;
  CompileJob recovered(contents->compiles[0], std::move(events), kStart, {},
                       &no_journal);
  EXPECT_THAT(RevisionsOf(recovered), ElementsAre(1, 2));
  EXPECT_EQ(recovered.Snapshot().revision(), 2u);
}

}  // namespace
}  // namespace cxone
