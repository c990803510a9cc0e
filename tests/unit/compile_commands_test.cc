// Specification of cxone-compile's commands: what each outcome of a compile
// or of the call prints, and which exit code it gives.
//
// The CLI runs against a real gRPC channel to an in-process fake gateway
// (FakeGateway, tests/support/fake_gateway.h) that answers with scripted compiles, events and
// statuses, one script per WatchCompile call, so the tests cover the real
// stub, streaming, deadlines, and reconnects with what each reconnect asked
// for. Reconnect delays are shortened (and their jitter seeded) through
// CommandOptions, not waited out.
#include "client/compile_commands.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/exit_codes.h"
#include "client/gateway_channel.h"
#include "cxone/compile/v1/compile.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/alarm.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/fake_gateway.h"

namespace cxone::client {
namespace {

namespace v1 = ::cxone::compile::v1;

using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::StartsWith;
using ::testing::StrEq;

constexpr char kName[] = "flows/flow/compiles/c-1";

v1::CompileEvent Event(uint64_t sequence, v1::EventType type,
                       v1::State previous, v1::State state) {
  v1::CompileEvent event;
  event.set_name(kName);
  event.set_sequence(sequence);
  event.set_type(type);
  event.set_previous_state(previous);
  event.set_state(state);
  // What the gateway does: a logged event is the newest delivered.
  event.set_resume_after_sequence(sequence);
  return event;
}

// A SYNCED or HEARTBEAT marker: sequence 0, no state.
v1::CompileEvent Marker(v1::EventType type, uint64_t resume_after_sequence) {
  v1::CompileEvent marker;
  marker.set_name(kName);
  marker.set_type(type);
  marker.set_resume_after_sequence(resume_after_sequence);
  return marker;
}

// `event` stating the stream's heartbeat interval, as the first event of
// every stream does.
v1::CompileEvent WithHeartbeat(v1::CompileEvent event,
                               absl::Duration interval) {
  event.mutable_heartbeat_interval()->set_seconds(
      absl::IDivDuration(interval, absl::Seconds(1), &interval));
  event.mutable_heartbeat_interval()->set_nanos(
      static_cast<int32_t>(absl::ToInt64Nanoseconds(interval)));
  return event;
}

v1::CompileEvent Snapshot(uint64_t sequence, v1::State state) {
  return Event(sequence, v1::EVENT_TYPE_SNAPSHOT, v1::STATE_UNSPECIFIED, state);
}

v1::CompileEvent Change(uint64_t sequence, v1::State previous,
                        v1::State state) {
  return Event(sequence, v1::EVENT_TYPE_STATE_CHANGED, previous, state);
}

v1::CompileError SyntaxError(std::string message, int line, int column) {
  v1::CompileError error;
  error.set_category(v1::ERROR_CATEGORY_SYNTAX);
  error.set_code("SYNTAX_ERROR");
  error.set_message(std::move(message));
  error.mutable_location()->set_line(line);
  error.mutable_location()->set_column(column);
  return error;
}

v1::Compile MakeCompile(v1::State state) {
  v1::Compile compile;
  compile.set_name(kName);
  compile.set_flow_id("flow");
  compile.set_compile_id("c-1");
  compile.set_state(state);
  return compile;
}


using CompileCommandsTest = FakeGatewayCliTest;

// --- watch ---

TEST_F(CompileCommandsTest, WatchUntilCompletedExitsZero) {
  gateway_.SetWatch(
      {.events = {Snapshot(1, v1::STATE_QUEUED),
                  Change(2, v1::STATE_QUEUED, v1::STATE_IN_PROGRESS),
                  Change(3, v1::STATE_IN_PROGRESS, v1::STATE_COMPLETED)}});

  EXPECT_EQ(Run({"watch", kName}), kExitCompleted);

  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre(
          "flows/flow/compiles/c-1  #1  SNAPSHOT  QUEUED",
          "flows/flow/compiles/c-1  #2  STATE_CHANGED  QUEUED -> IN_PROGRESS",
          "flows/flow/compiles/c-1  #3  STATE_CHANGED  IN_PROGRESS -> "
          "COMPLETED",
          "compile flows/flow/compiles/c-1 COMPLETED"));
  EXPECT_EQ(err_.str(), "");
  EXPECT_THAT(gateway_.watched(), ElementsAre(kName));
  EXPECT_THAT(connected_to_, ElementsAre(address_));
}

TEST_F(CompileCommandsTest, WatchOfAnAlreadyCompletedCompileEndsOnItsSnapshot) {
  gateway_.SetWatch({.events = {Snapshot(3, v1::STATE_COMPLETED)}});
  EXPECT_EQ(Run({"watch", kName}), kExitCompleted);
  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("flows/flow/compiles/c-1  #3  SNAPSHOT  COMPLETED",
                          "compile flows/flow/compiles/c-1 COMPLETED"));
}

TEST_F(CompileCommandsTest, WatchUntilFailedExitsOneAndPrintsTheErrors) {
  v1::CompileEvent failed = Change(3, v1::STATE_IN_PROGRESS, v1::STATE_FAILED);
  *failed.add_errors() = SyntaxError("unexpected token '}'", 12, 5);
  *failed.add_errors() = SyntaxError("unterminated string", 30, 0);
  gateway_.SetWatch({.events = {Snapshot(2, v1::STATE_IN_PROGRESS), failed}});

  EXPECT_EQ(Run({"watch", kName}), kExitCompileFailed);

  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre("flows/flow/compiles/c-1  #2  SNAPSHOT  IN_PROGRESS",
                  "flows/flow/compiles/c-1  #3  STATE_CHANGED  IN_PROGRESS -> "
                  "FAILED",
                  "flow:12:5: error: syntax: unexpected token '}'",
                  "flow:30: error: syntax: unterminated string",
                  "compile flows/flow/compiles/c-1 FAILED with 2 errors"));
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CompileCommandsTest, WatchUntilTheGatewayGivesUpExitsFour) {
  v1::CompileEvent stuck = Event(3, v1::EVENT_TYPE_STUCK, v1::STATE_IN_PROGRESS,
                                 v1::STATE_IN_PROGRESS);
  stuck.set_detail("no change for 5m");
  stuck.set_upstream_status("Running");
  gateway_.SetWatch(
      {.events = {Snapshot(2, v1::STATE_IN_PROGRESS), stuck,
                  Change(4, v1::STATE_IN_PROGRESS, v1::STATE_TIMED_OUT)}});

  EXPECT_EQ(Run({"watch", kName}), kExitGatewayTimedOut);

  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre("flows/flow/compiles/c-1  #2  SNAPSHOT  IN_PROGRESS",
                  "flows/flow/compiles/c-1  #3  STUCK  IN_PROGRESS  no change "
                  "for 5m (upstream: \"Running\")",
                  "flows/flow/compiles/c-1  #4  STATE_CHANGED  IN_PROGRESS -> "
                  "TIMED_OUT",
                  "compile flows/flow/compiles/c-1 TIMED_OUT (the gateway "
                  "gave up; CXone may still finish it)"));
}

TEST_F(CompileCommandsTest, StreamEndingOkWithoutTerminalEventIsNeverSuccess) {
  gateway_.SetWatch(
      {.events = {Snapshot(1, v1::STATE_QUEUED),
                  Change(2, v1::STATE_QUEUED, v1::STATE_IN_PROGRESS)},
       .end = grpc::Status::OK});

  EXPECT_EQ(Run({"watch", kName}), kExitGatewayError);

  EXPECT_EQ(Lines(out_.str()).size(), 2u) << out_.str();
  EXPECT_THAT(err_.str(), StartsWith("cxone-compile: "));
  EXPECT_THAT(err_.str(), HasSubstr("ended without a result"));
}

