// The gateway's state survives kill -9: compiles, their events and
// request_id keys come back from the store, live compiles are polled on
// (never triggered again), and a full store refuses new starts clearly.
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/store/sqlite_store.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/harness_testing.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wait_until.h"

namespace cxone {
namespace {

using ::cxone::testing::After;
using ::cxone::testing::GatewayHarness;
using ::cxone::testing::HarnessOptions;
using ::cxone::testing::MustStart;
using ::cxone::testing::MustStartCompile;
using ::cxone::testing::Sequences;
using ::cxone::testing::Watch;
using ::cxone::testing::WatchResult;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace v1 = ::cxone::compile::v1;

// How many compiles the simulator created for each flow.
std::map<std::string, int> CompilesPerFlow(GatewayHarness& gateway) {
  std::map<std::string, int> per_flow;
  auto compiles = gateway.SimGet("/_sim/compiles");
  EXPECT_TRUE(compiles.ok()) << compiles.status();
  if (!compiles.ok()) return per_flow;
  for (const auto& compile : *compiles) {
    ++per_flow[compile.value("flowId", "")];
  }
  return per_flow;
}

absl::StatusOr<v1::Compile> Get(GatewayHarness& gateway,
                                const std::string& name) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  v1::GetCompileRequest request;
  request.set_name(name);
  v1::Compile compile;
  grpc::Status status = gateway.stub().GetCompile(&context, request, &compile);
  if (!status.ok()) return absl::UnknownError(status.error_message());
  return compile;
}

TEST(Durability, AFinishedCompileAndItsEventsSurviveKillNine) {
  auto gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  const v1::Compile compile = MustStartCompile(*gateway, "syntax-error");
  const WatchResult before = Watch(*gateway, After(compile.name(), 0));
  ASSERT_TRUE(before.status.ok()) << before.status.error_message();
  ASSERT_EQ(testing::WithoutMarkers(before.events).back().state(),
            v1::STATE_FAILED);

  ASSERT_TRUE(gateway->KillServer().ok());
  ASSERT_TRUE(gateway->RestartServer().ok());

  auto got = Get(*gateway, compile.name());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->state(), v1::STATE_FAILED);
  ASSERT_GT(got->errors_size(), 0);
  EXPECT_EQ(got->errors(0).location().line(), 13u);  // still says where
  const WatchResult after = Watch(*gateway, After(compile.name(), 0));
  ASSERT_TRUE(after.status.ok()) << after.status.error_message();
  const auto old_events = testing::WithoutMarkers(before.events);
  const auto new_events = testing::WithoutMarkers(after.events);
  ASSERT_EQ(new_events.size(), old_events.size());
  for (size_t i = 0; i < old_events.size(); ++i) {
    EXPECT_EQ(new_events[i].SerializeAsString(),
              old_events[i].SerializeAsString())
        << "event " << i + 1 << " changed across the restart";
  }
}

TEST(Durability, ALiveCompileIsPolledOnAfterKillNineAndNotTriggeredAgain) {
  HarnessOptions options;
  options.sim_args = {"--queued-ms=300", "--in-progress-ms=4000"};
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  const v1::Compile compile = MustStartCompile(*gateway, "live-across");
  // Up to IN_PROGRESS, then the gateway dies mid-compile.
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
  auto reader =
      gateway->stub().WatchCompile(&context, After(compile.name(), 0));
  uint64_t last = 0;
  v1::CompileEvent event;
  while (reader->Read(&event)) {
    if (event.sequence() > 0) last = event.sequence();
    if (event.state() == v1::STATE_IN_PROGRESS) break;
  }
  ASSERT_EQ(event.state(), v1::STATE_IN_PROGRESS);
  context.TryCancel();
  reader->Finish();
  ASSERT_TRUE(gateway->KillServer().ok());
  ASSERT_TRUE(gateway->RestartServer().ok());

  const WatchResult rest = Watch(*gateway, After(compile.name(), last));
  ASSERT_TRUE(rest.status.ok()) << rest.status.error_message();
  const std::vector<uint64_t> sequences = Sequences(rest.events);
  ASSERT_FALSE(sequences.empty());
  EXPECT_EQ(sequences.front(), last + 1);  // no gap, no repeat
  EXPECT_EQ(testing::WithoutMarkers(rest.events).back().state(),
            v1::STATE_COMPLETED);
  EXPECT_EQ(CompilesPerFlow(*gateway)["live-across"], 1);
}

