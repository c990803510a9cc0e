#include "server/jobs/compile_job.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/no_journal.h"
#include "tests/support/fake_upstream.h"

namespace cxone {
namespace {

using ::cxone::testing::Status;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

class CountingListener : public EventListener {
 public:
  void OnEventAvailable() override { ++told; }
  int told = 0;
};

TEST(CompileJob, WatcherCursorReadsEventsInOrder) {
  NoJournal journal;
  CompileJob job({"main", "c-1"}, kStart, {}, &journal);
  job.ApplyStatus(Status("QUEUED"), kStart);
  job.ApplyStatus(Status("IN_PROGRESS"), kStart);
  SharedEvent first = job.NextEvent(0, nullptr);
  SharedEvent second = job.NextEvent(1, nullptr);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->event.sequence(), 1u);
  EXPECT_EQ(second->event.sequence(), 2u);
  EXPECT_EQ(job.NextEvent(2, nullptr), nullptr);
  // Watchers share the event; nothing is copied per watcher.
  EXPECT_EQ(job.NextEvent(0, nullptr).get(), first.get());
}

TEST(CompileJob, TheLargestCursorIsPastTheEndNotBeforeTheStart) {
  NoJournal journal;
  CompileJob job({"main", "c-1"}, kStart, {}, &journal);
  job.ApplyStatus(Status("QUEUED"), kStart);
  job.ApplyStatus(Status("IN_PROGRESS"), kStart);
  job.DropEventsBefore(2);  // event 1 is no longer retained
  // after_sequence + 1 wraps to 0 for this cursor, which is past the end.
  EXPECT_TRUE(job.CheckRetained(UINT64_MAX).ok());
  EXPECT_TRUE(job.CheckRetained(1).ok());
  EXPECT_EQ(job.CheckRetained(0).code(), absl::StatusCode::kOutOfRange);
  CountingListener listener;
  EXPECT_EQ(job.NextEvent(UINT64_MAX, &listener), nullptr);
  EXPECT_EQ(job.waiting_listeners(), 1u);  // it waits for what comes next
  ASSERT_NE(job.NextEvent(1, nullptr), nullptr);
  EXPECT_EQ(job.NextEvent(1, nullptr)->event.sequence(), 2u);
  EXPECT_EQ(job.NextEvent(0, nullptr), nullptr);  // dropped
}

TEST(CompileJob, WaitingListenerIsToldOnceOnTheNextEvent) {
  NoJournal journal;
  CompileJob job({"main", "c-1"}, kStart, {}, &journal);
  job.ApplyStatus(Status("QUEUED"), kStart);
  CountingListener listener;
  EXPECT_EQ(job.NextEvent(1, &listener), nullptr);
  EXPECT_EQ(job.waiting_listeners(), 1u);
  job.ApplyStatus(Status("QUEUED"), kStart);  // no change, no event
  EXPECT_EQ(listener.told, 0);
  job.ApplyStatus(Status("IN_PROGRESS"), kStart);
  EXPECT_EQ(listener.told, 1);
  EXPECT_EQ(job.waiting_listeners(), 0u);
  job.ApplyStatus(Status("COMPLETED"), kStart);
  EXPECT_EQ(listener.told, 1);  // it did not ask again
}

TEST(CompileJob, RemovedListenerIsNotTold) {
  NoJournal journal;
  CompileJob job({"main", "c-1"}, kStart, {}, &journal);
  job.ApplyStatus(Status("QUEUED"), kStart);
  CountingListener listener;
  job.NextEvent(1, &listener);
  job.RemoveListener(&listener);
  job.ApplyStatus(Status("IN_PROGRESS"), kStart);
  EXPECT_EQ(listener.told, 0);
}

TEST(CompileJob, SnapshotEventCarriesTheNewestSequence) {
  NoJournal journal;
  CompileJob job({"main", "c-1"}, kStart, {}, &journal);
  job.ApplyStatus(Status("QUEUED"), kStart);
  job.ApplyStatus(Status("IN_PROGRESS"), kStart);
  compilev1::CompileEvent snapshot = job.SnapshotEvent();
  EXPECT_EQ(snapshot.type(), compilev1::EVENT_TYPE_SNAPSHOT);
  EXPECT_EQ(snapshot.sequence(), 2u);
  EXPECT_EQ(snapshot.state(), compilev1::STATE_IN_PROGRESS);
  EXPECT_EQ(snapshot.name(), "flows/main/compiles/c-1");
}

TEST(CompileJob, EventsAreSerialisedOnceWithTheirResumeCursor) {
  NoJournal journal;
  CompileJob job({"main", "c-1"}, kStart, {}, &journal);
  job.ApplyStatus(Status("QUEUED"), kStart);
  SharedEvent event = job.NextEvent(0, nullptr);
  ASSERT_NE(event, nullptr);
  compilev1::CompileEvent parsed;
  ASSERT_TRUE(parsed.ParseFromString(event->wire));
  EXPECT_EQ(parsed.sequence(), 1u);
  EXPECT_EQ(parsed.resume_after_sequence(), 1u);
  EXPECT_EQ(parsed.state(), compilev1::STATE_QUEUED);
}

TEST(CompileJob, DroppedEventsAreOutOfRangeAndSayWhatIsRetained) {
  NoJournal journal;
  CompileJob job({"main", "c-1"}, kStart, {}, &journal);
  job.ApplyStatus(Status("QUEUED"), kStart);
  job.ApplyStatus(Status("IN_PROGRESS"), kStart);
  job.ApplyStatus(Status("COMPLETED"), kStart);
  job.DropEventsBefore(3);
  EXPECT_TRUE(job.CheckRetained(2).ok());
  EXPECT_TRUE(job.CheckRetained(3).ok());
  absl::Status expired = job.CheckRetained(1);
  EXPECT_TRUE(absl::IsOutOfRange(expired));
  EXPECT_THAT(std::string(expired.message()),
              ::testing::HasSubstr("events 3 to 3"));
  EXPECT_EQ(job.NextEvent(0, nullptr), nullptr);
  ASSERT_NE(job.NextEvent(2, nullptr), nullptr);
  EXPECT_EQ(job.NextEvent(2, nullptr)->event.sequence(), 3u);
  EXPECT_TRUE(job.IsFinishedAfter(3));
}

TEST(CompileJob, FinishedAfterTheTerminalEventOnly) {
  NoJournal journal;
  CompileJob job({"main", "c-1"}, kStart, {}, &journal);
  job.ApplyStatus(Status("QUEUED"), kStart);
  EXPECT_FALSE(job.IsFinishedAfter(1));
  EXPECT_TRUE(job.ApplyStatus(Status("FAILED"), kStart));
  EXPECT_FALSE(job.IsFinishedAfter(1));
  EXPECT_TRUE(job.IsFinishedAfter(2));
}

}  // namespace
}  // namespace cxone