TEST_F(CompileCommandsTest, EmptyStreamEndingOkIsNeverSuccess) {
  gateway_.SetWatch({});
  EXPECT_EQ(Run({"watch", kName}), kExitGatewayError);
  EXPECT_EQ(out_.str(), "");
  EXPECT_THAT(err_.str(), HasSubstr("ended without a result"));
}

TEST_F(CompileCommandsTest, GatewayErrorExitsThreeWithTheCodeName) {
  gateway_.SetWatch(
      {.events = {},
       .end = grpc::Status(grpc::StatusCode::NOT_FOUND,
                           "no compile named flows/flow/compiles/c-1")});

  EXPECT_EQ(Run({"watch", kName}), kExitGatewayError);

  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(err_.str(),
            "cxone-compile: NOT_FOUND: no compile named "
            "flows/flow/compiles/c-1\n");
  // NOT_FOUND would only come back: no reconnect.
  EXPECT_THAT(gateway_.watched(), ElementsAre(kName));
}

TEST_F(CompileCommandsTest, StreamBrokenWithoutReconnectsExitsThree) {
  gateway_.SetWatch(
      {.events = {Snapshot(1, v1::STATE_IN_PROGRESS)},
       .end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "CXone is down")});

  EXPECT_EQ(Run({"watch", kName, "--max-reconnects", "0"}), kExitGatewayError);

  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre("flows/flow/compiles/c-1  #1  SNAPSHOT  IN_PROGRESS"));
  EXPECT_EQ(err_.str(), "cxone-compile: UNAVAILABLE: CXone is down\n");
  EXPECT_EQ(gateway_.watched().size(), 1u);
}

TEST_F(CompileCommandsTest, GatewaysOwnDeadlineExceededIsRetried) {
  // Without --timeout, a DEADLINE_EXCEEDED can only be the gateway's (or a
  // proxy's): worth another try, unlike one of our own --timeout.
  gateway_.SetWatches({{.end = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                            "upstream took too long")},
                       {.events = {Snapshot(2, v1::STATE_COMPLETED)}}});

  EXPECT_EQ(Run({"watch", kName}), kExitCompleted);

  ASSERT_EQ(ErrLines().size(), 1u) << err_.str();
  EXPECT_THAT(ErrLines()[0],
              StartsWith("cxone-compile: stream broke (DEADLINE_EXCEEDED: "
                         "upstream took too long); reconnecting in "));
  // Nothing was received, so the retry is a snapshot again.
  std::vector<v1::WatchCompileRequest> requests = gateway_.watch_requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_FALSE(requests[1].has_after_sequence());
}

TEST_F(CompileCommandsTest, GatewaysOwnDeadlineExceededWithoutReconnects) {
  gateway_.SetWatch({.events = {},
                     .end = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                         "upstream took too long")});
  EXPECT_EQ(Run({"watch", kName, "--max-reconnects=0"}), kExitGatewayError);
  EXPECT_EQ(err_.str(),
            "cxone-compile: DEADLINE_EXCEEDED: upstream took too long\n");
}

TEST_F(CompileCommandsTest, OwnTimeoutExpiringExitsOneTwentyFour) {
  gateway_.SetWatch(
      {.events = {Snapshot(2, v1::STATE_IN_PROGRESS)}, .hang = true});

  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(Run({"watch", kName, "--timeout", "300ms"}), kExitClientTimeout);
  const auto elapsed = std::chrono::steady_clock::now() - started;

  EXPECT_GE(elapsed, std::chrono::milliseconds(290));
  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre("flows/flow/compiles/c-1  #2  SNAPSHOT  IN_PROGRESS"));
  EXPECT_EQ(err_.str(),
            "cxone-compile: --timeout 300ms expired before "
            "flows/flow/compiles/c-1 finished\n");
}

TEST_F(CompileCommandsTest, OwnTimeoutBoundsStartAndWaitTogether) {
  gateway_.SetCompile(MakeCompile(v1::STATE_QUEUED));
  gateway_.SetWatch({.events = {Snapshot(1, v1::STATE_QUEUED)}, .hang = true});

  EXPECT_EQ(Run({"start", "flow", "--wait", "--timeout=300ms"}),
            kExitClientTimeout);
  EXPECT_THAT(err_.str(), HasSubstr("--timeout 300ms expired"));
}

TEST_F(CompileCommandsTest, UnreachableGatewayExitsThree) {
  // A port that was just free: nothing listens there any more.
  FakeGateway departed;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&departed);
  std::unique_ptr<grpc::Server> gone = builder.BuildAndStart();
  ASSERT_NE(gone, nullptr);
  ASSERT_GT(port, 0);
  gone->Shutdown();
  gone->Wait();

  std::ostringstream out, err;
  int code =
      RunCli({"--server", absl::StrCat("127.0.0.1:", port), "get", kName},
             NoEnv(), Connect(), out, err);

  EXPECT_EQ(code, kExitGatewayError);
  EXPECT_THAT(err.str(), StartsWith("cxone-compile: UNAVAILABLE: "));
}

TEST_F(CompileCommandsTest,
       JsonWatchPrintsOneEventObjectPerLineAndNothingElse) {
  v1::CompileEvent failed = Change(2, v1::STATE_IN_PROGRESS, v1::STATE_FAILED);
  *failed.add_errors() = SyntaxError("bad", 12, 5);
  gateway_.SetWatch({.events = {Snapshot(1, v1::STATE_IN_PROGRESS), failed}});

  EXPECT_EQ(Run({"--json", "watch", kName}), kExitCompileFailed);

  std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 2u) << out_.str();
  v1::CompileEvent first, second;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(lines[0], &first).ok());
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(lines[1], &second).ok());
  EXPECT_EQ(first.type(), v1::EVENT_TYPE_SNAPSHOT);
  EXPECT_EQ(second.state(), v1::STATE_FAILED);
  EXPECT_EQ(second.errors(0).location().line(), 12u);
  EXPECT_THAT(lines[1], HasSubstr("\"STATE_FAILED\""));
}

// --- reconnecting ---

TEST_F(CompileCommandsTest, BrokenStreamResumesAfterTheLastSequenceReceived) {
  gateway_.SetWatches(
      {{.events = {WithHeartbeat(Snapshot(1, v1::STATE_QUEUED),
                                 absl::Seconds(5)),
                   Change(2, v1::STATE_QUEUED, v1::STATE_IN_PROGRESS)},
        .end = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "Connection reset by peer")},
       {.events = {WithHeartbeat(Marker(v1::EVENT_TYPE_HEARTBEAT, 2),
                                 absl::Seconds(5)),
                   Change(3, v1::STATE_IN_PROGRESS, v1::STATE_COMPLETED)}}});

  EXPECT_EQ(Run({"watch", kName}), kExitCompleted);

  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre(
          "flows/flow/compiles/c-1  #1  SNAPSHOT  QUEUED",
          "flows/flow/compiles/c-1  #2  STATE_CHANGED  QUEUED -> IN_PROGRESS",
          "flows/flow/compiles/c-1  #3  STATE_CHANGED  IN_PROGRESS -> "
          "COMPLETED",
          "compile flows/flow/compiles/c-1 COMPLETED"));
  ASSERT_EQ(ErrLines().size(), 1u) << err_.str();
  EXPECT_THAT(ErrLines()[0],
              MatchesRegex("cxone-compile: stream broke \\(UNAVAILABLE: "
                           "Connection reset by peer\\); reconnecting in "
                           "[0-9]ms after sequence 2"));
  std::vector<v1::WatchCompileRequest> requests = gateway_.watch_requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].name(), kName);
  EXPECT_FALSE(requests[0].has_after_sequence());
  EXPECT_EQ(requests[1].name(), kName);
  ASSERT_TRUE(requests[1].has_after_sequence());
  EXPECT_EQ(requests[1].after_sequence(), 2u);
  // One connection, one stub: reconnecting is a new call, not a new channel.
  EXPECT_THAT(connected_to_, ElementsAre(address_));
}