TEST(Durability, TheSameRequestIdAfterARestartReturnsTheSameCompile) {
  auto gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  const v1::Compile first =
      MustStartCompile(*gateway, "main-menu", "deploy-42");
  ASSERT_TRUE(gateway->KillServer().ok());
  ASSERT_TRUE(gateway->RestartServer().ok());
  const v1::Compile again =
      MustStartCompile(*gateway, "main-menu", "deploy-42");
  EXPECT_EQ(again.name(), first.name());
  EXPECT_EQ(CompilesPerFlow(*gateway)["main-menu"], 1);
  // Still bound to its flow.
  v1::StartCompileRequest other;
  other.set_flow_id("syntax-error");
  other.set_request_id("deploy-42");
  auto refused = testing::StartCompile(gateway->stub(), other);
  EXPECT_THAT(refused.status().message(), HasSubstr("deploy-42"));
}

std::map<std::string, std::string> LabelsOf(const v1::Compile& compile) {
  return {compile.labels().begin(), compile.labels().end()};
}

// A client that lost StartCompile's answer in a crash of its own finds the
// compile by its key, with its labels, whatever the gateway went through.
TEST(Durability, LookupCompileFindsAKeysCompileWithItsLabelsAfterKillNine) {
  auto gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  const std::map<std::string, std::string> labels = {{"commit", "3f2a9c"},
                                                     {"pipeline", "checkout"}};
  v1::StartCompileRequest request;
  request.set_flow_id("lookup-across");
  request.set_request_id("deploy-lookup");
  request.mutable_labels()->insert(labels.begin(), labels.end());
  auto started = testing::StartCompile(gateway->stub(), request);
  ASSERT_TRUE(started.ok()) << started.status();
  // Killed while the compile is live.
  ASSERT_TRUE(gateway->KillServer().ok());
  ASSERT_TRUE(gateway->RestartServer().ok());

  auto found = testing::LookupCompile(gateway->stub(), "deploy-lookup");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->name(), started->name());
  EXPECT_EQ(LabelsOf(*found), labels);
  ASSERT_TRUE(
      testing::WatchToEnd(gateway->stub(), started->name()).status.ok());
  auto got = Get(*gateway, started->name());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->state(), v1::STATE_COMPLETED);
  EXPECT_EQ(LabelsOf(*got), labels);
  // The key is still bound to its first call's labels.
  v1::StartCompileRequest other = request;
  other.mutable_labels()->erase("commit");
  auto refused = testing::StartCompile(gateway->stub(), other);
  EXPECT_TRUE(absl::IsAlreadyExists(refused.status())) << refused.status();
  auto again = testing::StartCompile(gateway->stub(), request);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->name(), started->name());
  EXPECT_EQ(CompilesPerFlow(*gateway)["lookup-across"], 1);
  // And an unknown key is NOT_FOUND after a restart as before.
  EXPECT_TRUE(absl::IsNotFound(
      testing::LookupCompile(gateway->stub(), "never-used").status()));
}

