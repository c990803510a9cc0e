// collection_watch_bench: controllers watching a whole collection of
// compiles with one WatchCompiles stream each, against the same events
// through per-compile WatchCompile streams.
//
// Starts the real simulator and gateway on loopback and `compiles` (default
// 1,000) labelled compiles through BatchStartCompiles — all at once, or
// --start-rate per second; each logs three events: QUEUED (its start),
// IN_PROGRESS, COMPLETED. The compiles leave
// QUEUED at their own moments (each phase lasts up to --spread-ms longer,
// drawn at random). `watchers` (default 100) controllers, each on its own
// connection, watch them in one of two ways, each run on a fresh gateway
// with the same schedule:
//   - collection: one WatchCompiles stream per controller (filter: the
//     bench's label), opened before the compiles start, from the revision
//     ListCompiles reports, so it receives every event live, starts
//     included: watchers x compiles x 3 deliveries;
//   - per-compile: one WatchCompile stream per controller and compile
//     (watchers x compiles streams, 100,000 by default), opened once the
//     compiles have started — the start reaches them as the SNAPSHOT, the
//     two changes live. The same deliveries, over 1,000 times the streams.
// Prints, for each:
//   - delivery latency p50/p99/max: the client's receive time minus the
//     event's `time` (when the gateway observed the change), every live
//     event at every watcher (target p99 <= 50 ms for the collection),
//     and split into the starts and the changes after them;
//   - server CPU seconds (/proc/PID/stat) per 1,000 deliveries over the
//     change phase — IN_PROGRESS and COMPLETED, the same 2 x compiles x
//     watchers deliveries in both runs, every stream already open — gross
//     and net of the idle polling rate measured just before it (target:
//     collection no worse than per-compile); the CPU to open the streams,
//     and the whole run's per 1,000 deliveries;
//   - the checks: every collection watcher received every revision after
//     the one it started from exactly once, in order, up to the revision
//     of a final ListCompiles; every per-compile stream ended OK after its
//     terminal event with the expected number of live events.
// Not a test: it prints figures. Every wait is bounded in time; the whole
// run by --time-limit-s. Exits 1 if a run did not complete (a stream did
// not open or ended early, a check failed, the time ran out), else 0.
//
// Usage: collection_watch_bench [--compiles=1000] [--watchers=100]
//   [--mode=both|collection|per-compile] [--channels=0 (one per watcher)]
//   [--queued-ms=AUTO] [--in-progress-ms=2000] [--spread-ms=10000]
//   [--start-rate=0 (all at once)]
//   [--poll-ms=1000] [--batch=2000] [--client-queues=8] [--watch-queues=8]
//   [--time-limit-s=900]
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_flags.h"
#include "bench/watch_clients.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/proc_status.h"
#include "tests/support/wait_until.h"

namespace {

namespace v1 = ::cxone::compile::v1;
using ::cxone::bench::CollectionWatch;
using ::cxone::bench::Group;
using ::cxone::bench::LatencyHistogram;
using ::cxone::bench::Watch;
using ::cxone::testing::GatewayHarness;
using ::cxone::testing::ProcCpuSeconds;
using ::cxone::testing::WaitUntil;

constexpr char kLabelKey[] = "bench";
constexpr char kLabelValue[] = "collection-watch";
constexpr int64_t kMaxBatch = 1000;  // items of one BatchStartCompiles

struct Settings {
  int64_t compiles = 1000;
  int64_t watchers = 100;
  int64_t channels = 0;
  int64_t queued_ms = 0;
  int64_t in_progress_ms = 2000;
  int64_t spread_ms = 10'000;
  int64_t start_rate = 0;
  int64_t poll_ms = 1000;
  int64_t batch = 2000;
  int64_t client_queues = 8;
  int64_t watch_queues = 8;
  int64_t time_limit_s = 900;
};

// One run's figures.
struct Run {
  std::string mode;
  bool complete = true;
  std::string failure;
  int64_t streams = 0;
  double start_s = 0;  // the BatchStartCompiles calls
  double open_s = 0;
  double open_server_cpu_s = 0;
  double idle_cores = -1;  // -1: the quiet spell was too short to measure
  double phase_s = 0;
  int64_t phase_deliveries = 0;
  double phase_server_cpu_s = 0;
  double phase_client_cpu_s = 0;
  int64_t all_deliveries = 0;
  double run_server_cpu_s = 0;
  uint64_t events_logged = 0;  // revisions the compiles took
  std::string check;           // what the exactly-once check found
  Group group;

