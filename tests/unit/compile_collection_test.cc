// CompileCollection: exact at each revision, whatever order jobs report in;
// lists newest first, in pages that new compiles do not disturb.
#include "server/jobs/compile_collection.h"

#include <deque>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/jobs/compile_job.h"
#include "tests/support/fake_upstream.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::cxone::testing::Status;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

// A journal that gives each batch the first revision it is told to, so a
// test decides which job's events come first in the collection's order
// and which job reports first.
class ScriptedJournal final : public Journal {
 public:
  void Next(uint64_t first_revision) { firsts_.push_back(first_revision); }
  absl::StatusOr<uint64_t> CommitNumbered(StoreBatch batch) override {
    if (batch.events.empty()) return 0;
    if (firsts_.empty()) return absl::InternalError("no revision scripted");
    const uint64_t first = firsts_.front();
    firsts_.pop_front();
    return first;
  }

 private:
  std::deque<uint64_t> firsts_;
};

std::vector<std::string> Names(const CollectionPage& page) {
  std::vector<std::string> names;
  for (const auto& compile : page.compiles) names.push_back(compile->name());
  return names;
}

class CompileCollectionTest : public ::testing::Test {
 protected:
  // A new compile of `flow`, created at kStart + `minute` minutes, whose
  // first event takes `revision`.
  std::shared_ptr<CompileJob> Start(const std::string& flow, int minute,
                                    uint64_t revision) {
    const absl::Time created = kStart + absl::Minutes(minute);
    auto job = std::make_shared<CompileJob>(
        CompileName{flow, absl::StrCat("c-", minute)}, created,
        LifecycleTimeouts{}, &journal_, &collection_);
    journal_.Next(revision);
    EXPECT_TRUE(job->ApplyFirstStatus(Status("QUEUED"), created, {}).ok());
    return job;
  }

  CollectionPage ListAll(size_t page_size = 100) const {
    return collection_.List(CompileQuery(), std::nullopt, page_size);
  }

  ScriptedJournal journal_;
  CompileCollection collection_;
};

TEST_F(CompileCollectionTest, AReportWaitsForTheRevisionsBeforeIt) {
  // b's event is revision 2 but b reports first: until a (revision 1)
  // reports, the collection stands at 0 and lists neither.
  std::shared_ptr<CompileJob> b = Start("b", 2, 2);
  EXPECT_EQ(collection_.revision(), 0u);
  EXPECT_THAT(Names(ListAll()), IsEmpty());

  std::shared_ptr<CompileJob> a = Start("a", 1, 1);
  EXPECT_EQ(collection_.revision(), 2u);
  EXPECT_THAT(Names(ListAll()),
              ElementsAre("flows/b/compiles/c-2", "flows/a/compiles/c-1"));
}

TEST_F(CompileCollectionTest, AListShowsEachCompileAsOfTheRevision) {
  std::shared_ptr<CompileJob> a = Start("a", 1, 1);
  std::shared_ptr<CompileJob> b = Start("b", 2, 2);
  // a's change is revision 4, b's 3; a reports first and waits.
  journal_.Next(4);
  a->ApplyStatus(Status("COMPLETED"), kStart);
  CollectionPage before = ListAll();
  EXPECT_EQ(before.revision, 2u);
  ASSERT_EQ(before.compiles.size(), 2u);
  EXPECT_EQ(before.compiles[1]->state(), v1::STATE_QUEUED);  // not yet 4

  journal_.Next(3);
  b->ApplyStatus(Status("IN_PROGRESS"), kStart);
  CollectionPage after = ListAll();
  EXPECT_EQ(after.revision, 4u);
  EXPECT_EQ(after.compiles[0]->state(), v1::STATE_IN_PROGRESS);
  EXPECT_EQ(after.compiles[1]->state(), v1::STATE_COMPLETED);
  EXPECT_EQ(after.compiles[1]->revision(), 4u);
  // The page taken before is unchanged: readers share immutable snapshots.
  EXPECT_EQ(before.compiles[1]->state(), v1::STATE_QUEUED);
}