// The gateway died after recording a start's intent and before CXone
// answered: on restart it triggers the start itself, and the compile it
// creates carries the labels the interrupted call gave.
TEST(Durability, AnInterruptedStartResumedOnRestartKeepsItsLabels) {
  auto gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  ASSERT_TRUE(gateway->KillServer().ok());
  const Labels labels = {{"pipeline", "nightly"}};
  {
    auto store = SqliteStore::Open(gateway->state_dir());
    ASSERT_TRUE(store.ok()) << store.status();
    StoreBatch intent;
    intent.request_ids.push_back({"deploy-resumed", "resumed-labels",
                                  R"({"mode":"fast"})", "", absl::Now(),
                                  labels});
    ASSERT_TRUE((*store)->Commit(intent).ok());
  }
  ASSERT_TRUE(gateway->RestartServer().ok());
  absl::StatusOr<v1::Compile> found;
  EXPECT_TRUE(testing::WaitUntil([&] {
    found = testing::LookupCompile(gateway->stub(), "deploy-resumed");
    return found.ok();
  })) << found.status();
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->flow_id(), "resumed-labels");
  EXPECT_EQ(LabelsOf(*found), labels);
  EXPECT_EQ(CompilesPerFlow(*gateway)["resumed-labels"], 1);
}

// Retention is one rule, before and after a restart: past the event
// retention a finished compile keeps its result and its request_id (the
// same key returns it, never a new trigger); beyond the count of finished
// compiles both are forgotten (the key starts a new compile).
TEST(Durability, RetentionTreatsARequestIdTheSameBeforeAndAfterARestart) {
  HarnessOptions options;
  options.sim_args = {"--queued-ms=50", "--in-progress-ms=100"};
  options.server_args.insert(
      options.server_args.end(),
      {"--event-retention=1s", "--max-finished-compiles=2"});
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  const v1::Compile expired = MustStartCompile(*gateway, "main-menu", "old");
  ASSERT_TRUE(Watch(*gateway, After(expired.name(), 0)).status.ok());
  // Past the event retention: the events before the result are gone ...
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        return Watch(*gateway, After(expired.name(), 0)).status.error_code() ==
               grpc::StatusCode::OUT_OF_RANGE;
      },
      absl::Seconds(20)));
  // ... and the key still names the compile, now and after a restart.
  EXPECT_EQ(MustStartCompile(*gateway, "main-menu", "old").name(),
            expired.name());
  ASSERT_TRUE(gateway->KillServer().ok());
  ASSERT_TRUE(gateway->RestartServer().ok());
  EXPECT_EQ(MustStartCompile(*gateway, "main-menu", "old").name(),
            expired.name());
  auto got = Get(*gateway, expired.name());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->state(), v1::STATE_COMPLETED);
  EXPECT_EQ(CompilesPerFlow(*gateway)["main-menu"], 1);

  // Two newer finished compiles push it beyond the count: forgotten, with
  // its key, so the key starts a new compile — before a restart as after.
  for (const char* flow : {"broken-refs", "syntax-error"}) {
    const v1::Compile newer = MustStartCompile(*gateway, flow);
    ASSERT_TRUE(Watch(*gateway, After(newer.name(), 0)).status.ok());
  }
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return !Get(*gateway, expired.name()).ok(); }, absl::Seconds(20)));
  const v1::Compile fresh = MustStartCompile(*gateway, "main-menu", "old");
  EXPECT_NE(fresh.name(), expired.name());
  EXPECT_EQ(CompilesPerFlow(*gateway)["main-menu"], 2);
  ASSERT_TRUE(gateway->KillServer().ok());
  ASSERT_TRUE(gateway->RestartServer().ok());
  EXPECT_EQ(MustStartCompile(*gateway, "main-menu", "old").name(),
            fresh.name());
  EXPECT_EQ(CompilesPerFlow(*gateway)["main-menu"], 2);
}

