// gateway_bench: the whole path under a modest concurrent load, measured.
//
// Starts the real simulator and gateway on loopback, starts `compiles`
// compiles at once, each watched by `watchers` clients, and prints:
//   - StartCompile latency (p50, p99, max),
//   - time from StartCompile to each watcher's terminal event, against the
//     simulator's configured compile duration (the gateway's overhead is the
//     difference, bounded by the poll interval),
//   - upstream requests per compile, from the simulator's own counters,
//   - the gateway's peak resident memory.
// Not a test: it asserts nothing about speed; it prints figures.
//
// Usage: gateway_bench [--compiles=N] [--watchers=W]
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_flags.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/proc_status.h"

namespace {

namespace v1 = ::cxone::compile::v1;
using ::cxone::testing::GatewayHarness;

constexpr int kQueuedMs = 500;
constexpr int kInProgressMs = 1000;
constexpr char kPollInterval[] = "100ms";

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index =
      static_cast<size_t>(p * static_cast<double>(values.size() - 1));
  return values[index];
}

}  // namespace

int main(int argc, char** argv) {
  int64_t compiles_flag = 100;
  int64_t watchers_flag = 4;
  cxone::FlagParser flags(
      "",
      "gateway_bench: the whole path under a modest concurrent load "
      "(prints figures; not a test).\nUsage: gateway_bench [flags]");
  flags.AddInt("compiles", &compiles_flag, {1, 10000},
               "compiles started at once");
  flags.AddInt("watchers", &watchers_flag, {1, 10000}, "watchers per compile");
  cxone::bench::ParseFlagsOrExit(flags, argc, argv, "gateway_bench");
  const int compiles = static_cast<int>(compiles_flag);
  const int watchers = static_cast<int>(watchers_flag);
  cxone::testing::HarnessOptions options;
  options.sim_args = {absl::StrCat("--queued-ms=", kQueuedMs),
                      absl::StrCat("--in-progress-ms=", kInProgressMs)};
  // The simulator has no rate limit here: give the gateway a budget large
  // enough that what is measured is the gateway's own overhead.
  options.server_args = {absl::StrCat("--poll-interval=", kPollInterval),
                         absl::StrCat("--queued-poll-interval=", kPollInterval),
                         absl::StrCat("--min-poll-interval=", kPollInterval),
                         "--upstream-rps=2000",
                         "--upstream-burst=100",
                         "--max-inflight-requests=16",
                         "--upstream-workers=48",
                         absl::StrCat("--max-pending-starts=", compiles)};
  auto gateway = GatewayHarness::Start(options);
  if (!gateway.ok()) {
    std::fprintf(stderr, "cannot start: %s\n",
                 gateway.status().ToString().c_str());
    return 1;
  }
  GatewayHarness& harness = **gateway;

  std::vector<double> start_ms(compiles);
  std::vector<std::vector<double>> done_ms(compiles,
                                           std::vector<double>(watchers, -1));
  std::vector<std::thread> threads;
  const absl::Time begin = absl::Now();
  for (int c = 0; c < compiles; ++c) {
    threads.emplace_back([&, c] {
      v1::StartCompileRequest request;
      request.set_flow_id(absl::StrCat("bench-flow-", c));
      const absl::Time sent = absl::Now();
      auto compile = cxone::testing::StartCompile(harness.stub(), request);
      start_ms[c] = absl::ToDoubleMilliseconds(absl::Now() - sent);
      if (!compile.ok()) return;
      std::vector<std::thread> readers;
      for (int w = 0; w < watchers; ++w) {
        readers.emplace_back([&, c, w, name = compile->name()] {
          auto watch = cxone::testing::WatchToEnd(harness.stub(), name,
                                                  absl::Seconds(60));
          if (watch.status.ok() && !watch.events.empty() &&
              watch.events.back().state() == v1::STATE_COMPLETED) {
            done_ms[c][w] = absl::ToDoubleMilliseconds(absl::Now() - sent);
          }
        });
      }
      for (auto& reader : readers) reader.join();
    });
  }
  for (auto& thread : threads) thread.join();
  const double wall_s = absl::ToDoubleSeconds(absl::Now() - begin);

  std::vector<double> finished;
  int incomplete = 0;
  for (const auto& per_compile : done_ms) {
    for (double ms : per_compile) {
      if (ms < 0) {
        ++incomplete;
      } else {
        finished.push_back(ms);
      }
    }
  }
  auto stats = harness.SimStats();
  auto per_compile = [&](const char* kind) {
    return stats.ok() ? (*stats)["requests"][kind].get<double>() / compiles : 0;
  };
  std::printf(
      "gateway_bench: %d compiles x %d watchers, sim QUEUED %d ms + "
      "IN_PROGRESS %d ms, poll interval %s\n",
      compiles, watchers, kQueuedMs, kInProgressMs, kPollInterval);
  std::printf("  wall time                         %.2f s\n", wall_s);
  std::printf(
      "  StartCompile latency              p50 %.1f ms  p99 %.1f ms  max %.1f "
      "ms\n",
      Percentile(start_ms, 0.5), Percentile(start_ms, 0.99),
      Percentile(start_ms, 1.0));
  std::printf(
      "  start -> terminal event           p50 %.0f ms  p99 %.0f ms  "
      "(compile itself takes %d ms)\n",
      Percentile(finished, 0.5), Percentile(finished, 0.99),
      kQueuedMs + kInProgressMs);
  std::printf("  watch streams without COMPLETED   %d of %d\n", incomplete,
              compiles * watchers);
  std::printf(
      "  upstream requests per compile     token %.2f  trigger %.2f  "
      "status %.2f\n",
      per_compile("token"), per_compile("trigger"), per_compile("status"));
  if (stats.ok()) {
    std::printf("  simulator peak concurrent requests %d\n",
                (*stats)["max_concurrent"].get<int>());
  }
  std::printf("  gateway peak RSS                  %.1f MiB\n",
              static_cast<double>(cxone::testing::ProcStatusField(
                  harness.server().pid(), "VmHWM")) /
                  1024);
  return incomplete == 0 ? 0 : 1;
}
