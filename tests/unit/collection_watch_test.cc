// Specification of `cxone-compile watch --all` / `--label-selector`
// (CollectionWatch): what it asks WatchCompiles and ListCompiles for, what it
// prints, how it resumes by revision, relists after OUT_OF_RANGE, and when
// --until-done ends with which exit code. Against FakeGateway
// (tests/support/fake_gateway.h) over a real gRPC channel.
#include "client/collection_watch.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/exit_codes.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/fake_gateway.h"

namespace cxone::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;

using CollectionWatchTest = FakeGatewayCliTest;

std::string NameOf(const std::string& compile_id) {
  return absl::StrCat("flows/flow/compiles/", compile_id);
}

v1::Compile Listed(const std::string& compile_id, v1::State state,
                   uint64_t revision) {
  v1::Compile compile;
  compile.set_name(NameOf(compile_id));
  compile.set_flow_id("flow");
  compile.set_compile_id(compile_id);
  compile.set_state(state);
  compile.set_revision(revision);
  return compile;
}

// The message of a logged event at `revision`: compile `compile_id` went
// from `previous` to `state`.
v1::WatchCompilesResponse Logged(const std::string& compile_id,
                                 uint64_t revision, uint64_t sequence,
                                 v1::State previous, v1::State state) {
  v1::WatchCompilesResponse message;
  v1::CompileEvent& event = *message.mutable_event();
  event.set_name(NameOf(compile_id));
  event.set_sequence(sequence);
  event.set_revision(revision);
  event.set_type(v1::EVENT_TYPE_STATE_CHANGED);
  event.set_previous_state(previous);
  event.set_state(state);
  *message.mutable_compile() = Listed(compile_id, state, revision);
  message.set_resume_after_revision(revision);
  return message;
}

v1::WatchCompilesResponse CollectionMarker(v1::EventType type,
                                           uint64_t resume_after_revision) {
  v1::WatchCompilesResponse message;
  message.mutable_event()->set_type(type);
  message.set_resume_after_revision(resume_after_revision);
  return message;
}

v1::WatchCompilesResponse WithInterval(v1::WatchCompilesResponse message,
                                       absl::Duration interval) {
  message.mutable_heartbeat_interval()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(interval)));
  return message;
}

grpc::Status Unavailable() {
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, "draining");
}

// --- the command line ---

TEST_F(CollectionWatchTest, CollectionFlagsThatContradictAreUsageErrors) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"watch", "--all", NameOf("c-1")}, "not several"},
      {{"watch", "--all", "--flow", "flow"}, "not several"},
      {{"watch", "--all", "--label-selector", "a=b"}, "not both"},
      {{"watch", "--state", "QUEUED"}, "--state needs --all"},
      {{"watch", "--after-revision", "3"}, "--after-revision needs --all"},
      {{"watch", "--until-done"}, "--until-done needs --all"},
      {{"watch", "--all", "--until-done", "--after-revision", "3"},
       "takes no --after-revision"},
      {{"watch", "--all", "--until-done", "--state", "QUEUED"},
       "--state would drop them"},
      {{"watch", "--all", "--after-sequence", "3"},
       "resume with --after-revision"},
  };
  for (const auto& [args, message] : cases) {
    EXPECT_EQ(Run(args), kExitUsage) << absl::StrJoin(args, " ");
    EXPECT_THAT(err_.str(), HasSubstr(message)) << absl::StrJoin(args, " ");
  }
  EXPECT_EQ(gateway_.calls(), 0);
}

