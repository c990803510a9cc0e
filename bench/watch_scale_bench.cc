// watch_scale_bench: many concurrent WatchCompile streams on one gateway.
//
// Starts the real simulator and gateway on loopback and opens `watchers`
// (default 50,000) WatchCompile streams with the gRPC async client API (on
// `client-queues` completion queues, no thread per stream), spread over
// `compiles` compiles and `channels` client channels (each its own TCP
// connection). The compiles stay QUEUED (no events) while the streams open,
// so the server's memory can be read with every stream open and idle; then
// they turn IN_PROGRESS and COMPLETED — each at its own moment with
// --spread-ms (the default), all at once with --spread-ms=0, and with an
// UPSTREAM_ANOMALY event on every poll in between with --chatty=1. Prints:
//   - event delivery latency p50/p99/max: the client's receive time minus
//     the event's `time` (when the gateway observed the change), for every
//     live event delivered to every watcher (target p99 <= 200 ms);
//   - server RSS per watcher: (VmRSS with the streams open and idle - VmRSS
//     before opening them) / watchers (target <= 10 KB), also at 1,000 and
//     10,000 streams on the way, with the client's own RSS for comparison;
//   - server CPU seconds per 1,000 delivered events over the delivery phase;
//   - events delivered, watchers that saw their terminal event, the
//     cxone_gateway_live_watchers gauge before and after the streams end;
//   - polls are independent of watchers: two identical (not chatty) compiles
//     started together, one watched once and one `indep-watchers` times;
//     the simulator's status_requests of each and their ratio (target 1.00).
// Not a test: it prints figures. Every wait is bounded in time; the whole
// run by --time-limit-s. Exits 1 if the run did not complete (a stream did
// not open, a watcher missed its terminal event, the time ran out), else 0.
//
// Usage: watch_scale_bench [--watchers=50000] [--compiles=50] [--channels=50]
//   [--indep-watchers=1000] [--poll-ms=500] [--in-progress-ms=3000]
//   [--spread-ms=10000] [--chatty=0] [--queued-ms=AUTO] [--batch=1000]
//   [--settle-s=1] [--time-limit-s=300] [--client-queues=8]
//   [--watch-queues=8 (the server's --watch-queues)]
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/bench_flags.h"
#include "bench/watch_clients.h"
#include "grpcpp/grpcpp.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/proc_status.h"

namespace {

namespace v1 = ::cxone::compile::v1;
using ::cxone::bench::ClientQueues;
using ::cxone::bench::Group;
using ::cxone::bench::Watch;
using ::cxone::testing::GatewayHarness;

constexpr char kLiveWatchers[] = "cxone_gateway_live_watchers";

double SelfCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) +
           static_cast<double>(tv.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// Socket descriptors `pid` holds open.
int CountSockets(pid_t pid) {
  int sockets = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(
           absl::StrCat("/proc/", pid, "/fd"), error)) {
    std::error_code link_error;
    const std::filesystem::path target =
        std::filesystem::read_symlink(entry.path(), link_error);
    if (!link_error && absl::StartsWith(target.string(), "socket:")) {
      ++sockets;
    }
  }
  return sockets;
}