TEST_F(CompileCommandsTest, AfterSequenceReplaysInsteadOfASnapshot) {
  gateway_.SetWatch(
      {.events = {Change(1, v1::STATE_QUEUED, v1::STATE_IN_PROGRESS),
                  Change(2, v1::STATE_IN_PROGRESS, v1::STATE_COMPLETED)}});

  EXPECT_EQ(Run({"watch", kName, "--after-sequence", "0"}), kExitCompleted);

  std::vector<v1::WatchCompileRequest> requests = gateway_.watch_requests();
  ASSERT_EQ(requests.size(), 1u);
  ASSERT_TRUE(requests[0].has_after_sequence());
  EXPECT_EQ(requests[0].after_sequence(), 0u);
  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre(
          "flows/flow/compiles/c-1  #1  STATE_CHANGED  QUEUED -> IN_PROGRESS",
          "flows/flow/compiles/c-1  #2  STATE_CHANGED  IN_PROGRESS -> "
          "COMPLETED",
          "compile flows/flow/compiles/c-1 COMPLETED"));
}

TEST_F(CompileCommandsTest, AfterSequenceNeedsAName) {
  EXPECT_EQ(Run({"watch", "--flow", "flow", "--after-sequence", "3"}),
            kExitUsage);
  EXPECT_THAT(err_.str(), HasSubstr("--after-sequence needs NAME"));
  EXPECT_THAT(gateway_.watch_requests(), IsEmpty());
}

TEST_F(CompileCommandsTest, DrainingGatewayIsResumedWhereItSaysToResume) {
  // A snapshot reflecting five events, then SYNCED, then the drain.
  gateway_.SetWatches(
      {{.events = {Snapshot(5, v1::STATE_IN_PROGRESS),
                   Marker(v1::EVENT_TYPE_SYNCED, 5)},
        .end = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                            "server draining; resume with after_sequence=5")},
       {.events = {Marker(v1::EVENT_TYPE_HEARTBEAT, 5),
                   Change(6, v1::STATE_IN_PROGRESS, v1::STATE_FAILED)}}});

  EXPECT_EQ(Run({"watch", kName}), kExitCompileFailed);

  std::vector<v1::WatchCompileRequest> requests = gateway_.watch_requests();
  ASSERT_EQ(requests.size(), 2u);
  ASSERT_TRUE(requests[1].has_after_sequence());
  EXPECT_EQ(requests[1].after_sequence(), 5u);
  ASSERT_EQ(ErrLines().size(), 1u) << err_.str();
  EXPECT_THAT(ErrLines()[0],
              HasSubstr("stream broke (UNAVAILABLE: server draining; resume "
                        "with after_sequence=5); reconnecting in "));
  EXPECT_THAT(ErrLines()[0], EndsWith(" after sequence 5"));
  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre("flows/flow/compiles/c-1  #5  SNAPSHOT  IN_PROGRESS",
                  "flows/flow/compiles/c-1  #6  STATE_CHANGED  IN_PROGRESS -> "
                  "FAILED",
                  "compile flows/flow/compiles/c-1 FAILED with 0 errors"));
}

TEST_F(CompileCommandsTest, ReplayedEventsAlreadyPrintedAreNotPrintedAgain) {
  // The second stream repeats #1 and #2 although the CLI asked for what
  // follows #2: each is still printed once.
  gateway_.SetWatches(
      {{.events = {Change(1, v1::STATE_UNSPECIFIED, v1::STATE_QUEUED),
                   Change(2, v1::STATE_QUEUED, v1::STATE_IN_PROGRESS)},
        .end = grpc::Status(grpc::StatusCode::INTERNAL,
                            "Received RST_STREAM with error code 2")},
       {.events = {Change(1, v1::STATE_UNSPECIFIED, v1::STATE_QUEUED),
                   Change(2, v1::STATE_QUEUED, v1::STATE_IN_PROGRESS),
                   Change(3, v1::STATE_IN_PROGRESS, v1::STATE_COMPLETED)}}});

  EXPECT_EQ(Run({"watch", kName}), kExitCompleted);

  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre(
          "flows/flow/compiles/c-1  #1  STATE_CHANGED  QUEUED",
          "flows/flow/compiles/c-1  #2  STATE_CHANGED  QUEUED -> IN_PROGRESS",
          "flows/flow/compiles/c-1  #3  STATE_CHANGED  IN_PROGRESS -> "
          "COMPLETED",
          "compile flows/flow/compiles/c-1 COMPLETED"));
  std::vector<v1::WatchCompileRequest> requests = gateway_.watch_requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].after_sequence(), 2u);
}

TEST_F(CompileCommandsTest, JsonReplayIsNotPrintedTwiceEither) {
  gateway_.SetWatches(
      {{.events = {Snapshot(1, v1::STATE_QUEUED),
                   Change(2, v1::STATE_QUEUED, v1::STATE_IN_PROGRESS)},
        .end = grpc::Status(grpc::StatusCode::UNKNOWN, "Stream removed")},
       {.events = {Change(2, v1::STATE_QUEUED, v1::STATE_IN_PROGRESS),
                   Change(3, v1::STATE_IN_PROGRESS, v1::STATE_COMPLETED)}}});

  EXPECT_EQ(Run({"--json", "watch", kName}), kExitCompleted);

  std::vector<uint64_t> sequences;
  for (const std::string& line : Lines(out_.str())) {
    v1::CompileEvent event;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &event).ok())
        << line;
    sequences.push_back(event.sequence());
  }
  EXPECT_THAT(sequences, ElementsAre(1u, 2u, 3u));
  // Reconnect notices stay off stdout.
  EXPECT_THAT(err_.str(), HasSubstr("reconnecting"));
}

TEST_F(CompileCommandsTest, LostHistoryFallsBackToGetCompileAndItsState) {
  v1::Compile failed = MakeCompile(v1::STATE_FAILED);
  *failed.add_errors() = SyntaxError("unexpected token", 12, 5);
  gateway_.SetCompile(failed);
  gateway_.SetWatches(
      {{.events = {Snapshot(1, v1::STATE_IN_PROGRESS)},
        .end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone")},
       {.end = grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                            "events 1 to 40 are no longer retained")}});

  EXPECT_EQ(Run({"watch", kName}), kExitCompileFailed);

  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("flows/flow/compiles/c-1  #1  SNAPSHOT  IN_PROGRESS",
                          "flows/flow/compiles/c-1  FAILED",
                          "flow:12:5: error: syntax: unexpected token",
                          "compile flows/flow/compiles/c-1 FAILED with 1 "
                          "error"));
  EXPECT_THAT(gateway_.got(), ElementsAre(kName));
  EXPECT_EQ(gateway_.watched().size(), 2u);
}

