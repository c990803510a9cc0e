// webhook_bench: what webhooks cost. Two parts, each printing its figures
// (not a test):
//
// 1. Throughput. `compiles` compiles (default 1,000) run while the local
//    receiver holds every delivery unanswered, so that all their events —
//    three per compile — wait for it at once, as when that many compiles
//    complete together; then the receiver answers, and the backlog's
//    deliveries per second are measured from that moment to the last
//    (target >= 2,000/s). The endpoint has `concurrency` in flight.
// 2. What a down receiver costs watchers. Two gateways run the same watch
//    workload at the same time (`watch-compiles` compiles x `watchers`
//    watchers, state changes spread): one's receiver answers at once, the
//    other's hangs until each attempt times out. Watch delivery latency
//    p50/p99 of each, and the p99 difference (target <= +5 ms).
//
// Usage: webhook_bench [--compiles=1000] [--concurrency=16]
//   [--watch-compiles=100] [--watchers=10] [--part=0 (both) | 1 | 2]
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_flags.h"
#include "bench/watch_clients.h"
#include "nlohmann/json.hpp"
#include "tests/support/gateway_harness.h"
#include "tests/support/temp_dir.h"
#include "tests/support/webhook_receiver.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::cxone::bench::Group;
using ::cxone::testing::GatewayHarness;
using ::cxone::testing::ScopedTempDir;
using ::cxone::testing::WebhookReceiver;

constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// A gateway whose one endpoint is `receiver`.
absl::StatusOr<std::unique_ptr<GatewayHarness>> StartGateway(
    const ScopedTempDir& dir, const std::string& name,
    const WebhookReceiver& receiver, int64_t concurrency,
    std::vector<std::string> sim_args, int64_t compiles,
    absl::Duration timeout = absl::Seconds(1)) {
  const std::string config = absl::StrCat(dir.path(), "/", name, ".json");
  std::ofstream(config) << absl::StrCat(
      R"({"allow_loopback": true, "endpoints": [{"name": ")", name,
      R"(", "url": ")", receiver.url(), R"(", "secret": ")", kSecret,
      R"(", "max_concurrency": )", concurrency, R"(, "timeout": ")",
      absl::FormatDuration(timeout), R"("}]})");
  testing::HarnessOptions options;
  options.sim_args = std::move(sim_args);
  options.server_args = {"--poll-interval=200ms",
                         "--queued-poll-interval=200ms",
                         "--min-poll-interval=200ms",
                         "--upstream-rps=20000",
                         "--upstream-burst=500",
                         "--max-inflight-requests=32",
                         absl::StrCat("--max-pending-starts=", compiles + 8),
                         "--upstream-workers=32",
                         absl::StrCat("--webhooks-config=", config)};
  return GatewayHarness::Start(options);
}

void Throughput(int64_t compiles, int64_t concurrency) {
  ScopedTempDir dir;
  WebhookReceiver receiver;
  receiver.Hold();
  auto gateway = StartGateway(dir, "throughput", receiver, concurrency,
                              {"--queued-ms=500", "--in-progress-ms=1000"},
                              compiles, absl::Minutes(5));
  if (!gateway.ok()) {
    std::printf("  cannot start: %s\n", gateway.status().ToString().c_str());
    return;
  }
  const absl::Time began = absl::Now();
  const std::vector<v1::Compile> started =
      testing::StartCompiles((*gateway)->stub(), "burst", compiles);
  const int64_t ok = std::count_if(
      started.begin(), started.end(),
      [](const v1::Compile& compile) { return !compile.name().empty(); });
  // Every compile finished: every delivery is waiting.
  const absl::Time deadline = absl::Now() + absl::Seconds(180);
  while ((*gateway)->Metric("cxone_gateway_live_compiles").value_or(1) > 0 &&
         absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(100));  // bounded by `deadline`
  }
  const int64_t expected = ok * 3;
  const absl::Time released = absl::Now();
  receiver.Release();
  while (receiver.accepted_count() < expected && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));  // bounded by `deadline`
  }
  const double seconds =
      absl::ToDoubleSeconds(receiver.last_accepted() - released);
  const int64_t delivered = receiver.accepted_count();
  std::printf(
      "  %ld compiles finished (after %.1f s); %ld of %ld deliveries made, "
      "%zu attempts in all\n",
      ok, absl::ToDoubleSeconds(released - began), delivered, expected,
      receiver.received().size());
  std::printf(
      "  backlog delivered in %.2f s: %.0f deliveries/s   target >= 2,000/s\n",
      seconds, seconds > 0 ? static_cast<double>(delivered) / seconds : 0.0);
}

