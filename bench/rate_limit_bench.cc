// rate_limit_bench: 500 compiles against an account limited to 50 requests
// per second, watched through the gateway — set to that limit exactly, as
// users set the number CXone documents (--account-rps-limit) — and, side by
// side in the same run, the seed write-up's design (one independent poll
// loop per compile, fixed 500 ms sleeps, no shared budget) against the same
// simulator limits.
//
// Reports, from the simulator's own records:
//   - 429 responses after the first 5 s (target 0 for the gateway), and in
//     all;
//   - delay between a state change in the simulator and the client learning
//     of it: mean (target <= 1.2 * J / (2R)) and max (target <= 3 * mean);
//   - status polls spent on compiles already seen terminal (target 0);
//   - requests sent during a Retry-After pause.
// Not a test: it prints figures. Every loop is bounded in count and time:
// the whole run by --max-seconds (the gateway's scenario first, at most
// 150 s; the seed design gets what is left).
//
// Usage: rate_limit_bench [--compiles=500] [--rps=50]
// [--mode=both|gateway|seed] [--max-seconds=170]
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_flags.h"
#include "httplib.h"
#include "tests/support/gateway_harness.h"

namespace {

namespace v1 = ::cxone::compile::v1;
using ::cxone::testing::ChildProcess;
using ::cxone::testing::GatewayHarness;

constexpr int kQueuedMs = 5000;
constexpr int kInProgressMinMs = 20000;
constexpr int kInProgressMaxMs = 40000;
constexpr absl::Duration kWarmUp = absl::Seconds(5);
// Hard bound on one scenario; a compile unseen by then counts as missed.
constexpr absl::Duration kMaxScenario = absl::Seconds(150);

std::vector<std::string> SimArgs(int rps) {
  return {absl::StrCat("--queued-ms=", kQueuedMs),
          absl::StrCat("--in-progress-ms=", kInProgressMinMs),
          absl::StrCat("--in-progress-ms-max=", kInProgressMaxMs),
          absl::StrCat("--rate-limit-rps=", rps), "--seed=7"};
}

// When a client learned that compile `compile_id` reached `status`.
struct Observation {
  std::string compile_id;
  std::string status;
  absl::Time at;
};

class Observations {
 public:
  void Add(Observation observation) {
    std::lock_guard<std::mutex> lock(mu_);
    list_.push_back(std::move(observation));
  }
  std::vector<Observation> Get() {
    std::lock_guard<std::mutex> lock(mu_);
    return list_;
  }

