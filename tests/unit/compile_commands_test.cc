// Specification of cxone-compile's commands: what each outcome of a compile
// or of the call prints, and which exit code it gives.
//
// The CLI runs against a real gRPC channel to an in-process fake gateway
// (FakeGateway below) that answers with scripted compiles, events and
// statuses, so the tests cover the real stub, streaming and deadlines.
#include "client/compile_commands.h"

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "client/exit_codes.h"
#include "client/gateway_channel.h"
#include "cxone/compile/v1/compile.grpc.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"

namespace cxone::client {
namespace {

namespace v1 = ::cxone::compile::v1;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// What WatchCompile does: write `events` in order, then end the stream with
// `end`, or (with `hang`) keep it open until the client goes away.
struct WatchScript {
  std::vector<v1::CompileEvent> events;
  grpc::Status end = grpc::Status::OK;
  bool hang = false;
};

// Writes a WatchScript. Finish() must be called exactly once, and OnCancel
// may run concurrently with OnWriteDone, hence the mutex.
class ScriptedWatch final : public grpc::ServerWriteReactor<v1::CompileEvent> {
 public:
  explicit ScriptedWatch(WatchScript script) : script_(std::move(script)) {
    absl::MutexLock lock(&mu_);
    NextLocked();
  }

  void OnWriteDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    writing_ = false;
    if (!ok) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
      return;
    }
    ++next_;
    NextLocked();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    if (!writing_) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
    }
  }

  void OnDone() override { delete this; }

 private:
  void NextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (cancelled_) {
      FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
    } else if (next_ < script_.events.size()) {
      writing_ = true;
      StartWrite(&script_.events[next_]);
    } else if (!script_.hang) {
      FinishLocked(script_.end);
    }
    // A hanging stream waits for OnCancel (the client's deadline).
  }

  void FinishLocked(const grpc::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  absl::Mutex mu_;
  WatchScript script_;
  size_t next_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
};

// A CompileService that answers from a script and records what it was asked.
class FakeGateway final : public v1::CompileService::CallbackService {
 public:
  // What StartCompile and GetCompile return: `compile`, or `status` if it is
  // not OK.
  void SetCompile(v1::Compile compile) {
    absl::MutexLock lock(&mu_);
    compile_ = std::move(compile);
  }
  void SetUnaryStatus(grpc::Status status) {
    absl::MutexLock lock(&mu_);
    unary_status_ = std::move(status);
  }
  void SetWatch(WatchScript script) {
    absl::MutexLock lock(&mu_);
    watch_ = std::move(script);
  }

  std::vector<v1::StartCompileRequest> start_requests() const {
    absl::MutexLock lock(&mu_);
    return start_requests_;
  }
  std::vector<std::string> watched() const {
    absl::MutexLock lock(&mu_);
    return watched_;
  }
  std::vector<std::string> got() const {
    absl::MutexLock lock(&mu_);
    return got_;
  }
  int calls() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(start_requests_.size() + watched_.size() +
                            got_.size());
  }

  grpc::ServerUnaryReactor* StartCompile(grpc::CallbackServerContext* context,
                                         const v1::StartCompileRequest* request,
                                         v1::Compile* response) override {
    absl::MutexLock lock(&mu_);
    start_requests_.push_back(*request);
    return AnswerLocked(context, response);
  }

  grpc::ServerUnaryReactor* GetCompile(grpc::CallbackServerContext* context,
                                       const v1::GetCompileRequest* request,
                                       v1::Compile* response) override {
    absl::MutexLock lock(&mu_);
    got_.push_back(request->name());
    return AnswerLocked(context, response);
  }

  grpc::ServerWriteReactor<v1::CompileEvent>* WatchCompile(
      grpc::CallbackServerContext* /*context*/,
      const v1::WatchCompileRequest* request) override {
    absl::MutexLock lock(&mu_);
    watched_.push_back(request->name());
    return new ScriptedWatch(watch_);
  }

 private:
  grpc::ServerUnaryReactor* AnswerLocked(grpc::CallbackServerContext* context,
                                         v1::Compile* response)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (unary_status_.ok()) *response = compile_;
    reactor->Finish(unary_status_);
    return reactor;
  }

  mutable absl::Mutex mu_;
  v1::Compile compile_ ABSL_GUARDED_BY(mu_);
  grpc::Status unary_status_ ABSL_GUARDED_BY(mu_);
  WatchScript watch_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::StartCompileRequest> start_requests_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> watched_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> got_ ABSL_GUARDED_BY(mu_);
};

constexpr char kName[] = "flows/flow/compiles/c-1";

v1::CompileEvent Event(uint64_t sequence, v1::EventType type,
                       v1::State previous, v1::State state) {
  v1::CompileEvent event;
  event.set_name(kName);
  event.set_sequence(sequence);
  event.set_type(type);
  event.set_previous_state(previous);
  event.set_state(state);
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

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

EnvLookup NoEnv() {
  return [](const std::string&) -> std::optional<std::string> {
    return std::nullopt;
  };
}

class CompileCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&gateway_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    address_ = absl::StrCat("127.0.0.1:", port_);
  }

  void TearDown() override {
    // Bounded: a stream left open by a failing test is cancelled.
    server_->Shutdown(std::chrono::system_clock::now() +
                      std::chrono::seconds(5));
  }

  // Runs `cxone-compile --server <fake> args...` and returns the exit code;
  // the output is in out_ and err_.
  int Run(const std::vector<std::string>& args, EnvLookup env = NoEnv()) {
    out_.str("");
    err_.str("");
    std::vector<std::string> full = {"--server", address_};
    full.insert(full.end(), args.begin(), args.end());
    return RunCli(full, env, Connect(), out_, err_);
  }

  StubFactory Connect() {
    return [this](const std::string& server)
               -> std::unique_ptr<v1::CompileService::StubInterface> {
      connected_to_.push_back(server);
      return v1::CompileService::NewStub(MakeGatewayChannel(server));
    };
  }

  FakeGateway gateway_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string address_;
  std::vector<std::string> connected_to_;
  std::ostringstream out_;
  std::ostringstream err_;
};

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
}

TEST_F(CompileCommandsTest, StreamBrokenAfterSomeEventsExitsThree) {
  gateway_.SetWatch(
      {.events = {Snapshot(1, v1::STATE_IN_PROGRESS)},
       .end = grpc::Status(grpc::StatusCode::UNAVAILABLE, "CXone is down")});

  EXPECT_EQ(Run({"watch", kName}), kExitGatewayError);

  EXPECT_THAT(
      Lines(out_.str()),
      ElementsAre("flows/flow/compiles/c-1  #1  SNAPSHOT  IN_PROGRESS"));
  EXPECT_EQ(err_.str(), "cxone-compile: UNAVAILABLE: CXone is down\n");
}

TEST_F(CompileCommandsTest, GatewaysOwnDeadlineExceededIsAGatewayError) {
  // Without --timeout, a DEADLINE_EXCEEDED can only be the gateway's.
  gateway_.SetWatch({.events = {},
                     .end = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                         "upstream took too long")});
  EXPECT_EQ(Run({"watch", kName}), kExitGatewayError);
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
  EXPECT_EQ(parsed->server, "gw:1");
}

TEST(ParseCommandLine, Defaults) {
  absl::StatusOr<Invocation> parsed = ParseCommandLine({"get", kName}, NoEnv());
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->server, "127.0.0.1:50051");
  EXPECT_FALSE(parsed->json);
  EXPECT_EQ(parsed->timeout, absl::ZeroDuration());
}

}  // namespace
}  // namespace cxone::client