TEST_F(CompileCollectionTest, PagesAreNewestFirstAndStableUnderNewCompiles) {
  std::vector<std::shared_ptr<CompileJob>> jobs;
  for (int i = 1; i <= 5; ++i) jobs.push_back(Start("f", i, i));
  CollectionPage first = ListAll(2);
  EXPECT_THAT(Names(first),
              ElementsAre("flows/f/compiles/c-5", "flows/f/compiles/c-4"));
  ASSERT_TRUE(first.next.has_value());
  // Started between two pages: newer than the cursor, so never in a later
  // page, and nothing already listed comes again.
  jobs.push_back(Start("f", 6, 6));
  CollectionPage second = collection_.List(CompileQuery(), first.next, 2);
  EXPECT_THAT(Names(second),
              ElementsAre("flows/f/compiles/c-3", "flows/f/compiles/c-2"));
  CollectionPage last = collection_.List(CompileQuery(), second.next, 2);
  EXPECT_THAT(Names(last), ElementsAre("flows/f/compiles/c-1"));
  EXPECT_FALSE(last.next.has_value());
  EXPECT_EQ(last.revision, 6u);
}

TEST_F(CompileCollectionTest, APageEndsExactlyAtTheLastMatch) {
  for (int i = 1; i <= 4; ++i) Start(i % 2 == 0 ? "even" : "odd", i, i);
  v1::CompileFilter filter;
  filter.add_flow_ids("even");
  absl::StatusOr<CompileQuery> even = CompileQuery::FromFilter(filter);
  ASSERT_TRUE(even.ok()) << even.status();
  CollectionPage page = collection_.List(*even, std::nullopt, 2);
  EXPECT_THAT(Names(page), ElementsAre("flows/even/compiles/c-4",
                                       "flows/even/compiles/c-2"));
  // Two matched and no third exists: no next page to ask for in vain.
  EXPECT_FALSE(page.next.has_value());
}

TEST_F(CompileCollectionTest, ForgottenCompilesLeaveTheList) {
  Start("a", 1, 1);
  Start("b", 2, 2);
  collection_.Forget({"flows/a/compiles/c-1", "flows/unknown/compiles/x"});
  EXPECT_THAT(Names(ListAll()), ElementsAre("flows/b/compiles/c-2"));
  EXPECT_EQ(collection_.size(), 1u);
}

TEST_F(CompileCollectionTest, RestoreStandsAtTheStoresLastRevision) {
  CompileCollection restored;
  ScriptedJournal unused;
  auto job = std::make_shared<CompileJob>(CompileName{"a", "c-1"}, kStart,
                                          LifecycleTimeouts{}, &unused);
  unused.Next(7);
  ASSERT_TRUE(job->ApplyFirstStatus(Status("QUEUED"), kStart, {}).ok());
  // The store gave revisions up to 9 (8 and 9 to compiles pruned since).
  restored.Restore({job}, 9);
  EXPECT_EQ(restored.revision(), 9u);
  CollectionPage page = restored.List(CompileQuery(), std::nullopt, 10);
  EXPECT_THAT(Names(page), ElementsAre("flows/a/compiles/c-1"));
  EXPECT_EQ(page.compiles[0]->revision(), 7u);
}

// Counts how often it is told.
class CountingListener : public EventListener {
 public:
  void OnEventAvailable() override { ++told; }
  int told = 0;
};

