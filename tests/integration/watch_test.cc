// WatchCompile as deployment controllers use it: resuming, following a
// flow, markers and heartbeats, many watchers coming and going, and a
// server that drains at shutdown.
#include <signal.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/harness_testing.h"
#include "tests/support/proc_status.h"
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
using ::testing::HasSubstr;
namespace v1 = ::cxone::compile::v1;

// A compile run to its end: three events (QUEUED, IN_PROGRESS, COMPLETED).
class FinishedCompileTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gateway_ = MustStart().release();
    if (gateway_ == nullptr) return;
    compile_ = new v1::Compile(MustStartCompile(*gateway_, "resume-me"));
    testing::WatchToEnd(gateway_->stub(), compile_->name());
  }
  static void TearDownTestSuite() {
    delete compile_;
    delete gateway_;
  }
  void SetUp() override { ASSERT_NE(gateway_, nullptr); }

  static GatewayHarness* gateway_;
  static v1::Compile* compile_;
};
GatewayHarness* FinishedCompileTest::gateway_ = nullptr;
v1::Compile* FinishedCompileTest::compile_ = nullptr;

TEST_F(FinishedCompileTest, ResumeFromZeroReplaysTheWholeHistory) {
  WatchResult watch = Watch(*gateway_, After(compile_->name(), 0));
  ASSERT_TRUE(watch.status.ok()) << watch.status.error_message();
  EXPECT_THAT(Sequences(watch.events), ::testing::ElementsAre(1, 2, 3));
  // The first event of every stream states the heartbeat interval: here
  // the first replayed event, with no marker before it.
  ASSERT_FALSE(watch.events.empty());
  EXPECT_EQ(watch.events.front().sequence(), 1u);
  EXPECT_TRUE(watch.events.front().has_heartbeat_interval());
  EXPECT_EQ(watch.events.front().resume_after_sequence(), 1u);
  EXPECT_EQ(watch.events.back().state(), v1::STATE_COMPLETED);
  // Only the first: the others are the shared bytes as logged.
  for (size_t i = 1; i < watch.events.size(); ++i) {
    EXPECT_FALSE(watch.events[i].has_heartbeat_interval()) << i;
  }
}

TEST_F(FinishedCompileTest, ResumeFromTheMiddleReplaysOnlyWhatFollows) {
  WatchResult watch = Watch(*gateway_, After(compile_->name(), 1));
  ASSERT_TRUE(watch.status.ok());
  EXPECT_THAT(Sequences(watch.events), ::testing::ElementsAre(2, 3));
  for (const auto& event : testing::WithoutMarkers(watch.events)) {
    EXPECT_EQ(event.resume_after_sequence(), event.sequence());
  }
}

TEST_F(FinishedCompileTest, ResumeFromTheLastEventEndsAtOnce) {
  WatchResult watch = Watch(*gateway_, After(compile_->name(), 3));
  EXPECT_TRUE(watch.status.ok());
  EXPECT_TRUE(watch.events.empty());
}

TEST_F(FinishedCompileTest, ResumePastTheEndEndsAtOnce) {
  WatchResult watch = Watch(*gateway_, After(compile_->name(), 1000));
  EXPECT_TRUE(watch.status.ok());
  EXPECT_TRUE(watch.events.empty());
}

TEST_F(FinishedCompileTest, ResumeAfterTheLargestSequenceEndsAtOnce) {
  // after_sequence + 1 wraps to 0 here: the cursor must not be moved.
  WatchResult watch = Watch(*gateway_, After(compile_->name(), UINT64_MAX));
  EXPECT_TRUE(watch.status.ok()) << watch.status.error_message();
  EXPECT_TRUE(watch.events.empty());
}