TEST_F(CompileCommandsTest, LostHistoryOfARunningCompileWatchesFromASnapshot) {
  gateway_.SetCompile(MakeCompile(v1::STATE_IN_PROGRESS));
  gateway_.SetWatches(
      {{.events = {Snapshot(1, v1::STATE_IN_PROGRESS)},
        .end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone")},
       {.end = grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                            "events 1 to 40 are no longer retained")},
       {.events = {Snapshot(41, v1::STATE_IN_PROGRESS),
                   Change(42, v1::STATE_IN_PROGRESS, v1::STATE_COMPLETED)}}});

  EXPECT_EQ(Run({"watch", kName}), kExitCompleted);

  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre("flows/flow/compiles/c-1  #1  SNAPSHOT  IN_PROGRESS",
                  "flows/flow/compiles/c-1  IN_PROGRESS",
                  "flows/flow/compiles/c-1  #41  SNAPSHOT  IN_PROGRESS",
                  "flows/flow/compiles/c-1  #42  STATE_CHANGED  IN_PROGRESS "
                  "-> COMPLETED",
                  "compile flows/flow/compiles/c-1 COMPLETED"));
  std::vector<v1::WatchCompileRequest> requests = gateway_.watch_requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[1].after_sequence(), 1u);
  EXPECT_FALSE(requests[2].has_after_sequence());
  EXPECT_THAT(err_.str(), HasSubstr("OUT_OF_RANGE: events 1 to 40 are no "
                                    "longer retained"));
}

TEST_F(CompileCommandsTest, OutOfRangeOnTheFirstStreamIsFinal) {
  // Without after_sequence there is no history to lose: a gateway bug.
  gateway_.SetWatch(
      {.end = grpc::Status(grpc::StatusCode::OUT_OF_RANGE, "odd")});
  EXPECT_EQ(Run({"watch", kName}), kExitGatewayError);
  EXPECT_EQ(err_.str(), "cxone-compile: OUT_OF_RANGE: odd\n");
  EXPECT_THAT(gateway_.got(), IsEmpty());
}

TEST_F(CompileCommandsTest, ResumedStreamEndingAtOnceAsksForTheResult) {
  gateway_.SetCompile(MakeCompile(v1::STATE_COMPLETED));
  gateway_.SetWatches(
      {{.events = {Snapshot(3, v1::STATE_IN_PROGRESS)},
        .end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone")},
       {.end = grpc::Status::OK}});

  EXPECT_EQ(Run({"watch", kName}), kExitCompleted);

  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("flows/flow/compiles/c-1  #3  SNAPSHOT  IN_PROGRESS",
                          "flows/flow/compiles/c-1  COMPLETED",
                          "compile flows/flow/compiles/c-1 COMPLETED"));
  EXPECT_THAT(gateway_.got(), ElementsAre(kName));
}

TEST_F(CompileCommandsTest, NonRetryableErrorOnAReconnectIsFinal) {
  gateway_.SetWatches(
      {{.events = {Snapshot(1, v1::STATE_IN_PROGRESS)},
        .end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone")},
       {.end = grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                            "missing scope flow:read")},
       {.events = {Snapshot(2, v1::STATE_COMPLETED)}}});

  EXPECT_EQ(Run({"watch", kName}), kExitGatewayError);

  EXPECT_EQ(gateway_.watched().size(), 2u);
  ASSERT_EQ(ErrLines().size(), 2u) << err_.str();
  EXPECT_EQ(ErrLines()[1],
            "cxone-compile: PERMISSION_DENIED: missing scope flow:read");
}

TEST_F(CompileCommandsTest, GivesUpAfterMaxReconnectsThatReceiveNothing) {
  gateway_.SetWatch(
      {.end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "refused")});

  EXPECT_EQ(Run({"watch", kName, "--max-reconnects", "3"}), kExitGatewayError);

  // The first call and three reconnects.
  EXPECT_EQ(gateway_.watched().size(), 4u);
  EXPECT_EQ(out_.str(), "");
  std::vector<std::string> err = ErrLines();
  ASSERT_EQ(err.size(), 4u) << err_.str();
  for (int i = 0; i < 3; ++i) {
    // Never received anything: no sequence to resume after.
    EXPECT_THAT(err[i], MatchesRegex("cxone-compile: stream broke "
                                     "\\(UNAVAILABLE: refused\\); "
                                     "reconnecting in [0-9]ms"));
  }
  EXPECT_EQ(err[3],
            "cxone-compile: stream broke (UNAVAILABLE: refused); giving up "
            "after 3 reconnects in a row received nothing (--max-reconnects "
            "3)");
}

TEST_F(CompileCommandsTest, MaxReconnectsComesFromTheEnvironment) {
  gateway_.SetWatch(
      {.end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "refused")});
  std::map<std::string, std::string> env = {{"CXONE_MAX_RECONNECTS", "1"}};
  EnvLookup lookup =
      [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  EXPECT_EQ(Run({"watch", kName}, lookup), kExitGatewayError);
  EXPECT_EQ(gateway_.watched().size(), 2u);
}

TEST_F(CompileCommandsTest, OnlyReconnectsInARowThatReceiveNothingCount) {
  const grpc::Status refused(grpc::StatusCode::UNAVAILABLE, "refused");
  gateway_.SetWatches(
      {{.end = refused},
       {.end = refused},
       {.events = {Snapshot(1, v1::STATE_IN_PROGRESS)}, .end = refused},
       {.end = refused},
       {.events = {Change(2, v1::STATE_IN_PROGRESS, v1::STATE_COMPLETED)}}});

  // The first reconnect gets nothing, the second the snapshot. That starts
  // the count again: without it, the third stream's break would be the end.
  EXPECT_EQ(Run({"watch", kName, "--max-reconnects", "2"}), kExitCompleted);

  std::vector<v1::WatchCompileRequest> requests = gateway_.watch_requests();
  ASSERT_EQ(requests.size(), 5u);
  EXPECT_FALSE(requests[2].has_after_sequence());
  for (size_t i = 3; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].after_sequence(), 1u) << i;
  }
}

TEST_F(CompileCommandsTest, OwnTimeoutBoundsReconnecting) {
  gateway_.SetWatch(
      {.end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "refused")});

  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(Run({"watch", kName, "--timeout", "300ms", "--max-reconnects",
                 "1000000"}),
            kExitClientTimeout);
  const auto elapsed = std::chrono::steady_clock::now() - started;

  EXPECT_GE(elapsed, std::chrono::milliseconds(290));
  EXPECT_LT(elapsed, std::chrono::seconds(3));
  EXPECT_GT(gateway_.watched().size(), 1u);
  EXPECT_THAT(ErrLines().back(),
              StrEq("cxone-compile: --timeout 300ms expired before "
                    "flows/flow/compiles/c-1 finished"));
}

