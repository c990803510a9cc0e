// batch_start_bench: one BatchStartCompiles of 1,000 items against an
// account limited to R = 50 requests per second, with single StartCompile
// calls made while it runs.
//
// Starts the real simulator, limited to `rps` API requests (token, trigger
// and status together) in any rolling second, and the gateway set to that
// limit exactly (--account-rps-limit, as a user sets it; see
// rate_limit_bench), then sends one BatchStartCompiles of `items` items,
// each with its own request_id and labels. The compiles it starts stay
// live (QUEUED 5 s, IN_PROGRESS 20-40 s), so the gateway's status polls
// compete for the same budget. Every `probe-interval-ms` while the batch
// runs, one StartCompile of another flow. Prints:
//   - time until every item was triggered — the call's duration, and the
//     simulator's trigger time of the last item — against the
//     items / R seconds the budget allows (target <= 1.1 x);
//   - the simulator's 429 count (target 0) and requests during a pause,
//     and the requests by kind (token, trigger, status);
//   - the single StartCompile calls' latency p50/max while the batch ran
//     (they must not wait behind the batch).
// Not a test: it prints figures. Every loop is bounded in count and time,
// the whole run by --time-limit-s. Exits 1 if the run did not complete (an
// item or a single call failed, the time ran out), else 0.
//
// Usage: batch_start_bench [--items=1000] [--rps=50]
//   [--probe-interval-ms=1000] [--poll-ms=1000] [--queued-poll-ms=2000]
//   [--time-limit-s=120]
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_flags.h"
#include "bench/latency_histogram.h"
#include "grpcpp/grpcpp.h"
#include "tests/support/gateway_harness.h"

namespace {

namespace v1 = ::cxone::compile::v1;
using ::cxone::testing::GatewayHarness;

// The simulator's trigger time of each compile, by compileId.
std::map<std::string, absl::Time> TriggerTimes(GatewayHarness& harness) {
  std::map<std::string, absl::Time> times;
  auto compiles = harness.SimGet("/_sim/compiles");
  if (!compiles.ok() || !compiles->is_array()) return times;
  for (const auto& compile : *compiles) {
    const auto& transitions = compile["transitions"];
    if (transitions.empty()) continue;
    times[compile["compileId"].get<std::string>()] =
        absl::FromUnixMillis(transitions[0]["at_unix_ms"].get<int64_t>());
  }
  return times;
}

int64_t Count(const nlohmann::json& stats, const char* group, const char* key) {
  if (!stats.contains(group)) return 0;
  return stats[group].value(key, int64_t{0});
}

}  // namespace