TEST(Durability, AFullStoreRefusesNewStartsAndStillServesWhatItHas) {
  HarnessOptions options;
  options.server_args.push_back("--store-max-pages=14");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  const v1::Compile kept = MustStartCompile(*gateway, "kept");
  ASSERT_TRUE(testing::WatchToEnd(gateway->stub(), kept.name()).status.ok());

  int started = 0;
  absl::Status refusal;
  std::string refused_flow;
  for (int i = 0; i < 400 && refusal.ok(); ++i) {
    v1::StartCompileRequest request;
    request.set_flow_id(absl::StrCat("fill-", i));
    auto compile = testing::StartCompile(gateway->stub(), request);
    if (compile.ok()) {
      ++started;
    } else {
      refusal = compile.status();
      refused_flow = request.flow_id();
    }
  }
  ASSERT_FALSE(refusal.ok()) << "the store never filled up";
  EXPECT_TRUE(absl::IsUnavailable(refusal)) << refusal;
  EXPECT_THAT(refusal.message(), HasSubstr("state store"));
  if (absl::StrContains(refusal.message(), "nothing was started")) {
    EXPECT_EQ(CompilesPerFlow(*gateway)[refused_flow], 0);
  }
  // What was committed is still served.
  const WatchResult replay = Watch(*gateway, After(kept.name(), 0));
  ASSERT_TRUE(replay.status.ok()) << replay.status.error_message();
  EXPECT_THAT(Sequences(replay.events), ElementsAre(1, 2, 3));
  auto got = Get(*gateway, kept.name());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->state(), v1::STATE_COMPLETED);
}

// Runs the server on `state_dir` to its exit; returns its code and output.
std::pair<int, std::string> RunServerOn(const std::string& state_dir) {
  auto outcome = testing::ChildProcess::Run(
      CXONE_SERVER_BINARY,
      {"--cxone-base-url=http://127.0.0.1:9", "--client-id=x",
       "--listen=127.0.0.1:0", "--metrics-listen=127.0.0.1:0",
       absl::StrCat("--state-dir=", state_dir)},
      {{"CXONE_CLIENT_SECRET", "durability-secret"}}, absl::Seconds(30));
  EXPECT_TRUE(outcome.ok()) << outcome.status();
  if (!outcome.ok()) return {-1, ""};
  return {outcome->exit_code, outcome->Text()};
}

TEST(DurabilityStartup, AnUnusableStateDirStopsTheStartNamingIt) {
  testing::ScopedTempDir temp;
  const std::string file = temp.path() + "/taken";
  std::ofstream(file) << "not a directory";
  auto [code, output] = RunServerOn(file);
  EXPECT_EQ(code, 1);
  EXPECT_THAT(output, HasSubstr(file));
  EXPECT_THAT(output, HasSubstr("not a directory"));
}

// The line the server prints on stderr when it cannot start ("" if none).
std::string StartFailureLine(const std::string& output) {
  for (absl::string_view line : absl::StrSplit(output, '\n')) {
    if (absl::StartsWith(line, "cxone-compile-server: ")) {
      return std::string(line);
    }
  }
  return "";
}

TEST(DurabilityStartup, AnUnusableDatabaseIsNamedOnceInTheMessage) {
  testing::ScopedTempDir temp;
  std::ofstream(temp.path() + "/gateway.db")
      << "this is not an SQLite database, whatever its name says\n";
  auto [code, output] = RunServerOn(temp.path());
  EXPECT_EQ(code, 1);
  EXPECT_EQ(StartFailureLine(output),
            absl::StrCat("cxone-compile-server: cannot start: state store ",
                         temp.path(),
                         "/gateway.db: cannot turn on write-ahead logging: "
                         "file is not a database"))
      << output;
}

TEST(DurabilityStartup, AnEmptyDatabaseFileStopsTheStartSayingWhatToDo) {
  testing::ScopedTempDir temp;
  const std::string path = temp.path() + "/gateway.db";
  std::ofstream{path};  // as a truncation leaves it
  auto [code, output] = RunServerOn(temp.path());
  EXPECT_EQ(code, 1) << output;
  const std::string line = StartFailureLine(output);
  EXPECT_THAT(line, HasSubstr(absl::StrCat("cannot start: state store ", path,
                                           ": the database file is empty")));
  EXPECT_THAT(line, HasSubstr("move it away"));
  EXPECT_EQ(std::filesystem::file_size(path), 0u);  // left for inspection
}