TEST_F(CompileCommandsTest, SilentStreamIsCancelledAfterTwoHeartbeats) {
  gateway_.SetWatches(
      {{.events = {WithHeartbeat(Snapshot(1, v1::STATE_IN_PROGRESS),
                                 absl::Milliseconds(100))},
        .hang = true},
       {.events = {WithHeartbeat(Marker(v1::EVENT_TYPE_HEARTBEAT, 1),
                                 absl::Milliseconds(100)),
                   Change(2, v1::STATE_IN_PROGRESS, v1::STATE_COMPLETED)}}});

  EXPECT_EQ(Run({"watch", kName, "--timeout", "10s"}), kExitCompleted);

  std::vector<std::chrono::steady_clock::time_point> times =
      gateway_.watch_times();
  ASSERT_EQ(times.size(), 2u);
  const auto silence = times[1] - times[0];
  EXPECT_GE(silence, std::chrono::milliseconds(190));
  EXPECT_LE(silence, std::chrono::milliseconds(600));
  EXPECT_EQ(gateway_.watch_requests()[1].after_sequence(), 1u);
  ASSERT_EQ(ErrLines().size(), 1u) << err_.str();
  EXPECT_THAT(ErrLines()[0],
              MatchesRegex("cxone-compile: stream broke \\(no message for "
                           "200ms, twice the heartbeat interval\\); "
                           "reconnecting in [0-9]ms after sequence 1"));
  EXPECT_THAT(connected_to_, ElementsAre(address_, address_));
  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("flows/flow/compiles/c-1  #1  SNAPSHOT  IN_PROGRESS",
                          "flows/flow/compiles/c-1  #2  STATE_CHANGED  "
                          "IN_PROGRESS -> COMPLETED",
                          "compile flows/flow/compiles/c-1 COMPLETED"));
}

TEST_F(CompileCommandsTest, AReconnectThatNeverHearsAnythingIsCancelledToo) {
  // The second stream delivers nothing at all, as on a wedged connection:
  // the silence limit learnt from the first stream applies from its start.
  gateway_.SetWatches(
      {{.events = {WithHeartbeat(Snapshot(1, v1::STATE_IN_PROGRESS),
                                 absl::Milliseconds(100))},
        .hang = true},
       {.events = {}, .hang = true},
       {.events = {WithHeartbeat(Marker(v1::EVENT_TYPE_HEARTBEAT, 1),
                                 absl::Milliseconds(100)),
                   Change(2, v1::STATE_IN_PROGRESS, v1::STATE_COMPLETED)}}});

  EXPECT_EQ(Run({"watch", kName, "--timeout", "10s"}), kExitCompleted);

  std::vector<std::chrono::steady_clock::time_point> times =
      gateway_.watch_times();
  ASSERT_EQ(times.size(), 3u);
  const auto silence = times[2] - times[1];
  EXPECT_GE(silence, std::chrono::milliseconds(190));
  EXPECT_LE(silence, std::chrono::milliseconds(600));
  EXPECT_EQ(gateway_.watch_requests()[2].after_sequence(), 1u);
  ASSERT_EQ(ErrLines().size(), 2u) << err_.str();
  EXPECT_THAT(ErrLines()[1],
              MatchesRegex("cxone-compile: stream broke \\(no message for "
                           "200ms, twice the heartbeat interval\\); "
                           "reconnecting in [0-9]ms after sequence 1"));
  // Each silence replaced the connection: the next stream must not go over
  // one that may be wedged.
  EXPECT_THAT(connected_to_, ElementsAre(address_, address_, address_));
}

TEST_F(CompileCommandsTest, HeartbeatsKeepAQuietStreamAlive) {
  // Heartbeats every 50ms for 400ms: twice the 100ms interval never passes
  // in silence, so the one stream is kept.
  std::vector<v1::CompileEvent> events = {WithHeartbeat(
      Snapshot(1, v1::STATE_IN_PROGRESS), absl::Milliseconds(100))};
  for (int i = 0; i < 8; ++i) {
    events.push_back(Marker(v1::EVENT_TYPE_HEARTBEAT, 1));
  }
  events.push_back(Change(2, v1::STATE_IN_PROGRESS, v1::STATE_COMPLETED));
  gateway_.SetWatch({.events = events, .pace = absl::Milliseconds(50)});

  EXPECT_EQ(Run({"watch", kName, "--timeout", "10s"}), kExitCompleted);

  EXPECT_EQ(gateway_.watched().size(), 1u);
  EXPECT_EQ(err_.str(), "");
}

TEST_F(CompileCommandsTest, MarkersArePrintedInJsonOnly) {
  const WatchScript script = {
      .events = {
          WithHeartbeat(Snapshot(1, v1::STATE_IN_PROGRESS), absl::Seconds(5)),
          Marker(v1::EVENT_TYPE_SYNCED, 1), Marker(v1::EVENT_TYPE_HEARTBEAT, 1),
          Change(2, v1::STATE_IN_PROGRESS, v1::STATE_COMPLETED)}};
  gateway_.SetWatch(script);

  EXPECT_EQ(Run({"watch", kName}), kExitCompleted);
  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("flows/flow/compiles/c-1  #1  SNAPSHOT  IN_PROGRESS",
                          "flows/flow/compiles/c-1  #2  STATE_CHANGED  "
                          "IN_PROGRESS -> COMPLETED",
                          "compile flows/flow/compiles/c-1 COMPLETED"));

  EXPECT_EQ(Run({"watch", kName, "--json"}), kExitCompleted);
  std::vector<v1::EventType> types;
  for (const std::string& line : Lines(out_.str())) {
    v1::CompileEvent event;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &event).ok())
        << line;
    types.push_back(event.type());
  }
  EXPECT_THAT(types, ElementsAre(v1::EVENT_TYPE_SNAPSHOT, v1::EVENT_TYPE_SYNCED,
                                 v1::EVENT_TYPE_HEARTBEAT,
                                 v1::EVENT_TYPE_STATE_CHANGED));
  EXPECT_THAT(Lines(out_.str())[1], HasSubstr("\"resumeAfterSequence\":\"1\""));
}

TEST_F(CompileCommandsTest, WatchByFlowSendsTheFlowThenResumesByName) {
  gateway_.SetWatches(
      {{.events = {Snapshot(1, v1::STATE_QUEUED)},
        .end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone")},
       {.events = {Change(2, v1::STATE_QUEUED, v1::STATE_COMPLETED)}}});

  EXPECT_EQ(Run({"watch", "--flow", "flow"}), kExitCompleted);

  std::vector<v1::WatchCompileRequest> requests = gateway_.watch_requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].flow_id(), "flow");
  EXPECT_EQ(requests[0].name(), "");
  EXPECT_FALSE(requests[0].has_after_sequence());
  EXPECT_EQ(requests[1].flow_id(), "");
  EXPECT_EQ(requests[1].name(), kName);
  EXPECT_EQ(requests[1].after_sequence(), 1u);
  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("flows/flow/compiles/c-1  #1  SNAPSHOT  QUEUED",
                          "flows/flow/compiles/c-1  #2  STATE_CHANGED  QUEUED "
                          "-> COMPLETED",
                          "compile flows/flow/compiles/c-1 COMPLETED"));
}

TEST_F(CompileCommandsTest, WatchByFlowBrokenBeforeAnyEventAsksByFlowAgain) {
  gateway_.SetWatches(
      {{.end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "refused")},
       {.end = grpc::Status(grpc::StatusCode::NOT_FOUND,
                            "no compile of flow \"flow\"")}});

  EXPECT_EQ(Run({"watch", "--flow=flow"}), kExitGatewayError);

  std::vector<v1::WatchCompileRequest> requests = gateway_.watch_requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].flow_id(), "flow");
  EXPECT_EQ(requests[1].name(), "");
  EXPECT_EQ(ErrLines().back(),
            "cxone-compile: NOT_FOUND: no compile of flow \"flow\"");
}