TEST(WatchRetention, ExpiredEventsAreOutOfRangeSayingWhatIsRetained) {
  HarnessOptions options;
  options.server_args.push_back("--event-retention=100ms");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  v1::Compile compile = MustStartCompile(*gateway, "short-memory");
  testing::WatchToEnd(gateway->stub(), compile.name());
  // The sweeper runs every 100 ms: wait (bounded) for it to drop events.
  WatchResult expired;
  for (int i = 0; i < 300; ++i) {
    expired = Watch(*gateway, After(compile.name(), 0));
    if (expired.status.error_code() == grpc::StatusCode::OUT_OF_RANGE) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  ASSERT_EQ(expired.status.error_code(), grpc::StatusCode::OUT_OF_RANGE)
      << expired.status.error_message();
  EXPECT_THAT(expired.status.error_message(), HasSubstr("events 3 to 3"));
  EXPECT_THAT(expired.status.error_message(), HasSubstr("GetCompile"));
  // What is retained can still be replayed, and the result read.
  WatchResult last = Watch(*gateway, After(compile.name(), 2));
  ASSERT_TRUE(last.status.ok());
  EXPECT_THAT(Sequences(last.events), ::testing::ElementsAre(3));
  WatchResult snapshot = testing::WatchToEnd(gateway->stub(), compile.name());
  ASSERT_TRUE(snapshot.status.ok());
  EXPECT_EQ(snapshot.events.back().state(), v1::STATE_COMPLETED);
}

TEST(WatchRetention, EventsDroppedUnderASlowWatcherEndItOutOfRangeRedacted) {
  HarnessOptions options;
  options.server_args.push_back("--event-retention=100ms");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  // A flow named like the client secret: the OUT_OF_RANGE message names
  // the compile, and must still not show the secret.
  v1::Compile compile =
      MustStartCompile(*gateway, testing::kHarnessClientSecret);
  ASSERT_TRUE(testing::WatchToEnd(gateway->stub(), compile.name()).status.ok());
  // A watcher whose flow-control window holds less than one event: the
  // gateway's cursor stays where the watcher's reading is.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  auto slow = v1::CompileService::NewStub(grpc::CreateCustomChannel(
      gateway->gateway_address(), grpc::InsecureChannelCredentials(), args));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  auto reader = slow->WatchCompile(&context, After(compile.name(), 0));
  // Until the sweeper has dropped what the watcher has not read.
  ASSERT_TRUE(testing::WaitUntil([&] {
    return Watch(*gateway, After(compile.name(), 0)).status.error_code() ==
           grpc::StatusCode::OUT_OF_RANGE;
  }));
  v1::CompileEvent event;
  while (reader->Read(&event)) {
  }
  grpc::Status status = reader->Finish();
  ASSERT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE)
      << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("no longer retained"));
  EXPECT_THAT(status.error_message(),
              ::testing::Not(HasSubstr(testing::kHarnessClientSecret)));
  EXPECT_THAT(status.error_message(), HasSubstr("[REDACTED]"));
}

TEST(WatchByFlow, FollowsTheNewestCompileOfTheFlow) {
  auto gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  v1::Compile first = MustStartCompile(*gateway, "by-flow");
  testing::WatchToEnd(gateway->stub(), first.name());
  v1::Compile second = MustStartCompile(*gateway, "by-flow");
  ASSERT_NE(first.name(), second.name());
  v1::WatchCompileRequest request;
  request.set_flow_id("by-flow");
  WatchResult watch = Watch(*gateway, request);
  ASSERT_TRUE(watch.status.ok()) << watch.status.error_message();
  for (const auto& event : watch.events) EXPECT_EQ(event.name(), second.name());
  EXPECT_EQ(watch.events.back().state(), v1::STATE_COMPLETED);
}