void LatencyWhileDown(int64_t compiles, int64_t watchers) {
  ScopedTempDir dir;
  WebhookReceiver up;
  WebhookReceiver down;
  down.DelayAnswers(absl::Seconds(3));  // every attempt times out (1 s)
  const std::vector<std::string> sim_args = {
      "--queued-ms=5000", "--in-progress-ms=1000", "--in-progress-ms-max=4000"};
  auto with_up = StartGateway(dir, "up", up, 4, sim_args, compiles);
  auto with_down = StartGateway(dir, "down", down, 4, sim_args, compiles);
  if (!with_up.ok() || !with_down.ok()) {
    std::printf("  cannot start the gateways\n");
    return;
  }
  for (auto* gateway : {&*with_up, &*with_down}) {
    (void)(*gateway)->SetSimFaults({{"queued_spread_ms", 3000}});
  }
  Group groups[2];
  GatewayHarness* gateways[2] = {with_up->get(), with_down->get()};
  std::vector<v1::Compile> started[2];
  std::thread starters[2];
  for (int i = 0; i < 2; ++i) {
    starters[i] = std::thread([&, i] {
      started[i] =
          testing::StartCompiles(gateways[i]->stub(), "watched", compiles);
    });
  }
  for (std::thread& thread : starters) thread.join();
  std::vector<bench::WatchTarget> targets;
  for (int i = 0; i < 2; ++i) {
    targets.push_back({&gateways[i]->stub(), started[i], &groups[i]});
  }
  bench::WatchToTheEnd(targets, watchers, absl::Seconds(90));
  const char* names[2] = {"receiver up", "receiver down"};
  for (int i = 0; i < 2; ++i) {
    std::printf(
        "  %-14s watch latency p50 %6.1f ms  p99 %6.1f ms  (%lu events, "
        "%ld of %ld watchers saw their result)\n",
        names[i], groups[i].latency.PercentileMs(0.5),
        groups[i].latency.PercentileMs(0.99), groups[i].latency.count(),
        groups[i].terminal_ok.load(), compiles * watchers);
  }
  std::printf("  p99 added by the down receiver  %+.1f ms   target <= +5 ms\n",
              groups[1].latency.PercentileMs(0.99) -
                  groups[0].latency.PercentileMs(0.99));
  std::printf("  attempts the down receiver saw  %zu (all timed out)\n",
              down.received().size());
}

}  // namespace
}  // namespace cxone

int main(int argc, char** argv) {
  int64_t part = 0;
  int64_t compiles = 1000;
  int64_t concurrency = 16;
  int64_t watch_compiles = 100;
  int64_t watchers = 10;
  cxone::FlagParser flags(
      "",
      "webhook_bench: webhook throughput, and what webhooks cost the "
      "watchers (prints figures; not a test).\nUsage: webhook_bench "
      "[flags]");
  flags.AddInt("part", &part, {0, 2}, "0: both parts; 1 or 2: that part");
  flags.AddInt("compiles", &compiles, {1, 10'000},
               "part 1: compiles completing together");
  flags.AddInt("concurrency", &concurrency, {1, 256},
               "part 1: deliveries in flight to the endpoint");
  flags.AddInt("watch-compiles", &watch_compiles, {1, 1000},
               "part 2: compiles watched");
  flags.AddInt("watchers", &watchers, {1, 100}, "part 2: watchers each");
  cxone::bench::ParseFlagsOrExit(flags, argc, argv, "webhook_bench");
  if (part == 0 || part == 1) {
    std::printf(
        "webhook_bench 1: %ld compiles completing together, one "
        "endpoint with %ld in flight\n",
        compiles, concurrency);
    cxone::Throughput(compiles, concurrency);
    std::fflush(stdout);
  }
  if (part == 0 || part == 2) {
    std::printf(
        "webhook_bench 2: %ld compiles x %ld watchers on each of two "
        "gateways, run together\n",
        watch_compiles, watchers);
    cxone::LatencyWhileDown(watch_compiles, watchers);
    std::fflush(stdout);
  }
  return 0;
}