TEST_F(CompileCommandsTest, StartWaitReconnectsToo) {
  gateway_.SetCompile(MakeCompile(v1::STATE_QUEUED));
  gateway_.SetWatches(
      {{.events = {Snapshot(1, v1::STATE_QUEUED)},
        .end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "gone")},
       {.events = {Change(2, v1::STATE_QUEUED, v1::STATE_COMPLETED)}}});

  EXPECT_EQ(Run({"start", "flow", "--wait"}), kExitCompleted);

  EXPECT_EQ(gateway_.start_requests().size(), 1u);
  std::vector<v1::WatchCompileRequest> requests = gateway_.watch_requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].after_sequence(), 1u);
}

// --- start ---

TEST_F(CompileCommandsTest, StartSendsTheRequestAndPrintsTheCompile) {
  gateway_.SetCompile(MakeCompile(v1::STATE_QUEUED));

  EXPECT_EQ(Run({"start", "flow", "--request-id", "r-7", "--directives",
                 R"({"debug": true, "level": 2})"}),
            kExitCompleted);

  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("flows/flow/compiles/c-1  QUEUED"));
  EXPECT_EQ(err_.str(), "");
  std::vector<v1::StartCompileRequest> requests = gateway_.start_requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].flow_id(), "flow");
  EXPECT_EQ(requests[0].request_id(), "r-7");
  const auto& fields = requests[0].directives().fields();
  ASSERT_EQ(fields.count("debug"), 1u);
  EXPECT_TRUE(fields.at("debug").bool_value());
  EXPECT_EQ(fields.at("level").number_value(), 2);
  EXPECT_THAT(gateway_.watched(), IsEmpty());
}

TEST_F(CompileCommandsTest, StartWaitFollowsTheStartedCompile) {
  gateway_.SetCompile(MakeCompile(v1::STATE_QUEUED));
  gateway_.SetWatch(
      {.events = {Snapshot(1, v1::STATE_QUEUED),
                  Change(2, v1::STATE_QUEUED, v1::STATE_COMPLETED)}});

  EXPECT_EQ(Run({"start", "--wait", "flow"}), kExitCompleted);

  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre("flows/flow/compiles/c-1  QUEUED",
                  "flows/flow/compiles/c-1  #1  SNAPSHOT  QUEUED",
                  "flows/flow/compiles/c-1  #2  STATE_CHANGED  QUEUED -> "
                  "COMPLETED",
                  "compile flows/flow/compiles/c-1 COMPLETED"));
  EXPECT_THAT(gateway_.watched(), ElementsAre(kName));
}

TEST_F(CompileCommandsTest, StartWaitOnAFailingFlowExitsOne) {
  gateway_.SetCompile(MakeCompile(v1::STATE_QUEUED));
  v1::CompileEvent failed = Change(2, v1::STATE_QUEUED, v1::STATE_FAILED);
  *failed.add_errors() = SyntaxError("unexpected token", 12, 5);
  gateway_.SetWatch({.events = {Snapshot(1, v1::STATE_QUEUED), failed}});

  EXPECT_EQ(Run({"start", "flow", "--wait"}), kExitCompileFailed);
  EXPECT_THAT(out_.str(),
              HasSubstr("\nflow:12:5: error: syntax: unexpected token\n"));
}

TEST_F(CompileCommandsTest, StartRefusedByTheGatewayExitsThree) {
  gateway_.SetUnaryStatus(grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                                       "request_id r-1 was used for flow x"));
  EXPECT_EQ(Run({"start", "flow", "--request-id", "r-1"}), kExitGatewayError);
  EXPECT_EQ(err_.str(),
            "cxone-compile: ALREADY_EXISTS: request_id r-1 was used for flow "
            "x\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(CompileCommandsTest, JsonStartPrintsTheCompileAsOneLine) {
  gateway_.SetCompile(MakeCompile(v1::STATE_QUEUED));
  EXPECT_EQ(Run({"start", "flow", "--json"}), kExitCompleted);
  std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 1u);
  v1::Compile compile;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(lines[0], &compile).ok());
  EXPECT_EQ(compile.name(), kName);
  EXPECT_EQ(compile.state(), v1::STATE_QUEUED);
}

TEST_F(CompileCommandsTest, StartSendsTheLabelsAndPrintsThem) {
  v1::Compile labelled = MakeCompile(v1::STATE_QUEUED);
  (*labelled.mutable_labels())["tier"] = "";
  (*labelled.mutable_labels())["pipeline"] = "checkout";
  gateway_.SetCompile(labelled);

  EXPECT_EQ(Run({"start", "flow", "--label", "pipeline=checkout", "--label",
                 "tier=", "--label", "example.com/team=ivr"}),
            kExitCompleted);

  // Labels in key order, as a selector that matches them.
  EXPECT_THAT(Lines(out_.str()), ElementsAre("flows/flow/compiles/c-1  QUEUED  "
                                             "pipeline=checkout,tier="));
  std::vector<v1::StartCompileRequest> requests = gateway_.start_requests();
  ASSERT_EQ(requests.size(), 1u);
  const std::map<std::string, std::string> sent(requests[0].labels().begin(),
                                                requests[0].labels().end());
  EXPECT_EQ(sent,
            (std::map<std::string, std::string>{{"example.com/team", "ivr"},
                                                {"pipeline", "checkout"},
                                                {"tier", ""}}));
}

TEST_F(CompileCommandsTest, ABadLabelIsAUsageErrorNamingIt) {
  struct Case {
    std::vector<std::string> labels;
    std::string expected;
  };
  std::vector<std::string> too_many;
  for (int i = 0; i <= 64; ++i) too_many.push_back(absl::StrCat("k", i, "=v"));
  for (const Case& c : std::vector<Case>{
           {{"pipeline"}, "--label \"pipeline\": expected KEY=VALUE"},
           {{"Bad Key=x"}, "--label \"Bad Key=x\": key \"Bad Key\""},
           {{"commit=3f2a 9c"},
            "--label \"commit=3f2a 9c\": value \"3f2a 9c\""},
           {{"Team.Example/x=1"}, "--label \"Team.Example/x=1\": key"},
           {{"a=1", "a=2"}, "--label a is given twice (a=1 and a=2)"},
           {too_many, "--label: "},
       }) {
    std::vector<std::string> args = {"start", "flow"};
    for (const std::string& label : c.labels) {
      args.insert(args.end(), {"--label", label});
    }
    SCOPED_TRACE(c.expected);
    EXPECT_EQ(Run(args), kExitUsage);
    EXPECT_THAT(err_.str(),
                StartsWith(absl::StrCat("cxone-compile: ", c.expected)));
    EXPECT_EQ(out_.str(), "");
  }
  EXPECT_EQ(gateway_.calls(), 0);
}

// --- get ---

TEST_F(CompileCommandsTest, GetOfARunningCompileExitsZero) {
  gateway_.SetCompile(MakeCompile(v1::STATE_IN_PROGRESS));
  EXPECT_EQ(Run({"get", kName}), kExitCompleted);
  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("flows/flow/compiles/c-1  IN_PROGRESS"));
  EXPECT_THAT(gateway_.got(), ElementsAre(kName));
}