  void Fail(const std::string& why) {
    if (complete) failure = why;
    complete = false;
  }
};

v1::CompileFilter BenchFilter() {
  v1::CompileFilter filter;
  filter.set_label_selector(absl::StrCat(kLabelKey, "=", kLabelValue));
  return filter;
}

cxone::testing::HarnessOptions Options(const Settings& settings) {
  const std::string poll = absl::StrCat(settings.poll_ms, "ms");
  cxone::testing::HarnessOptions options;
  options.sim_args = {
      absl::StrCat("--queued-ms=", settings.queued_ms),
      absl::StrCat("--in-progress-ms=", settings.in_progress_ms),
      absl::StrCat("--in-progress-ms-max=",
                   settings.in_progress_ms + settings.spread_ms),
      absl::StrCat("--queued-spread-ms=", settings.spread_ms), "--seed=13"};
  options.server_args = {
      absl::StrCat("--poll-interval=", poll),
      absl::StrCat("--queued-poll-interval=", poll),
      absl::StrCat("--min-poll-interval=", poll), "--upstream-rps=5000",
      "--upstream-burst=200", "--max-inflight-requests=16",
      "--upstream-workers=32",
      absl::StrCat("--max-pending-starts=", settings.compiles + 64),
      absl::StrCat("--watch-queues=", settings.watch_queues),
      // No heartbeat during the run: every stream would get one.
      absl::StrCat("--heartbeat-interval=", settings.time_limit_s + 60, "s"),
      // A long QUEUED phase must not count as stuck.
      "--stuck-timeout=30m", "--give-up-timeout=60m"};
  return options;
}

// Starts compiles cw-0 … cw-(count-1), labelled, in batches: of 1000 as
// fast as the gateway takes them, or with `per_second` > 0 one tenth of
// that every 100 ms (smooth enough that the starts do not come as a burst
// each second). All of them, or the first error.
absl::StatusOr<std::vector<v1::Compile>> StartLabelled(
    v1::CompileService::Stub& stub, int64_t count, int64_t per_second) {
  const int64_t batch =
      per_second > 0 ? std::max<int64_t>(1, per_second / 10) : kMaxBatch;
  const absl::Time begin = absl::Now();
  std::vector<v1::Compile> compiles;
  for (int64_t first = 0; first < count; first += batch) {
    if (per_second > 0) {
      // Compile `first` is due first / per_second seconds in.
      absl::SleepFor(begin + absl::Seconds(1) * first / per_second -
                     absl::Now());
    }
    v1::BatchStartCompilesRequest request;
    for (int64_t i = first; i < std::min(count, first + batch); ++i) {
      v1::StartCompileRequest* item = request.add_requests();
      item->set_flow_id(absl::StrCat("cw-", i));
      (*item->mutable_labels())[kLabelKey] = kLabelValue;
      (*item->mutable_labels())["pipeline"] = absl::StrCat("p", i % 10);
    }
    auto response = cxone::testing::BatchStartCompiles(stub, request);
    if (!response.ok()) return response.status();
    for (const v1::BatchStartResult& result : response->results()) {
      if (!result.has_compile()) {
        return absl::InternalError(
            absl::StrCat("an item failed: ", result.status().message()));
      }
      compiles.push_back(result.compile());
    }
  }
  return compiles;
}

// The collection's revision and its compiles that are COMPLETED, from
// every page of a list under the bench's filter.
struct Listed {
  uint64_t revision = 0;
  int64_t compiles = 0;
  int64_t completed = 0;
};
absl::StatusOr<Listed> ListAll(v1::CompileService::Stub& stub) {
  Listed listed;
  v1::ListCompilesRequest request;
  *request.mutable_filter() = BenchFilter();
  request.set_page_size(1000);
  for (int page = 0; page < 1000; ++page) {  // bounds the loop
    auto response = cxone::testing::ListCompiles(stub, request);
    if (!response.ok()) return response.status();
    if (page == 0) listed.revision = response->revision();
    for (const v1::Compile& compile : response->compiles()) {
      ++listed.compiles;
      if (compile.state() == v1::STATE_COMPLETED) ++listed.completed;
    }
    if (response->next_page_token().empty()) break;
    request.set_page_token(response->next_page_token());
  }
  return listed;
}

// What both runs share: the gateway, a connection per watcher, the
// compiles and when they can first leave QUEUED.
struct Bench {
  Bench(const Settings& settings, Run& run, absl::Time deadline)
      : settings(settings), run(run), deadline(deadline) {}

