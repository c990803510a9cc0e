// cxone-sim: a stand-in for NICE CXone's flow compilation REST API, for the
// gateway's tests and for demos. See sim_http_server.h for the endpoints and
// the flags below (`cxone-sim --help`) for what can be simulated.
//
// Prints exactly one line on stdout once it is listening:
//   cxone-sim listening on http://HOST:PORT
// Logs are JSON lines on stderr. SIGINT or SIGTERM stops it cleanly (exit 0);
// a bad flag exits 2, a failure to listen exits 1.
#include <pthread.h>
#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/flag_set.h"
#include "common/json_log.h"
#include "common/redactor.h"
#include "common/resource_name.h"
#include "simulator/sim_http_server.h"
#include "simulator/sim_state.h"

namespace {

struct Flags {
  std::string host = "127.0.0.1";
  int64_t port = 0;
  std::string flows_dir;
  std::string client_id = "demo-client";
  std::string client_secret = "demo-secret";
  absl::Duration token_ttl = absl::Seconds(3600);
  int64_t queued_ms = 1000;
  int64_t in_progress_ms = 3000;
  std::string scopes = "flow:read flow:write";
  std::string not_found_flows;
  std::string failing_flows;
  int64_t rate_limit_per_second = 0;
  absl::Duration response_delay = absl::ZeroDuration();
};

void Register(cxone::FlagSet& flag_set, Flags& flags) {
  flag_set.AddString("host", &flags.host, "address to listen on");
  flag_set.AddInt("port", &flags.port, "port to listen on; 0 picks a free one");
  flag_set.AddString("flows-dir", &flags.flows_dir,
                     "directory of flow definitions, {flowId}.json; a flow "
                     "without a file compiles cleanly");
  flag_set.AddString("client-id", &flags.client_id,
                     "the OAuth client id that may obtain tokens");
  flag_set.AddString("client-secret", &flags.client_secret,
                     "that client's secret");
  flag_set.MarkSecret("client-secret");
  flag_set.AddDuration("token-ttl", &flags.token_ttl,
                       "lifetime of issued access tokens");
  flag_set.AddInt("queued-ms", &flags.queued_ms,
                  "milliseconds a compilation stays QUEUED");
  flag_set.AddInt("in-progress-ms", &flags.in_progress_ms,
                  "milliseconds a compilation then stays IN_PROGRESS");
  flag_set.AddString("scopes", &flags.scopes,
                     "space-separated scopes tokens may be granted");
  flag_set.AddString("not-found-flows", &flags.not_found_flows,
                     "comma-separated flow ids whose trigger answers 404");
  flag_set.AddString("failing-flows", &flags.failing_flows,
                     "comma-separated flow ids whose trigger and status "
                     "answer 503");
  flag_set.AddInt("rate-limit-per-second", &flags.rate_limit_per_second,
                  "trigger and status requests admitted per second before "
                  "answering 429; 0 turns the limit off");
  flag_set.AddDuration("response-delay", &flags.response_delay,
                       "delay added to every API request (to observe a "
                       "client's concurrency)");
}

std::vector<std::string> SplitList(absl::string_view text,
                                   absl::string_view separators) {
  std::vector<std::string> items;
  for (absl::string_view item :
       absl::StrSplit(text, absl::ByAnyChar(separators), absl::SkipEmpty())) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) items.emplace_back(item);
  }
  return items;
}

absl::Status FillFlowSet(absl::string_view flag, absl::string_view list,
                         absl::flat_hash_set<std::string>* out) {
  for (const std::string& flow_id : SplitList(list, ",")) {
    if (absl::Status valid = cxone::ValidateFlowId(flow_id); !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, ": ", valid.message()));
    }
    out->insert(flow_id);
  }
  return absl::OkStatus();
}

