// store_bench: what durable state costs. Three parts, each printing its
// figures (not a test):
//
// 1. Write throughput. `writers` threads (default 500, one per compile)
//    each record one event at a time — the compile's row and the event, as
//    a job does on every change — through one GroupCommitter into SQLite,
//    for `seconds`. Events persisted per second (target >= 20,000), and
//    events per transaction; then the same with an fsync per commit.
// 2. Delivery latency with the store on vs in memory. Two gateways, one
//    per store, each with its own simulator, run the same workload at the
//    same time: `compiles` compiles changing state at their own moments,
//    `watchers` async watch streams on each. p50/p99 of (receive time -
//    event time) for each (target: p99 at most 5 ms above memory's).
// 3. Recovery. A state dir holding `recovery-compiles` compiles and
//    `recovery-events` events in all, left as kill -9 leaves it (written by
//    a child that _exits without closing the database), then the time from
//    starting the server to its "listening" line, i.e. SERVING (target
//    <= 2 s), and the recovery time the server logs.
//
// Usage: store_bench [--writers=500] [--seconds=5] [--compiles=100]
//   [--watchers=10] [--recovery-compiles=10000] [--recovery-events=200000]
//   [--part=0 (all) | 1 | 2 | 3]
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_flags.h"
#include "bench/watch_clients.h"
#include "nlohmann/json.hpp"
#include "server/store/group_committer.h"
#include "server/store/sqlite_store.h"
#include "tests/support/child_process.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/temp_dir.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::cxone::bench::Group;
using ::cxone::testing::GatewayHarness;
using ::cxone::testing::ScopedTempDir;