TEST_F(CompileCollectionTest, TheHistoryHoldsEachEventOnceInRevisionOrder) {
  // b (revision 2) reports before a (revision 1): both enter the history
  // in revision order once a arrives, and a waiting listener is told.
  CountingListener listener;
  absl::StatusOr<SharedEntry> none = collection_.NextEntry(0, &listener);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);
  Start("b", 2, 2);
  EXPECT_EQ(listener.told, 0);
  Start("a", 1, 1);
  EXPECT_EQ(listener.told, 1);
  absl::StatusOr<SharedEntry> first = collection_.NextEntry(0, nullptr);
  absl::StatusOr<SharedEntry> second = collection_.NextEntry(1, nullptr);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ((*first)->revision, 1u);
  EXPECT_EQ((*first)->flow_id, "a");
  EXPECT_EQ((*second)->revision, 2u);
  v1::WatchCompilesResponse decoded;
  ASSERT_TRUE(decoded.ParseFromString((*second)->wire));
  EXPECT_EQ(decoded.event().revision(), 2u);
  EXPECT_EQ(decoded.compile().name(), "flows/b/compiles/c-2");
  EXPECT_EQ(decoded.resume_after_revision(), 2u);
}

TEST(CompileCollection, ACursorBehindTheBoundedHistoryIsOutOfRange) {
  ScriptedJournal journal;
  CompileCollection collection(/*history_limit=*/2);
  std::vector<std::shared_ptr<CompileJob>> jobs;
  for (uint64_t i = 1; i <= 4; ++i) {
    auto job = std::make_shared<CompileJob>(
        CompileName{absl::StrCat("f", i), "c"}, kStart, LifecycleTimeouts{},
        &journal, &collection);
    journal.Next(i);
    ASSERT_TRUE(job->ApplyFirstStatus(Status("QUEUED"), kStart, {}).ok());
    jobs.push_back(job);
  }
  EXPECT_EQ(collection.oldest_retained(), 3u);
  absl::StatusOr<SharedEntry> lost = collection.NextEntry(1, nullptr);
  ASSERT_FALSE(lost.ok());
  EXPECT_TRUE(absl::IsOutOfRange(lost.status()));
  EXPECT_THAT(lost.status().message(),
              ::testing::HasSubstr("the oldest retained is revision 3"));
  absl::StatusOr<SharedEntry> kept = collection.NextEntry(2, nullptr);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ((*kept)->revision, 3u);
}

TEST(CompileCollection, RestoreReplaysTheNewestRunWithoutGaps) {
  ScriptedJournal journal;
  auto a = std::make_shared<CompileJob>(CompileName{"a", "c-1"}, kStart,
                                        LifecycleTimeouts{}, &journal);
  journal.Next(5);
  ASSERT_TRUE(a->ApplyFirstStatus(Status("QUEUED"), kStart, {}).ok());
  journal.Next(7);
  a->ApplyStatus(Status("COMPLETED"), kStart);
  auto b = std::make_shared<CompileJob>(CompileName{"b", "c-2"}, kStart,
                                        LifecycleTimeouts{}, &journal);
  journal.Next(6);
  ASSERT_TRUE(b->ApplyFirstStatus(Status("QUEUED"), kStart, {}).ok());
  // Revisions 1-4 are gone (pruned); 5, 6, 7 are kept; the store says 7.
  CompileCollection restored;
  restored.Restore({a, b}, 7);
  EXPECT_EQ(restored.oldest_retained(), 5u);
  EXPECT_TRUE(absl::IsOutOfRange(restored.NextEntry(3, nullptr).status()));
  std::vector<uint64_t> replayed;
  for (uint64_t after = 4; after < 7; ++after) {
    absl::StatusOr<SharedEntry> entry = restored.NextEntry(after, nullptr);
    ASSERT_TRUE(entry.ok() && *entry != nullptr) << after;
    replayed.push_back((*entry)->revision);
  }
  EXPECT_THAT(replayed, ElementsAre(5, 6, 7));
  // a's older event carries the compile rebuilt from it; its newest, a's
  // compile exactly.
  v1::WatchCompilesResponse older, newest;
  ASSERT_TRUE(
      older.ParseFromString(restored.NextEntry(4, nullptr).value()->wire));
  ASSERT_TRUE(
      newest.ParseFromString(restored.NextEntry(6, nullptr).value()->wire));
  EXPECT_EQ(older.compile().state(), v1::STATE_QUEUED);
  EXPECT_EQ(newest.compile().SerializeAsString(),
            a->Snapshot().SerializeAsString());
}

}  // namespace
}  // namespace cxone