TEST(DurabilityStartup, ADatabaseFromANewerGatewayIsRefused) {
  testing::ScopedTempDir temp;
  {
    auto store = SqliteStore::Open(temp.path());
    ASSERT_TRUE(store.ok()) << store.status();
    StoreBatch nothing;
    ASSERT_TRUE((*store)->Commit(nothing).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((temp.path() + "/gateway.db").c_str(), &db),
            SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "PRAGMA user_version=7", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto [code, output] = RunServerOn(temp.path());
  EXPECT_EQ(code, 1);
  EXPECT_THAT(output, HasSubstr("schema version 7"));
  EXPECT_THAT(output, HasSubstr("newer"));
}

TEST(Durability, AStartInterruptedBetweenTriggerAndRecordIsAdoptedOnRestart) {
  HarnessOptions options;
  options.sim_args = {"--queued-ms=300", "--in-progress-ms=6000"};
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  // CXone is compiling the flow (started without a key, so no intent of a
  // caller is left) ...
  const v1::Compile running = MustStartCompile(*gateway, "interrupted");
  ASSERT_TRUE(gateway->KillServer().ok());
  // ... and the store holds an intent whose trigger reached CXone but
  // whose compile was never recorded: the gateway died in between.
  {
    auto store = SqliteStore::Open(gateway->state_dir());
    ASSERT_TRUE(store.ok()) << store.status();
    StoreBatch intent;
    intent.request_ids.push_back(
        {"deploy-interrupted", "interrupted", "", "", absl::Now()});
    ASSERT_TRUE((*store)->Commit(intent).ok());
  }
  ASSERT_TRUE(gateway->RestartServer().ok());
  // The gateway completes the interrupted start by itself: CXone's 409
  // names the running compile, and the key is bound to it.
  auto bound_to = [&]() -> std::string {
    auto store = SqliteStore::Open(gateway->state_dir(), {.read_only = true});
    if (!store.ok()) return "";
    auto contents = (*store)->LoadAll();
    if (!contents.ok()) return "";
    for (const StoredRequestId& key : contents->request_ids) {
      if (key.request_id == "deploy-interrupted") return key.compile_name;
    }
    return "";
  };
  EXPECT_TRUE(testing::WaitUntil([&] { return !bound_to().empty(); }));
  EXPECT_EQ(bound_to(), running.name());
  // The caller retries its key and gets the compile CXone is running.
  const v1::Compile adopted =
      MustStartCompile(*gateway, "interrupted", "deploy-interrupted");
  EXPECT_EQ(adopted.name(), running.name());
  EXPECT_EQ(CompilesPerFlow(*gateway)["interrupted"], 1);
}

// Where the gateway is now: the crash test restarts it under running
// clients, which must reconnect to the new address.
class GatewayAddress {
 public:
  void Set(std::string address) {
    absl::MutexLock lock(&mu_);
    address_ = std::move(address);
  }
  std::unique_ptr<v1::CompileService::Stub> Stub() {
    absl::MutexLock lock(&mu_);
    return v1::CompileService::NewStub(
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  }

 private:
  absl::Mutex mu_;
  std::string address_ ABSL_GUARDED_BY(mu_);
};

// One deployment pipeline: starts its compile with a request_id and
// watches it to the end, retrying (same request_id; after_sequence = the
// last event seen) whenever the gateway is gone, until `deadline`.
struct Pipeline {
  std::string flow;
  std::string request_id;
  std::string name;
  std::vector<uint64_t> sequences;  // every logged event received, in order
  v1::State final_state = v1::STATE_UNSPECIFIED;
  bool finished = false;
  std::string last_error;

  void Run(GatewayAddress& gateway, absl::Time deadline) {
    while (!finished && absl::Now() < deadline) {
      std::unique_ptr<v1::CompileService::Stub> stub = gateway.Stub();
      if (name.empty()) {
        v1::StartCompileRequest request;
        request.set_flow_id(flow);
        request.set_request_id(request_id);
        grpc::ClientContext context;
        context.set_deadline(
            absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
        v1::Compile compile;
        grpc::Status status = stub->StartCompile(&context, request, &compile);
        if (status.ok()) {
          name = compile.name();
        } else {
          last_error = status.error_message();
          absl::SleepFor(absl::Milliseconds(50));  // the gateway is down
        }
        continue;
      }
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
      const uint64_t after = sequences.empty() ? 0 : sequences.back();
      auto reader = stub->WatchCompile(&context, After(name, after));
      v1::CompileEvent event;
      while (reader->Read(&event)) {
        if (event.sequence() == 0) continue;  // a marker or the snapshot
        sequences.push_back(event.sequence());
        final_state = event.state();
      }
      grpc::Status status = reader->Finish();
      if (status.ok()) {
        finished = true;
      } else {
        last_error = status.error_message();
        absl::SleepFor(absl::Milliseconds(50));  // the gateway is down
      }
    }
  }
};

class CrashRecovery : public ::testing::TestWithParam<uint32_t> {};

TEST_P(CrashRecovery, HundredWatchedCompilesSurviveKillNineAtARandomMoment) {
  const uint32_t seed = GetParam();
  HarnessOptions options;
  options.sim_args = {"--queued-ms=300", "--in-progress-ms=1000",
                      "--in-progress-ms-max=2500",
                      absl::StrCat("--seed=", seed)};
  options.server_args = {
      "--poll-interval=50ms",     "--queued-poll-interval=50ms",
      "--min-poll-interval=50ms", "--upstream-rps=2000",
      "--upstream-burst=200",     "--max-inflight-requests=16"};
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  GatewayAddress address;
  address.Set(gateway->gateway_address());

  constexpr int kCompiles = 100;
  std::vector<Pipeline> pipelines(kCompiles);
  const absl::Time deadline = absl::Now() + absl::Seconds(60);
  std::vector<std::thread> threads;
  for (int i = 0; i < kCompiles; ++i) {
    pipelines[i].flow = absl::StrCat("crash-", seed, "-", i);
    pipelines[i].request_id = absl::StrCat("pipeline-", seed, "-", i);
    threads.emplace_back([&, i] { pipelines[i].Run(address, deadline); });
  }
  // Kill somewhere between the starts and the last completions.
  std::mt19937 random(seed);
  const absl::Duration kill_after =
      absl::Milliseconds(std::uniform_int_distribution<int>(50, 2500)(random));
  absl::SleepFor(kill_after);
  ASSERT_TRUE(gateway->KillServer().ok());
  ASSERT_TRUE(gateway->RestartServer().ok());
  address.Set(gateway->gateway_address());
  for (auto& thread : threads) thread.join();

  // The kill must have cut some pipelines off mid-way, or it proved nothing.
  const int64_t interrupted = std::count_if(
      pipelines.begin(), pipelines.end(),
      [](const Pipeline& pipeline) { return !pipeline.last_error.empty(); });
  EXPECT_GT(interrupted, 0)
      << "the kill (after " << absl::FormatDuration(kill_after)
      << ") interrupted nobody";
  const std::map<std::string, int> per_flow = CompilesPerFlow(*gateway);
  for (const Pipeline& pipeline : pipelines) {
    SCOPED_TRACE(absl::StrCat(pipeline.flow, " (killed after ",
                              absl::FormatDuration(kill_after), ")"));
    ASSERT_TRUE(pipeline.finished) << pipeline.last_error;
    EXPECT_EQ(pipeline.final_state, v1::STATE_COMPLETED);
    // Every event exactly once, in order, across the restart.
    std::vector<uint64_t> expected(pipeline.sequences.size());
    for (size_t i = 0; i < expected.size(); ++i) expected[i] = i + 1;
    EXPECT_EQ(pipeline.sequences, expected);
    auto triggered = per_flow.find(pipeline.flow);
    EXPECT_EQ(triggered == per_flow.end() ? 0 : triggered->second, 1)
        << "CXone was asked to compile " << pipeline.flow << " other than once";
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, CrashRecovery,
                         ::testing::Values(1u, 2u, 3u, 4u));

}  // namespace
}  // namespace cxone