// A compile's row and one event of it, about the size the gateway writes.
StoreBatch OneChange(int64_t compile, uint64_t sequence, bool terminal) {
  StoreBatch batch;
  StoredCompile stored;
  stored.compile.set_name(
      absl::StrCat("flows/bench-", compile, "/compiles/c-", compile));
  stored.compile.set_flow_id(absl::StrCat("bench-", compile));
  stored.compile.set_compile_id(absl::StrCat("c-", compile));
  stored.compile.set_state(terminal ? v1::STATE_COMPLETED
                                    : v1::STATE_IN_PROGRESS);
  stored.compile.mutable_create_time()->set_seconds(1'800'000'000 + compile);
  stored.compile.mutable_update_time()->set_seconds(1'800'000'000 + compile);
  stored.last_sequence = sequence;
  if (terminal) stored.finished_at = absl::Now();
  v1::CompileEvent event;
  event.set_sequence(sequence);
  event.set_type(v1::EVENT_TYPE_STATE_CHANGED);
  event.set_state(stored.compile.state());
  event.set_name(stored.compile.name());
  event.set_resume_after_sequence(sequence);
  event.mutable_time()->set_seconds(1'800'000'000);
  event.set_upstream_status("IN_PROGRESS");
  batch.events.push_back(
      {stored.compile.name(), sequence, event.SerializeAsString()});
  batch.compiles.push_back(std::move(stored));
  return batch;
}

void WriteThroughput(int64_t writers, int64_t seconds, bool sync_every_commit) {
  ScopedTempDir dir;
  SqliteStoreOptions options;
  options.sync_every_commit = sync_every_commit;
  auto store = SqliteStore::Open(dir.path(), options);
  if (!store.ok()) {
    std::printf("  cannot open a store: %s\n",
                store.status().ToString().c_str());
    return;
  }
  RealClock clock;
  GroupCommitter journal(store->get(), &clock);
  if (absl::Status started = journal.Start(); !started.ok()) {
    std::printf("  cannot start the journal: %s\n",
                started.ToString().c_str());
    return;
  }
  std::atomic<int64_t> events{0};
  std::atomic<int64_t> failures{0};
  const absl::Time begin = absl::Now();
  const absl::Time end = begin + absl::Seconds(seconds);
  constexpr uint64_t kMaxEventsPerWriter = 1'000'000;  // bounds the loop
  std::vector<std::thread> threads;
  for (int64_t writer = 0; writer < writers; ++writer) {
    threads.emplace_back([&, writer] {
      for (uint64_t sequence = 1;
           sequence <= kMaxEventsPerWriter && absl::Now() < end; ++sequence) {
        if (journal.Commit(OneChange(writer, sequence, false)).ok()) {
          events.fetch_add(1, std::memory_order_relaxed);
        } else {
          failures.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - begin);
  journal.Shutdown();
  std::printf(
      "  %-28s %9.0f events/s  (%ld events in %.1f s, %ld transactions, "
      "%.1f events per transaction, %ld failed)%s\n",
      sync_every_commit ? "fsync every commit (FULL)"
                        : "WAL, synchronous=NORMAL",
      static_cast<double>(events.load()) / elapsed, events.load(), elapsed,
      journal.transactions(),
      journal.transactions() > 0
          ? static_cast<double>(events.load()) /
                static_cast<double>(journal.transactions())
          : 0.0,
      failures.load(), sync_every_commit ? "" : "   target >= 20,000");
}

// One gateway of the latency comparison and its watchers.
struct LatencyRun {
  std::string store;
  std::unique_ptr<GatewayHarness> gateway;
  std::vector<v1::Compile> compiles;
  Group group;
};

absl::Status StartLatencyRun(LatencyRun& run, int64_t compiles) {
  testing::HarnessOptions options;
  options.sim_args = {"--queued-ms=6000", "--in-progress-ms=1000",
                      "--in-progress-ms-max=4000"};
  options.server_args = {"--poll-interval=100ms",
                         "--queued-poll-interval=100ms",
                         "--min-poll-interval=100ms",
                         "--upstream-rps=5000",
                         "--upstream-burst=200",
                         "--max-inflight-requests=16",
                         absl::StrCat("--max-pending-starts=", compiles + 8),
                         absl::StrCat("--upstream-workers=", 16),
                         absl::StrCat("--store=", run.store)};
  auto gateway = GatewayHarness::Start(options);
  if (!gateway.ok()) return gateway.status();
  run.gateway = *std::move(gateway);
  return run.gateway->SetSimFaults({{"queued_spread_ms", 4000}});
}

void DeliveryLatency(int64_t compiles, int64_t watchers) {
  LatencyRun runs[2];
  runs[0].store = "sqlite";
  runs[1].store = "memory";
  for (LatencyRun& run : runs) {
    if (absl::Status started = StartLatencyRun(run, compiles); !started.ok()) {
      std::printf("  cannot start the %s gateway: %s\n", run.store.c_str(),
                  started.ToString().c_str());
      return;
    }
  }
  // The same compiles on both, started together.
  std::vector<std::thread> starters;
  for (LatencyRun& run : runs) {
    starters.emplace_back([&run, compiles] {
      run.compiles =
          testing::StartCompiles(run.gateway->stub(), "latency", compiles);
    });
  }
  for (std::thread& thread : starters) thread.join();
  std::vector<bench::WatchTarget> targets;
  for (LatencyRun& run : runs) {
    targets.push_back({&run.gateway->stub(), run.compiles, &run.group});
  }
  bench::WatchToTheEnd(targets, watchers, absl::Seconds(60));
  for (LatencyRun& run : runs) {
    std::printf(
        "  store=%-7s p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms  (%lu events, "
        "%ld of %ld watchers saw their result)\n",
        run.store.c_str(), run.group.latency.PercentileMs(0.5),
        run.group.latency.PercentileMs(0.99), run.group.latency.MaxMs(),
        run.group.latency.count(), run.group.terminal_ok.load(),
        compiles * watchers);
  }
  std::printf("  p99 difference             %+.1f ms   target <= +5 ms\n",
              runs[0].group.latency.PercentileMs(0.99) -
                  runs[1].group.latency.PercentileMs(0.99));
}

// Writes `compiles` compiles with `events` events in all, then _exits
// without closing the database, as a killed gateway would.
void WriteStateAndDie(const std::string& dir, int64_t compiles,
                      int64_t events) {
  auto store = SqliteStore::Open(dir);
  if (!store.ok()) _exit(1);
  const int64_t per_compile = std::max<int64_t>(1, events / compiles);
  constexpr int64_t kCompilesPerBatch = 200;
  for (int64_t first = 0; first < compiles; first += kCompilesPerBatch) {
    StoreBatch batch;
    for (int64_t c = first; c < std::min(compiles, first + kCompilesPerBatch);
         ++c) {
      // One compile in a hundred is still running.
      const bool live = c % 100 == 0;
      for (int64_t s = 1; s <= per_compile; ++s) {
        StoreBatch change =
            OneChange(c, static_cast<uint64_t>(s), !live && s == per_compile);
        batch.events.push_back(std::move(change.events.front()));
        if (s == per_compile) {
          batch.compiles.push_back(std::move(change.compiles.front()));
        }
      }
    }
    if (!(*store)->Commit(batch).ok()) _exit(1);
  }
  _exit(0);  // no destructor: the WAL is left as a crash leaves it
}

void Recovery(int64_t compiles, int64_t events) {
  ScopedTempDir dir;
  const absl::Time write_begin = absl::Now();
  const pid_t child = fork();
  if (child == 0) WriteStateAndDie(dir.path(), compiles, events);
  int status = 0;
  waitpid(child, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::printf("  could not write the state\n");
    return;
  }
  std::printf("  state written in %.1f s (%ld compiles, %ld events)\n",
              absl::ToDoubleSeconds(absl::Now() - write_begin), compiles,
              events);
  const absl::Time start = absl::Now();
  auto server = testing::ChildProcess::Start(
      CXONE_SERVER_BINARY,
      {"--listen=127.0.0.1:0", "--metrics-listen=127.0.0.1:0",
       "--client-id=bench", "--cxone-base-url=http://127.0.0.1:9",
       absl::StrCat("--state-dir=", dir.path()),
       absl::StrCat("--max-finished-compiles=", compiles * 2)},
      {{"CXONE_CLIENT_SECRET", "bench-secret"}});
  if (!server.ok()) {
    std::printf("  cannot start the server: %s\n",
                server.status().ToString().c_str());
    return;
  }
  auto listening = (*server)->WaitForLine(
      [](const std::string& line) {
        return absl::StrContains(line, "\"msg\":\"listening\"");
      },
      absl::Seconds(120));
  const double to_serving = absl::ToDoubleSeconds(absl::Now() - start);
  double recovery_seconds = -1;
  int64_t recovered_compiles = -1;
  int64_t recovered_events = -1;
  for (const std::string& line : (*server)->Lines()) {
    if (!absl::StrContains(line, "\"msg\":\"recovered state\"")) continue;
    auto json = nlohmann::json::parse(line, nullptr, false);
    if (!json.is_object()) continue;
    recovery_seconds = json.value("seconds", -1.0);
    recovered_compiles = json.value("compiles", int64_t{-1});
    recovered_events = json.value("events", int64_t{-1});
  }
  std::printf("  recovered                  %ld compiles, %ld events\n",
              recovered_compiles, recovered_events);
  std::printf(
      "  start to SERVING           %.2f s   target <= 2 s%s\n"
      "  of which loading the store %.2f s (the server's own figure)\n",
      to_serving, listening.ok() ? "" : "  (never listened)", recovery_seconds);
  (*server)->Signal(SIGKILL);
  (void)(*server)->Wait(absl::Seconds(10));
}

}  // namespace
}  // namespace cxone

int main(int argc, char** argv) {
  int64_t part = 0;
  int64_t writers = 500;
  int64_t seconds = 5;
  int64_t compiles = 100;
  int64_t watchers = 10;
  int64_t recovery_compiles = 10'000;
  int64_t recovery_events = 200'000;
  cxone::FlagParser flags(
      "",
      "store_bench: what durable state costs (prints figures; not a "
      "test).\nUsage: store_bench [flags]");
  flags.AddInt("part", &part, {0, 3},
               "0: every part; 1 write throughput, 2 delivery latency, 3 "
               "recovery");
  flags.AddInt("writers", &writers, {1, 5000},
               "part 1: writer threads, one per compile");
  flags.AddInt("seconds", &seconds, {1, 120}, "part 1: seconds of writing");
  flags.AddInt("compiles", &compiles, {1, 1000}, "part 2: compiles");
  flags.AddInt("watchers", &watchers, {1, 100},
               "part 2: watch streams on each gateway");
  flags.AddInt("recovery-compiles", &recovery_compiles, {1, 1'000'000},
               "part 3: compiles in the state dir");
  flags.AddInt("recovery-events", &recovery_events, {1, 10'000'000},
               "part 3: events in the state dir, in all");
  cxone::bench::ParseFlagsOrExit(flags, argc, argv, "store_bench");
  if (part == 0 || part == 1) {
    std::printf(
        "store_bench 1: %ld writers (one per compile), group commit, "
        "%ld s each\n",
        writers, seconds);
    cxone::WriteThroughput(writers, seconds, /*sync_every_commit=*/false);
    cxone::WriteThroughput(writers, seconds, /*sync_every_commit=*/true);
    std::fflush(stdout);
  }
  if (part == 0 || part == 2) {
    std::printf(
        "store_bench 2: %ld compiles x %ld watchers on each of two "
        "gateways, run together\n",
        compiles, watchers);
    cxone::DeliveryLatency(compiles, watchers);
    std::fflush(stdout);
  }
  if (part == 0 || part == 3) {
    std::printf("store_bench 3: recovery after kill -9\n");
    cxone::Recovery(recovery_compiles, recovery_events);
    std::fflush(stdout);
  }
  return 0;
}
