// gate_bench: `cxone-compile gate` over a flows directory of 200 flows (10%
// broken) against an account limited to R = 50 requests per second.
//
// Writes the flows directory (copies of the example flows: 90% of
// main-menu.json, which compiles, 10% of broken-refs.json, which fails with
// four errors), starts the real simulator limited to `rps` API requests in
// any rolling second (QUEUED `queued-ms`, IN_PROGRESS `in-progress-ms`) and
// the gateway set to that limit exactly (--account-rps-limit), then runs the
// real CLI binary as a pipeline does: `gate --flows-dir DIR --progress
// plain`, to its exit. Prints:
//   - wall time from the command's start to its exit, against the floor the
//     budget allows: one token, a trigger and two observations (status
//     polls) per flow, at R per second — (1 + 3 × flows) / R (target
//     <= 1.3 x) — and against the floor the compiles themselves allow;
//   - the simulator's 429s (target 0) and requests by kind, so that the
//     polls per flow the gateway spent are visible;
//   - the CLI's peak RSS and CPU time (user + system), from wait4's rusage.
// Not a test: it prints figures. The CLI runs under --timeout, the whole
// run is bounded by --time-limit-s. Exits 1 if the run did not complete
// (the CLI's exit code was not 1, a result was wrong, the time ran out).
//
// Usage: gate_bench [--flows=200] [--broken-percent=10] [--rps=50]
//   [--queued-ms=1000] [--in-progress-ms=2000] [--poll-ms=1000]
//   [--queued-poll-ms=1000] [--time-limit-s=180]
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/bench_flags.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/temp_dir.h"