TEST_F(CollectionWatchTest, ABadSelectorOrStateIsRefusedBeforeAnyCall) {
  EXPECT_EQ(Run({"watch", "--label-selector", "pipeline in (a"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("--label-selector"));
  EXPECT_EQ(Run({"watch", "--all", "--state", "DONE"}), kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("--state \"DONE\""));
  EXPECT_EQ(gateway_.calls(), 0);
}

// --- watching ---

TEST_F(CollectionWatchTest, PrintsEveryCompilesEventsWithTheFilterAsked) {
  gateway_.SetCollectionWatches(
      {{.events = {WithInterval(CollectionMarker(v1::EVENT_TYPE_SYNCED, 4),
                                absl::Seconds(5)),
                   Logged("c-1", 5, 1, v1::STATE_UNSPECIFIED, v1::STATE_QUEUED),
                   Logged("c-2", 6, 1, v1::STATE_UNSPECIFIED, v1::STATE_QUEUED),
                   Logged("c-1", 7, 2, v1::STATE_QUEUED, v1::STATE_COMPLETED)},
        .hang = true}});

  EXPECT_EQ(Run({"watch", "--label-selector", "pipeline=checkout", "--state",
                 "queued", "--timeout", "300ms"}),
            kExitClientTimeout);

  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre("flows/flow/compiles/c-1  #1  STATE_CHANGED  QUEUED",
                  "flows/flow/compiles/c-2  #1  STATE_CHANGED  QUEUED",
                  "flows/flow/compiles/c-1  #2  STATE_CHANGED  QUEUED -> "
                  "COMPLETED",
                  "compile flows/flow/compiles/c-1 COMPLETED"));
  EXPECT_THAT(err_.str(), HasSubstr("--timeout 300ms expired before the "
                                    "watch ended"));
  std::vector<v1::WatchCompilesRequest> requests =
      gateway_.collection_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_FALSE(requests[0].has_after_revision());
  EXPECT_EQ(requests[0].filter().label_selector(), "pipeline=checkout");
  EXPECT_THAT(requests[0].filter().states(), ElementsAre(v1::STATE_QUEUED));
  EXPECT_THAT(gateway_.list_requests(), IsEmpty());
}

TEST_F(CollectionWatchTest, AfterRevisionReplaysFromThere) {
  gateway_.SetCollectionWatches({{.hang = true}});
  EXPECT_EQ(
      Run({"watch", "--all", "--after-revision", "7", "--timeout", "100ms"}),
      kExitClientTimeout);
  std::vector<v1::WatchCompilesRequest> requests =
      gateway_.collection_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].after_revision(), 7u);
  EXPECT_EQ(requests[0].filter().label_selector(), "");
}

TEST_F(CollectionWatchTest,
       AReconnectResumesAfterTheLastRevisionAndRepeatsNothing) {
  gateway_.SetCollectionWatches({
      {.events = {CollectionMarker(v1::EVENT_TYPE_SYNCED, 4),
                  Logged("c-1", 5, 1, v1::STATE_UNSPECIFIED, v1::STATE_QUEUED),
                  Logged("c-1", 6, 2, v1::STATE_QUEUED, v1::STATE_IN_PROGRESS)},
       .end = Unavailable()},
      // A gateway that replays one event too many: not printed again.
      {.events = {Logged("c-1", 6, 2, v1::STATE_QUEUED, v1::STATE_IN_PROGRESS),
                  // A bookmark: nothing matched up to revision 9.
                  CollectionMarker(v1::EVENT_TYPE_HEARTBEAT, 9)},
       .end = Unavailable()},
      {.events = {Logged("c-1", 10, 3, v1::STATE_IN_PROGRESS,
                         v1::STATE_FAILED)},
       .hang = true},
  });

  EXPECT_EQ(Run({"watch", "--all", "--timeout", "2s"}), kExitClientTimeout);

  std::vector<v1::WatchCompilesRequest> requests =
      gateway_.collection_requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_FALSE(requests[0].has_after_revision());
  EXPECT_EQ(requests[1].after_revision(), 6u);
  EXPECT_EQ(requests[2].after_revision(), 9u);
  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("flows/flow/compiles/c-1  #1  STATE_CHANGED  QUEUED",
                          "flows/flow/compiles/c-1  #2  STATE_CHANGED  QUEUED "
                          "-> IN_PROGRESS",
                          "flows/flow/compiles/c-1  #3  STATE_CHANGED  "
                          "IN_PROGRESS -> FAILED",
                          "compile flows/flow/compiles/c-1 FAILED with 0 "
                          "errors"));
  std::vector<std::string> err = ErrLines();
  ASSERT_EQ(err.size(), 3u) << err_.str();
  EXPECT_THAT(err[0],
              MatchesRegex("cxone-compile: stream broke \\(UNAVAILABLE: "
                           "draining\\); reconnecting in [0-9]ms after "
                           "revision 6"));
  EXPECT_THAT(err[1], HasSubstr("after revision 9"));
}

TEST_F(CollectionWatchTest, ASilentStreamIsLeftForANewConnection) {
  gateway_.SetCollectionWatches({
      {.events = {WithInterval(CollectionMarker(v1::EVENT_TYPE_SYNCED, 3),
                               absl::Milliseconds(100))},
       .hang = true},
      // Nothing at all, as on a wedged connection: cancelled after the
      // limit the first stream stated.
      {.hang = true},
      {.events = {Logged("c-1", 4, 1, v1::STATE_UNSPECIFIED, v1::STATE_QUEUED)},
       .hang = true},
  });

  EXPECT_EQ(Run({"watch", "--all", "--timeout", "1500ms"}), kExitClientTimeout);

  std::vector<v1::WatchCompilesRequest> requests =
      gateway_.collection_requests();
  ASSERT_GE(requests.size(), 3u);
  EXPECT_EQ(requests[1].after_revision(), 3u);
  EXPECT_EQ(requests[2].after_revision(), 3u);
  EXPECT_THAT(ErrLines()[0],
              HasSubstr("no message for 200ms, twice the heartbeat interval"));
  EXPECT_GE(connected_to_.size(), 3u);
  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre("flows/flow/compiles/c-1  #1  STATE_CHANGED  QUEUED"));
}