TEST(WatchByFlow, RejectsWhatCannotBeAnswered) {
  auto gateway = MustStart();
  ASSERT_NE(gateway, nullptr);
  v1::WatchCompileRequest unknown;
  unknown.set_flow_id("never-compiled");
  EXPECT_EQ(Watch(*gateway, unknown).status.error_code(),
            grpc::StatusCode::NOT_FOUND);
  v1::WatchCompileRequest both;
  both.set_flow_id("a");
  both.set_name("flows/a/compiles/b");
  EXPECT_EQ(Watch(*gateway, both).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  v1::WatchCompileRequest flow_with_cursor;
  flow_with_cursor.set_flow_id("a");
  flow_with_cursor.set_after_sequence(1);
  EXPECT_EQ(Watch(*gateway, flow_with_cursor).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Watch(*gateway, v1::WatchCompileRequest()).status.error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST(WatchMarkers, SyncedThenHeartbeatsFillEverySilence) {
  HarnessOptions options;
  options.sim_args = {"--queued-ms=200", "--in-progress-ms=1500"};
  options.server_args.push_back("--heartbeat-interval=150ms");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  v1::Compile compile = MustStartCompile(*gateway, "quiet");
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
  v1::WatchCompileRequest request;
  request.set_name(compile.name());
  auto reader = gateway->stub().WatchCompile(&context, request);
  std::vector<v1::CompileEvent> events;
  std::vector<absl::Time> arrivals;
  v1::CompileEvent event;
  while (reader->Read(&event)) {
    events.push_back(event);
    arrivals.push_back(absl::Now());
  }
  ASSERT_TRUE(reader->Finish().ok());
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[0].type(), v1::EVENT_TYPE_SNAPSHOT);
  EXPECT_EQ(events[0].heartbeat_interval().nanos(), 150'000'000);
  EXPECT_EQ(events[1].type(), v1::EVENT_TYPE_SYNCED);
  EXPECT_EQ(events[1].sequence(), 0u);
  EXPECT_EQ(events[1].resume_after_sequence(), events[0].sequence());
  int heartbeats = 0;
  uint64_t cursor = 0;
  for (const auto& e : events) {
    if (e.type() == v1::EVENT_TYPE_HEARTBEAT) {
      ++heartbeats;
      EXPECT_EQ(e.sequence(), 0u);
      EXPECT_EQ(e.resume_after_sequence(), cursor);
    } else if (e.sequence() > 0) {
      cursor = e.sequence();
    }
  }
  EXPECT_GE(heartbeats, 3);  // 1.5 s in progress, a beat every 150 ms
  // The promise clients rely on: never silent for two intervals.
  for (size_t i = 1; i < arrivals.size(); ++i) {
    EXPECT_LE(arrivals[i] - arrivals[i - 1], absl::Milliseconds(300)) << i;
  }
}

// Resumes `name` after `after` and returns the first message, which must
// come within `within` (the stream is then cancelled).
absl::StatusOr<v1::CompileEvent> FirstMessage(GatewayHarness& gateway,
                                              const std::string& name,
                                              uint64_t after,
                                              absl::Duration within) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + within));
  auto reader = gateway.stub().WatchCompile(&context, After(name, after));
  v1::CompileEvent first;
  if (!reader->Read(&first)) {
    grpc::Status status = reader->Finish();
    return absl::DeadlineExceededError(
        absl::StrCat("no message within ", absl::FormatDuration(within), ": ",
                     status.error_message()));
  }
  context.TryCancel();
  reader->Finish();
  return first;
}

TEST(WatchMarkers, ResumingAtTheHeadOfALiveCompileIsSyncedAtOnce) {
  HarnessOptions options;
  // The next event is 60 s away and so is a heartbeat: a SYNCED that waits
  // for either misses the deadline below.
  options.sim_args = {"--queued-ms=100", "--in-progress-ms=60000"};
  options.server_args.push_back("--heartbeat-interval=60s");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  v1::Compile compile = MustStartCompile(*gateway, "resumed-at-head");
  // Follow the compile until it is in progress: its head, for a minute.
  uint64_t head = 0;
  {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(20)));
    v1::WatchCompileRequest request;
    request.set_name(compile.name());
    auto reader = gateway->stub().WatchCompile(&context, request);
    v1::CompileEvent event;
    while (reader->Read(&event)) {
      if (event.sequence() > 0) head = event.sequence();
      if (event.state() == v1::STATE_IN_PROGRESS) break;
    }
    context.TryCancel();
    reader->Finish();
  }
  ASSERT_GT(head, 0u);
  for (uint64_t after : {head, head + 1, uint64_t{UINT64_MAX}}) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      absl::StatusOr<v1::CompileEvent> first =
          FirstMessage(*gateway, compile.name(), after, absl::Seconds(3));
      ASSERT_TRUE(first.ok()) << "after " << after << ": " << first.status();
      EXPECT_EQ(first->type(), v1::EVENT_TYPE_SYNCED)
          << "after " << after << ": " << first->DebugString();
      // Caught up at the last event, however far past it the cursor was.
      EXPECT_EQ(first->resume_after_sequence(), head);
      EXPECT_EQ(first->heartbeat_interval().seconds(), 60);
    }
  }
}