namespace {

using ::cxone::testing::GatewayHarness;

int64_t Count(const nlohmann::json& stats, const char* group, const char* key) {
  if (!stats.contains(group)) return 0;
  return stats[group].value(key, int64_t{0});
}

struct CliRun {
  int exit_code = -1;
  absl::Duration wall;
  rusage usage{};
  std::string output;  // stdout and stderr
};

// Runs `args` to its end (fork, exec, wait4), its output into `log`.
CliRun RunCli(const std::vector<std::string>& args, const std::string& log) {
  CliRun run;
  std::vector<char*> argv;
  for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const absl::Time start = absl::Now();
  const pid_t pid = fork();
  if (pid == 0) {
    FILE* out = std::fopen(log.c_str(), "w");
    if (out != nullptr) {
      dup2(fileno(out), STDOUT_FILENO);
      dup2(fileno(out), STDERR_FILENO);
    }
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  if (pid > 0 && wait4(pid, &status, 0, &run.usage) == pid) {
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  }
  run.wall = absl::Now() - start;
  std::ifstream file(log);
  run.output.assign(std::istreambuf_iterator<char>(file), {});
  return run;
}

double Seconds(const timeval& time) {
  return static_cast<double>(time.tv_sec) +
         static_cast<double>(time.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t flow_count = 200;
  int64_t broken_percent = 10;
  int64_t rps = 50;
  int64_t queued_ms = 1000;
  int64_t in_progress_ms = 2000;
  int64_t poll_ms = 1000;
  int64_t queued_poll_ms = 1000;
  int64_t time_limit_s = 180;
  cxone::FlagParser flags(
      "",
      "gate_bench: cxone-compile gate over a flows directory against an "
      "account's rate limit (prints figures; not a test).\nUsage: gate_bench "
      "[flags]");
  flags.AddInt("flows", &flow_count, {1, 5000}, "flows in the directory");
  flags.AddInt("broken-percent", &broken_percent, {0, 100},
               "of them broken (FAILED with 4 errors)");
  flags.AddInt("rps", &rps, {1, 5000},
               "the account's limit, requests per rolling second");
  flags.AddInt("queued-ms", &queued_ms, {0, 600'000}, "the simulator's QUEUED time");
  flags.AddInt("in-progress-ms", &in_progress_ms, {0, 600'000},
               "the simulator's IN_PROGRESS time");
  flags.AddInt("poll-ms", &poll_ms, {100, 600'000},
               "the gateway's --poll-interval (running compiles), in ms");
  flags.AddInt("queued-poll-ms", &queued_poll_ms, {100, 600'000},
               "the gateway's --queued-poll-interval, in ms");
  flags.AddInt("time-limit-s", &time_limit_s, {10, 3600},
               "bound on the whole run, in seconds");
  cxone::bench::ParseFlagsOrExit(flags, argc, argv, "gate_bench");
  bool complete = true;
  auto fail = [&complete](const std::string& why) {
    std::fprintf(stderr, "gate_bench: %s\n", why.c_str());
    complete = false;
  };

  cxone::testing::ScopedTempDir dir;
  const std::string flows_dir = dir.path() + "/flows";
  std::filesystem::create_directory(flows_dir);
  const std::string examples = std::string(CXONE_SOURCE_DIR) + "/simulator/flows";
  const int64_t broken = flow_count * broken_percent / 100;
  for (int64_t i = 0; i < flow_count; ++i) {
    // Broken ones spread through the directory's order, not all at its end.
    const bool is_broken = broken > 0 && i % (flow_count / broken) == 0 &&
                           i / (flow_count / broken) < broken;
    std::filesystem::copy_file(
        examples + (is_broken ? "/broken-refs.json" : "/main-menu.json"),
        absl::StrCat(flows_dir, "/flow-", i, ".json"));
  }

  cxone::testing::HarnessOptions options;
  options.sim_args = {absl::StrCat("--flows-dir=", flows_dir),
                      absl::StrCat("--queued-ms=", queued_ms),
                      absl::StrCat("--in-progress-ms=", in_progress_ms),
                      absl::StrCat("--rate-limit-rps=", rps), "--seed=7"};
  options.server_args = {
      absl::StrCat("--account-rps-limit=", rps),
      "--max-inflight-requests=16",
      "--upstream-workers=8",
      absl::StrCat("--poll-interval=", poll_ms, "ms"),
      absl::StrCat("--queued-poll-interval=", queued_poll_ms, "ms"),
      "--min-poll-interval=100ms",
      absl::StrCat("--max-pending-starts=", flow_count + 100)};
  auto started = GatewayHarness::Start(options);
  if (!started.ok()) {
    fail(absl::StrCat("cannot start: ", started.status().ToString()));
    return 1;
  }
  std::unique_ptr<GatewayHarness> harness = *std::move(started);

  const CliRun run = RunCli(
      {CXONE_CLI_BINARY, "--server", harness->gateway_address(), "gate",
       "--flows-dir", flows_dir, "--run-id", "bench", "--progress", "plain",
       "--timeout", absl::StrCat(time_limit_s, "s")},
      dir.path() + "/cli.log");
  if (run.exit_code != (broken > 0 ? 1 : 0)) {
    fail(absl::StrCat("the CLI exited ", run.exit_code, ":\n",
                      run.output.substr(run.output.size() > 3000
                                            ? run.output.size() - 3000
                                            : 0)));
  }
  const std::string expected_summary = absl::StrCat(
      "gate: ", flow_count, " flows: ", flow_count - broken, " COMPLETED, ",
      broken, " FAILED, 0 TIMED_OUT");
  if (!absl::StrContains(run.output, expected_summary)) {
    fail(absl::StrCat("no \"", expected_summary, "\" in the CLI's output"));
  }
  auto stats = harness->SimStats();
  if (!stats.ok()) fail(stats.status().ToString());
  const nlohmann::json counters = stats.ok() ? *stats : nlohmann::json();

  const double wall_s = absl::ToDoubleSeconds(run.wall);
  const double budget_floor_s =
      static_cast<double>(1 + 3 * flow_count) / static_cast<double>(rps);
  const double compile_s = static_cast<double>(queued_ms + in_progress_ms) / 1000;
  // The last flow can be triggered no sooner than the budget allows the
  // triggers before it, and finishes a compile's time later.
  const double compile_floor_s =
      static_cast<double>(1 + flow_count) / static_cast<double>(rps) + compile_s;
  const double floor_s = std::max(budget_floor_s, compile_floor_s);
  const int64_t status = Count(counters, "requests", "status");
  std::printf(
      "gate_bench: gate --flows-dir over %ld flows (%ld broken), account "
      "limit R=%ld rps (simulator and --account-rps-limit), compiles QUEUED "
      "%ld ms then IN_PROGRESS %ld ms, polled every %ld ms (QUEUED) / %ld ms\n",
      flow_count, broken, rps, queued_ms, in_progress_ms, queued_poll_ms,
      poll_ms);
  std::printf("  exit code                             %d   (expected %d)\n",
              run.exit_code, broken > 0 ? 1 : 0);
  std::printf(
      "  wall time, command start to exit      %.1f s\n"
      "  floor: (1 token + %ld x (trigger + 2 polls)) / R = %.1f s; "
      "triggers / R + a compile = %.1f s\n",
      wall_s, flow_count, budget_floor_s, compile_floor_s);
  std::printf(
      "  ... / floor                           %.2f   target <= 1.30 (%.2f of "
      "the budget's floor, %.2f of the compiles')\n",
      wall_s / floor_s, wall_s / budget_floor_s, wall_s / compile_floor_s);
  std::printf("  429s from the simulator               %ld   target 0\n",
              Count(counters, "status_codes", "429"));
  std::printf(
      "  requests by kind                      token %ld, trigger %ld, "
      "status %ld (%.2f polls per flow)\n",
      Count(counters, "requests", "token"), Count(counters, "requests", "trigger"),
      status, static_cast<double>(status) / static_cast<double>(flow_count));
  std::printf(
      "  the CLI: peak RSS %.1f MiB, CPU %.2f s (user %.2f s, system %.2f "
      "s)\n",
      static_cast<double>(run.usage.ru_maxrss) / 1024,
      Seconds(run.usage.ru_utime) + Seconds(run.usage.ru_stime),
      Seconds(run.usage.ru_utime), Seconds(run.usage.ru_stime));
  std::fflush(stdout);
  if (!complete) std::fprintf(stderr, "gate_bench: the run did not complete\n");
  return complete ? 0 : 1;
}