TEST_F(CollectionWatchTest, FinalErrorsAndAnOkEndExitThree) {
  gateway_.SetCollectionWatches(
      {{.end =
            grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad filter")}});
  EXPECT_EQ(Run({"watch", "--all"}), kExitGatewayError);
  EXPECT_THAT(err_.str(), HasSubstr("INVALID_ARGUMENT: bad filter"));

  gateway_.SetCollectionWatches({{.end = grpc::Status::OK}});
  EXPECT_EQ(Run({"watch", "--all"}), kExitGatewayError);
  EXPECT_THAT(err_.str(), HasSubstr("ended without an error, which it never "
                                    "does"));
}

TEST_F(CollectionWatchTest, OutOfRangeListsAgainAndGoesOnFromTheListsRevision) {
  gateway_.SetCollectionWatches({
      {.events = {Logged("c-1", 5, 1, v1::STATE_UNSPECIFIED, v1::STATE_QUEUED),
                  Logged("c-2", 6, 1, v1::STATE_UNSPECIFIED, v1::STATE_QUEUED)},
       .end = grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                           "revision 6 is no longer retained; the oldest is "
                           "90")},
      {.hang = true},
  });
  // c-1 finished unseen, c-2 did not change, c-3 is new.
  gateway_.SetList({Listed("c-3", v1::STATE_QUEUED, 95),
                    Listed("c-2", v1::STATE_QUEUED, 6),
                    Listed("c-1", v1::STATE_COMPLETED, 93)});
  gateway_.SetListRevision(100);

  EXPECT_EQ(Run({"watch", "--all", "--timeout", "500ms"}), kExitClientTimeout);

  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("flows/flow/compiles/c-1  #1  STATE_CHANGED  QUEUED",
                          "flows/flow/compiles/c-2  #1  STATE_CHANGED  QUEUED",
                          "flows/flow/compiles/c-3  QUEUED",
                          "flows/flow/compiles/c-1  COMPLETED",
                          "compile flows/flow/compiles/c-1 COMPLETED"));
  EXPECT_THAT(ErrLines()[0],
              HasSubstr("no longer has the events after revision 6"));
  std::vector<v1::WatchCompilesRequest> requests =
      gateway_.collection_requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].after_revision(), 100u);
}

// --- --until-done ---

TEST_F(CollectionWatchTest, UntilDoneListsThenWatchesUntilNoneRuns) {
  gateway_.SetList({Listed("c-1", v1::STATE_QUEUED, 3),
                    Listed("c-0", v1::STATE_COMPLETED, 2)});
  gateway_.SetListRevision(10);
  gateway_.SetCollectionWatches(
      {{.events =
            {CollectionMarker(v1::EVENT_TYPE_SYNCED, 10),
             Logged("c-1", 11, 2, v1::STATE_QUEUED, v1::STATE_IN_PROGRESS),
             // Started after the list: it is waited for too.
             Logged("c-2", 12, 1, v1::STATE_UNSPECIFIED, v1::STATE_QUEUED),
             Logged("c-1", 13, 3, v1::STATE_IN_PROGRESS, v1::STATE_FAILED),
             Logged("c-2", 14, 2, v1::STATE_QUEUED, v1::STATE_COMPLETED)},
        .hang = true}});

  EXPECT_EQ(Run({"watch", "--label-selector", "commit=3f2a9c", "--until-done",
                 "--timeout", "5s"}),
            kExitCompileFailed);

  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre(
          "flows/flow/compiles/c-1  QUEUED",
          "flows/flow/compiles/c-0  COMPLETED",
          "compile flows/flow/compiles/c-0 COMPLETED",
          "flows/flow/compiles/c-1  #2  STATE_CHANGED  QUEUED -> IN_PROGRESS",
          "flows/flow/compiles/c-2  #1  STATE_CHANGED  QUEUED",
          "flows/flow/compiles/c-1  #3  STATE_CHANGED  IN_PROGRESS -> FAILED",
          "compile flows/flow/compiles/c-1 FAILED with 0 errors",
          "flows/flow/compiles/c-2  #2  STATE_CHANGED  QUEUED -> COMPLETED",
          "compile flows/flow/compiles/c-2 COMPLETED",
          "3 compiles: 2 COMPLETED, 1 FAILED, 0 TIMED_OUT"));
  EXPECT_EQ(err_.str(), "");
  ASSERT_EQ(gateway_.list_requests().size(), 1u);
  EXPECT_EQ(gateway_.list_requests()[0].filter().label_selector(),
            "commit=3f2a9c");
  std::vector<v1::WatchCompilesRequest> requests =
      gateway_.collection_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].after_revision(), 10u);
}