TEST_F(CompileCommandsTest, GetExitCodeFollowsATerminalState) {
  gateway_.SetCompile(MakeCompile(v1::STATE_COMPLETED));
  EXPECT_EQ(Run({"get", kName}), kExitCompleted);

  gateway_.SetCompile(MakeCompile(v1::STATE_TIMED_OUT));
  EXPECT_EQ(Run({"get", kName}), kExitGatewayTimedOut);

  v1::Compile failed = MakeCompile(v1::STATE_FAILED);
  *failed.add_errors() = SyntaxError("unexpected token", 12, 5);
  gateway_.SetCompile(failed);
  EXPECT_EQ(Run({"get", kName}), kExitCompileFailed);
  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("flows/flow/compiles/c-1  FAILED",
                          "flow:12:5: error: syntax: unexpected token"));
}

TEST_F(CompileCommandsTest, GetOfAnUnknownCompileExitsThree) {
  gateway_.SetUnaryStatus(
      grpc::Status(grpc::StatusCode::NOT_FOUND, "no such compile"));
  EXPECT_EQ(Run({"get", kName}), kExitGatewayError);
  EXPECT_EQ(err_.str(), "cxone-compile: NOT_FOUND: no such compile\n");
}

TEST_F(CompileCommandsTest, GetByKeyLooksUpTheCompileItsStartStarted) {
  v1::Compile labelled = MakeCompile(v1::STATE_COMPLETED);
  (*labelled.mutable_labels())["pipeline"] = "checkout";
  gateway_.SetCompile(labelled);
  EXPECT_EQ(Run({"get", "--key", "deploy-42"}), kExitCompleted);
  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("flows/flow/compiles/c-1  COMPLETED  "
                          "pipeline=checkout"));
  EXPECT_THAT(gateway_.looked_up(), ElementsAre("deploy-42"));
  EXPECT_THAT(gateway_.got(), IsEmpty());

  // Its exit code follows the state, as get NAME's does.
  gateway_.SetCompile(MakeCompile(v1::STATE_FAILED));
  EXPECT_EQ(Run({"get", "--key", "deploy-42", "--json"}), kExitCompileFailed);
  v1::Compile printed;
  ASSERT_TRUE(
      google::protobuf::util::JsonStringToMessage(out_.str(), &printed).ok())
      << out_.str();
  EXPECT_EQ(printed.state(), v1::STATE_FAILED);
}

TEST_F(CompileCommandsTest, GetByAnUnknownKeyExitsThree) {
  gateway_.SetUnaryStatus(
      grpc::Status(grpc::StatusCode::NOT_FOUND,
                   "no compile was started with request_id \"r-9\" (yet)"));
  EXPECT_EQ(Run({"get", "--key", "r-9"}), kExitGatewayError);
  EXPECT_EQ(err_.str(),
            "cxone-compile: NOT_FOUND: no compile was started with request_id "
            "\"r-9\" (yet)\n");
  EXPECT_EQ(out_.str(), "");
}

// --- list ---

// `count` compiles of flow "flow", c-1 newest, every other one labelled.
std::vector<v1::Compile> Listed(int count) {
  std::vector<v1::Compile> compiles;
  for (int i = 1; i <= count; ++i) {
    v1::Compile compile =
        MakeCompile(i % 2 == 1 ? v1::STATE_COMPLETED : v1::STATE_FAILED);
    compile.set_compile_id(absl::StrCat("c-", i));
    compile.set_name(absl::StrCat("flows/flow/compiles/c-", i));
    if (i % 2 == 1) (*compile.mutable_labels())["pipeline"] = "checkout";
    compiles.push_back(compile);
  }
  return compiles;
}

TEST_F(CompileCommandsTest, ListPrintsEveryPageOneLineEachThenTheCount) {
  gateway_.SetList(Listed(5));

  EXPECT_EQ(Run({"list", "--page-size", "2"}), kExitCompleted);

  // Diagnostics of failed compiles are for get: one line per compile.
  EXPECT_THAT(Lines(out_.str()),
              ElementsAre("flows/flow/compiles/c-1  COMPLETED  "
                          "pipeline=checkout",
                          "flows/flow/compiles/c-2  FAILED",
                          "flows/flow/compiles/c-3  COMPLETED  "
                          "pipeline=checkout",
                          "flows/flow/compiles/c-4  FAILED",
                          "flows/flow/compiles/c-5  COMPLETED  "
                          "pipeline=checkout",
                          "5 compiles"));
  EXPECT_EQ(err_.str(), "");
  std::vector<v1::ListCompilesRequest> requests = gateway_.list_requests();
  ASSERT_EQ(requests.size(), 3u);
  std::vector<std::string> tokens;
  for (const v1::ListCompilesRequest& request : requests) {
    tokens.push_back(request.page_token());
    EXPECT_EQ(request.page_size(), 2);
  }
  EXPECT_THAT(tokens, ElementsAre("", "2", "4"));
}

TEST_F(CompileCommandsTest, ListSendsTheFilterOfItsFlags) {
  gateway_.SetList({});
  EXPECT_EQ(Run({"list", "--flow", "main-menu", "--state", "failed", "--flow",
                 "billing", "--state", "TIMED_OUT", "--label-selector",
                 "pipeline=checkout,tier!=canary"}),
            kExitCompleted);
  EXPECT_THAT(Lines(out_.str()), ElementsAre("0 compiles"));
  std::vector<v1::ListCompilesRequest> requests = gateway_.list_requests();
  ASSERT_EQ(requests.size(), 1u);
  const v1::CompileFilter& filter = requests[0].filter();
  EXPECT_THAT(filter.flow_ids(), ElementsAre("main-menu", "billing"));
  EXPECT_THAT(filter.states(),
              ElementsAre(v1::STATE_FAILED, v1::STATE_TIMED_OUT));
  EXPECT_EQ(filter.label_selector(), "pipeline=checkout,tier!=canary");
  EXPECT_EQ(requests[0].page_size(), 100);
}

TEST_F(CompileCommandsTest, JsonListPrintsOneCompilePerLineAndNothingElse) {
  gateway_.SetList(Listed(3));
  EXPECT_EQ(Run({"--json", "list", "--page-size", "2"}), kExitCompleted);
  std::vector<std::string> lines = Lines(out_.str());
  ASSERT_EQ(lines.size(), 3u) << out_.str();
  for (size_t i = 0; i < lines.size(); ++i) {
    v1::Compile compile;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(lines[i], &compile).ok())
        << lines[i];
    EXPECT_EQ(compile.name(), absl::StrCat("flows/flow/compiles/c-", i + 1));
  }
  EXPECT_THAT(lines[0], HasSubstr(R"("labels":{"pipeline":"checkout"})"));
}

TEST_F(CompileCommandsTest, AListThatFailsMidwayExitsThreeAfterWhatItPrinted) {
  gateway_.SetList(
      Listed(5), /*failing_page=*/1,
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "the gateway is draining"));
  EXPECT_EQ(Run({"list", "--page-size", "2"}), kExitGatewayError);
  EXPECT_EQ(Lines(out_.str()).size(), 2u) << out_.str();
  EXPECT_EQ(err_.str(),
            "cxone-compile: UNAVAILABLE: the gateway is draining\n");
}