 private:
  std::mutex mu_;
  std::vector<Observation> list_;
};

struct Figures {
  std::string label;
  int compiles = 0;
  int terminal_seen = 0;
  double wall_s = 0;
  int64_t throttled_after_warmup = 0;
  int64_t throttled_in_warmup = 0;
  double scenario_limit_s = 0;
  int64_t requests_during_pause = 0;
  int64_t polls_after_terminal = 0;
  int64_t total_requests = 0;
  double mean_delay_s = 0;
  double max_delay_s = 0;
  int delays = 0;
};

httplib::Client SimClient(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(30);
  return client;
}

nlohmann::json SimJson(int port, const std::string& path) {
  httplib::Client client = SimClient(port);
  auto response = client.Get(path.c_str());
  if (!response || response->status != 200) return nlohmann::json();
  return nlohmann::json::parse(response->body, nullptr, false);
}

// Compares when each observed status began in the simulator with when the
// client learned of it.
void Delays(int sim_port, const std::vector<Observation>& seen,
            Figures& figures) {
  nlohmann::json compiles = SimJson(sim_port, "/_sim/compiles");
  std::map<std::pair<std::string, std::string>, int64_t> began_ms;
  if (compiles.is_array()) {
    for (const auto& compile : compiles) {
      for (const auto& transition : compile["transitions"]) {
        began_ms[{compile["compileId"].get<std::string>(),
                  transition["status"].get<std::string>()}] =
            transition["at_unix_ms"].get<int64_t>();
      }
    }
  }
  double sum = 0;
  for (const Observation& observation : seen) {
    auto it = began_ms.find({observation.compile_id, observation.status});
    if (it == began_ms.end() || observation.status == "QUEUED") continue;
    const double delay = std::max(
        0.0,
        static_cast<double>(absl::ToUnixMillis(observation.at) - it->second) /
            1000.0);
    sum += delay;
    figures.max_delay_s = std::max(figures.max_delay_s, delay);
    ++figures.delays;
  }
  figures.mean_delay_s = figures.delays > 0 ? sum / figures.delays : 0;
}

void ReadSimCounters(int sim_port, Figures& figures) {
  nlohmann::json stats = SimJson(sim_port, "/_sim/stats");
  if (!stats.is_object()) return;
  figures.throttled_after_warmup = stats["status_codes"].value("429", 0);
  figures.requests_during_pause = stats.value("requests_during_pause", 0);
  figures.polls_after_terminal = stats.value("status_polls_after_terminal", 0);
  for (const auto& [kind, count] : stats["requests"].items()) {
    figures.total_requests += count.get<int64_t>();
  }
}

// Resets the simulator's counters once the warm-up has passed, so 429s
// counted afterwards are the steady state's; the warm-up's 429s go to
// `figures`.
std::thread ResetAfterWarmUp(int sim_port, absl::Time start, Figures& figures) {
  return std::thread([sim_port, start, &figures] {
    absl::SleepFor(start + kWarmUp - absl::Now());
    nlohmann::json stats = SimJson(sim_port, "/_sim/stats");
    if (stats.is_object()) {
      figures.throttled_in_warmup = stats["status_codes"].value("429", 0);
    }
    httplib::Client client = SimClient(sim_port);
    client.Post("/_sim/reset");
  });
}

int PortOf(const std::string& url) {
  int port = 0;
  (void)absl::SimpleAtoi(url.substr(url.rfind(':') + 1), &port);
  return port;
}

Figures RunGateway(int compiles, int rps, absl::Duration limit) {
  Figures figures;
  figures.label = "gateway";
  figures.compiles = compiles;
  figures.scenario_limit_s = absl::ToDoubleSeconds(limit);
  cxone::testing::HarnessOptions options;
  options.sim_args = SimArgs(rps);
  // The account's limit exactly, as a user sets it: the gateway keeps its
  // own margin below it.
  options.server_args = {absl::StrCat("--account-rps-limit=", rps),
                         "--max-inflight-requests=16",
                         "--upstream-workers=48",
                         "--poll-interval=1s",
                         "--queued-poll-interval=2s",
                         "--min-poll-interval=500ms",
                         absl::StrCat("--max-pending-starts=", compiles)};
  auto harness = GatewayHarness::Start(options);
  if (!harness.ok()) {
    std::fprintf(stderr, "gateway: %s\n", harness.status().ToString().c_str());
    return figures;
  }
  const int sim_port = PortOf((*harness)->sim_url());
  Observations seen;
  std::atomic<int> terminal{0};
  const absl::Time start = absl::Now();
  std::thread reset = ResetAfterWarmUp(sim_port, start, figures);
  std::vector<std::thread> clients;
  for (int c = 0; c < compiles; ++c) {
    clients.emplace_back([&, c] {
      v1::StartCompileRequest request;
      request.set_flow_id(absl::StrCat("bench-", c));
      auto compile = cxone::testing::StartCompile((*harness)->stub(), request);
      if (!compile.ok()) return;
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(start + limit));
      v1::WatchCompileRequest watch;
      watch.set_name(compile->name());
      auto reader = (*harness)->stub().WatchCompile(&context, watch);
      v1::CompileEvent event;
      while (reader->Read(&event)) {
        if (event.type() != v1::EVENT_TYPE_STATE_CHANGED) continue;
        seen.Add({compile->compile_id(), event.upstream_status(), absl::Now()});
        if (event.state() == v1::STATE_COMPLETED ||
            event.state() == v1::STATE_FAILED) {
          ++terminal;
        }
      }
      (void)reader->Finish();
    });
  }
  for (auto& client : clients) client.join();
  reset.join();
  figures.wall_s = absl::ToDoubleSeconds(absl::Now() - start);
  figures.terminal_seen = terminal.load();
  ReadSimCounters(sim_port, figures);
  Delays(sim_port, seen.Get(), figures);
  return figures;
}