TEST_F(CollectionWatchTest, UntilDoneSkipsEventsTheListAlreadyShowed) {
  // The second page was read after c-1 finished (revision 15), while the
  // watch replays from the first page's revision 10.
  gateway_.SetList({Listed("c-2", v1::STATE_QUEUED, 9),
                    Listed("c-1", v1::STATE_COMPLETED, 15)});
  gateway_.SetListRevision(10);
  gateway_.SetCollectionWatches(
      {{.events =
            {Logged("c-1", 12, 2, v1::STATE_QUEUED, v1::STATE_IN_PROGRESS),
             Logged("c-1", 15, 3, v1::STATE_IN_PROGRESS, v1::STATE_COMPLETED),
             Logged("c-2", 16, 2, v1::STATE_QUEUED, v1::STATE_TIMED_OUT)},
        .hang = true}});

  EXPECT_EQ(Run({"watch", "--all", "--until-done", "--timeout", "5s"}),
            kExitGatewayTimedOut);

  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre(
          "flows/flow/compiles/c-2  QUEUED",
          "flows/flow/compiles/c-1  COMPLETED",
          "compile flows/flow/compiles/c-1 COMPLETED",
          "flows/flow/compiles/c-2  #2  STATE_CHANGED  QUEUED -> TIMED_OUT",
          "compile flows/flow/compiles/c-2 TIMED_OUT (the gateway gave up; "
          "CXone may still finish it)",
          "2 compiles: 1 COMPLETED, 0 FAILED, 1 TIMED_OUT"));
}

TEST_F(CollectionWatchTest, UntilDoneWithNothingRunningEndsWithoutWatching) {
  gateway_.SetList({Listed("c-1", v1::STATE_COMPLETED, 3)});
  EXPECT_EQ(Run({"watch", "--all", "--until-done"}), kExitCompleted);
  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("flows/flow/compiles/c-1  COMPLETED",
                          "compile flows/flow/compiles/c-1 COMPLETED",
                          "1 compile: 1 COMPLETED, 0 FAILED, 0 TIMED_OUT"));
  EXPECT_THAT(gateway_.collection_requests(), IsEmpty());
}

TEST_F(CollectionWatchTest, UntilDoneRetriesAListThatFailsRetryably) {
  gateway_.SetList({Listed("c-1", v1::STATE_FAILED, 3)}, /*failing_page=*/0,
                   Unavailable());
  EXPECT_EQ(Run({"watch", "--all", "--until-done"}), kExitCompileFailed);
  EXPECT_EQ(gateway_.list_requests().size(), 2u);
  EXPECT_THAT(ErrLines()[0],
              MatchesRegex("cxone-compile: stream broke \\(ListCompiles: "
                           "UNAVAILABLE: draining\\); reconnecting in "
                           "[0-9]ms"));
}

TEST_F(CollectionWatchTest, JsonPrintsEachMessageWholeMarkersIncluded) {
  gateway_.SetCollectionWatches(
      {{.events = {CollectionMarker(v1::EVENT_TYPE_SYNCED, 4),
                   Logged("c-1", 5, 1, v1::STATE_UNSPECIFIED,
                          v1::STATE_QUEUED)},
        .hang = true}});
  EXPECT_EQ(Run({"--json", "watch", "--all", "--timeout", "300ms"}),
            kExitClientTimeout);
  std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 2u) << out_.str();
  EXPECT_THAT(lines[0], HasSubstr("\"type\":\"EVENT_TYPE_SYNCED\""));
  EXPECT_THAT(lines[0], HasSubstr("\"resumeAfterRevision\":\"4\""));
  EXPECT_THAT(lines[1], HasSubstr("\"revision\":\"5\""));
  EXPECT_THAT(lines[1], HasSubstr("\"compile\":{"));
}

}  // namespace
}  // namespace cxone::client