  const Settings& settings;
  Run& run;
  const absl::Time deadline;
  std::unique_ptr<GatewayHarness> harness;
  std::vector<std::unique_ptr<v1::CompileService::Stub>> stubs;
  std::vector<v1::Compile> compiles;
  absl::Time events_begin = absl::InfiniteFuture();

  v1::CompileService::Stub& stub(int64_t watcher) {
    return *stubs[static_cast<size_t>(watcher) % stubs.size()];
  }
  pid_t server_pid() { return harness->server().pid(); }
  absl::Duration left() const { return deadline - absl::Now(); }

  bool Start() {
    auto started = GatewayHarness::Start(Options(settings));
    if (!started.ok()) {
      run.Fail(absl::StrCat("cannot start: ", started.status().ToString()));
      return false;
    }
    harness = *std::move(started);
    stubs = cxone::bench::ConnectedStubs(
        harness->gateway_address(),
        settings.channels > 0 ? settings.channels
                              : std::min<int64_t>(settings.watchers, 1000));
    if (stubs.empty()) {
      run.Fail("a channel did not connect");
      return false;
    }
    return true;
  }

  bool StartCompiles() {
    // The simulator times each compile from its trigger, which is after
    // this.
    const absl::Time sent = absl::Now();
    auto started =
        StartLabelled(harness->stub(), settings.compiles, settings.start_rate);
    if (!started.ok()) {
      run.Fail(
          absl::StrCat("BatchStartCompiles: ", started.status().ToString()));
      return false;
    }
    compiles = *std::move(started);
    run.start_s = absl::ToDoubleSeconds(absl::Now() - sent);
    events_begin = sent + absl::Milliseconds(settings.queued_ms);
    return true;
  }

  // The quiet spell until the compiles can leave QUEUED: every stream
  // open, the compiles polled. Then the change phase, until `finished()`.
  template <typename Finished>
  void IdleThenChanges(Finished finished) {
    const absl::Time idle_begin = absl::Now();
    const double idle_cpu = ProcCpuSeconds(server_pid());
    absl::SleepFor(std::min(events_begin - absl::Milliseconds(200), deadline) -
                   absl::Now());
    const double idle_s = absl::ToDoubleSeconds(absl::Now() - idle_begin);
    const double server_cpu = ProcCpuSeconds(server_pid());
    if (idle_s >= 1) run.idle_cores = (server_cpu - idle_cpu) / idle_s;
    if (absl::Now() > events_begin) {
      run.Fail(
          "the compiles could change state before every stream was open and "
          "measured (raise --queued-ms)");
    }
    const double client_cpu = ProcCpuSeconds(getpid());
    const int64_t delivered = run.group.live_events.load();
    const absl::Time phase_begin = absl::Now();
    if (!WaitUntil(finished, left())) {
      run.Fail("the change phase did not end before the time limit");
    }
    run.phase_s = absl::ToDoubleSeconds(absl::Now() - phase_begin);
    run.phase_server_cpu_s = ProcCpuSeconds(server_pid()) - server_cpu;
    run.phase_client_cpu_s = ProcCpuSeconds(getpid()) - client_cpu;
    run.phase_deliveries = run.group.live_events.load() - delivered;
    // The whole run: start-up, starts, polling, streams, deliveries.
    run.run_server_cpu_s = ProcCpuSeconds(server_pid());
  }