TEST(WatchLifetime, CancelledWatchersAreReleasedAtOnce) {
  HarnessOptions options;
  options.sim_args = {"--queued-ms=200", "--in-progress-ms=120000"};
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  v1::Compile compile = MustStartCompile(*gateway, "long-running");
  constexpr int kWatchers = 1000;
  auto channel = grpc::CreateChannel(gateway->gateway_address(),
                                     grpc::InsecureChannelCredentials());
  auto stub = v1::CompileService::NewStub(channel);
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::CompileEvent>>> readers;
  for (int i = 0; i < kWatchers; ++i) {
    contexts.push_back(std::make_unique<grpc::ClientContext>());
    v1::WatchCompileRequest request;
    request.set_name(compile.name());
    readers.push_back(stub->WatchCompile(contexts.back().get(), request));
    v1::CompileEvent first;
    ASSERT_TRUE(readers.back()->Read(&first)) << i;  // the stream is open
  }
  EXPECT_EQ(*gateway->Metric("cxone_gateway_live_watchers"), kWatchers);
  for (auto& context : contexts) context->TryCancel();
  for (auto& reader : readers) {
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  }
  double live = -1;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    live = gateway->Metric("cxone_gateway_live_watchers").value_or(-1);
    if (live == 0) break;
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(live, 0);
}

TEST(WatchDrain, SigtermEndsEveryWatchWithItsResumeCursor) {
  HarnessOptions options;
  options.sim_args = {"--queued-ms=200", "--in-progress-ms=120000"};
  options.server_args.push_back("--drain-timeout=5s");
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  v1::Compile compile = MustStartCompile(*gateway, "draining");
  constexpr int kWatchers = 100;
  std::vector<WatchResult> results(kWatchers);
  std::atomic<int> opened{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWatchers; ++i) {
    threads.emplace_back([&, i] {
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
      v1::WatchCompileRequest request;
      request.set_name(compile.name());
      auto reader = gateway->stub().WatchCompile(&context, request);
      v1::CompileEvent event;
      bool counted = false;
      while (reader->Read(&event)) {
        results[i].events.push_back(event);
        if (!counted && event.type() == v1::EVENT_TYPE_SYNCED) {
          counted = true;
          ++opened;
        }
      }
      results[i].status = reader->Finish();
    });
  }
  const absl::Time open_deadline = absl::Now() + absl::Seconds(30);
  while (opened.load() < kWatchers && absl::Now() < open_deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(opened.load(), kWatchers);
  const absl::Time sent = absl::Now();
  gateway->server().Signal(SIGTERM);
  for (auto& thread : threads) thread.join();
  auto code = gateway->server().Wait(absl::Seconds(30));
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0);
  EXPECT_LT(absl::Now() - sent, absl::Seconds(10));
  for (const WatchResult& result : results) {
    EXPECT_EQ(result.status.error_code(), grpc::StatusCode::UNAVAILABLE);
    const uint64_t cursor = result.events.back().resume_after_sequence();
    EXPECT_THAT(result.status.error_message(),
                HasSubstr(absl::StrCat(
                    "server draining; resume with after_sequence=", cursor)));
  }
}