// Checks the values FlagSet cannot and turns them into the simulator's
// configuration.
absl::Status BuildConfig(const Flags& flags, cxone::sim::SimConfig* config,
                         cxone::sim::SimHttpOptions* options) {
  if (flags.port < 0 || flags.port > 65535) {
    return absl::InvalidArgumentError("--port must be between 0 and 65535");
  }
  if (flags.queued_ms < 0 || flags.in_progress_ms < 0) {
    return absl::InvalidArgumentError(
        "--queued-ms and --in-progress-ms must not be negative");
  }
  if (flags.token_ttl < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--token-ttl must be at least 1s");
  }
  if (flags.rate_limit_per_second < 0) {
    return absl::InvalidArgumentError(
        "--rate-limit-per-second must not be negative");
  }
  if (!flags.flows_dir.empty()) {
    std::error_code error;
    if (!std::filesystem::is_directory(flags.flows_dir, error)) {
      return absl::InvalidArgumentError(
          absl::StrCat("--flows-dir ", flags.flows_dir, " is not a directory"));
    }
  }
  config->client_id = flags.client_id;
  config->client_secret = flags.client_secret;
  config->token_ttl = flags.token_ttl;
  config->scopes = SplitList(flags.scopes, " ,");
  config->queued_duration = absl::Milliseconds(flags.queued_ms);
  config->in_progress_duration = absl::Milliseconds(flags.in_progress_ms);
  config->rate_limit_per_second = flags.rate_limit_per_second;
  if (absl::Status status = FillFlowSet(
          "not-found-flows", flags.not_found_flows, &config->not_found_flows);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = FillFlowSet("failing-flows", flags.failing_flows,
                                        &config->failing_flows);
      !status.ok()) {
    return status;
  }
  options->host = flags.host;
  options->port = static_cast<int>(flags.port);
  options->response_delay = flags.response_delay;
  return absl::OkStatus();
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  cxone::FlagSet flag_set(
      "CXONE_SIM_",
      "cxone-sim: a stand-in for NICE CXone's flow compilation REST API.\n"
      "Usage: cxone-sim [flags]");
  Register(flag_set, flags);
  absl::StatusOr<std::vector<std::string>> positional =
      flag_set.Parse(cxone::ArgsOf(argc, argv), cxone::ProcessEnv());
  if (!positional.ok()) {
    std::fprintf(stderr, "cxone-sim: %s\n",
                 std::string(positional.status().message()).c_str());
    return 2;
  }
  if (flag_set.help_requested()) {
    std::fputs(flag_set.Usage().c_str(), stdout);
    return 0;
  }
  if (!positional->empty()) {
    std::fprintf(stderr, "cxone-sim: unexpected argument \"%s\" (see --help)\n",
                 positional->front().c_str());
    return 2;
  }
  cxone::sim::SimConfig config;
  cxone::sim::SimHttpOptions options;
  if (absl::Status status = BuildConfig(flags, &config, &options);
      !status.ok()) {
    std::fprintf(stderr, "cxone-sim: %s\n",
                 std::string(status.message()).c_str());
    return 2;
  }

  // Block the stop signals before any thread starts, so that every thread
  // inherits the mask and only sigwait() below ever receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  cxone::RealClock clock;
  cxone::Redactor redactor;
  // Only the client secret is registered: tokens are never logged, and
  // registering each would soon push the secret out of the Redactor.
  redactor.AddSecret(config.client_secret);
  cxone::JsonLog log(stderr, &clock, &redactor);
  log.Info("starting", {{"config", flag_set.EffectiveConfig()}});

  std::random_device entropy;
  const uint64_t seed = (static_cast<uint64_t>(entropy()) << 32) | entropy();
  cxone::sim::SimState state(std::move(config), &clock,
                             cxone::sim::FlowsFromDirectory(flags.flows_dir),
                             seed);
  cxone::sim::SimHttpServer server(&state, &clock, &log, options);
  absl::StatusOr<int> port = server.Start();
  if (!port.ok()) {
    log.Error("cannot start", {{"error", port.status().ToString()}});
    return 1;
  }
  const std::string host = flags.host.find(':') == std::string::npos
                               ? flags.host
                               : absl::StrCat("[", flags.host, "]");
  std::printf("cxone-sim listening on http://%s:%d\n", host.c_str(), *port);
  std::fflush(stdout);
  log.Info("listening", {{"host", flags.host}, {"port", *port}});

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log.Info("stopping", {{"signal", strsignal(signal_number)}});
  server.Shutdown();
  log.Info("stopped");
  return 0;
}