int main(int argc, char** argv) {
  int64_t items = 1000;
  int64_t rps = 50;
  int64_t probe_interval_ms = 1000;
  int64_t poll_ms = 1000;
  int64_t queued_poll_ms = 2000;
  int64_t time_limit_s = 120;
  cxone::FlagParser flags(
      "",
      "batch_start_bench: one BatchStartCompiles against an account's rate "
      "limit, with single starts beside it (prints figures; not a test).\n"
      "Usage: batch_start_bench [flags]");
  flags.AddInt("items", &items, {1, 1000}, "items of the batch");
  flags.AddInt("rps", &rps, {1, 5000},
               "the account's limit, requests per rolling second");
  flags.AddInt("probe-interval-ms", &probe_interval_ms, {0, 60'000},
               "a single StartCompile this often while the batch runs; 0: "
               "none");
  flags.AddInt("poll-ms", &poll_ms, {500, 600'000},
               "the gateway's --poll-interval (running compiles), in ms");
  flags.AddInt("queued-poll-ms", &queued_poll_ms, {500, 600'000},
               "the gateway's --queued-poll-interval, in ms");
  flags.AddInt("time-limit-s", &time_limit_s, {10, 3600},
               "bound on the whole run, in seconds");
  cxone::bench::ParseFlagsOrExit(flags, argc, argv, "batch_start_bench");
  const absl::Time deadline = absl::Now() + absl::Seconds(time_limit_s);
  bool complete = true;
  auto fail = [&complete](const std::string& why) {
    std::fprintf(stderr, "batch_start_bench: %s\n", why.c_str());
    complete = false;
  };

  cxone::testing::HarnessOptions options;
  options.sim_args = {"--queued-ms=5000", "--in-progress-ms=20000",
                      "--in-progress-ms-max=40000",
                      absl::StrCat("--rate-limit-rps=", rps), "--seed=7"};
  // The account's limit exactly, as a user sets it; the rest as
  // rate_limit_bench's gateway.
  options.server_args = {
      absl::StrCat("--account-rps-limit=", rps),
      "--max-inflight-requests=16",
      "--upstream-workers=8",
      absl::StrCat("--poll-interval=", poll_ms, "ms"),
      absl::StrCat("--queued-poll-interval=", queued_poll_ms, "ms"),
      "--min-poll-interval=500ms",
      absl::StrCat("--max-pending-starts=", items + 100)};
  auto started = GatewayHarness::Start(options);
  if (!started.ok()) {
    fail(absl::StrCat("cannot start: ", started.status().ToString()));
    return 1;
  }
  // The simulator counts from its start: the gateway's whole run.
  std::unique_ptr<GatewayHarness> harness = *std::move(started);

  v1::BatchStartCompilesRequest batch;
  for (int64_t i = 0; i < items; ++i) {
    v1::StartCompileRequest* item = batch.add_requests();
    item->set_flow_id(absl::StrCat("batch-", i));
    item->set_request_id(absl::StrCat("batch-bench-", i));
    (*item->mutable_labels())["pipeline"] = absl::StrCat("p", i % 10);
  }
  // Single starts on their own channel while the batch runs.
  std::atomic<bool> batch_done{false};
  cxone::bench::LatencyHistogram single_latency;
  std::atomic<int64_t> single_failed{0};
  std::string single_error;
  std::thread singles([&] {
    if (probe_interval_ms == 0) return;
    auto stub = v1::CompileService::NewStub(grpc::CreateChannel(
        harness->gateway_address(), grpc::InsecureChannelCredentials()));
    const int64_t max_calls = time_limit_s * 1000 / probe_interval_ms + 1;
    for (int64_t k = 0;
         k < max_calls && !batch_done.load() && absl::Now() < deadline; ++k) {
      absl::SleepFor(absl::Milliseconds(probe_interval_ms));
      if (batch_done.load()) break;
      v1::StartCompileRequest request;
      request.set_flow_id(absl::StrCat("single-", k));
      const absl::Time sent = absl::Now();
      auto compile = cxone::testing::StartCompile(*stub, request);
      single_latency.Record(absl::ToInt64Microseconds(absl::Now() - sent));
      if (!compile.ok()) {
        if (single_failed.fetch_add(1) == 0) {
          single_error = compile.status().ToString();
        }
      }
    }
  });
  const absl::Time sent = absl::Now();
  auto response = cxone::testing::BatchStartCompiles(
      harness->stub(), batch,
      std::max(absl::Seconds(1), deadline - absl::Now() - absl::Seconds(10)));
  const absl::Time answered = absl::Now();
  batch_done.store(true);
  singles.join();

  int64_t started_items = 0;
  absl::Time last_trigger = sent;
  if (!response.ok()) {
    fail(absl::StrCat("BatchStartCompiles: ", response.status().ToString()));
  } else {
    const std::map<std::string, absl::Time> triggered = TriggerTimes(*harness);
    for (const v1::BatchStartResult& result : response->results()) {
      if (!result.has_compile()) {
        fail(absl::StrCat("an item failed: ", result.status().message()));
        continue;
      }
      ++started_items;
      auto at = triggered.find(result.compile().compile_id());
      if (at != triggered.end())
        last_trigger = std::max(last_trigger, at->second);
    }
  }
  if (single_failed.load() > 0) {
    fail(absl::StrCat(
        single_failed.load(),
        " single StartCompile calls failed, the first: ", single_error));
  }
  auto stats = harness->SimStats();
  if (!stats.ok()) fail(stats.status().ToString());
  const nlohmann::json counters = stats.ok() ? *stats : nlohmann::json();

  const double budget_s = static_cast<double>(items) / static_cast<double>(rps);
  const double call_s = absl::ToDoubleSeconds(answered - sent);
  const int64_t singles_sent = static_cast<int64_t>(single_latency.count());
  std::printf(
      "batch_start_bench: BatchStartCompiles of %ld items, account limit "
      "R=%ld rps (simulator and --account-rps-limit), compiles QUEUED 5 s "
      "then IN_PROGRESS 20-40 s, polled every %ld ms (QUEUED) / %ld ms, a "
      "single StartCompile every %ld ms meanwhile\n",
      items, rps, queued_poll_ms, poll_ms, probe_interval_ms);
  std::printf("  items started                         %ld of %ld\n",
              started_items, items);
  std::printf(
      "  time until all triggered              %.1f s (the call); %.1f s "
      "(the simulator's last trigger)   target <= %.1f s (1.1 x the %.0f s "
      "the budget allows)\n",
      call_s, absl::ToDoubleSeconds(last_trigger - sent), 1.1 * budget_s,
      budget_s);
  std::printf("  ... / (items / R)                     %.2f   target <= 1.10\n",
              call_s / budget_s);
  std::printf(
      "  triggers per second                   %.1f (batch items and single "
      "calls: %ld + %ld)\n",
      static_cast<double>(Count(counters, "requests", "trigger")) / call_s,
      items, singles_sent);
  std::printf("  429s from the simulator               %ld   target 0\n",
              Count(counters, "status_codes", "429"));
  std::printf("  requests during a pause               %ld   target 0\n",
              counters.value("requests_during_pause", int64_t{0}));
  std::printf(
      "  requests by kind                      token %ld, trigger %ld, "
      "status %ld\n",
      Count(counters, "requests", "token"),
      Count(counters, "requests", "trigger"),
      Count(counters, "requests", "status"));
  std::printf(
      "  single StartCompile while it ran      p50 %.0f ms  max %.0f ms  "
      "(%ld calls, %ld failed)\n",
      single_latency.PercentileMs(0.5), single_latency.MaxMs(), singles_sent,
      single_failed.load());
  std::fflush(stdout);
  if (absl::Now() >= deadline) fail("the time limit ran out");
  if (!complete) {
    std::fprintf(stderr, "batch_start_bench: the run did not complete\n");
  }
  return complete ? 0 : 1;
}