TEST(WatchSlowConsumer, ANonReadingWatcherHoldsBackNobodyAndLosesNothing) {
  HarnessOptions options;
  // A chatty compile: a new (unknown) status on every 20 ms poll for 3 s,
  // so well over a hundred events.
  options.sim_args = {"--queued-ms=100", "--in-progress-ms=3000",
                      "--chatty-flows=chatty"};
  options.server_args.insert(
      options.server_args.end(),
      {"--poll-interval=20ms", "--min-poll-interval=20ms", "--upstream-rps=500",
       "--upstream-burst=50"});
  auto gateway = MustStart(options);
  ASSERT_NE(gateway, nullptr);
  v1::Compile compile = MustStartCompile(*gateway, "chatty");

  // The slow watcher: a tiny receive window, so the server really cannot
  // write to it while it does not read.
  grpc::ChannelArguments slow_args;
  slow_args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 1024);
  slow_args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  auto slow_stub = v1::CompileService::NewStub(
      grpc::CreateCustomChannel(gateway->gateway_address(),
                                grpc::InsecureChannelCredentials(), slow_args));
  grpc::ClientContext slow_context;
  slow_context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
  v1::WatchCompileRequest slow_request;
  slow_request.set_name(compile.name());
  auto slow = slow_stub->WatchCompile(&slow_context, slow_request);
  v1::CompileEvent first;
  ASSERT_TRUE(slow->Read(&first));  // open, then it stops reading
  const int64_t rss_before =
      testing::ProcStatusField(gateway->server().pid(), "VmRSS");

  constexpr int kReaders = 100;
  std::vector<WatchResult> readers(kReaders);
  std::vector<absl::Time> finished_at(kReaders);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReaders; ++i) {
    threads.emplace_back([&, i] {
      readers[i] = testing::WatchToEnd(gateway->stub(), compile.name(),
                                       absl::Seconds(60));
      finished_at[i] = absl::Now();
    });
  }
  for (auto& thread : threads) thread.join();
  const int64_t rss_after =
      testing::ProcStatusField(gateway->server().pid(), "VmRSS");

  // Every reader got every event, in order, and on time: the slow one did
  // not hold them back.
  const std::vector<uint64_t> expected = Sequences(readers[0].events);
  ASSERT_GE(expected.size(), 50u);
  const v1::CompileEvent terminal = readers[0].events.back();
  ASSERT_EQ(terminal.state(), v1::STATE_COMPLETED);
  const absl::Time terminal_seen =
      absl::FromUnixSeconds(terminal.time().seconds()) +
      absl::Nanoseconds(terminal.time().nanos());
  for (int i = 0; i < kReaders; ++i) {
    ASSERT_TRUE(readers[i].status.ok()) << i;
    std::vector<uint64_t> got = Sequences(readers[i].events);
    for (size_t k = 1; k < got.size(); ++k)
      EXPECT_EQ(got[k], got[k - 1] + 1) << i;
    EXPECT_EQ(got.back(), expected.back()) << i;
    EXPECT_LT(finished_at[i] - terminal_seen, absl::Seconds(2)) << i;
  }

  // The slow watcher, reading at last, gets everything in order.
  std::vector<v1::CompileEvent> late = {first};
  v1::CompileEvent event;
  while (slow->Read(&event)) late.push_back(event);
  ASSERT_TRUE(slow->Finish().ok());
  std::vector<uint64_t> got = Sequences(late);
  ASSERT_FALSE(got.empty());
  for (size_t k = 1; k < got.size(); ++k) EXPECT_EQ(got[k], got[k - 1] + 1);
  EXPECT_EQ(got.back(), expected.back());
  EXPECT_EQ(late.back().state(), v1::STATE_COMPLETED);
  // Its lag cost the server nothing it keeps per watcher: events are shared
  // and the watcher is a cursor (a loose bound: RSS is noisy).
  EXPECT_LT(rss_after - rss_before, 16 * 1024)
      << "before " << rss_before << " KiB, after " << rss_after << " KiB";
}

}  // namespace
}  // namespace cxone