// The seed's ManageCompilation: trigger, then poll every 500 ms with up to
// five tries per poll ((attempt+1) * 500 ms after a 429, * 300 ms after a
// 5xx), one loop per compile and nothing shared but the token.
Figures RunSeed(int compiles, int rps, absl::Duration limit) {
  Figures figures;
  figures.label = "seed design";
  figures.compiles = compiles;
  figures.scenario_limit_s = absl::ToDoubleSeconds(limit);
  auto sim = ChildProcess::Start(
      CXONE_SIM_BINARY,
      [&] {
        auto args = SimArgs(rps);
        args.insert(args.end(), {"--port=0", "--client-id=bench"});
        return args;
      }(),
      {{"CXONE_SIM_CLIENT_SECRET", "bench-secret"}});
  if (!sim.ok()) return figures;
  auto line = (*sim)->WaitForLine(
      [](const std::string& l) { return absl::StrContains(l, "listening on"); },
      absl::Seconds(30));
  if (!line.ok()) return figures;
  const int sim_port = PortOf(*line);

  // The seed fetches its token once and shares it.
  std::string token;
  for (int attempt = 0; attempt < 50 && token.empty(); ++attempt) {
    httplib::Client client = SimClient(sim_port);
    auto response = client.Post("/api/v2/oauth/token",
                                "grant_type=client_credentials&client_id=bench&"
                                "client_secret=bench-secret",
                                "application/x-www-form-urlencoded");
    if (response && response->status == 200) {
      token = nlohmann::json::parse(response->body)["access_token"];
    } else {
      absl::SleepFor(absl::Milliseconds(200));
    }
  }
  Observations seen;
  std::atomic<int> terminal{0};
  const absl::Time start = absl::Now();
  std::thread reset = ResetAfterWarmUp(sim_port, start, figures);
  std::vector<std::thread> loops;
  for (int c = 0; c < compiles; ++c) {
    loops.emplace_back([&, c] {
      httplib::Client client = SimClient(sim_port);
      httplib::Headers auth = {{"Authorization", "Bearer " + token}};
      const std::string flow = absl::StrCat("bench-", c);
      std::string compile_id;
      while (compile_id.empty() && absl::Now() < start + limit) {
        auto response =
            client.Post(("/api/v2/flows/" + flow + "/compile").c_str(), auth,
                        "", "application/json");
        if (response && response->status / 100 == 2) {
          compile_id = nlohmann::json::parse(response->body, nullptr, false)
                           .value("compileId", "");
        } else {
          absl::SleepFor(absl::Seconds(2));  // the seed's fixed retry sleep
        }
      }
      std::string last;
      const std::string path =
          "/api/v2/flows/" + flow + "/compile/" + compile_id;
      while (!compile_id.empty() && absl::Now() < start + limit) {
        std::string status;
        for (int attempt = 0; attempt < 5 && status.empty(); ++attempt) {
          auto response = client.Get(path.c_str(), auth);
          if (!response) {
            absl::SleepFor(absl::Milliseconds(200) * (attempt + 1));
          } else if (response->status == 429) {
            absl::SleepFor(absl::Milliseconds(500) * (attempt + 1));
          } else if (response->status >= 500) {
            absl::SleepFor(absl::Milliseconds(300) * (attempt + 1));
          } else if (response->status == 200) {
            status = nlohmann::json::parse(response->body, nullptr, false)
                         .value("status", "");
          } else {
            break;
          }
        }
        if (!status.empty() && status != last) {
          seen.Add({compile_id, status, absl::Now()});
          last = status;
          if (status == "COMPLETED" || status == "FAILED") {
            ++terminal;
            return;
          }
        }
        absl::SleepFor(absl::Milliseconds(500));
      }
    });
  }
  for (auto& loop : loops) loop.join();
  reset.join();
  figures.wall_s = absl::ToDoubleSeconds(absl::Now() - start);
  figures.terminal_seen = terminal.load();
  ReadSimCounters(sim_port, figures);
  Delays(sim_port, seen.Get(), figures);
  return figures;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t compiles_flag = 500;
  int64_t rps_flag = 50;
  std::string mode = "both";
  int64_t max_seconds = 170;
  cxone::FlagParser flags(
      "",
      "rate_limit_bench: compiles against an account's rate limit, "
      "through the gateway and the seed design (prints figures; not a "
      "test).\nUsage: rate_limit_bench [flags]");
  flags.AddInt("compiles", &compiles_flag, {1, 5000}, "concurrent compiles");
  flags.AddInt("rps", &rps_flag, {1, 5000},
               "the account's limit, requests per rolling second");
  flags.AddChoice("mode", &mode, {"both", "gateway", "seed"},
                  "which designs to run");
  flags.AddInt("max-seconds", &max_seconds, {20, 3600},
               "bound on the whole run");
  cxone::bench::ParseFlagsOrExit(flags, argc, argv, "rate_limit_bench");
  const int compiles = static_cast<int>(compiles_flag);
  const int rps = static_cast<int>(rps_flag);
  const absl::Time run_deadline = absl::Now() + absl::Seconds(max_seconds);
  // Each scenario gets what is left of the run (at most kMaxScenario), less
  // ten seconds for starting and stopping the processes.
  auto scenario_limit = [&] {
    return std::clamp(run_deadline - absl::Now() - absl::Seconds(10),
                      absl::Seconds(10), kMaxScenario);
  };
  std::vector<Figures> results;
  if (mode == "both" || mode == "gateway")
    results.push_back(RunGateway(compiles, rps, scenario_limit()));
  if (mode == "both" || mode == "seed")
    results.push_back(RunSeed(compiles, rps, scenario_limit()));
  const double target_mean = 1.2 * compiles / (2.0 * rps);
  std::printf(
      "rate_limit_bench: J=%d compiles, account limit R=%d rps, QUEUED %d s "
      "then "
      "IN_PROGRESS %d-%d s\n",
      compiles, rps, kQueuedMs / 1000, kInProgressMinMs / 1000,
      kInProgressMaxMs / 1000);
  std::printf("%-34s", "");
  for (const Figures& f : results) std::printf("%16s", f.label.c_str());
  std::printf("   target\n");
  auto row = [&](const char* name, auto value, const char* format,
                 const std::string& target) {
    std::printf("%-34s", name);
    for (const Figures& f : results) std::printf(format, value(f));
    std::printf("   %s\n", target.c_str());
  };
  row(
      "scenario time limit (s)",
      [](const Figures& f) { return f.scenario_limit_s; }, "%16.0f", "");
  row(
      "compiles seen to the end",
      [](const Figures& f) { return f.terminal_seen; }, "%16d",
      absl::StrCat(compiles));
  row(
      "wall time (s)", [](const Figures& f) { return f.wall_s; }, "%16.1f", "");
  row(
      "429s after the first 5 s",
      [](const Figures& f) { return f.throttled_after_warmup; }, "%16ld", "0");
  row(
      "429s in all",
      [](const Figures& f) {
        return f.throttled_in_warmup + f.throttled_after_warmup;
      },
      "%16ld", "0");
  row(
      "requests during a pause",
      [](const Figures& f) { return f.requests_during_pause; }, "%16ld", "0");
  row(
      "state-change delay, mean (s)",
      [](const Figures& f) { return f.mean_delay_s; }, "%16.2f",
      absl::StrFormat("<= %.2f", target_mean));
  row(
      "state-change delay, max (s)",
      [](const Figures& f) { return f.max_delay_s; }, "%16.2f", "<= 3 x mean");
  row(
      "max / mean",
      [](const Figures& f) {
        return f.mean_delay_s > 0 ? f.max_delay_s / f.mean_delay_s : 0.0;
      },
      "%16.2f", "<= 3");
  row(
      "state changes measured", [](const Figures& f) { return f.delays; },
      "%16d", "");
  row(
      "polls of compiles seen terminal",
      [](const Figures& f) { return f.polls_after_terminal; }, "%16ld", "0");
  row(
      "API requests after the first 5 s",
      [](const Figures& f) { return f.total_requests; }, "%16ld", "");
  return 0;
}