TEST_F(CompileCommandsTest, RunCommandWorksWithAnyStub) {
  gateway_.SetCompile(MakeCompile(v1::STATE_IN_PROGRESS));
  std::unique_ptr<v1::CompileService::Stub> stub = v1::CompileService::NewStub(
      grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  Invocation invocation;
  invocation.command = "get";
  invocation.argument = kName;
  std::ostringstream out, err;
  EXPECT_EQ(RunCommand(invocation, stub.get(), out, err), kExitCompleted);
  EXPECT_EQ(out.str(), "flows/flow/compiles/c-1  IN_PROGRESS\n");
}

// --- command line ---

TEST_F(CompileCommandsTest, UsageErrorsExitTwoWithoutCallingTheGateway) {
  const std::vector<std::vector<std::string>> mistakes = {
      {},
      {"compile", "flow"},
      {"start"},
      {"watch"},
      {"get", kName, "extra"},
      {"start", "flow", "--no-such-flag"},
      {"watch", kName, "--timeout", "soon"},
      {"watch", kName, "--timeout"},
      {"start", "bad/flow"},
      {"start", ".."},
      {"watch", "not-a-name"},
      {"get", "flows/a/builds/b"},
      {"start", "flow", "--directives", "[1, 2]"},
      {"start", "flow", "--directives", "{\"unterminated\": "},
      {"watch", kName, "--flow", "flow"},
      {"watch", "--flow", "bad/flow"},
      {"watch", kName, "--max-reconnects", "-1"},
      {"watch", kName, "--max-reconnects", "many"},
      {"start", "flow", "--label", "no-equals-sign"},
      {"get", kName, "--key", "r-1"},
      {"get", "--key="},
      {"list", "extra"},
      {"list", "--state", "done"},
      {"list", "--state", "unspecified"},
      {"list", "--flow", "bad/flow"},
      {"list", "--label-selector", "a in ("},
      {"list", "--page-size", "0"},
      {"list", "--page-size", "1001"},
  };
  for (const std::vector<std::string>& args : mistakes) {
    SCOPED_TRACE(absl::StrJoin(args, " "));
    EXPECT_EQ(Run(args), kExitUsage);
    EXPECT_THAT(err_.str(), StartsWith("cxone-compile: "));
    EXPECT_EQ(out_.str(), "");
  }
  EXPECT_EQ(gateway_.calls(), 0);
}

TEST_F(CompileCommandsTest, HelpPrintsUsageAndTheExitCodeTable) {
  EXPECT_EQ(Run({"--help"}), kExitCompleted);
  EXPECT_THAT(out_.str(), HasSubstr("cxone-compile [--server HOST:PORT]"));
  EXPECT_THAT(out_.str(), HasSubstr("$CXONE_SERVER"));
  EXPECT_THAT(out_.str(), HasSubstr("watch --flow FLOW_ID"));
  EXPECT_THAT(out_.str(), HasSubstr("get --key REQUEST_ID"));
  EXPECT_THAT(out_.str(), HasSubstr("list [--flow FLOW_ID]..."));
  EXPECT_THAT(out_.str(), HasSubstr("[--label KEY=VALUE]..."));
  EXPECT_THAT(out_.str(),
              HasSubstr("--max-reconnects  [$CXONE_MAX_RECONNECTS]  "
                        "(default: 50; 0 to 1000000)"));
  EXPECT_THAT(out_.str(), HasSubstr("Reconnecting:"));
  EXPECT_THAT(out_.str(), HasSubstr("Exit codes:"));
  for (const ExitCodeDoc& doc : kExitCodeDocs) {
    EXPECT_THAT(out_.str(),
                HasSubstr(absl::StrCat(doc.code, "  ", doc.meaning)));
  }
  EXPECT_EQ(gateway_.calls(), 0);
}

TEST_F(CompileCommandsTest, ServerComesFromTheEnvironmentWhenNotAFlag) {
  gateway_.SetCompile(MakeCompile(v1::STATE_IN_PROGRESS));
  std::map<std::string, std::string> env = {{"CXONE_SERVER", address_}};
  EnvLookup lookup =
      [&env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
  std::ostringstream out, err;
  EXPECT_EQ(RunCli({"get", kName}, lookup, Connect(), out, err),
            kExitCompleted);
  EXPECT_THAT(connected_to_, ElementsAre(address_));
}

TEST(ParseCommandLine, FlagsMayComeAnywhere) {
  absl::StatusOr<Invocation> parsed =
      ParseCommandLine({"start", "--json", "flow", "--wait", "--timeout", "5m",
                        "--server", "gw:1"},
                       NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command, "start");
  EXPECT_EQ(parsed->argument, "flow");
  EXPECT_TRUE(parsed->json);
  EXPECT_TRUE(parsed->wait);
  EXPECT_EQ(parsed->timeout, absl::Minutes(5));
  EXPECT_EQ(parsed->gateway.target, "gw:1");
}

TEST(ParseCommandLine, Defaults) {
  absl::StatusOr<Invocation> parsed = ParseCommandLine({"get", kName}, NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->gateway.target, "127.0.0.1:50051");
  EXPECT_FALSE(parsed->json);
  EXPECT_EQ(parsed->timeout, absl::ZeroDuration());
  EXPECT_EQ(parsed->max_reconnects, 50);
  EXPECT_EQ(parsed->flow, "");
}

TEST(ParseCommandLine, WatchByFlowTakesNoName) {
  absl::StatusOr<Invocation> parsed =
      ParseCommandLine({"watch", "--flow", "main-menu"}, NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command, "watch");
  EXPECT_EQ(parsed->flow, "main-menu");
  EXPECT_EQ(parsed->argument, "");

  absl::StatusOr<Invocation> both =
      ParseCommandLine({"watch", kName, "--flow", "main-menu"}, NoEnv());
  EXPECT_EQ(both.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(both.status().message(), HasSubstr("not both"));

  absl::StatusOr<Invocation> neither = ParseCommandLine({"watch"}, NoEnv());
  EXPECT_THAT(neither.status().message(),
              HasSubstr("missing NAME (or --flow FLOW_ID, --all or --label-selector SELECTOR)"));
}

TEST(ParseCommandLine, GetTakesNameOrKey) {
  absl::StatusOr<Invocation> parsed =
      ParseCommandLine({"get", "--key", "deploy-42"}, NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->key, "deploy-42");
  EXPECT_EQ(parsed->argument, "");

  absl::StatusOr<Invocation> both =
      ParseCommandLine({"get", kName, "--key", "deploy-42"}, NoEnv());
  EXPECT_THAT(both.status().message(), HasSubstr("not both"));
  absl::StatusOr<Invocation> neither = ParseCommandLine({"get"}, NoEnv());
  EXPECT_THAT(neither.status().message(),
              HasSubstr("missing NAME (or --key REQUEST_ID)"));
}

TEST(ParseCommandLine, ListsRepeatableFlagsKeepEveryValue) {
  absl::StatusOr<Invocation> parsed = ParseCommandLine(
      {"list", "--flow", "a", "--state", "QUEUED", "--flow=b", "--json"},
      NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->command, "list");
  EXPECT_THAT(parsed->flows, ElementsAre("a", "b"));
  EXPECT_THAT(parsed->states, ElementsAre("QUEUED"));
  EXPECT_EQ(parsed->page_size, 100);
  EXPECT_TRUE(parsed->json);
}

TEST(ParseCommandLine, FlowIsIgnoredByOtherCommands) {
  // Like the start-only flags: a CXONE_FLOW meant for watch breaks nothing.
  absl::StatusOr<Invocation> parsed = ParseCommandLine(
      {"get", kName},
      [](const std::string& name) -> std::optional<std::string> {
        if (name == "CXONE_FLOW") return "main-menu";
        return std::nullopt;
      });
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->argument, kName);
}

}  // namespace
}  // namespace cxone::client