// Waits (polling) until `ready()` or `deadline`; returns ready().
template <typename Ready>
bool WaitUntil(Ready ready, absl::Time deadline) {
  while (!ready()) {
    if (absl::Now() >= deadline) return ready();
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

double MetricOr(GatewayHarness& harness, const std::string& name) {
  auto value = harness.Metric(name);
  return value.ok() ? *value : -1;
}

struct MemoryPoint {
  int64_t watchers = 0;
  int64_t server_rss_kib = 0;
  int64_t client_rss_kib = 0;
  double gauge = 0;
};

}  // namespace

int main(int argc, char** argv) {
  int64_t watchers = 50'000;
  int64_t compiles = 50;
  int64_t channel_count = 50;
  int64_t indep_watchers = 1000;
  int64_t poll_ms = 500;
  int64_t in_progress_ms = 3000;
  int64_t batch = 1000;
  int64_t client_queues = 8;
  int64_t spread_ms = 10'000;
  bool chatty = false;
  int64_t watch_queues = 8;
  int64_t settle_s = 1;
  int64_t time_limit_s = 300;
  int64_t queued_ms = 0;  // 0: long enough for the streams to open
  cxone::FlagParser flags(
      "",
      "watch_scale_bench: many concurrent WatchCompile streams on one "
      "gateway (prints figures; not a test).\nUsage: watch_scale_bench "
      "[flags]");
  flags.AddInt("watchers", &watchers, {1, 1'000'000}, "WatchCompile streams");
  flags.AddInt("compiles", &compiles, {1, 200},
               "compiles the streams are spread over");
  flags.AddInt("channels", &channel_count, {1, 1000},
               "client channels, each its own TCP connection");
  flags.AddInt("indep-watchers", &indep_watchers, {1, 100'000},
               "watchers of the one compile of the polls-are-independent "
               "check");
  flags.AddInt("poll-ms", &poll_ms, {1, 10'000},
               "the gateway's poll intervals, in ms");
  flags.AddInt("in-progress-ms", &in_progress_ms, {1, 600'000},
               "how long each compile stays IN_PROGRESS, in ms");
  flags.AddInt("batch", &batch, {1, 1'000'000}, "streams opened per batch");
  flags.AddInt("client-queues", &client_queues, {1, 64},
               "the client's completion queues");
  // 0: every scale compile changes state at the same instant, so each
  // change is one burst to every watcher (the worst case). N: each one's
  // QUEUED and IN_PROGRESS phases last up to N ms longer, drawn at random,
  // as for compiles started at different times.
  flags.AddInt("spread-ms", &spread_ms, {0, 600'000},
               "each compile's phases last up to this much longer, drawn at "
               "random; 0: all change state at the same instant");
  flags.AddBool("chatty", &chatty,
                "an UPSTREAM_ANOMALY event on every poll in between");
  flags.AddInt("watch-queues", &watch_queues, {1, 64},
               "the server's --watch-queues");
  // Seconds the server idles before the baseline reading (time to attach a
  // profiler such as `heaptrack -p PID`, say).
  flags.AddInt("settle-s", &settle_s, {1, 600},
               "seconds the server idles before the baseline reading");
  flags.AddInt("time-limit-s", &time_limit_s, {1, 3600},
               "bound on the whole run, in seconds");
  flags.AddInt("queued-ms", &queued_ms, {1, 600'000},
               "how long the compiles stay QUEUED, in ms; default 10 s + "
               "settle-s + 0.6 ms per watcher");
  cxone::bench::ParseFlagsOrExit(flags, argc, argv, "watch_scale_bench");
  // The compiles stay QUEUED (silent) while the streams open and the memory
  // is read: 50,000 streams open in 10-15 s on a loaded 2-core machine.
  if (queued_ms == 0) queued_ms = 10'000 + settle_s * 1000 + watchers * 6 / 10;

  // Debian's Abseil is built without NDEBUG, so every absl::Mutex (gRPC's
  // own included) runs deadlock detection. The client only loads the
  // machine the server shares: turn it off here (the server keeps it).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);

  const absl::Time begin = absl::Now();
  const absl::Time run_deadline = begin + absl::Seconds(time_limit_s);
  bool complete = true;
  auto fail = [&complete](const std::string& why) {
    std::fprintf(stderr, "watch_scale_bench: %s\n", why.c_str());
    complete = false;
  };

  // Each stream costs no descriptor (they share `channels` connections),
  // but the processes inherit this limit: raise it to the hard limit.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 &&
      files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }

  std::string chatty_flows;
  for (int64_t c = 0; chatty && c < compiles; ++c) {
    absl::StrAppend(&chatty_flows, c == 0 ? "" : ",", "scale-", c);
  }
  const std::string poll = absl::StrCat(poll_ms, "ms");
  cxone::testing::HarnessOptions options;
  options.sim_args = {absl::StrCat("--queued-ms=", queued_ms),
                      absl::StrCat("--in-progress-ms=", in_progress_ms),
                      absl::StrCat("--chatty-flows=", chatty_flows)};
  options.server_args = {
      absl::StrCat("--poll-interval=", poll),
      absl::StrCat("--queued-poll-interval=", poll),
      absl::StrCat("--min-poll-interval=", poll), "--upstream-rps=5000",
      "--upstream-burst=100", "--max-inflight-requests=16",
      absl::StrCat("--upstream-workers=", compiles + 2),
      absl::StrCat("--max-pending-starts=", compiles + 8),
      absl::StrCat("--watch-queues=", watch_queues),
      // No heartbeat during the run: every stream would get one.
      absl::StrCat("--heartbeat-interval=", time_limit_s + 60, "s"),
      // A long QUEUED phase must not count as stuck.
      "--stuck-timeout=30m", "--give-up-timeout=60m"};
  auto started = GatewayHarness::Start(options);
  if (!started.ok()) {
    std::fprintf(stderr, "watch_scale_bench: cannot start: %s\n",
                 started.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<GatewayHarness> harness = *std::move(started);
  const pid_t server_pid = harness->server().pid();
  const pid_t self_pid = getpid();

  std::vector<std::unique_ptr<v1::CompileService::Stub>> stubs =
      cxone::bench::ConnectedStubs(harness->gateway_address(), channel_count);
  if (stubs.empty()) {
    fail("a channel did not connect");
    return 1;
  }

  // Start the two independence compiles together (identical timing, not
  // chatty), then, with the spread on, every scale compile at once.
  const int64_t total_compiles = compiles + 2;
  // The simulator times each compile from its trigger, which is after this.
  const absl::Time triggers_sent = absl::Now();
  std::vector<v1::Compile> started_compiles(total_compiles);
  std::vector<absl::Status> start_status(total_compiles);
  auto start_compiles = [&](int64_t first, int64_t end) {
    std::vector<std::thread> threads;
    for (int64_t c = first; c < end; ++c) {
      threads.emplace_back([&, c] {
        v1::StartCompileRequest request;
        request.set_flow_id(c < compiles    ? absl::StrCat("scale-", c)
                            : c == compiles ? "indep-one-watcher"
                                            : "indep-many-watchers");
        auto compile = cxone::testing::StartCompile(
            *stubs[static_cast<size_t>(c % channel_count)], request);
        if (compile.ok()) {
          started_compiles[c] = *compile;
        } else {
          start_status[c] = compile.status();
        }
      });
    }
    for (auto& thread : threads) thread.join();
  };
  start_compiles(compiles, total_compiles);
  if (spread_ms > 0) {
    if (absl::Status spread = harness->SetSimFaults(
            {{"queued_spread_ms", spread_ms},
             {"in_progress_ms_max", in_progress_ms + spread_ms}});
        !spread.ok()) {
      fail(spread.ToString());
      return 1;
    }
  }
  start_compiles(0, compiles);
  for (int64_t c = 0; c < total_compiles; ++c) {
    if (!start_status[c].ok()) {
      fail(absl::StrCat("StartCompile: ", start_status[c].ToString()));
      return 1;
    }
  }
  const absl::Time events_begin = triggers_sent + absl::Milliseconds(queued_ms);

  // The independence compiles' watchers first, so the baseline includes
  // them and every connection is warm.
  Group indep_one;
  Group indep_many;
  Group scale;
  ClientQueues queues(client_queues);
  std::vector<std::unique_ptr<Watch>> watches;
  watches.reserve(static_cast<size_t>(watchers + indep_watchers + 1));
  auto open = [&](Group* group, const std::string& name, int64_t index) {
    watches.push_back(std::make_unique<Watch>(group));
    watches.back()->Start(*stubs[static_cast<size_t>(index % channel_count)],
                          name, queues.queue(index));
  };
  open(&indep_one, started_compiles[compiles].name(), 0);
  for (int64_t i = 0; i < indep_watchers; ++i) {
    open(&indep_many, started_compiles[compiles + 1].name(), i);
  }
  if (!WaitUntil(
          [&] {
            return indep_one.synced.load() == 1 &&
                   indep_many.synced.load() == indep_watchers;
          },
          std::min(run_deadline, events_begin))) {
    fail(absl::StrCat("independence watchers synced: ", indep_one.synced.load(),
                      " + ", indep_many.synced.load(), " of 1 + ",
                      indep_watchers));
  }

  std::fprintf(stderr, "watch_scale_bench: server pid %d\n", server_pid);
  absl::SleepFor(absl::Seconds(settle_s));
  MemoryPoint baseline{0, cxone::testing::ProcStatusField(server_pid, "VmRSS"),
                       cxone::testing::ProcStatusField(self_pid, "VmRSS"),
                       MetricOr(*harness, kLiveWatchers)};

  // Open the scale watchers in batches, each batch synced before the next;
  // note the memory at 1,000, 10,000 and `watchers` streams.
  std::vector<int64_t> checkpoints;
  for (int64_t point : {int64_t{1000}, int64_t{10'000}, int64_t{50'000}}) {
    if (point < watchers) checkpoints.push_back(point);
  }
  checkpoints.push_back(watchers);
  std::vector<MemoryPoint> curve;
  const absl::Time open_begin = absl::Now();
  double open_seconds = 0;
  int64_t opened = 0;
  for (int64_t checkpoint : checkpoints) {
    while (opened < checkpoint && complete) {
      const int64_t until = std::min(checkpoint, opened + batch);
      for (; opened < until; ++opened) {
        // Watcher i watches compile i % C through channel (i / C) % channels,
        // so each compile's watchers are spread over every connection.
        open(&scale,
             started_compiles[static_cast<size_t>(opened % compiles)].name(),
             opened / compiles);
      }
      if (!WaitUntil([&] { return scale.synced.load() >= opened; },
                     std::min(run_deadline, events_begin))) {
        fail(absl::StrCat("only ", scale.synced.load(), " of ", opened,
                          " streams synced before the compiles started "
                          "(raise --queued-ms?)"));
      }
    }
    if (!complete) break;
    if (checkpoint == watchers) {
      open_seconds = absl::ToDoubleSeconds(absl::Now() - open_begin);
    }
    absl::SleepFor(absl::Seconds(1));  // let the server settle
    curve.push_back({checkpoint,
                     cxone::testing::ProcStatusField(server_pid, "VmRSS"),
                     cxone::testing::ProcStatusField(self_pid, "VmRSS"),
                     MetricOr(*harness, kLiveWatchers)});
  }
  scale.open_complete.store(true);
  const int64_t server_threads =
      cxone::testing::ProcStatusField(server_pid, "Threads");
  const int server_sockets = CountSockets(server_pid);
  if (scale.early_events.load() > 0 || absl::Now() > events_begin) {
    fail(
        absl::StrCat("the compiles produced events before every stream was "
                     "open and measured (raise --queued-ms)"));
  }

  // Idle: every stream open, the compiles QUEUED and still polled. The
  // server's CPU rate here is its cost of polling and of idle streams.
  const absl::Time idle_begin = absl::Now();
  const double idle_cpu_begin = cxone::testing::ProcCpuSeconds(server_pid);

  // Delivery phase: from just before the compiles leave QUEUED until every
  // scale watcher has its terminal event.
  absl::SleepFor(
      std::min(events_begin - absl::Milliseconds(200), run_deadline) -
      absl::Now());
  const double server_cpu_before = cxone::testing::ProcCpuSeconds(server_pid);
  const double idle_seconds = absl::ToDoubleSeconds(absl::Now() - idle_begin);
  const double idle_cores =
      idle_seconds >= 1 ? (server_cpu_before - idle_cpu_begin) / idle_seconds
                        : -1;
  const double client_cpu_before = SelfCpuSeconds();
  const int64_t events_before = scale.live_events.load() +
                                indep_one.live_events.load() +
                                indep_many.live_events.load();
  const absl::Time delivery_begin = absl::Now();
  if (complete &&
      !WaitUntil([&] { return scale.done.load() == watchers; }, run_deadline)) {
    fail(absl::StrCat("only ", scale.done.load(), " of ", watchers,
                      " scale streams ended before the time limit"));
  }
  const double delivery_seconds =
      absl::ToDoubleSeconds(absl::Now() - delivery_begin);
  const double server_cpu =
      cxone::testing::ProcCpuSeconds(server_pid) - server_cpu_before;
  const double client_cpu = SelfCpuSeconds() - client_cpu_before;
  const int64_t events_delivered =
      scale.live_events.load() + indep_one.live_events.load() +
      indep_many.live_events.load() - events_before;

  // Every stream ends by itself after its compile's terminal event.
  WaitUntil(
      [&] {
        return indep_one.done.load() == 1 &&
               indep_many.done.load() == indep_watchers;
      },
      std::min(run_deadline, absl::Now() + absl::Seconds(30)));
  double gauge_after = -1;
  WaitUntil(
      [&] {
        gauge_after = MetricOr(*harness, kLiveWatchers);
        return gauge_after == 0;
      },
      std::min(run_deadline, absl::Now() + absl::Seconds(10)));

  // Polls per compile, from the simulator.
  auto status_requests = [&](int64_t c) -> int64_t {
    auto compile = harness->SimGet(
        absl::StrCat("/_sim/compiles/",
                     started_compiles[static_cast<size_t>(c)].compile_id()));
    if (!compile.ok() || !compile->contains("status_requests")) return -1;
    return (*compile)["status_requests"].get<int64_t>();
  };
  const int64_t polls_one = status_requests(compiles);
  const int64_t polls_many = status_requests(compiles + 1);
  int64_t polls_scale = 0;
  for (int64_t c = 0; c < compiles; ++c) polls_scale += status_requests(c);

  // Print.
  const MemoryPoint& full = curve.empty() ? baseline : curve.back();
  std::printf(
      "watch_scale_bench: W=%ld watchers on %ld %scompiles over %ld "
      "channels; poll %ld ms; QUEUED %ld ms then IN_PROGRESS %ld ms, each "
      "+ up to %ld ms\n",
      watchers, compiles, chatty ? "chatty " : "", channel_count, poll_ms,
      queued_ms, in_progress_ms, spread_ms);
  std::printf("  streams opened and synced          %ld of %ld in %.1f s\n",
              scale.synced.load(), watchers, open_seconds);
  std::printf("  server threads / sockets           %ld / %d\n", server_threads,
              server_sockets);
  std::printf(
      "  memory (idle streams)              server RSS   per watcher"
      "   client RSS   per watcher\n");
  std::printf("    %7ld streams (baseline)      %9.1f MiB %12s %9.1f MiB\n",
              int64_t{0}, static_cast<double>(baseline.server_rss_kib) / 1024,
              "", static_cast<double>(baseline.client_rss_kib) / 1024);
  for (const MemoryPoint& point : curve) {
    const double n = static_cast<double>(point.watchers);
    std::printf(
        "    %7ld streams                 %9.1f MiB %9.2f KB %9.1f MiB "
        "%9.2f KB\n",
        point.watchers, static_cast<double>(point.server_rss_kib) / 1024,
        static_cast<double>(point.server_rss_kib - baseline.server_rss_kib) *
            1.024 / n,
        static_cast<double>(point.client_rss_kib) / 1024,
        static_cast<double>(point.client_rss_kib - baseline.client_rss_kib) *
            1.024 / n);
  }
  std::printf(
      "  server RSS per watcher             %.2f KB (1 KB = 1000 B)   "
      "target <= 10 KB\n",
      full.watchers > 0
          ? static_cast<double>(full.server_rss_kib - baseline.server_rss_kib) *
                1.024 / static_cast<double>(full.watchers)
          : 0.0);
  std::printf("  server peak RSS (VmHWM)            %.1f MiB\n",
              static_cast<double>(
                  cxone::testing::ProcStatusField(server_pid, "VmHWM")) /
                  1024);
  std::printf(
      "  live-watchers gauge                before %.0f, all open %.0f, "
      "after the streams ended %.0f\n",
      baseline.gauge, full.gauge, gauge_after);
  std::printf("  delivery phase                     %.1f s\n",
              delivery_seconds);
  std::printf("  events delivered (live, all)       %ld  (%.0f per second)\n",
              events_delivered,
              delivery_seconds > 0
                  ? static_cast<double>(events_delivered) / delivery_seconds
                  : 0.0);
  std::printf("  events per scale compile           %.1f\n",
              watchers > 0 ? static_cast<double>(scale.live_events.load()) /
                                 static_cast<double>(watchers)
                           : 0.0);
  std::printf(
      "  delivery latency (receive - time)  p50 %.1f ms  p99 %.1f ms  max "
      "%.1f ms   target p99 <= 200 ms  (%lu events",
      scale.latency.PercentileMs(0.5), scale.latency.PercentileMs(0.99),
      scale.latency.MaxMs(), scale.latency.count());
  if (scale.latency.negative() > 0) {
    std::printf(", %lu before `time`", scale.latency.negative());
  }
  std::printf(")\n");
  std::printf(
      "  server CPU per 1,000 events        %.4f s  (%.2f s over the phase; "
      "client %.2f s)\n",
      events_delivered > 0
          ? server_cpu * 1000 / static_cast<double>(events_delivered)
          : 0.0,
      server_cpu, client_cpu);
  if (idle_cores >= 0) {
    const double net_cpu = server_cpu - idle_cores * delivery_seconds;
    std::printf(
        "  server CPU while idle (polling)    %.3f cores (over %.1f s); net "
        "of it, per 1,000 events %.4f s\n",
        idle_cores, idle_seconds,
        events_delivered > 0
            ? net_cpu * 1000 / static_cast<double>(events_delivered)
            : 0.0);
  }
  std::printf("  watchers that saw their terminal   %ld of %ld",
              scale.terminal_ok.load(), watchers);
  {
    absl::MutexLock lock(&scale.mu);
    if (!scale.first_error.empty()) {
      std::printf("  (first failure: %s)", scale.first_error.c_str());
    }
  }
  std::printf("\n");
  std::printf("  heartbeats received                %ld\n",
              scale.heartbeats.load());
  std::printf(
      "  polls vs watchers                  1 watcher: %ld status requests, "
      "%ld watchers: %ld; ratio %.2f (target 1.00)\n",
      polls_one, indep_watchers, polls_many,
      polls_one > 0
          ? static_cast<double>(polls_many) / static_cast<double>(polls_one)
          : 0.0);
  std::printf("  scale compiles' status requests    %.1f per compile\n",
              static_cast<double>(polls_scale) / static_cast<double>(compiles));
  std::fflush(stdout);

  if (scale.terminal_ok.load() != watchers ||
      indep_one.terminal_ok.load() != 1 ||
      indep_many.terminal_ok.load() != indep_watchers || polls_one <= 0 ||
      polls_many <= 0) {
    complete = false;
  }

  // Every watch must be done before it is destroyed: cancel the rest,
  // then stop the processes (which ends any call still open).
  cxone::bench::EndAll(
      watches, [&harness] { harness.reset(); }, "watch_scale_bench");
  if (!complete) {
    std::fprintf(stderr, "watch_scale_bench: the run did not complete\n");
  }
  return complete ? 0 : 1;
}