  // Every compile COMPLETED, and the revision everything reached.
  uint64_t FinalRevision() {
    auto listed = ListAll(harness->stub());
    if (!listed.ok()) {
      run.Fail(absl::StrCat("ListCompiles: ", listed.status().ToString()));
      return 0;
    }
    if (listed->compiles != settings.compiles ||
        listed->completed != settings.compiles) {
      run.Fail(absl::StrCat("listed ", listed->compiles, " compiles, ",
                            listed->completed, " COMPLETED, of ",
                            settings.compiles));
    }
    return listed->revision;
  }
};

void RunCollection(const Settings& settings, Run& run, absl::Time deadline) {
  run.mode = "collection";
  Bench bench(settings, run, deadline);
  if (!bench.Start()) return;
  v1::ListCompilesRequest first_page;
  *first_page.mutable_filter() = BenchFilter();
  first_page.set_page_size(1);
  auto listed = cxone::testing::ListCompiles(bench.harness->stub(), first_page);
  if (!listed.ok()) {
    run.Fail(absl::StrCat("ListCompiles: ", listed.status().ToString()));
    return;
  }
  const uint64_t from = listed->revision();

  // List, then watch from the list's revision: one stream per controller.
  cxone::bench::ClientQueues queues(settings.client_queues);
  std::vector<std::unique_ptr<CollectionWatch>> streams;
  const double open_cpu = ProcCpuSeconds(bench.server_pid());
  const absl::Time open_begin = absl::Now();
  for (int64_t w = 0; w < settings.watchers; ++w) {
    streams.push_back(std::make_unique<CollectionWatch>(&run.group));
    streams.back()->Start(bench.stub(w), BenchFilter(), from, queues.queue(w));
  }
  run.streams = settings.watchers;
  if (!WaitUntil([&] { return run.group.synced.load() == run.streams; },
                 std::min(absl::Seconds(30), bench.left()))) {
    run.Fail(absl::StrCat("only ", run.group.synced.load(), " of ", run.streams,
                          " collection streams synced"));
  }
  run.open_s = absl::ToDoubleSeconds(absl::Now() - open_begin);
  run.open_server_cpu_s = ProcCpuSeconds(bench.server_pid()) - open_cpu;

  const int64_t per_event = settings.watchers * settings.compiles;
  if (run.complete && bench.StartCompiles()) {
    // The starts reach every watcher before the quiet spell is measured.
    WaitUntil([&] { return run.group.live_events.load() >= per_event; },
              std::max(absl::ZeroDuration(),
                       bench.events_begin - absl::Seconds(1) - absl::Now()));
    bench.IdleThenChanges([&] {
      return run.group.terminal_events.load() >= per_event ||
             run.group.failed.load() > 0;
    });
  }

  // Every watcher, up to the revision a fresh list reflects: each revision
  // once, in order.
  const uint64_t through = run.complete ? bench.FinalRevision() : 0;
  if (run.complete) {
    WaitUntil(
        [&] {
          return std::all_of(streams.begin(), streams.end(),
                             [&](const auto& stream) {
                               return stream->last_revision() >= through;
                             });
        },
        std::min(absl::Seconds(10), bench.left()));
  }
  cxone::bench::EndAll(
      streams, [&bench] { bench.harness.reset(); }, "collection_watch_bench");
  run.all_deliveries = run.group.live_events.load();
  if (!run.complete) return;
  run.events_logged = through - from;
  CollectionWatch::Tally sum;
  for (const auto& stream : streams) {
    const CollectionWatch::Tally tally = stream->Check(through);
    sum.missing += tally.missing;
    sum.repeated += tally.repeated;
    sum.out_of_order += tally.out_of_order;
    sum.beyond += tally.beyond;
  }
  run.check = absl::StrFormat(
      "revisions %d-%d at each of %d watchers: %d missing, %d repeated, %d "
      "out of order, %d beyond",
      from + 1, through, run.streams, sum.missing, sum.repeated,
      sum.out_of_order, sum.beyond);
  if (sum.missing + sum.repeated + sum.out_of_order + sum.beyond > 0 ||
      run.group.failed.load() > 0 || run.group.replayed.load() > 0) {
    run.Fail(absl::StrCat("not every event exactly once: ", run.check,
                          "; first stream error: ", run.group.FirstError()));
  }
}

void RunPerCompile(const Settings& settings, Run& run, absl::Time deadline) {
  run.mode = "per-compile";
  Bench bench(settings, run, deadline);
  if (!bench.Start() || !bench.StartCompiles()) return;

  // Each controller opens a stream per compile on its own connection, in
  // batches, each batch synced before the next.
  cxone::bench::ClientQueues queues(settings.client_queues);
  std::vector<std::unique_ptr<Watch>> streams;
  run.streams = settings.watchers * settings.compiles;
  streams.reserve(static_cast<size_t>(run.streams));
  const double open_cpu = ProcCpuSeconds(bench.server_pid());
  const absl::Time open_begin = absl::Now();
  const absl::Duration open_limit = std::min(
      bench.left(), bench.events_begin - absl::Milliseconds(500) - absl::Now());
  const absl::Time open_deadline = absl::Now() + open_limit;
  for (int64_t opened = 0; opened < run.streams && run.complete;) {
    const int64_t until = std::min(run.streams, opened + settings.batch);
    for (; opened < until; ++opened) {
      const int64_t watcher = opened / settings.compiles;
      const v1::Compile& compile =
          bench.compiles[static_cast<size_t>(opened % settings.compiles)];
      streams.push_back(std::make_unique<Watch>(&run.group));
      streams.back()->Start(bench.stub(watcher), compile.name(),
                            queues.queue(opened));
    }
    if (!WaitUntil(
            [&] { return run.group.synced.load() >= opened; },
            std::max(absl::ZeroDuration(), open_deadline - absl::Now()))) {
      run.Fail(absl::StrCat("only ", run.group.synced.load(), " of ", opened,
                            " streams synced before the compiles could "
                            "change state (raise --queued-ms)"));
    }
  }
  run.open_s = absl::ToDoubleSeconds(absl::Now() - open_begin);
  run.open_server_cpu_s = ProcCpuSeconds(bench.server_pid()) - open_cpu;
  run.group.open_complete.store(true);

  if (run.complete) {
    bench.IdleThenChanges([&] { return run.group.done.load() == run.streams; });
  }
  const uint64_t through = run.complete ? bench.FinalRevision() : 0;
  cxone::bench::EndAll(
      streams, [&bench] { bench.harness.reset(); }, "collection_watch_bench");
  // Each stream's first delivery is the SNAPSHOT of the start.
  run.all_deliveries = run.group.live_events.load() + run.streams;
  if (!run.complete) return;
  run.events_logged = through;
  const int64_t expected_live =
      settings.watchers * (static_cast<int64_t>(through) - settings.compiles);
  run.check = absl::StrFormat(
      "%d of %d streams ended OK after their terminal event; %d live "
      "events (expected %d), %d before every stream was open, %d replayed",
      run.group.terminal_ok.load(), run.streams, run.group.live_events.load(),
      expected_live, run.group.early_events.load(), run.group.replayed.load());
  if (run.group.terminal_ok.load() != run.streams ||
      run.group.live_events.load() != expected_live ||
      run.group.early_events.load() > 0 || run.group.replayed.load() > 0) {
    run.Fail(absl::StrCat("a per-compile stream missed events: ", run.check,
                          "; first stream error: ", run.group.FirstError()));
  }
}

double Per1000(double seconds, int64_t deliveries) {
  return deliveries > 0 ? seconds * 1000 / static_cast<double>(deliveries) : 0;
}

void Print(const Settings& settings, const std::vector<Run*>& runs) {
  std::printf(
      "collection_watch_bench: %ld compiles (3 logged events each: QUEUED at "
      "the start, IN_PROGRESS, COMPLETED) x %ld watchers, a connection "
      "each; started %s; QUEUED %ld ms + up to %ld ms, IN_PROGRESS %ld-%ld "
      "ms; poll %ld ms\n",
      settings.compiles, settings.watchers,
      settings.start_rate > 0
          ? absl::StrCat(settings.start_rate, " per second").c_str()
          : "all at once",
      settings.queued_ms, settings.spread_ms, settings.in_progress_ms,
      settings.in_progress_ms + settings.spread_ms, settings.poll_ms);
  std::printf("  %-44s", "");
  for (const Run* run : runs) std::printf("%16s", run->mode.c_str());
  std::printf("   target\n");
  auto row = [&](const char* name, auto value, const std::string& target) {
    std::printf("  %-44s", name);
    for (const Run* run : runs) std::printf("%16s", value(*run).c_str());
    std::printf("   %s\n", target.c_str());
  };
  auto fixed = [](double value, int digits) {
    return absl::StrFormat("%.*f", digits, value);
  };
  row(
      "streams", [](const Run& r) { return absl::StrCat(r.streams); }, "");
  row(
      "the starts (BatchStartCompiles) took (s)",
      [&](const Run& r) { return fixed(r.start_s, 1); }, "");
  row(
      "streams opened and synced in (s)",
      [&](const Run& r) { return fixed(r.open_s, 1); }, "");
  row(
      "server CPU to open them (s)",
      [&](const Run& r) { return fixed(r.open_server_cpu_s, 2); }, "");
  row(
      "events logged (revisions)",
      [](const Run& r) { return absl::StrCat(r.events_logged); }, "");
  row(
      "deliveries in all",
      [](const Run& r) { return absl::StrCat(r.all_deliveries); }, "");
  row(
      "delivery latency p50 (ms)",
      [&](const Run& r) { return fixed(r.group.latency.PercentileMs(0.5), 1); },
      "");
  row(
      "delivery latency p99 (ms)",
      [&](const Run& r) {
        return fixed(r.group.latency.PercentileMs(0.99), 1);
      },
      "<= 50 (collection)");
  row(
      "delivery latency max (ms)",
      [&](const Run& r) { return fixed(r.group.latency.MaxMs(), 1); }, "");
  auto latency = [&](const char* name, LatencyHistogram Group::*histogram,
                     const std::string& target) {
    row(
        name,
        [&](const Run& r) {
          const LatencyHistogram& h = r.group.*histogram;
          if (h.count() == 0) return std::string("-");
          return absl::StrFormat("%.1f/%.1f/%.0f", h.PercentileMs(0.5),
                                 h.PercentileMs(0.99), h.MaxMs());
        },
        target);
  };
  latency("  starts only, p50/p99/max (ms)", &Group::start_latency, "");
  latency("  changes only, p50/p99/max (ms)", &Group::change_latency, "");
  row(
      "live deliveries timed",
      [](const Run& r) { return absl::StrCat(r.group.latency.count()); }, "");
  row(
      "change phase (s)", [&](const Run& r) { return fixed(r.phase_s, 1); },
      "");
  row(
      "  deliveries",
      [](const Run& r) { return absl::StrCat(r.phase_deliveries); }, "");
  row(
      "  server CPU (s)",
      [&](const Run& r) { return fixed(r.phase_server_cpu_s, 2); }, "");
  row(
      "  server CPU per 1,000 deliveries (s)",
      [&](const Run& r) {
        return fixed(Per1000(r.phase_server_cpu_s, r.phase_deliveries), 4);
      },
      "collection <= per-compile");
  row(
      "  idle polling before it (cores)",
      [&](const Run& r) {
        return r.idle_cores < 0 ? std::string("-") : fixed(r.idle_cores, 3);
      },
      "");
  row(
      "  ... net of it, per 1,000 deliveries (s)",
      [&](const Run& r) {
        if (r.idle_cores < 0) return std::string("-");
        return fixed(Per1000(r.phase_server_cpu_s - r.idle_cores * r.phase_s,
                             r.phase_deliveries),
                     4);
      },
      "collection <= per-compile");
  row(
      "  client CPU per 1,000 deliveries (s)",
      [&](const Run& r) {
        return fixed(Per1000(r.phase_client_cpu_s, r.phase_deliveries), 4);
      },
      "");
  row(
      "server CPU, whole run (s)",
      [&](const Run& r) { return fixed(r.run_server_cpu_s, 1); }, "");
  row(
      "  per 1,000 deliveries in all (s)",
      [&](const Run& r) {
        return fixed(Per1000(r.run_server_cpu_s, r.all_deliveries), 4);
      },
      "");
  row(
      "heartbeats received",
      [](const Run& r) { return absl::StrCat(r.group.heartbeats.load()); }, "");
  for (const Run* run : runs) {
    std::printf("  %s check: %s\n", run->mode.c_str(),
                run->check.empty() ? "not reached" : run->check.c_str());
    if (!run->complete) {
      std::printf("  %s run did not complete: %s\n", run->mode.c_str(),
                  run->failure.c_str());
    }
  }
  if (runs.size() == 2) {
    const double collection =
        Per1000(runs[0]->phase_server_cpu_s, runs[0]->phase_deliveries);
    const double per_compile =
        Per1000(runs[1]->phase_server_cpu_s, runs[1]->phase_deliveries);
    std::printf(
        "  server CPU per delivery, collection / per-compile: %.2f   target "
        "<= 1.00\n",
        per_compile > 0 ? collection / per_compile : 0.0);
  }
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  std::string mode = "both";
  cxone::FlagParser flags(
      "",
      "collection_watch_bench: WatchCompiles collection watchers against "
      "per-compile WatchCompile streams (prints figures; not a test).\n"
      "Usage: collection_watch_bench [flags]");
  flags.AddInt("compiles", &settings.compiles, {1, 10'000},
               "compiles started (in batches of 1000)");
  flags.AddInt("watchers", &settings.watchers, {1, 10'000},
               "controllers: one collection stream each, or one stream per "
               "compile each");
  flags.AddChoice("mode", &mode, {"both", "collection", "per-compile"},
                  "which runs");
  flags.AddInt("channels", &settings.channels, {0, 1000},
               "client connections; 0: one per watcher (at most 1000)");
  flags.AddInt("queued-ms", &settings.queued_ms, {0, 600'000},
               "how long the compiles stay QUEUED at least, in ms; 0: 15 s + "
               "0.3 ms per per-compile stream (time to open them)");
  flags.AddInt("in-progress-ms", &settings.in_progress_ms, {1, 600'000},
               "how long each compile stays IN_PROGRESS at least, in ms");
  flags.AddInt("spread-ms", &settings.spread_ms, {0, 600'000},
               "each compile's QUEUED and IN_PROGRESS phases last up to this "
               "much longer, drawn at random");
  flags.AddInt("start-rate", &settings.start_rate, {0, 1000},
               "compiles started per second (a batch every 100 ms); 0: all at "
               "once, as fast as the gateway starts them");
  flags.AddInt("poll-ms", &settings.poll_ms, {10, 10'000},
               "the gateway's poll intervals, in ms");
  flags.AddInt("batch", &settings.batch, {1, 1'000'000},
               "per-compile streams opened per batch");
  flags.AddInt("client-queues", &settings.client_queues, {1, 64},
               "the client's completion queues");
  flags.AddInt("watch-queues", &settings.watch_queues, {1, 64},
               "the server's --watch-queues");
  flags.AddInt("time-limit-s", &settings.time_limit_s, {10, 3600},
               "bound on the whole run (both modes), in seconds");
  cxone::bench::ParseFlagsOrExit(flags, argc, argv, "collection_watch_bench");
  if (settings.queued_ms == 0) {
    settings.queued_ms =
        15'000 + settings.watchers * settings.compiles * 3 / 10;
  }
  // Debian's Abseil is built without NDEBUG, so every absl::Mutex runs
  // deadlock detection; the client only loads the machine the server
  // shares (see watch_scale_bench).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  const absl::Time deadline =
      absl::Now() + absl::Seconds(settings.time_limit_s);
  std::vector<std::unique_ptr<Run>> runs;
  if (mode == "both" || mode == "collection") {
    runs.push_back(std::make_unique<Run>());
    RunCollection(settings, *runs.back(), deadline);
  }
  if (mode == "both" || mode == "per-compile") {
    runs.push_back(std::make_unique<Run>());
    RunPerCompile(settings, *runs.back(), deadline);
  }
  std::vector<Run*> printed;
  bool complete = true;
  for (const auto& run : runs) {
    printed.push_back(run.get());
    complete = complete && run->complete;
  }
  Print(settings, printed);
  if (!complete) {
    std::fprintf(stderr, "collection_watch_bench: the run did not complete\n");
  }
  return complete ? 0 : 1;
}
